import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { INPUT_TOPIC_LIST, dlqTopic } from '../../processors/contracts/topics.js';
import { toWireMessage } from '../../processors/simulator-source.js';
import { simulate, type SimOutput } from '../../processors/simulator/index.js';
import { createKafkaTransport } from '../../processors/transport/kafka/index.js';
import { MemoryTransport, waitForCaughtUp, withTopicPrefix } from '../../processors/transport/index.js';
import type { Message, OutgoingMessage, Transport } from '../../processors/transport/types.js';
import { getKafkaBrokers, uniqueKafkaName } from '../support/kafka.js';
import { openTestWarehouse } from '../support/warehouse.js';
import { outcome, PARTITIONS, pipeline, type Outcome } from './pipeline.js';

export { outcome, pipeline, PARTITIONS, type Outcome } from './pipeline.js';

/** Client settings of every Kafka test member: a short session so a killed member's partitions move on quickly. */
export const TEST_KAFKA = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, logLevel: 'error' } as const;

/** One seeded day of simulator traffic (about 14k records, duplicates and bad records included). */
export function simulation(seed = 23): SimOutput {
  const codec = defaultCodec();
  return simulate({ seed, days: 1, journeysPerDay: 1500, encodeAvro: (r, v) => codec.encode(r, v) });
}

/** The simulator's records as Kafka messages, in delivery order, split into `chunks` runs. */
export function wireChunks(sim: SimOutput, chunks: number): Array<Array<{ topic: string; message: OutgoingMessage }>> {
  const codec = defaultCodec();
  const all = sim.records.flatMap((r) => {
    const w = toWireMessage(r, codec);
    return w ? [w] : [];
  });
  const size = Math.ceil(all.length / chunks);
  return Array.from({ length: chunks }, (_, i) => all.slice(i * size, (i + 1) * size));
}

export async function publish(transport: Transport, messages: Array<{ topic: string; message: OutgoingMessage }>): Promise<void> {
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const { topic, message } of messages) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
  const producer = await transport.producer();
  for (const [topic, msgs] of byTopic) await producer.send(topic, msgs);
  await producer.close();
}

/**
 * A Kafka transport whose topics live under a random prefix: each test has its own
 * `tjm.journey.v1` etc. on the shared broker while the pipeline sees the contract's names.
 */
export async function kafkaTransport(prefix: string): Promise<Transport> {
  const brokers = (await getKafkaBrokers()).split(',');
  return withTopicPrefix(createKafkaTransport({ brokers, ...TEST_KAFKA }), prefix);
}

export function newPrefix(): string {
  return `${uniqueKafkaName('t')}.`;
}

export async function ensureInputTopics(transport: Transport): Promise<void> {
  await transport.ensureTopics(INPUT_TOPIC_LIST.flatMap((topic) => [{ topic, partitions: PARTITIONS }, { topic: `${topic}.dlq`, partitions: PARTITIONS }]));
}

export async function caughtUp(transport: Transport, groupId: string): Promise<void> {
  await waitForCaughtUp(transport, groupId, INPUT_TOPIC_LIST, { timeoutMs: 180_000 });
}

/** The same traffic through the in-memory transport: the embedded run Kafka must equal. */
export async function embeddedReference(sim: SimOutput): Promise<Outcome> {
  const t = await openTestWarehouse();
  try {
    const transport = new MemoryTransport({ defaultPartitions: PARTITIONS });
    await publish(transport, wireChunks(sim, 1)[0]!);
    const p = pipeline(transport, t.wh, 'reference');
    await p.start();
    await caughtUp(transport, 'reference');
    await p.stop();
    await transport.close();
    return await outcome(t.wh);
  } finally {
    await t.drop();
  }
}

/**
 * Every record of `topics` a reader of committed records sees, once `expected` arrived and
 * nothing more came for `quietMs` (end offsets cannot say when all is read on a topic written
 * in transactions: they count aborted records and transaction markers too).
 */
export async function readCommitted(transport: Transport, topics: string[], expected: number, quietMs = 3_000): Promise<Message[]> {
  const got: Message[] = [];
  let last = Date.now();
  const c = transport.consumer({ groupId: uniqueKafkaName('reader'), topics });
  await c.start({
    onBatch: async (b) => {
      got.push(...b.messages);
      last = Date.now();
    },
  });
  const deadline = Date.now() + 120_000;
  while (!(got.length >= expected && Date.now() - last >= quietMs)) {
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await c.stop();
  return got.sort((x, y) => (x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : x.partition - y.partition || Number(x.offset) - Number(y.offset)));
}

/** Every record of the input topics' dead-letter topics (readCommitted). */
export function readDeadLetters(transport: Transport, expected: number): Promise<Message[]> {
  return readCommitted(transport, INPUT_TOPIC_LIST.map(dlqTopic), expected);
}
