import { createHash } from 'node:crypto';
import { PipelineError, type DeadLetterCode, type ErrorCode } from '../errors/index.js';
import { isPersonalPath } from '../validation/rules.js';

/** Value of a `<input topic>.dlq` record (schema `DeadLetter.avsc`). */
export interface DeadLetterRecord {
  source_topic: string;
  source_partition: number | null;
  /** Kafka offset as a decimal string (int64). */
  source_offset: string | null;
  source_file: string | null;
  source_line: number | null;
  original_key: Buffer | null;
  original_value: Buffer | null;
  reason_code: DeadLetterCode;
  message: string;
  field: string | null;
  field_value: string | null;
  dead_lettered_at: number;
  /** `original`, `redacted-json` or `omitted`: how much of the input `original_value` keeps. */
  original_value_form: string | null;
  /** SHA-256 (hex) of the input as received. */
  original_value_sha256: string | null;
  original_value_size: number | null;
}

/** Where a dead-lettered input came from: a Kafka message, or a line of a JSON Lines file. */
export interface DeadLetterSource {
  topic: string;
  partition?: number | null;
  offset?: string | null;
  file?: string | null;
  line?: number | null;
  key?: Buffer | string | null;
  value?: Buffer | string | null;
}

const DEAD_LETTER_CODES: ReadonlySet<ErrorCode> = new Set<DeadLetterCode>([
  'RECORD_TOO_LARGE', 'INVALID_UTF8', 'TOO_DEEP', 'NUMBER_OUT_OF_RANGE',
  'NOT_JSON', 'BAD_ENVELOPE', 'UNKNOWN_TOPIC', 'EMPTY_VALUE', 'BAD_FRAMING', 'UNKNOWN_SCHEMA', 'UNDECODABLE',
  'SCHEMA_MISMATCH', 'INVALID_FIELD', 'NEGATIVE_AMOUNT', 'AMOUNT_OVERFLOW', 'UNKNOWN_CURRENCY', 'BAD_TIMESTAMP',
]);
const MAX_FIELD_VALUE_LENGTH = 200;

/**
 * Builds the dead-letter value for an input and the error that rejected it. `at` is the
 * processing time (the caller's clock, so tests stay deterministic). An error that is not a
 * dead-letter PipelineError is a bug, not bad input: it is rethrown rather than hidden in a DLQ.
 * The value is kept as given (`original`): a caller holding input that may carry personal
 * data passes it redacted (processors/ingest/dead-letters.ts does). The offending value of a
 * personal field is never rendered.
 */
export function buildDeadLetter(source: DeadLetterSource, error: unknown, at: number): DeadLetterRecord {
  if (!(error instanceof PipelineError) || !DEAD_LETTER_CODES.has(error.code)) throw error;
  const { field, value } = error.location;
  const original = toBuffer(source.value);
  return {
    source_topic: source.topic,
    source_partition: source.partition ?? null,
    source_offset: source.offset ?? null,
    source_file: source.file ?? null,
    source_line: source.line ?? null,
    original_key: toBuffer(source.key),
    original_value: original,
    reason_code: error.code as DeadLetterCode,
    message: error.message,
    field: field ?? null,
    field_value: value === undefined || (field !== undefined && isPersonalPath(field)) ? null : renderValue(value),
    dead_lettered_at: at,
    original_value_form: original === null ? null : 'original',
    original_value_sha256: original === null ? null : createHash('sha256').update(original).digest('hex'),
    original_value_size: original === null ? null : original.length,
  };
}

function toBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function renderValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else if (value === null) text = 'null';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > MAX_FIELD_VALUE_LENGTH ? `${text.slice(0, MAX_FIELD_VALUE_LENGTH)}…` : text;
}
