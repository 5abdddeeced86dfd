/**
 * The librdkafka bindings in the client comparison: node-rdkafka, and Confluent's
 * @confluentinc/kafka-javascript through both of its APIs (the node-rdkafka-compatible one,
 * and the promise API shaped like kafkajs that a port adapter would use). Neither package is
 * a dependency (both need a native build); see loadOptional.
 */
import { benchGroup, loadOptional, payload, SEND_SLICE, type RunFn } from './kafka-clients-common.js';

/** The subset of the node-rdkafka API used here (Confluent's package exports the same). */
interface Rdkafka {
  Producer: new (conf: Record<string, unknown>) => RdProducer;
  KafkaConsumer: new (conf: Record<string, unknown>, topicConf: Record<string, unknown>) => RdConsumer;
}
interface RdProducer {
  connect(opts: object, cb: (err: Error | null) => void): void;
  produce(topic: string, partition: number | null, value: Buffer, key: string): void;
  poll(): void;
  setPollInterval(ms: number): void;
  flush(timeout: number, cb: (err: Error | null) => void): void;
  disconnect(cb: () => void): void;
}
interface RdConsumer {
  connect(opts: object, cb: (err: Error | null) => void): void;
  subscribe(topics: string[]): void;
  setDefaultConsumeTimeout(ms: number): void;
  consume(n: number, cb: (err: Error | null, messages: unknown[]) => void): void;
  disconnect(cb: () => void): void;
}

/** The subset of Confluent's kafkajs-shaped promise API (`require(...).KafkaJS`) used here. */
interface ConfluentKafkaJs {
  KafkaJS: {
    Kafka: new (conf: Record<string, unknown>) => {
      producer(conf: Record<string, unknown>): {
        connect(): Promise<void>;
        send(r: { topic: string; messages: Array<{ key: string; value: Buffer }> }): Promise<unknown>;
        disconnect(): Promise<void>;
      };
      consumer(conf: Record<string, unknown>): {
        connect(): Promise<void>;
        subscribe(s: { topics: string[] }): Promise<void>;
        run(r: { partitionsConsumedConcurrently?: number; eachBatch: (p: { batch: { messages: unknown[] } }) => Promise<void> }): Promise<void>;
        disconnect(): Promise<void>;
      };
    };
    logLevel: { NOTHING: number };
  };
}

export const NODE_RDKAFKA = 'node-rdkafka';
export const CONFLUENT = '@confluentinc/kafka-javascript';

function rdkafkaProduce(moduleName: string): RunFn {
  return async (brokers, topic, n) => {
    const { Producer } = await loadOptional<Rdkafka>(moduleName);
    // No per-message delivery callbacks (each one crosses into JS); flush() waits for all acks.
    const producer = new Producer({
      'metadata.broker.list': brokers,
      'enable.idempotence': true,
      'linger.ms': 5,
      'batch.num.messages': 10_000,
      'queue.buffering.max.messages': 1_000_000,
      'queue.buffering.max.kbytes': 1_048_576,
    });
    await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
    producer.setPollInterval(100);
    for (let i = 0; i < n; i++) {
      const { key, value } = payload(i);
      for (;;) {
        try {
          producer.produce(topic, null, value, key);
          break;
        } catch {
          // Local queue full: give the client thread time to send.
          producer.poll();
          await new Promise((r) => setTimeout(r, 1));
        }
      }
    }
    await new Promise<void>((resolve, reject) => producer.flush(120_000, (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  };
}

function rdkafkaConsume(moduleName: string): RunFn {
  return async (brokers, topic, n) => {
    const { KafkaConsumer } = await loadOptional<Rdkafka>(moduleName);
    const consumer = new KafkaConsumer(
      { 'metadata.broker.list': brokers, 'group.id': benchGroup(), 'enable.auto.commit': false, 'fetch.wait.max.ms': 100 },
      { 'auto.offset.reset': 'earliest' },
    );
    await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
    consumer.subscribe([topic]);
    consumer.setDefaultConsumeTimeout(100);
    let seen = 0;
    while (seen < n) {
      seen += await new Promise<number>((resolve, reject) => consumer.consume(1_000, (err, msgs) => (err ? reject(err) : resolve(msgs.length))));
    }
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  };
}

/** Confluent's promise API, used as kafkajs is in kafka-clients-kafkajs.ts (same slices, same concurrency). */
async function confluentProduce(brokers: string, topic: string, n: number): Promise<void> {
  const { KafkaJS } = await loadOptional<ConfluentKafkaJs>(CONFLUENT);
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: [brokers], logLevel: KafkaJS.logLevel.NOTHING } });
  const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1 }, 'linger.ms': 5 });
  await producer.connect();
  for (let i = 0; i < n; i += SEND_SLICE) {
    const messages = Array.from({ length: Math.min(SEND_SLICE, n - i) }, (_, j) => payload(i + j));
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
}

async function confluentConsume(brokers: string, topic: string, n: number): Promise<void> {
  const { KafkaJS } = await loadOptional<ConfluentKafkaJs>(CONFLUENT);
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: [brokers], logLevel: KafkaJS.logLevel.NOTHING } });
  const consumer = kafka.consumer({
    kafkaJS: { groupId: benchGroup(), fromBeginning: true, autoCommit: false },
    'fetch.wait.max.ms': 100,
    // The promise API hands eachBatch at most 32 messages unless told otherwise; the port's batches go to 5,000.
    'js.consumer.max.batch.size': 5000,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        partitionsConsumedConcurrently: 4,
        eachBatch: async ({ batch }) => {
          seen += batch.messages.length;
          if (seen >= n) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
}

export const LIBRDKAFKA_RUNS: Record<string, RunFn> = {
  'node-rdkafka:produce': rdkafkaProduce(NODE_RDKAFKA),
  'node-rdkafka:consume': rdkafkaConsume(NODE_RDKAFKA),
  'confluent:produce': confluentProduce,
  'confluent:consume': confluentConsume,
  'confluent-rdkafka-api:produce': rdkafkaProduce(CONFLUENT),
  'confluent-rdkafka-api:consume': rdkafkaConsume(CONFLUENT),
};
