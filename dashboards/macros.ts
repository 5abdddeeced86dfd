/**
 * Expands a panel's SQL the way Grafana and the ClickHouse plugin do before the query
 * reaches ClickHouse, so tests can run every panel's SQL on the embedded warehouse:
 *  1. Grafana's frontend interpolates template variables (`$var`, `${var}`,
 *     `${var:singlequote}`, `${var:sqlstring}`);
 *  2. the plugin's backend expands its macros (pkg/macros in grafana/clickhouse-datasource):
 *     `$__timeFilter(col)` -> `col >= toDateTime(from) AND col <= toDateTime(to)` (seconds),
 *     `$__timeFilter_ms(col)`, `$__dateFilter(col)`, `$__dateTimeFilter(d, t)` / `$__dt`,
 *     `$__fromTime`, `$__toTime`, `$__fromTime_ms`, `$__toTime_ms`,
 *     `$__timeInterval(col)` -> `toStartOfInterval(toDateTime(col), INTERVAL n second)`,
 *     `$__timeInterval_ms(col)`, `$__interval_s`.
 * Like the plugin (sqlds), a macro's arguments end at the first `)`, so arguments are
 * plain column names.
 */
export interface MacroContext {
  from: Date;
  to: Date;
  /** Grafana's computed interval for the panel. @default 60000 */
  intervalMs?: number;
  /** Template variable values by name (single values; multi-values as arrays). */
  variables?: Record<string, string | readonly string[]>;
}

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);
const toDateTime = (d: Date): string => `toDateTime(${seconds(d)})`;
const toDateTime64 = (d: Date): string => `fromUnixTimestamp64Milli(${d.getTime()})`;
const toDate = (d: Date): string => `toDate('${d.toISOString().slice(0, 10)}')`;

type Macro = (ctx: Required<Omit<MacroContext, 'variables'>>, args: string[]) => string;

function expect(name: string, args: string[], n: number): void {
  if (args.length !== n) throw new Error(`$__${name}: expected ${n} argument(s), received ${args.length}`);
}

const MACROS: Record<string, Macro> = {
  fromTime: (c) => toDateTime(c.from),
  toTime: (c) => toDateTime(c.to),
  fromTime_ms: (c) => toDateTime64(c.from),
  toTime_ms: (c) => toDateTime64(c.to),
  timeFilter: (c, a) => (expect('timeFilter', a, 1), `${a[0]} >= ${toDateTime(c.from)} AND ${a[0]} <= ${toDateTime(c.to)}`),
  timeFilter_ms: (c, a) => (expect('timeFilter_ms', a, 1), `${a[0]} >= ${toDateTime64(c.from)} AND ${a[0]} <= ${toDateTime64(c.to)}`),
  dateFilter: (c, a) => (expect('dateFilter', a, 1), `${a[0]} >= ${toDate(c.from)} AND ${a[0]} <= ${toDate(c.to)}`),
  dateTimeFilter: (c, a) => dateTime(c, a),
  dt: (c, a) => dateTime(c, a),
  timeInterval: (c, a) => (
    expect('timeInterval', a, 1), `toStartOfInterval(toDateTime(${a[0]}), INTERVAL ${Math.max(Math.floor(c.intervalMs / 1000), 1)} second)`
  ),
  timeInterval_ms: (c, a) => (
    expect('timeInterval_ms', a, 1), `toStartOfInterval(toDateTime64(${a[0]}, 3), INTERVAL ${Math.max(c.intervalMs, 1)} millisecond)`
  ),
  interval_s: (c) => String(Math.max(Math.floor(c.intervalMs / 1000), 1)),
};

function dateTime(c: Required<Omit<MacroContext, 'variables'>>, a: string[]): string {
  expect('dateTimeFilter', a, 2);
  return `(${a[0]} >= ${toDate(c.from)} AND ${a[0]} <= ${toDate(c.to)}) AND (${a[1]} >= ${toDateTime(c.from)} AND ${a[1]} <= ${toDateTime(c.to)})`;
}

/** Names longest first, so `$__timeFilter_ms` is not read as `$__timeFilter` + `_ms`. */
const MACRO_NAMES = Object.keys(MACROS).sort((a, b) => b.length - a.length);

export function expandMacros(rawSql: string, ctx: MacroContext): string {
  const full = { from: ctx.from, to: ctx.to, intervalMs: ctx.intervalMs ?? 60_000 };
  let out = rawSql;
  for (const name of MACRO_NAMES) {
    const macro = MACROS[name];
    if (!macro) continue;
    const re = new RegExp(`\\$__${name}(?![A-Za-z0-9_])(?:\\((.*?)\\))?`, 'g');
    out = out.replace(re, (_m, args: string | undefined) =>
      macro(full, args === undefined ? [] : args.split(',').map((s) => s.trim()).filter((s) => s.length > 0)),
    );
  }
  const left = /\$__[A-Za-z_]+/.exec(out);
  if (left) throw new Error(`unknown macro ${left[0]}`);
  return out;
}

/** Grafana's `singlequote`/`sqlstring` formats: each value quoted, `'` escaped, joined by commas. */
function quote(values: readonly string[], style: 'singlequote' | 'sqlstring'): string {
  return values.map((v) => `'${style === 'singlequote' ? v.replace(/'/g, "\\'") : v.replace(/'/g, "''")}'`).join(',');
}

export function interpolateVariables(rawSql: string, variables: Record<string, string | readonly string[]>): string {
  return rawSql.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, braced, fmt, bare) => {
    const name = (braced ?? bare) as string;
    if (name.startsWith('__')) return m;
    const value = variables[name];
    if (value === undefined) throw new Error(`template variable $${name} has no value`);
    const values = typeof value === 'string' ? [value] : value;
    if (fmt === 'singlequote' || fmt === 'sqlstring') return quote(values, fmt);
    if (fmt !== undefined && fmt !== 'raw' && fmt !== 'csv') throw new Error(`unsupported variable format ${fmt}`);
    return values.join(',');
  });
}

/** Variables first (Grafana's frontend), then macros (the plugin's backend). */
export function expandPanelSql(rawSql: string, ctx: MacroContext): string {
  return expandMacros(interpolateVariables(rawSql, ctx.variables ?? {}), ctx);
}
