import type { EventOfFamily } from '../contracts/events.js';
import { familyOfTopic, RECORD_OF_FAMILY, type Family } from '../contracts/topics.js';
import type { DeadLetterCode } from '../errors/codes.js';
import { isPipelineError } from '../errors/pipeline-error.js';
import type { Message } from '../transport/types.js';
import { MAX_RECORD_BYTES, decodeUtf8, invalidUtf8, readJson, tooLarge } from './json-guard.js';

/** Header marking a value as a plain JSON object (JSON Lines ingest) instead of Avro bytes. */
export const CONTENT_TYPE_HEADER = 'content-type';
export const JSON_CONTENT_TYPE = 'application/json';

/** What the ingest path needs from the codec and the validator (processors/codec, processors/validation). */
export interface EventDecoder {
  /** Avro single-object (or Confluent-framed) bytes -> plain value of the writer's record. */
  decode(bytes: Buffer): { recordName: string; value: unknown };
  /** A JSON Lines value -> plain value shaped like the Avro record. */
  fromJson(recordName: string, json: unknown): unknown;
  /** Semantic validation; returns the typed event or the failure. */
  validate(family: Family, value: unknown): { ok: true; event: EventOfFamily[Family] } | { ok: false; error: unknown };
}

export type Decoded =
  | { ok: true; family: Family; event: EventOfFamily[Family] }
  | { ok: false; code: DeadLetterCode; reason: string; field?: string };

export const DEAD_LETTER_CODES: ReadonlySet<string> = new Set<DeadLetterCode>([
  'RECORD_TOO_LARGE', 'INVALID_UTF8', 'TOO_DEEP', 'NUMBER_OUT_OF_RANGE',
  'NOT_JSON', 'BAD_ENVELOPE', 'UNKNOWN_TOPIC', 'EMPTY_VALUE', 'BAD_FRAMING', 'UNKNOWN_SCHEMA', 'UNDECODABLE',
  'SCHEMA_MISMATCH', 'INVALID_FIELD', 'NEGATIVE_AMOUNT', 'AMOUNT_OVERFLOW', 'UNKNOWN_CURRENCY', 'BAD_TIMESTAMP',
]);

function failure(e: unknown, fallback: DeadLetterCode): Decoded {
  if (isPipelineError(e) && DEAD_LETTER_CODES.has(e.code)) {
    const field = e.location.field;
    return { ok: false, code: e.code as DeadLetterCode, reason: e.message, ...(field ? { field } : {}) };
  }
  return { ok: false, code: fallback, reason: e instanceof Error ? e.message : String(e) };
}

/**
 * Decode -> validate one message. Never throws: every failure becomes a dead-letter
 * verdict with a code from the one list, so a bad record can never stall its partition.
 */
export function decodeMessage(msg: Message, decoder: EventDecoder): Decoded {
  const family = familyOfTopic(msg.topic);
  if (!family) {
    const shown = msg.topic.length > 80 ? `${msg.topic.slice(0, 80)}…` : msg.topic;
    return { ok: false, code: 'UNKNOWN_TOPIC', reason: `topic ${JSON.stringify(shown)} is not an input topic` };
  }
  return decodeForFamily(family, msg, decoder);
}

/**
 * {@link decodeMessage} when the topic's family is already known (once per batch). Hostile
 * values are refused before any decoder walks them: over 1 MiB, JSON that is not UTF-8, nests
 * deeper than 64 levels or holds a number JSON cannot carry exactly (json-guard.ts). Avro
 * needs no depth check (no input schema is recursive); its longs are range-checked by the codec.
 */
export function decodeForFamily(family: Family, msg: Message, decoder: EventDecoder): Decoded {
  const bytes = msg.value;
  if (!bytes || bytes.length === 0) return { ok: false, code: 'EMPTY_VALUE', reason: 'record has no value' };
  if (bytes.length > MAX_RECORD_BYTES) return tooLarge(bytes.length, 'value');
  const record = RECORD_OF_FAMILY[family];
  let value: unknown;
  try {
    if (msg.headers[CONTENT_TYPE_HEADER] === JSON_CONTENT_TYPE) {
      const text = decodeUtf8(bytes);
      if (text === undefined) return invalidUtf8(bytes, 'value');
      const json = readJson(text, 'value', (v) => decoder.fromJson(record, v));
      if (!json.ok) return json;
      value = json.value;
    } else {
      const decoded = decoder.decode(bytes);
      if (decoded.recordName !== record && !decoded.recordName.endsWith(`.${record}`)) {
        return {
          ok: false,
          code: 'SCHEMA_MISMATCH',
          reason: `topic ${msg.topic} carries ${record} records, got ${decoded.recordName}`,
        };
      }
      value = decoded.value;
    }
  } catch (e) {
    return failure(e, 'UNDECODABLE');
  }
  const v = decoder.validate(family, value);
  if (!v.ok) return failure(v.error, 'INVALID_FIELD');
  return { ok: true, family, event: v.event };
}
