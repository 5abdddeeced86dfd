import { InexactNumber } from '../codec/json-values.js';
import type { DeadLetterCode } from '../errors/codes.js';

/**
 * JSON from outside (JSON Lines lines, JSON values on a topic) is hostile until checked. The
 * checks here run before anything walks the value recursively, and cost little on valid input:
 * a strict UTF-8 decode (as fast as Buffer#toString), a count of brackets by indexOf, then
 * JSON.parse itself, which V8 runs without recursion, and one regular-expression test for a
 * number with a fraction or an exponent (a look-up of each top-level integer's own text when
 * there is one). A full scan of the text (iterative) runs only on the rare inputs those do not
 * settle, and on records already refused. Measured on simulated traffic: about 1 µs per JSON
 * value beside 4-5 µs for parse, shape and validation (a JSON.parse reviver costs twice the parse).
 */

/** Kafka's default `max.message.bytes`: a larger record is refused before it is decoded. */
export const MAX_RECORD_BYTES = 1_048_576;
/** Levels of objects and arrays a JSON value may nest (`{}` is one level, `{"a":[]}` two). */
export const MAX_JSON_DEPTH = 64;

export type JsonFailure = { ok: false; code: DeadLetterCode; reason: string; field?: string };
export type JsonVerdict = { ok: true; value: unknown } | JsonFailure;

// ignoreBOM keeps a byte-order mark in the text, so JSON.parse refuses it as the bytes are.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as text, or undefined when they are not valid UTF-8 (Buffer#toString would replace them). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** INVALID_UTF8 naming the offset of the first byte that breaks UTF-8. */
export function invalidUtf8(bytes: Uint8Array, what: string): JsonFailure {
  const at = firstInvalidUtf8(bytes);
  const b = bytes[at];
  const shown = b === undefined ? 'the end' : `byte 0x${b.toString(16).padStart(2, '0')} at offset ${at}`;
  return { ok: false, code: 'INVALID_UTF8', reason: `${what} is not valid UTF-8: ${shown} of ${bytes.length}` };
}

export function tooLarge(size: number, what: string): JsonFailure {
  return { ok: false, code: 'RECORD_TOO_LARGE', reason: `${what} of ${size} bytes is over the limit of ${MAX_RECORD_BYTES} bytes (1 MiB)` };
}

/** UTF-8 length of a string, computed only when it could exceed `limit`. */
export function utf8LengthOver(text: string, limit: number): number | undefined {
  if (text.length * 3 <= limit) return undefined;
  const size = Buffer.byteLength(text, 'utf8');
  return size > limit ? size : undefined;
}

/** Parses JSON text after checking its depth (`limit` levels allowed). Numbers are judged by {@link readJson}. */
export function parseJson(text: string, what: string, limit: number = MAX_JSON_DEPTH): JsonVerdict {
  if (deeperThan(text, limit)) return { ok: false, code: 'TOO_DEEP', reason: `${what} nests objects or arrays deeper than ${limit} levels` };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, code: 'NOT_JSON', reason: `${what} is not JSON: ${parseErrorText(e)}` };
  }
}

/**
 * JSON text to a record value through `read` (the codec's JSON reader), refusing what JSON.parse
 * cannot carry exactly: a number beyond double range anywhere (JSON.parse makes it Infinity,
 * JSON.stringify later null), and a non-integer literal it rounded to an integer where a
 * `long` is due (`1250.0000000000000001`, `1e-400`). On valid input this costs a look-up of
 * each top-level integer's own text; the text is scanned only when that does not find it
 * written plainly, or when `read` refuses the value.
 */
export function readJson(text: string, what: string, read: (json: unknown) => unknown): JsonVerdict {
  const parsed = parseJson(text, what);
  if (!parsed.ok) return parsed;
  let value: unknown;
  try {
    value = read(parsed.value);
  } catch (e) {
    const beyond = nonFiniteNumber(text, what);
    if (beyond !== undefined) return beyond;
    throw e;
  }
  if (!FRACTION_OR_EXPONENT.test(text) || integersAsWritten(text, parsed.value)) return { ok: true, value };
  const rounded = scanJson(text, undefined).numbers.filter((n) => n.kind === 'rounded-to-integer');
  if (rounded.length === 0) return { ok: true, value };
  let marked = parsed.value;
  for (const n of rounded) marked = markInexact(marked, n.path, n.text);
  // The reader decides by type: a long refuses an InexactNumber, a double takes its value.
  return { ok: true, value: read(marked) };
}

