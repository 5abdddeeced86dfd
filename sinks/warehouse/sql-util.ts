import { PipelineError } from '../../processors/errors/index.js';
import type { Warehouse } from './types.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Identifiers (database, table names) cannot be bound parameters: allow-list their shape. */
export function assertIdentifier(name: string, what: string): string {
  if (!IDENT.test(name)) {
    throw new PipelineError('INVALID_CONFIG', `invalid ${what} name ${JSON.stringify(name)}: use letters, digits and _`, {
      field: what,
      value: name,
    });
  }
  return name;
}

export function rowsToJsonEachRow(rows: ReadonlyArray<Record<string, unknown>>): Buffer {
  let s = '';
  for (const r of rows) s += `${JSON.stringify(r)}\n`;
  return Buffer.from(s);
}

export function parseJsonEachRow<T>(text: string): T[] {
  const out: T[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) out.push(JSON.parse(text.slice(start, end)) as T);
    start = end + 1;
  }
  return out;
}

/** Splits a migration file into statements: `;` at the end of a line ends a statement. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((l) => !/^\s*--/.test(l))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * A `SETTINGS k = v, ...` clause. Names are allow-listed identifiers; values are numbers or
 * string literals with backslash and quote escaped (settings cannot be bound parameters).
 */
export function settingsClause(settings: Readonly<Record<string, string | number>>): string {
  const parts = Object.entries(settings).map(([k, v]) => {
    const name = assertIdentifier(k, 'setting');
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new PipelineError('INVALID_CONFIG', `setting ${name} must be a finite number`, { field: name, value: String(v) });
      return `${name} = ${v}`;
    }
    return `${name} = '${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  });
  return parts.length > 0 ? `SETTINGS ${parts.join(', ')}` : '';
}

/**
 * `IN` over an array parameter that may be long (event ids of a batch, journeys of a refresh):
 * `IN (SELECT arrayJoin({name:Array(type)}))`. Bound as a constant list
 * (`IN {name:Array(type)}`), a long list made the engine fall off a cliff when the column is in
 * the table's sorting key: over 200,000 rows, 22,000 UUIDs took 0.09 s and 24,000 more than
 * 15 s, 60,000 short ids likewise, with two query threads busy all along. Through the
 * subquery 100,000 UUIDs take 0.4 s, and the primary key still prunes by the set.
 */
export function inArrayParam(name: string, type = 'String'): string {
  assertIdentifier(name, 'parameter');
  if (!/^[A-Za-z][A-Za-z0-9]*(\([A-Za-z0-9, ']*\))?$/.test(type)) throw new Error(`invalid parameter type ${JSON.stringify(type)}`);
  return `IN (SELECT arrayJoin({${name}:Array(${type})}))`;
}

/**
 * Bytes of ids per statement when a list goes as an array parameter. A ClickHouse server reads
 * query parameters from the request's URL, at most 1 MiB of it (`http_max_uri_size`), and URL
 * encoding can triple a byte: a list of 50,000 UUIDs (1.9 MB) goes in eight statements.
 */
export const ARRAY_PARAM_BYTES = 256 * 1024;

/** `ids` in runs of at most `maxBytes` (UTF-8, plus quotes and a comma each); an id longer than that is a run of its own. */
export function chunksOf(ids: readonly string[], maxBytes: number = ARRAY_PARAM_BYTES): string[][] {
  const out: string[][] = [];
  let run: string[] = [];
  let bytes = 0;
  for (const id of ids) {
    const n = Buffer.byteLength(id, 'utf8') + 3;
    if (run.length > 0 && bytes + n > maxBytes) {
      out.push(run);
      run = [];
      bytes = 0;
    }
    run.push(id);
    bytes += n;
  }
  if (run.length > 0) out.push(run);
  return out;
}

/**
 * Runs a read that binds a list as `{ids:Array(String)}` (through inArrayParam) once per run of
 * at most the warehouse's `paramBytes` (default ARRAY_PARAM_BYTES) of `ids`, and returns every
 * run's rows: for reads whose rows each follow from ids of one run (a row per id, or per key the
 * caller merges).
 */
export async function queryByIds<T>(wh: Pick<Warehouse, 'query' | 'paramBytes'>, sql: string, ids: readonly string[], params: Record<string, unknown> = {}): Promise<T[]> {
  const out: T[] = [];
  for (const run of chunksOf(ids, wh.paramBytes ?? ARRAY_PARAM_BYTES)) {
    const rows = await wh.query<T>(sql, { ...params, ids: run });
    for (const r of rows) out.push(r);
  }
  return out;
}
