import { CONTENT_TYPE_HEADER, JSON_CONTENT_TYPE } from './ingest/decode.js';
import { RECORD_OF_FAMILY, familyOfTopic } from './contracts/topics.js';
import type { AvroCodec } from './codec/avro-codec.js';
import type { OutgoingMessage, Producer } from './transport/types.js';
import type { SimRecord } from './simulator/index.js';

/**
 * Turns one simulator record into what a runtime system would put on Kafka: Avro
 * single-object bytes for events; for the malformed share, the bytes as given (byte
 * corruption) or JSON marked with a content-type header where the record cannot even be
 * Avro-encoded (so it still reaches the processors and is dead-lettered there).
 * Returns null for records that only exist as JSON Lines (raw lines without a topic).
 */
export function toWireMessage(rec: SimRecord, codec: AvroCodec): { topic: string; message: OutgoingMessage } | null {
  switch (rec.kind) {
    case 'event': {
      const family = familyOfTopic(rec.topic);
      const record = family ? RECORD_OF_FAMILY[family] : undefined;
      if (!record) return null;
      return { topic: rec.topic, message: { key: rec.key, value: codec.encode(record, rec.value) } };
    }
    case 'bad-event': {
      const family = familyOfTopic(rec.topic);
      if (!family) return null;
      let value: Buffer;
      let headers: Record<string, string> | undefined;
      try {
        value = codec.encode(RECORD_OF_FAMILY[family], rec.value);
      } catch {
        value = Buffer.from(JSON.stringify(rec.value));
        headers = { [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE };
      }
      return { topic: rec.topic, message: { key: rec.key, value, ...(headers ? { headers } : {}) } };
    }
    case 'raw-bytes':
      return { topic: rec.topic, message: { key: rec.key, value: rec.bytes } };
    case 'raw-line':
      return null;
  }
}

/** Publishes simulator records in delivery order, in chunks per topic (order kept per key). */
export async function publishRecords(
  records: Iterable<SimRecord>,
  producer: Producer,
  codec: AvroCodec,
  onProgress?: (published: number) => void | Promise<void>,
): Promise<number> {
  let n = 0;
  const pending = new Map<string, OutgoingMessage[]>();
  const flush = async (): Promise<void> => {
    for (const [topic, msgs] of pending) if (msgs.length > 0) await producer.send(topic, msgs);
    pending.clear();
  };
  let buffered = 0;
  for (const rec of records) {
    const wire = toWireMessage(rec, codec);
    if (!wire) continue;
    let list = pending.get(wire.topic);
    if (!list) pending.set(wire.topic, (list = []));
    list.push(wire.message);
    n++;
    if (++buffered >= 20_000) {
      await flush();
      buffered = 0;
      await onProgress?.(n);
    }
  }
  await flush();
  await onProgress?.(n);
  return n;
}
