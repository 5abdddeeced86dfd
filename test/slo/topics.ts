import { defaultCodec } from '../../processors/codec/avro-codec.js';
import type { Transport } from '../../processors/transport/types.js';

/** Every message on a topic so far, decoded (the real consume path of the transport). */
export async function readTopic<T>(transport: Transport, topic: string): Promise<Array<{ key: string | null; value: T }>> {
  const ends = await transport.endOffsets(topic);
  const expected = ends.reduce((s, p) => s + Number(p.offset), 0);
  const out: Array<{ key: string | null; value: T; partition: number; offset: number }> = [];
  if (expected === 0) return [];
  const consumer = transport.consumer({ groupId: `reader-${Math.random().toString(16).slice(2)}`, topics: [topic], fromBeginning: true });
  let done: () => void = () => {};
  const all = new Promise<void>((r) => (done = r));
  await consumer.start({
    onBatch: async (batch) => {
      for (const m of batch.messages) {
        if (!m.value) continue;
        out.push({ key: m.key?.toString('utf8') ?? null, value: defaultCodec().decode(m.value).value as T, partition: m.partition, offset: Number(m.offset) });
      }
      if (out.length >= expected) done();
    },
  });
  await all;
  await consumer.stop();
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset).map(({ key, value }) => ({ key, value }));
}
