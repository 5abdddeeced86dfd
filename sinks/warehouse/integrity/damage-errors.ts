/**
 * Engine errors that mean stored data is damaged, as opposed to a bad statement or an engine
 * that is busy or gone. A warehouse from openWarehouse reports them as WAREHOUSE_DAMAGED,
 * whichever adapter ran the statement (damage-aware.ts), so a read that runs into a corrupt
 * block fails as loudly as an open that finds a detached part.
 */

/** ClickHouse error codes raised only by damaged parts or table metadata. */
const DAMAGE_CODES = new Map<number, string>([
  [40, 'CHECKSUM_DOESNT_MATCH'],
  [226, 'NO_FILE_IN_DATA_PART'],
  [231, 'TOO_MANY_UNEXPECTED_DATA_PARTS'],
  [246, 'CORRUPTED_DATA'],
  [271, 'CANNOT_DECOMPRESS'],
]);

/**
 * Codes a damaged part raises, but an unreadable input file of `file()` too (the chdb insert
 * path reads spool files): damage only when the message names a data part.
 */
const DAMAGE_IF_PART = new Set([32 /* ATTEMPT_TO_READ_AFTER_EOF */, 33 /* CANNOT_READ_ALL_DATA */]);
const NAMES_A_PART = /\bdata part\b|\bpart [^\s]+_\d+_\d+_\d+\b|\/detached\//i;

/** The innermost `Code: N` of an engine message (nested exceptions name the cause last). */
export function engineCode(message: string): number | null {
  const all = [...message.matchAll(/\bCode: (\d+)\b/g)];
  const last = all[all.length - 1];
  return last ? Number(last[1]) : null;
}

export function isDamageError(message: string, code?: number | string | null, type?: string): boolean {
  if (type && [...DAMAGE_CODES.values()].includes(type)) return true;
  const n = code !== undefined && code !== null && /^\d+$/.test(String(code)) ? Number(code) : engineCode(message);
  if (n === null) return false;
  if (DAMAGE_CODES.has(n)) return true;
  return DAMAGE_IF_PART.has(n) && NAMES_A_PART.test(message);
}

/** Where an engine message says the damage is, and what it is, in a few words. */
export interface DamageSite {
  table: string | null;
  part: string | null;
  /** The first sentence of the innermost exception, with the error's name. */
  what: string;
}

export function damageSite(message: string): DamageSite {
  const table = /\bin table [A-Za-z0-9_]+\.([A-Za-z0-9_]+)/.exec(message)?.[1] ?? null;
  const part =
    /While reading part ([A-Za-z0-9_-]+)/.exec(message)?.[1] ??
    /\bdata part ([A-Za-z0-9_-]+)/.exec(message)?.[1] ??
    /\bfrom part \S*?\/([A-Za-z0-9_-]+)\/ /.exec(message)?.[1] ??
    null;
  const at = message.lastIndexOf('DB::Exception: ');
  const text = (at >= 0 ? message.slice(at + 'DB::Exception: '.length) : message).split('\n')[0] ?? '';
  const sentence = (text.split(/\.\s/)[0] ?? text).slice(0, 160);
  const name = /\(([A-Z][A-Z_]+)\)(?:\s*\(version [^)]*\))?\s*$/.exec(message.split('\n')[0] ?? '')?.[1];
  return { table, part, what: name ? `${sentence} (${name})` : sentence };
}
