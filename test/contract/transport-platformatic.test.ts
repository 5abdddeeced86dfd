import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createKafkaTransport } from '../../processors/transport/kafka/index.js';
import type { Consumer, MessageBatch, Transport } from '../../processors/transport/types.js';
import { getKafkaBrokers } from '../support/kafka.js';
import { transportContract } from './transport.contract.js';

const platformatic = async (options: { partitionsConsumedConcurrently?: number } = {}): Promise<Transport> =>
  createKafkaTransport({
    client: 'platformatic',
    brokers: (await getKafkaBrokers()).split(','),
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 500,
    logLevel: 'error',
    ...options,
  });

// The same contract on @platformatic/kafka, against the same real broker (test/support/kafka.ts).
transportContract('kafka (@platformatic/kafka)', () => platformatic());

describe('@platformatic/kafka consumer: a partition waiting for its turn', () => {
  const opened: Array<{ t: Transport; c: Consumer }> = [];
  afterEach(async () => {
    for (const { t, c } of opened.splice(0)) {
      await c.stop();
      await t.close();
    }
  });

  // Its batch takes what arrived while it waited, not only what its previous fetch brought:
  // otherwise a record produced just after that fetch waits for two rounds of the partitions.
  it('gets the records produced while it waited in its next batch', async () => {
    const t = await platformatic({ partitionsConsumedConcurrently: 1 });
    const topic = `topup-${randomUUID().slice(0, 8)}`;
    await t.ensureTopics([{ topic, partitions: 2 }]);
    const producer = await t.producer();
    const send = (partition: number, from: number, to: number): Promise<void> =>
      producer.send(topic, Array.from({ length: to - from }, (_, i) => ({ key: null, value: Buffer.from(`${from + i}`), partition })));
    await send(0, 0, 5);
    await send(1, 0, 5);

    const batches: MessageBatch[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const c = t.consumer({ groupId: `g-${randomUUID().slice(0, 8)}`, topics: [topic], fromBeginning: true, maxBatchSize: 1000 });
    opened.push({ t, c });
    await c.start({
      onBatch: async (b) => {
        batches.push(b);
        // The first partition handed out holds the only turn until released.
        if (batches.length === 1) await gate;
      },
    });
    const deadline = Date.now() + 60_000;
    while (batches.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(batches).toHaveLength(1);
    const waiting = 1 - (batches[0] as MessageBatch).partition;
    // The waiting partition's first five records are fetched by now; five more come after.
    await new Promise((r) => setTimeout(r, 1_000));
    await send(waiting, 5, 10);
    await producer.close();
    // Several top-up intervals (100 ms) for them to be added to its buffer.
    await new Promise((r) => setTimeout(r, 2_000));
    release();
    while (batches.filter((b) => b.partition === waiting).reduce((n, b) => n + b.messages.length, 0) < 10 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const theirs = batches.filter((b) => b.partition === waiting);
    expect(theirs.map((b) => b.messages.map((m) => m.value?.toString()))).toEqual([['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']]);
  });
});
