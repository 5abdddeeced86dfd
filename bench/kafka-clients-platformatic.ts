/**
 * @platformatic/kafka in the client comparison, used as kafkajs is in kafka-clients-kafkajs.ts:
 * idempotent acks=all producer sending 5,000 messages per call, one call at a time; a consumer
 * in a new group reading from the earliest offset without commits, discarding each message.
 * Imported only by the child that measures it (it needs Node >= 22.22).
 */
import { Consumer, MessagesStreamModes, ProduceAcks, Producer } from '@platformatic/kafka';
import { benchGroup, payload, SEND_SLICE } from './kafka-clients-common.js';

export async function platformaticProduce(brokers: string, topic: string, n: number): Promise<void> {
  const producer = new Producer({ clientId: 'bench', bootstrapBrokers: [brokers], idempotent: true, acks: ProduceAcks.ALL });
  for (let i = 0; i < n; i += SEND_SLICE) {
    const messages = Array.from({ length: Math.min(SEND_SLICE, n - i) }, (_, j) => {
      const { key, value } = payload(i + j);
      return { topic, key: Buffer.from(key), value };
    });
    await producer.send({ messages });
  }
  await producer.close();
}

export async function platformaticConsume(brokers: string, topic: string, n: number): Promise<void> {
  const consumer = new Consumer({
    clientId: 'bench',
    groupId: benchGroup(),
    bootstrapBrokers: [brokers],
    maxBytesPerPartition: 2 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
    maxWaitTime: 100,
    autocommit: false,
  });
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('data', () => {
      if (++seen === n) resolve();
    });
  });
  await stream.close();
  await consumer.close(true);
}
