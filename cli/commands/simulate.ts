import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { publishRecords } from '../../processors/simulator-source.js';
import { DEFAULT_START, simulateStream, truthJson, writeSimulation } from '../../processors/simulator/index.js';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bool, checks, parseCommand, parseIntFlag, parseTimeFlag, str, WAREHOUSE_FLAGS, type CommandSpec } from '../args.js';
import type { CliIo } from '../io.js';

/**
 * `slo-pipeline simulate`: seeded, deterministic traffic with its ground truth, written
 * as JSON Lines (`--out`) or published as Avro to Kafka (`--kafka BROKERS`). Streams: a
 * month of traffic never sits in memory at once.
 */
export const SIMULATE_SPEC = {
  name: 'simulate',
  summary: 'Write (or publish to Kafka) seeded simulator traffic and its ground truth.',
  description:
    'Deterministic: the same seed, days and start give the same events and ids. One of --out or --kafka.\n' +
    '--data/--clickhouse are accepted like on every command; simulate itself writes no warehouse.',
  flags: {
    out: str('FILE', 'write JSON Lines envelopes (the input of `slo-pipeline ingest`) to FILE'),
    kafka: str('BROKERS', 'publish Avro records to these Kafka brokers (host:port,...) instead'),
    truth: str('FILE', 'also write the ground truth (expected facts, SLIs, costs) as JSON'),
    seed: str('N', 'the random seed', { default: '42', check: checks.int(0) }),
    days: str('N', 'days of traffic', { default: '2', check: checks.int(1) }),
    start: str('TIME', 'the first day (ISO 8601 or epoch ms)', { default: DEFAULT_START, check: checks.time }),
    'journeys-per-day': str('N', 'journeys a day', { default: '10000', check: checks.int(1) }),
    partitions: str('N', 'partitions of the input topics created on Kafka', { default: '6', check: checks.int(1) }),
    json: bool('the summary as JSON; no progress lines'),
    ...WAREHOUSE_FLAGS,
  },
} as const satisfies CommandSpec;

export async function simulateCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(SIMULATE_SPEC, argv, io);
  if (!parsed) return 0;
  const { values } = parsed;
  if (!values.out && !values.kafka) throw new PipelineError('BAD_ARGUMENT', 'simulate needs --out FILE or --kafka BROKERS');
  if (values.out && values.kafka) throw new PipelineError('BAD_ARGUMENT', 'use --out or --kafka, not both');
  for (const [flag, file] of [['out', values.out], ['truth', values.truth]] as const) {
    if (file !== undefined && !existsSync(dirname(resolve(file)))) {
      throw new PipelineError('BAD_ARGUMENT', `--${flag} ${file}: the folder ${dirname(file)} does not exist`, { field: flag, value: file });
    }
  }
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
