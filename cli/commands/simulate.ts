import { writeFileSync } from 'node:fs';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { publishRecords } from '../../processors/simulator-source.js';
import { simulate, toJsonLines } from '../../processors/simulator/index.js';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { parseFlags, parseIntFlag, parseTimeFlag } from '../args.js';
import type { CliIo } from '../io.js';

/**
 * `slo-pipeline simulate`: seeded, deterministic traffic with its ground truth, written
 * as JSON Lines (`--out`) or published as Avro to Kafka (`--kafka BROKERS`).
 */
export async function simulateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, {
    seed: { type: 'string' },
    days: { type: 'string' },
    start: { type: 'string' },
    'journeys-per-day': { type: 'string' },
    out: { type: 'string' },
    truth: { type: 'string' },
    kafka: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!values.out && !values.kafka) throw new PipelineError('BAD_ARGUMENT', 'simulate needs --out FILE or --kafka BROKERS');
  const options = {
    seed: parseIntFlag('seed', values.seed, 42),
    days: parseIntFlag('days', values.days, 2, 1),
    ...(values.start ? { start: parseTimeFlag('start', values.start) } : {}),
    ...(values['journeys-per-day'] ? { journeysPerDay: parseIntFlag('journeys-per-day', values['journeys-per-day'], 0, 1) } : {}),
  };
  const sim = simulate(options);
  if (values.out) writeFileSync(values.out, toJsonLines(sim));
  if (values.truth) writeFileSync(values.truth, `${JSON.stringify(sim.truth, null, 2)}\n`);
  let published = 0;
  if (values.kafka) {
    const { createKafkaTransport } = await import('../../processors/transport/kafka/index.js');
    const { INPUT_TOPIC_LIST } = await import('../../processors/contracts/topics.js');
    const transport = createKafkaTransport({ brokers: values.kafka.split(',') });
    try {
      await transport.ensureTopics(INPUT_TOPIC_LIST.map((topic) => ({ topic, partitions: 6 })));
      const producer = await transport.producer();
      published = await publishRecords(sim.records, producer, defaultCodec(), (n) => {
        if (!values.json) io.err(`published ${n}`);
      });
      await producer.close();
    } finally {
      await transport.close();
    }
  }
  const summary = { records: sim.records.length, published, out: values.out ?? null, truth: values.truth ?? null };
  io.out(values.json ? JSON.stringify(summary) : `simulated ${summary.records} records${values.out ? ` -> ${values.out}` : ''}${values.kafka ? `, published ${published} to Kafka` : ''}`);
  return 0;
}
