import { describe, expect, it } from 'vitest';
import type { MessageBatch } from '../types.js';
import { MemoryTransport } from './memory-transport.js';

async function firstBatch(transport: MemoryTransport, publish: () => Promise<void>): Promise<MessageBatch> {
  await transport.ensureTopics([{ topic: 't', partitions: 1 }]);
  const consumer = transport.consumer({ groupId: 'g', topics: ['t'] });
  let resolve: (b: MessageBatch) => void = () => {};
  const got = new Promise<MessageBatch>((r) => (resolve = r));
  await consumer.start({ onBatch: async (b) => resolve(b) });
  await publish();
  const batch = await got;
  await consumer.stop();
  return batch;
}

const records = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(String(from + i)) }));

describe('memory transport: fetchMinRecords / fetchMaxWaitMs', () => {
  it('holds a partition until enough records are waiting, then delivers them together', async () => {
    const transport = new MemoryTransport({ fetchMinRecords: 10, fetchMaxWaitMs: 60_000 });
    const batch = await firstBatch(transport, async () => {
      const p = await transport.producer();
      await p.send('t', records(0, 3));
      await new Promise((r) => setImmediate(r)); // a pump runs here and must not deliver 3
      await p.send('t', records(3, 7));
    });
    expect(batch.messages.map((m) => m.value?.toString())).toEqual(records(0, 10).map((r) => r.value.toString()));
  });

  it('delivers fewer records once the oldest has waited fetchMaxWaitMs', async () => {
    const transport = new MemoryTransport({ fetchMinRecords: 1000, fetchMaxWaitMs: 20 });
    const batch = await firstBatch(transport, async () => {
      const p = await transport.producer();
      await p.send('t', records(0, 3));
    });
    expect(batch.messages.map((m) => m.offset)).toEqual(['0', '1', '2']);
  });

  it('rejects a minimum below one, naming the option', () => {
    expect(() => new MemoryTransport({ fetchMinRecords: 0 })).toThrow(/fetchMinRecords/);
  });
});
