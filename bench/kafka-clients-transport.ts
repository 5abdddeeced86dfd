/**
 * The transport port in the client comparison: produce and consume-and-discard through
 * createKafkaTransport on either client, exactly as the pipeline uses it (idempotent acks=all
 * producer; a consumer in a new group from the earliest offset, batches of the port's default
 * size, no commits), so each client's port figures sit beside its bare ones.
 */
import { createKafkaTransport, type KafkaClientName } from '../processors/transport/kafka/index.js';
import { benchGroup, payload, SEND_SLICE, type RunFn } from './kafka-clients-common.js';

export function transportProduce(client: KafkaClientName): RunFn {
  return async (brokers, topic, n) => {
    const transport = createKafkaTransport({ client, brokers: [brokers], logLevel: 'nothing' });
    const producer = await transport.producer();
    for (let i = 0; i < n; i += SEND_SLICE) {
      await producer.send(topic, Array.from({ length: Math.min(SEND_SLICE, n - i) }, (_, j) => payload(i + j)));
    }
    await producer.close();
    await transport.close();
  };
}

export function transportConsume(client: KafkaClientName): RunFn {
  return async (brokers, topic, n) => {
    const transport = createKafkaTransport({ client, brokers: [brokers], logLevel: 'nothing' });
    const consumer = transport.consumer({ groupId: benchGroup(), topics: [topic] });
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      consumer
        .start({
          onBatch: async (b) => {
            seen += b.messages.length;
            if (seen >= n) resolve();
          },
          onError: reject,
        })
        .catch(reject);
    });
    await transport.close();
  };
}
