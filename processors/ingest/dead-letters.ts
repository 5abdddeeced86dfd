import { createHash } from 'node:crypto';
import { FAMILIES, dlqTopic, familyOfTopic, type Family } from '../contracts/topics.js';
import type { DeadLetterCode } from '../errors/codes.js';
import type { OutgoingMessage } from '../transport/types.js';
import { FIELD_RULES, PERSONAL_FIELDS } from '../validation/rules.js';
import { MAX_RECORD_BYTES, decodeUtf8 } from './json-guard.js';
import { bytesMentionPersonal, redact } from './redact.js';

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

/**
 * What a dead letter keeps of its payload (the `.dlq` record's `original_value_form`):
 * - `original`: the bytes as received; they hold no personal data in clear;
 * - `redacted-json`: the decoded value as JSON, personal fields replaced by their keyed hash;
 * - `omitted`: nothing (SHA-256 and size identify it): the bytes cannot be decoded and their
 *   family carries personal data, or they are too large to forward.
 */
export type PayloadForm = 'original' | 'redacted-json' | 'omitted';

/** A payload as far as it could be read: JSON text, or an Avro record decoded by the codec. */
export type ReadPayload = { kind: 'json' | 'avro'; value: unknown };

/** Reads a dead letter's payload (JSON or Avro single-object / Confluent-framed); null when neither works. */
export type PayloadReader = (payload: Buffer) => ReadPayload | null;

/** Families whose records have a personal field: their undecodable bytes are never kept. */
const PERSONAL_FAMILIES: ReadonlySet<Family> = new Set(FAMILIES.filter((f) => FIELD_RULES[f].some((r) => PERSONAL_FIELDS.has(r.field))));

/**
 * Bytes a `.dlq` record forwards at most: the record also carries the key, reason and source,
 * and must itself stay within the broker's 1 MiB (`max.message.bytes`).
 */
const MAX_FORWARDED_BYTES = MAX_RECORD_BYTES - 64 * 1024;

/** What a dead letter keeps of its payload, worked out once per dead letter. */
interface Kept {
  /** The redacted value as JSON text, when the payload could be read (the warehouse copy). */
  json: string | null;
  /** What the `.dlq` record forwards in `original_value`, and in which form. */
  form: PayloadForm | null;
  bytes: Buffer | null;
  sha256: string;
}

/**
 * The warehouse row and the `.dlq` record of one dead letter are built by different callers
 * (the row first, with the pipeline's keyed hasher); the record reuses what the row worked
 * out, so both hash alike and the payload is decoded once.
 */
const keptOf = new WeakMap<DeadLetter, { hash: (v: string) => string; kept: Kept }>();

function keep(d: DeadLetter, hash: ((v: string) => string) | null, read: PayloadReader): Kept {
  const known = keptOf.get(d);
  if (known !== undefined && (hash === null || known.hash === hash)) return known.kept;
  const payload = d.payload;
  const sha256 = createHash('sha256').update(payload).digest('hex');
  let kept: Kept;
  if (payload.length === 0) {
    kept = { json: null, form: null, bytes: null, sha256 };
  } else if (d.reason_code === 'RECORD_TOO_LARGE' || payload.length > MAX_RECORD_BYTES) {
    kept = { json: null, form: 'omitted', bytes: null, sha256 };
  } else {
    kept = keepReadable(d, payload, hash, read, sha256);
  }
  if (hash !== null) keptOf.set(d, { hash, kept });
  return kept;
}

function keepReadable(d: DeadLetter, payload: Buffer, hash: ((v: string) => string) | null, read: PayloadReader, sha256: string): Kept {
  const got = read(payload);
  if (got === null) {
    // Where a personal field sits in bytes that do not decode cannot be known: such bytes are
    // kept only for a family without personal fields, and only if they do not name one.
    const family = familyOfTopic(d.source_topic);
    const harmless = family !== undefined && !PERSONAL_FAMILIES.has(family) && !bytesMentionPersonal(payload);
    return { json: null, ...forwarded(harmless ? payload : null, 'original'), sha256 };
  }
  const r = redact(got.value, hash);
  const json = JSON.stringify(r.value, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)) ?? 'null';
  // JSON text that never names a personal field (nor escapes one) cannot hold one, whatever its
  // shape (a duplicate key's first value is in the text, not in the parsed value); a decoded
  // Avro record holds exactly what was read.
  const clean = got.kind === 'json' ? !bytesMentionPersonal(payload) : !r.changed;
  return { json, ...(clean ? forwarded(payload, 'original') : forwarded(Buffer.from(json, 'utf8'), 'redacted-json')), sha256 };
}

function forwarded(b: Buffer | null, form: PayloadForm): { form: PayloadForm; bytes: Buffer | null } {
  return b !== null && b.length <= MAX_FORWARDED_BYTES ? { form, bytes: b } : { form: 'omitted', bytes: null };
}

