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

export function deadLetterRow(d: DeadLetter): Record<string, unknown> {
  return {
    source_topic: d.source_topic,
    source_partition: d.source_partition,
    source_offset: d.source_offset,
    reason_code: d.reason_code,
    reason: d.reason.slice(0, 2000),
    field: d.field,
    payload_base64: d.payload.toString('base64'),
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