/**
 * A number literal with a fraction or an exponent (every JSON value but the top one follows
 * `:`, `,` or `[`): without one, no literal can be a non-integer that JSON.parse rounded.
 */
const FRACTION_OR_EXPONENT = /[:,[]\s*-?\d+[.eE]/;

/** NUMBER_OUT_OF_RANGE for the first number of the text beyond double range, naming its path. */
export function nonFiniteNumber(text: string, what: string): JsonFailure | undefined {
  const n = scanJson(text, undefined).numbers.find((x) => x.kind === 'non-finite');
  if (n === undefined) return undefined;
  const field = pathText(n.path);
  return {
    ok: false,
    code: 'NUMBER_OUT_OF_RANGE',
    reason: `${what}: ${field || '(the value)'} = ${shortened(n.text)} is beyond the range of a double`,
    ...(field ? { field } : {}),
  };
}

/**
 * True when each integer member of a top-level object appears in the text once, as its plain
 * digits right after `"key":`. JSON.stringify writes every integer so; anything else (spaces,
 * escapes in the key, a repeated key, `1.0`, `1e-400`) answers false and the caller scans the
 * text. Only integers matter: a rounded literal becomes one. Meant for values whose members
 * hold no objects (a record the reader accepted): a string cannot hold `"key":` unescaped, so
 * the one occurrence is the member itself. (Forward searches and comparisons by slice:
 * lastIndexOf and startsWith are several times slower in V8.)
 */
export function integersAsWritten(text: string, value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return true;
  const o = value as Record<string, unknown>;
  for (const k in o) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v)) continue;
    const key = `"${k}":`;
    const at = text.indexOf(key);
    if (at < 0) return false;
    const digits = String(v);
    const start = at + key.length;
    const end = start + digits.length;
    if (text.slice(start, end) !== digits) return false;
    const next = text.charCodeAt(end);
    if (next !== COMMA && next !== RBRACE) return false;
    if (text.indexOf(key, end) >= 0) return false;
  }
  return true;
}

/**
 * True when the text nests deeper than `limit`. The common case is settled by counting
 * brackets (a text with at most `limit` of them cannot be deeper); otherwise one pass over
 * the characters tracks the depth, skipping strings. Never recursive.
 */
export function deeperThan(text: string, limit: number): boolean {
  let openers = 0;
  for (let i = text.indexOf('{'); i !== -1 && openers <= limit; i = text.indexOf('{', i + 1)) openers++;
  for (let i = text.indexOf('['); i !== -1 && openers <= limit; i = text.indexOf('[', i + 1)) openers++;
  if (openers <= limit) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = stringEnd(text, i);
    else if (c === LBRACE || c === LBRACKET) {
      if (++depth > limit) return true;
    } else if (c === RBRACE || c === RBRACKET) depth--;
  }
  return false;
}

export type JsonPath = Array<string | number>;

/** A number literal of the text that does not read as itself: beyond double range, or a non-integer read as an integer. */
export interface InexactLiteral {
  path: JsonPath;
  text: string;
  kind: 'non-finite' | 'rounded-to-integer';
}

/**
 * One pass over (valid) JSON text, keeping the path of each value: the number literals that do
 * not read as themselves, and, when `member` is given, the span of that member's value in the
 * top-level object (its last occurrence, as JSON.parse keeps the last). Iterative; the depth
 * has been checked before.
 */