/**
 * The warehouse row of a dead letter. Personal data never reaches the warehouse in clear:
 * a payload that can be read is stored as JSON with personal fields replaced by their keyed
 * hash ('redacted-json'); one that cannot is not copied at all ('omitted': SHA-256 and size
 * only) - the DLQ topic or the input file keeps what may be kept of it.
 */
export function deadLetterRow(d: DeadLetter, hashPersonal: (v: string) => string, read: PayloadReader): Record<string, unknown> {
  const kept = keep(d, hashPersonal, read);
  return {
    source_topic: d.source_topic,
    source_partition: d.source_partition,
    source_offset: d.source_offset,
    reason_code: d.reason_code,
    reason: d.reason.slice(0, 2000),
    field: d.field,
    payload_base64: kept.json === null ? '' : Buffer.from(kept.json, 'utf8').toString('base64'),
    payload_format: kept.json === null ? 'omitted' : 'redacted-json',
    payload_sha256: kept.sha256,
    payload_size: d.payload.length,
    // Part of the table's key (dwh/sql/004): two sources' bad records at the same position are two rows.
    payload_id: kept.sha256,
  };
}

/**
 * Reads dead-letter payloads: Avro when framed as such (0xC3 0x01, or 0x00 for Confluent),
 * else JSON (strict UTF-8; JSON.parse itself never recurses, whatever the depth). Without a
 * codec only JSON is read.
 */
export function payloadReader(decode?: (bytes: Buffer) => { value: unknown }): PayloadReader {
  return (payload) => {
    const avroFramed = (payload[0] === 0xc3 && payload[1] === 0x01) || payload[0] === 0x00;
    if (avroFramed) {
      if (decode === undefined) return null;
      try {
        return { kind: 'avro', value: decode(payload).value };
      } catch {
        return null;
      }
    }
    const text = decodeUtf8(payload);
    if (text === undefined) return null;
    try {
      return { kind: 'json', value: JSON.parse(text) as unknown };
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

/** How an encoder keeps personal data out of its records. */
export interface DeadLetterPrivacy {
  /**
   * The pipeline's keyed hash (createPiiHasher). A dead letter whose warehouse row was built
   * first (as the pipeline does) reuses that row's hashing; without either, personal values
   * are removed instead of hashed.
   */
  hasher?: (v: string) => string;
  /** @default payloadReader over the encoder's codec (JSON only when it cannot decode) */
  read?: PayloadReader;
}

/** Minimal codec surface for dead letters (processors/codec). */
export interface RecordEncoder {
  encode(recordName: string, value: unknown): Buffer;
  /** Lets the encoder read Avro payloads to redact them; without it they count as undecodable. */
  decode?(bytes: Buffer): { value: unknown };
}

/** JSON encoding of a dead letter, readable with any Kafka tool; the kept payload is base64. */
export function createJsonDeadLetterEncoder(privacy: DeadLetterPrivacy = {}): DeadLetterEncoder {
  const read = privacy.read ?? payloadReader();
  return (d) => {
    const kept = keep(d, privacy.hasher ?? null, read);
    return Buffer.from(
      JSON.stringify({
        source_topic: d.source_topic,
        source_partition: d.source_partition,
        source_offset: d.source_offset,
        reason_code: d.reason_code,
        reason: d.reason,
        field: d.field,
        payload_base64: kept.bytes === null ? null : kept.bytes.toString('base64'),
        payload_form: kept.form,
        payload_sha256: kept.sha256,
        payload_size: d.payload.length,
      }),
    );
  };
}

/** {@link createJsonDeadLetterEncoder} without a hasher of its own. */
export const jsonDeadLetterEncoder: DeadLetterEncoder = createJsonDeadLetterEncoder();

/** The default: the `DeadLetter` Avro record in single-object encoding, like every Kafka value here. */
export function avroDeadLetterEncoder(codec: RecordEncoder, now: () => number = Date.now, privacy: DeadLetterPrivacy = {}): DeadLetterEncoder {
  const read = privacy.read ?? payloadReader(codec.decode === undefined ? undefined : (b) => (codec.decode as (bytes: Buffer) => { value: unknown })(b));
  return (d) => {
    const kept = keep(d, privacy.hasher ?? null, read);
    return codec.encode('DeadLetter', {
      source_topic: d.source_topic,
      source_partition: d.source_partition >= 0 ? d.source_partition : null,
      source_offset: d.source_partition >= 0 ? d.source_offset : null,
      source_file: null,
      source_line: null,
      original_key: d.key,
      original_value: kept.bytes,
      reason_code: d.reason_code,
      message: d.reason,
      field: d.field,
      field_value: null,
      dead_lettered_at: now(),
      original_value_form: kept.form,
      original_value_sha256: d.payload.length > 0 ? kept.sha256 : null,
      original_value_size: d.payload.length,
    });
  };
}
