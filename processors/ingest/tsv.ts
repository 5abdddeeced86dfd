/**
 * ClickHouse TabSeparated rows, written straight from events: the hot path's insert
 * format. TSV parses faster than JSON in ClickHouse and needs no per-row object here.
 *
 * Escaping (ClickHouse TabSeparated): backslash, tab, newline (and CR, NUL) are written
 * as backslash escapes; NULL is `\N`. An Array(String) value is written in ClickHouse's
 * literal syntax `['a','b']`, its elements escaped once (see arrayLiteral).
 */
export type ColumnKind = 'string' | 'nstring' | 'int' | 'nint' | 'float' | 'nfloat' | 'time' | 'strings';

export interface Column<E> {
  name: string;
  kind: ColumnKind;
  get: (e: E) => unknown;
}

const NEEDS_ESCAPE = /[\\\t\n\r\0]/;

export function escapeTsv(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) out += '\\\\';
    else if (c === 9) out += '\\t';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 0) out += '\\0';
    else out += s[i];
  }
  return out;
}

/**
 * ClickHouse reads an Array cell of a TSV row with quoted-string escaping applied to the
 * raw stream (not TSV-unescaped first), so elements are escaped once, quote included.
 */
function arrayLiteral(xs: readonly string[]): string {
  let out = '[';
  for (let i = 0; i < xs.length; i++) {
    if (i > 0) out += ',';
    out += `'${escapeTsv(xs[i] ?? '').replace(/'/g, "\\'")}'`;
  }
  return `${out}]`;
}

function cell(kind: ColumnKind, v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  switch (kind) {
    case 'string':
    case 'nstring':
      return escapeTsv(v as string);
    case 'int':
    case 'nint':
    case 'time': // integer epoch ms: read by DateTime64(3) as ticks, exactly
      return String(v);
    case 'float':
    case 'nfloat':
      return String(v);
    case 'strings':
      return arrayLiteral(v as readonly string[]);
  }
}

/** A writer of one table's TSV lines: `line(e)` returns the row without its newline. */
export interface TsvWriter<E> {
  readonly columns: readonly string[];
  line(e: E, extra: readonly unknown[]): string;
}

/** `extraColumns` are appended after the event's own (e.g. `_topic`, `_partition`, `_offset`). */
export function tsvWriter<E>(columns: ReadonlyArray<Column<E>>, extraColumns: ReadonlyArray<{ name: string; kind: ColumnKind }>): TsvWriter<E> {
  const names = [...columns.map((c) => c.name), ...extraColumns.map((c) => c.name)];
  const n = columns.length;
  return {
    columns: names,
    line(e, extra) {
      let s = '';
      for (let i = 0; i < n; i++) {
        const c = columns[i] as Column<E>;
        if (i > 0) s += '\t';
        s += cell(c.kind, c.get(e));
      }
      for (let i = 0; i < extraColumns.length; i++) s += `\t${cell((extraColumns[i] as { kind: ColumnKind }).kind, extra[i])}`;
      return s;
    },
  };
}