export function scanJson(text: string, member: string | undefined): { numbers: InexactLiteral[]; span?: [number, number] } {
  const numbers: InexactLiteral[] = [];
  const path: JsonPath = [];
  const inArray: boolean[] = [];
  let span: [number, number] | undefined;
  let spanStart = -1;
  let expectKey = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (expectKey) {
        path[path.length - 1] = JSON.parse(text.slice(i, end + 1)) as string;
        expectKey = false;
      }
      i = end + 1;
    } else if (c === LBRACE || c === LBRACKET) {
      const array = c === LBRACKET;
      inArray.push(array);
      path.push(array ? 0 : '');
      expectKey = !array;
      i++;
    } else if (c === RBRACE || c === RBRACKET) {
      if (inArray.length === 1 && spanStart >= 0) {
        span = [spanStart, trimEnd(text, i)];
        spanStart = -1;
      }
      inArray.pop();
      path.pop();
      i++;
    } else if (c === COMMA) {
      const top = path.length - 1;
      if (inArray[top] === true) path[top] = (path[top] as number) + 1;
      else expectKey = true;
      if (inArray.length === 1 && spanStart >= 0) {
        span = [spanStart, trimEnd(text, i)];
        spanStart = -1;
      }
      i++;
    } else if (c === COLON) {
      if (member !== undefined && inArray.length === 1 && path[0] === member) spanStart = skipSpace(text, i + 1);
      i++;
    } else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
      let end = i + 1;
      while (end < n && isNumberChar(text.charCodeAt(end))) end++;
      const literal = text.slice(i, end);
      const kind = inexactKind(literal);
      if (kind !== undefined) numbers.push({ path: path.slice(), text: literal, kind });
      i = end;
    } else {
      i++;
    }
  }
  return span === undefined ? { numbers } : { numbers, span };
}

/** How a number literal fails to read as itself, or undefined when it reads exactly enough. */
export function inexactKind(literal: string): InexactLiteral['kind'] | undefined {
  const n = Number(literal);
  if (!Number.isFinite(n)) return 'non-finite';
  if (!Number.isInteger(n)) return undefined;
  return isIntegerLiteral(literal) ? undefined : 'rounded-to-integer';
}

/** Whether the decimal literal's exact value is an integer (no BigInt: digits beyond the point must be zeros). */
export function isIntegerLiteral(literal: string): boolean {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (m === null) return false;
  const whole = m[1] ?? '';
  const digits = whole + (m[2] ?? '');
  const point = whole.length + Number(m[3] ?? '0');
  return /^0*$/.test(digits.slice(Math.max(0, Math.min(point, digits.length))));
}

/** `a.b[2].c` for a path. */
export function pathText(path: JsonPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out.length === 0 ? p : `.${p}`;
  return out;
}

function markInexact(root: unknown, path: JsonPath, literal: string): unknown {
  const rounded = Number(literal);
  if (path.length === 0) return root === rounded ? new InexactNumber(literal, rounded) : root;
  let parent: unknown = root;
  for (let k = 0; k < path.length - 1; k++) {
    if (typeof parent !== 'object' || parent === null) return root;
    parent = (parent as Record<string | number, unknown>)[path[k] as string | number];
  }
  const last = path[path.length - 1] as string | number;
  if (typeof parent !== 'object' || parent === null) return root;
  const holder = parent as Record<string | number, unknown>;
  // A duplicate key holds the value JSON.parse kept; mark it only when it is this literal's.
  if (Object.prototype.hasOwnProperty.call(holder, last) && holder[last] === rounded) holder[last] = new InexactNumber(literal, rounded);
  return root;
}

/**
 * V8's messages quote a piece of the text (`Unexpected token 'x', "{"user_id":"USR-9"... is
 * not valid JSON`), which may be personal data: only the kind of error and its position are kept.
 */
export function parseErrorText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const kept = message.replace(/,?\s*"[\s\S]*" is not valid JSON$/, '').replace(/"[\s\S]*"/g, '…');
  return kept.length > 0 ? kept : 'not valid JSON';
}

function shortened(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** Index of the quote closing the string that opens at `start` (text.length - 1 when unterminated). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q === -1) return text.length - 1;
    let backslashes = 0;
    for (let k = q - 1; k > start && text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return q;
    i = q + 1;
  }
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

function trimEnd(text: string, end: number): number {
  while (end > 0 && isSpace(text.charCodeAt(end - 1))) end--;
  return end;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isNumberChar = (c: number): boolean => (c >= DIGIT_0 && c <= DIGIT_9) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === MINUS;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** Offset of the first byte that is not part of a valid UTF-8 sequence (bytes.length when none). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}
