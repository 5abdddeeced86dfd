import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { publishRecords } from '../../processors/simulator-source.js';
import { simulateStream, truthJson, writeSimulation } from '../../processors/simulator/index.js';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { writeFileSync } from 'node:fs';
import { parseFlags, parseIntFlag, parseTimeFlag, WAREHOUSE_FLAGS } from '../args.js';
import type { CliIo } from '../io.js';

/**
 * `slo-pipeline simulate`: seeded, deterministic traffic with its ground truth, written
 * as JSON Lines (`--out`) or published as Avro to Kafka (`--kafka BROKERS`). Streams: a
 * month of traffic never sits in memory at once.
 */
export async function simulateCommand(argv: string[], io: CliIo): Promise<number> {
  // --data/--clickhouse are accepted like on every command; simulate itself writes no warehouse.
  const { values } = parseFlags(argv, {
    ...WAREHOUSE_FLAGS,
    seed: { type: 'string' },
    days: { type: 'string' },
    start: { type: 'string' },
    'journeys-per-day': { type: 'string' },
    out: { type: 'string' },
    truth: { type: 'string' },
    kafka: { type: 'string' },
    partitions: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!values.out && !values.kafka) throw new PipelineError('BAD_ARGUMENT', 'simulate needs --out FILE or --kafka BROKERS');
  if (values.out && values.kafka) throw new PipelineError('BAD_ARGUMENT', 'use --out or --kafka, not both');
  const codec = defaultCodec();
  const options = {
    seed: parseIntFlag('seed', values.seed, 42),
    days: parseIntFlag('days', values.days, 2, 1),
    ...(values.start ? { start: parseTimeFlag('start', values.start) } : {}),
    ...(values['journeys-per-day'] ? { journeysPerDay: parseIntFlag('journeys-per-day', values['journeys-per-day'], 0, 1) } : {}),
    encodeAvro: (record: string, value: unknown) => codec.encode(record, value),
  };
  const stream = simulateStream(options);
  let records = 0;
  if (values.out) {
    const summary = await writeSimulation(stream, { jsonl: values.out, ...(values.truth ? { truth: values.truth } : {}) });
    records = summary.lines;
  } else if (values.kafka) {
    const { openKafkaTransport } = await import('../../processors/transport/kafka/index.js');
    const { INPUT_TOPIC_LIST } = await import('../../processors/contracts/topics.js');
    const transport = await openKafkaTransport(values.kafka.split(',').map((b) => b.trim()).filter(Boolean), io.env);
    try {
      const partitions = parseIntFlag('partitions', values.partitions, 6, 1);
      await transport.ensureTopics(INPUT_TOPIC_LIST.map((topic) => ({ topic, partitions })));
      const producer = await transport.producer();
      records = await publishRecords(stream, producer, codec, (n) => {
        if (!values.json) io.err(`published ${n}`);
      });
      await producer.close();
    } finally {
      await transport.close();
    }
    if (values.truth) writeFileSync(values.truth, truthJson(stream.truth()));
  }
  const summary = { records, destination: values.out ?? `kafka ${values.kafka}`, truth: values.truth ?? null };
  io.out(values.json ? JSON.stringify(summary) : `simulated ${records} records -> ${summary.destination}${values.truth ? `; truth -> ${values.truth}` : ''}`);
  return 0;
}
