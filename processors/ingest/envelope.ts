import { familyOfTopic } from '../contracts/topics.js';
import type { DeadLetterCode } from '../errors/codes.js';
import { mentionsPersonal } from '../validation/rules.js';
import {
  MAX_JSON_DEPTH,
  MAX_RECORD_BYTES,
  decodeUtf8,
  deeperThan,
  invalidUtf8,
  parseErrorText,
  scanJson,
  tooLarge,
  utf8LengthOver,
} from './json-guard.js';

/** A JSON Lines line split into a routable record, or the reason it cannot be routed. */
export type Envelope =
  | { ok: true; topic: string; key: string | null; value: Buffer }
  | { ok: false; code: DeadLetterCode; reason: string; topic: string };

/**
 * Splits one JSON Lines line (`{"topic": ..., "key"?: ..., "value": {...}}`, docs/interfaces.md) into
 * a record for its topic, or an unroutable dead letter. Only the envelope is judged here; the
 * value goes on as JSON bytes and is decoded and validated like a JSON value from Kafka.
 *
 * A line given as bytes must be UTF-8 (checked strictly: a replaced byte would change an id);
 * either form is refused over 1 MiB. The value's bytes never come from a lossy round trip: a
 * number JSON.parse could not carry (1e400 becomes Infinity, then null) stays as it was
 * written, so the decoder refuses it.
 */
export function parseEnvelope(raw: string | Buffer): Envelope {
  let text: string;
  if (typeof raw === 'string') {
    const size = utf8LengthOver(raw, MAX_RECORD_BYTES);
    if (size !== undefined) return unroutable(tooLarge(size, 'line'));
    text = raw;
  } else {
    if (raw.length > MAX_RECORD_BYTES) return unroutable(tooLarge(raw.length, 'line'));
    const decoded = decodeUtf8(raw);
    if (decoded === undefined) return unroutable(invalidUtf8(raw, 'line'));
    text = decoded;
  }
  // The envelope is one level around the value, which may use all MAX_JSON_DEPTH levels itself.
  if (deeperThan(text, MAX_JSON_DEPTH + 1)) {
    return unroutable({ code: 'TOO_DEEP', reason: `line nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels inside its value` });
  }
  let env: unknown;
  try {
    env = JSON.parse(text);
  } catch (e) {
    return unroutable({ code: 'NOT_JSON', reason: `line is not JSON: ${parseErrorText(e)}` });
  }
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    return unroutable({ code: 'BAD_ENVELOPE', reason: `envelope must be a JSON object {topic, key?, value}, got ${kindOf(env)}` });
  }
  const o = env as Record<string, unknown>;
  const topic = o['topic'];
  if (typeof topic !== 'string' || topic.length === 0) {
    return unroutable({ code: 'BAD_ENVELOPE', reason: `envelope field "topic" must be a non-empty string, got ${kindOf(topic)}` });
  }
  if (!familyOfTopic(topic)) {
    // Any text can stand in `topic`: quoted (and kept as the dead letter's topic) only when it cannot hold personal data.
    if (mentionsPersonal(topic)) return unroutable({ code: 'UNKNOWN_TOPIC', reason: `topic of ${topic.length} characters naming a personal field is not an input topic` });
    const shown = topic.length > 80 ? `${topic.slice(0, 80)}…` : topic;
    return { ok: false, code: 'UNKNOWN_TOPIC', reason: `topic ${JSON.stringify(shown)} is not an input topic`, topic: shown };
  }
  const key = o['key'];
  if (key !== undefined && key !== null && typeof key !== 'string') {
    return { ok: false, code: 'BAD_ENVELOPE', reason: `envelope field "key" must be a string when present, got ${kindOf(key)}`, topic };
  }
  const value = o['value'];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const hint = typeof value === 'string' && /^\s*[{[]/.test(value) ? ' (JSON text inside a string: the value must be the object itself)' : '';
    return { ok: false, code: 'BAD_ENVELOPE', reason: `envelope field "value" must be a JSON object, got ${kindOf(value)}${hint}`, topic };
  }
  return { ok: true, topic, key: typeof key === 'string' ? key : null, value: valueBytes(text, value) };
}

/**
 * The value's serialization when the line ends with exactly that text as its last member
 * (`..."value":<json>}`, as JSON.stringify writes an envelope, unless a number in it did not
 * survive JSON.parse); otherwise the value's own text from the line, found by a scan. (The
 * last member is the one JSON.parse keeps; slices compare faster than indexOf or startsWith.)
 */
function valueBytes(line: string, value: object): Buffer {
  const json = JSON.stringify(value);
  const end = line.length - 1;
  const start = end - json.length;
  if (start >= VALUE_MEMBER.length && line.charCodeAt(end) === 0x7d && line.slice(start - VALUE_MEMBER.length, start) === VALUE_MEMBER && line.slice(start, end) === json) {
    return Buffer.from(json, 'utf8');
  }
  const span = scanJson(line, 'value').span;
  return Buffer.from(span === undefined ? json : line.slice(span[0], span[1]), 'utf8');
}

const VALUE_MEMBER = '"value":';

function unroutable(f: { code: DeadLetterCode; reason: string }): Envelope {
  return { ok: false, code: f.code, reason: f.reason, topic: '' };
}

/** What a value is, never what it holds: envelope problems are reported without content. */
function kindOf(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length === 0 ? 'an empty string' : `a string of ${v.length} characters`;
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
