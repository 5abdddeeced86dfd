import { createHash } from 'node:crypto';
import { dlqTopic } from '../contracts/topics.js';
import type { DeadLetterCode } from '../errors/codes.js';
import type { OutgoingMessage } from '../transport/types.js';

/** One dead letter: the original bytes, where they came from, and why they were refused. */
export interface DeadLetter {
  source_topic: string;
  source_partition: number;
  source_offset: string;
  reason_code: DeadLetterCode;
  reason: string;
  field: string | null;
  key: Buffer | null;
  payload: Buffer;
}

/** Encodes a dead letter as the value of a `<topic>.dlq` record. */
export type DeadLetterEncoder = (d: DeadLetter) => Buffer;

/** JSON encoding of a dead letter, readable with any Kafka tool; the payload is base64. */
export const jsonDeadLetterEncoder: DeadLetterEncoder = (d) =>
  Buffer.from(
    JSON.stringify({
      source_topic: d.source_topic,
      source_partition: d.source_partition,
      source_offset: d.source_offset,
      reason_code: d.reason_code,
      reason: d.reason,
      field: d.field,
      payload_base64: d.payload.toString('base64'),
    }),
  );

/** Decodes a payload to a plain object when it can (Avro single-object or JSON), else null. */
export type PayloadReader = (payload: Buffer) => Record<string, unknown> | null;

const PERSONAL_FIELDS = ['user_id'] as const;

/**
 * The warehouse row of a dead letter. Personal data never reaches the warehouse in clear:
 * a decodable payload is stored as JSON with `user_id` replaced by its keyed hash; one
 * that cannot be decoded is not copied at all (SHA-256 and size only) - the DLQ topic or
 * the input file keeps the original bytes.
 */
export function deadLetterRow(d: DeadLetter, hashPersonal: (v: string) => string, read: PayloadReader): Record<string, unknown> {
  let format = 'omitted';
  let stored = '';
  const value = d.payload.length > 0 ? read(d.payload) : null;
  if (value) {
    const redacted = redact(value, hashPersonal, 0);
    format = 'redacted-json';
    stored = Buffer.from(JSON.stringify(redacted, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v))).toString('base64');
  }
  return {
    source_topic: d.source_topic,
    source_partition: d.source_partition,
    source_offset: d.source_offset,
    reason_code: d.reason_code,
    reason: d.reason.slice(0, 2000),
    field: d.field,
    payload_base64: stored,
    payload_format: format,
    payload_sha256: createHash('sha256').update(d.payload).digest('hex'),
    payload_size: d.payload.length,
  };
}

/** Replaces personal fields at any depth (JSON Lines envelopes nest the event under `value`). */
function redact(v: unknown, hash: (v: string) => string, depth: number): unknown {
  if (depth > 8 || v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map((x) => redact(x, hash, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if ((PERSONAL_FIELDS as readonly string[]).includes(k) && x !== null && x !== undefined) {
      out[k] = typeof x === 'string' ? `hmac:${hash(x)}` : '[redacted]';
    } else {
      out[k] = redact(x, hash, depth + 1);
    }
  }
  return out;
}

/** Reads dead-letter payloads with the codec (Avro single-object) or as JSON; null when neither works. */
export function payloadReader(decode: (bytes: Buffer) => { value: unknown }): PayloadReader {
  return (payload) => {
    const asObject = (v: unknown): Record<string, unknown> | null =>
      typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    if (payload[0] === 0x7b) {
      try {
        return asObject(JSON.parse(payload.toString('utf8')));
      } catch {
        return null;
      }
    }
    try {
      return asObject(decode(payload).value);
    } catch {
      return null;
    }
  };
}

export function deadLetterMessage(d: DeadLetter, encode: DeadLetterEncoder): { topic: string; message: OutgoingMessage } {
  return {
    topic: dlqTopic(d.source_topic),
    message: {
      key: d.key,
      value: encode(d),
      headers: { 'x-dlq-reason': d.reason_code, 'x-source': `${d.source_topic}/${d.source_partition}/${d.source_offset}` },
    },
  };
}

/** Minimal codec surface for dead letters (processors/codec). */
export interface RecordEncoder {
  encode(recordName: string, value: unknown): Buffer;
}

/** The default: the `DeadLetter` Avro record in single-object encoding, like every Kafka value here. */
export function avroDeadLetterEncoder(codec: RecordEncoder, now: () => number = Date.now): DeadLetterEncoder {
  return (d) =>
    codec.encode('DeadLetter', {
      source_topic: d.source_topic,
      source_partition: d.source_partition >= 0 ? d.source_partition : null,
      source_offset: d.source_partition >= 0 ? d.source_offset : null,
      source_file: null,
      source_line: null,
      original_key: d.key,
      original_value: d.payload.length > 0 ? d.payload : null,
      reason_code: d.reason_code,
      message: d.reason,
      field: d.field,
      field_value: null,
      dead_lettered_at: now(),
    });
}
