/** kafkajs in the client comparison: bare produce and bare consume (the port's runs are in kafka-clients-transport.ts). */
import kafkajs from 'kafkajs';
import { benchGroup, payload, SEND_SLICE } from './kafka-clients-common.js';

const { Kafka, logLevel } = kafkajs;

export async function kafkajsProduce(brokers: string, topic: string, n: number): Promise<void> {
  const producer = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < n; i += SEND_SLICE) {
    const messages = Array.from({ length: Math.min(SEND_SLICE, n - i) }, (_, j) => payload(i + j));
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
}

export async function kafkajsConsume(brokers: string, topic: string, n: number): Promise<void> {
  const consumer = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).consumer({
    groupId: benchGroup(),
    maxBytesPerPartition: 2 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= n) resolve();
      },
    });
  });
  await consumer.disconnect();
}

/** Creates the benchmark's topics (kafkajs's admin: the one client every run has). */
export async function createTopics(brokers: string, topics: string[], partitions: number): Promise<void> {
  const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: partitions })) });
  await admin.disconnect();
}
