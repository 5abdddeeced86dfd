import { PERSONAL_FIELDS, mentionsPersonal } from '../validation/rules.js';
import { MAX_JSON_DEPTH } from './json-guard.js';

/**
 * Personal data out of a value of any shape (docs/interfaces.md, Conventions): what a dead letter keeps
 * of a record that failed. Hostile records put `user_id` anywhere: at any depth, under other
 * fields, inside strings that hold JSON (a JSON Lines `value` sent as a string), behind `\u`
 * escapes. The walk is iterative, so no depth can overflow the stack, and nothing beyond
 * the depth limit is kept: such a subtree is replaced by a marker, never copied as it is.
 */

/** In place of a personal value that is not a string (which is hashed). */
export const REDACTED = '[redacted]';
/** In place of a subtree nested deeper than the limit. */
export const TOO_DEEP_MARKER = `[redacted: nested deeper than ${MAX_JSON_DEPTH} levels]`;
/** In place of a string that names a personal field but is not JSON (so the value's place in it is unknown). */
export const REDACTED_TEXT = '[redacted: text naming a personal field]';
/** Strings holding JSON holding strings holding JSON...: past this many levels the string is replaced. */
const MAX_STRING_NESTING = 8;

/** {@link mentionsPersonal} over raw bytes (latin1 keeps every byte one character, so ASCII names are found). */
export function bytesMentionPersonal(bytes: Buffer): boolean {
  return mentionsPersonal(bytes.toString('latin1'));
}

export interface Redaction {
  value: unknown;
  /** True when anything was replaced. */
  changed: boolean;
}

/**
 * A copy of `root` with every personal field's value replaced: a string by `hmac:<keyed
 * hash>` (or {@link REDACTED} without a hasher), anything else by {@link REDACTED}. Strings
 * naming a personal field are parsed as JSON and redacted in turn, or replaced when they are
 * not JSON; so are object keys that name one without being one.
 */
export function redact(root: unknown, hash: ((v: string) => string) | null, limit: number = MAX_JSON_DEPTH): Redaction {
  return redactAt(root, hash, limit, 0);
}

interface Task {
  v: unknown;
  depth: number;
  set: (x: unknown) => void;
}

function redactAt(root: unknown, hash: ((v: string) => string) | null, limit: number, nesting: number): Redaction {
  let changed = false;
  let result: unknown;
  const stack: Task[] = [{ v: root, depth: 1, set: (x) => (result = x) }];
  const personal = (x: unknown): unknown => {
    if (x === null || x === undefined) return x;
    changed = true;
    return typeof x === 'string' && hash !== null ? `hmac:${hash(x)}` : REDACTED;
  };
  for (let task = stack.pop(); task !== undefined; task = stack.pop()) {
    const { v, depth, set } = task;
    if (typeof v === 'string') {
      const s = redactString(v, hash, limit, nesting);
      if (s !== v) changed = true;
      set(s);
    } else if (v === null || typeof v !== 'object' || v instanceof Uint8Array) {
      set(v);
    } else if (depth > limit) {
      changed = true;
      set(TOO_DEEP_MARKER);
    } else if (Array.isArray(v)) {
      const out = new Array<unknown>(v.length);
      set(out);
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], depth: depth + 1, set: (x) => (out[i] = x) });
    } else {
      // A null prototype: a `__proto__` key stays a plain member, as JSON.parse made it.
      const out = Object.create(null) as Record<string, unknown>;
      set(out);
      let renamed = 0;
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (PERSONAL_FIELDS.has(k)) {
          out[k] = personal(x);
          continue;
        }
        let key = k;
        if (mentionsPersonal(k)) {
          changed = true;
          key = `[redacted key ${++renamed}]`;
        }
        out[key] = null; // holds the key's place, so members keep their order
        stack.push({ v: x, depth: depth + 1, set: (y) => (out[key] = y) });
      }
    }
  }
  return { value: result, changed };
}

function redactString(s: string, hash: ((v: string) => string) | null, limit: number, nesting: number): string {
  if (!mentionsPersonal(s)) return s;
  if (nesting >= MAX_STRING_NESTING) return REDACTED_TEXT;
  let inner: unknown;
  try {
    inner = JSON.parse(s);
  } catch {
    return REDACTED_TEXT;
  }
  // Bounded recursion: one level per string-in-string, at most MAX_STRING_NESTING.
  const r = redactAt(inner, hash, limit, nesting + 1);
  return JSON.stringify(r.value) ?? REDACTED_TEXT;
}
