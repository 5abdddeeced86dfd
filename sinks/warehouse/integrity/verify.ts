import { FACT_TABLE, INPUT_TOPICS, type Family } from '../../../processors/contracts/topics.js';
import type { Warehouse } from '../types.js';
import { assertIdentifier } from '../sql-util.js';
import { describeDamage, findDamage, partName, type DamagedPart } from './damage.js';
import { asDamageError } from './damage-aware.js';
import { damageSite } from './damage-errors.js';
import { openReadmissions, type Readmission } from './readmission.js';

/** The fact table of each input family (the one mapping, processors/contracts/topics.ts). */
export const FACT_TABLES: Readonly<Record<Family, string>> = FACT_TABLE;

export interface FactFigures {
  table: string;
  topic: string;
  /** Distinct (day, event_id): the rows of the table's exact `*_v` view. */
  events: number;
  /** Stored rows, duplicates not merged away yet included. */
  rows: number;
}

/**
 * One comparison of a table with its second record: a table a materialized view fills from it
 * at insert time, in the same statement, but stored in parts of its own. The view's own query
 * over the source gives what the record should hold, so the comparison is exact whatever the
 * view selects: event ids where the record keeps them, per-minute event counts where it keeps
 * counts (the SLI rollups, dwh/sql/025_sli_counts.sql). Counts are compared with the view's query
 * over the *distinct* facts (FINAL), so an event stored twice shows as a difference too.
 */
export interface RecordCheck {
  /** The source table (a fact table). */
  table: string;
  /** The view's target table. */
  record: string;
  view: string;
  /** The view takes every row of the source (no WHERE): equal counts then mean the source is whole. */
  complete: boolean;
  /** Events the view's query finds in the source, and events the record holds. */
  in_table: number;
  in_record: number;
  /** Events the record holds and the source lost. */
  missing_from_table: number;
  /** Events the source holds and the record lost. */
  missing_from_record: number;
  /** The days that differ. */
  days: Array<{ day: string; in_table: number; in_record: number; missing_from_table: number; missing_from_record: number }>;
}

/** Offsets of one topic-partition: the recorded batch ranges against rows and dead letters carrying them. */
export interface OffsetFigures {
  topic: string;
  partition: number;
  /** One past the last offset of the latest recorded batch, over all consumer groups. */
  recorded_end: number;
  /** Offsets below it that a fact row or a dead letter carries. */
  accounted: number;
  /**
   * Offsets below it with neither. Not a difference by itself: when two deliveries of one event
   * are merged into one row, the other delivery's offset is no longer carried by any row.
   */
  unaccounted: number;
}

export interface FailedCheck {
  table: string;
  part: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  database: string;
  kind: string;
  damaged_parts: Array<DamagedPart & { name: string }>;
  failed_checks: FailedCheck[];
  facts: FactFigures[];
  records: RecordCheck[];
  offsets: OffsetFigures[];
  readmissions: Readmission[];
  /** One line per difference; empty when `ok`. */
  problems: string[];
}

export interface VerifyOptions {
  /** Read every part and compare it with its checksums (CHECK TABLE). @default true */
  checksums?: boolean;
}

const num = (v: unknown): number => Number(v ?? 0);

/** Tables of the database with an engine of the MergeTree family. */
async function mergeTreeTables(wh: Warehouse): Promise<string[]> {
  const rows = await wh.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree' ORDER BY name`,
    { db: wh.database },
  );
  return rows.map((r) => r.name);
}

/** The deepest message of an error's causes: the engine's own account. */
function engineMessage(e: unknown): string {
  let message = '';
  for (let c: unknown = e; c && typeof c === 'object'; c = (c as { cause?: unknown }).cause) {
    const m = (c as { message?: unknown }).message;
    if (typeof m === 'string') message = m;
  }
  return message;
}

/**
 * Runs one read; when it meets damaged data, the damage becomes a failed check of the table
 * (with the part, when the engine names it) and the read's figure is left out, so one damaged
 * part does not hide what the rest of the warehouse can tell.
 */
async function guarded<T>(failed: FailedCheck[], table: string, read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (e) {
    if (!asDamageError(e)) throw e;
    const site = damageSite(engineMessage(e));
    const check = { table: site.table ?? table, part: site.part ?? '', message: site.what };
    if (!failed.some((f) => f.table === check.table && f.part === check.part)) failed.push(check);
    return null;
  }
}

async function factFigures(wh: Warehouse, present: ReadonlySet<string>, failed: FailedCheck[]): Promise<FactFigures[]> {
  const out: FactFigures[] = [];
  for (const [family, table] of Object.entries(FACT_TABLES) as Array<[Family, string]>) {
    if (!present.has(table)) continue;
    const rows = await guarded(failed, table, () =>
      wh.query<{ events: string; rows: string }>(
        `SELECT sum(e) AS events, sum(r) AS rows FROM (
           SELECT toYYYYMM(occurred_at) AS m, uniqExact(toDate(occurred_at), event_id) AS e, count() AS r
           FROM ${table} GROUP BY m)`,
      ),
    );
    if (rows) out.push({ table, topic: INPUT_TOPICS[family], events: num(rows[0]?.events), rows: num(rows[0]?.rows) });
  }
  return out;
}

interface ViewRow {
  name: string;
  as_select: string;
  create_table_query: string;
}

interface Column {
  name: string;
  type: string;
}

/** Each materialized view with its source and target, when the target keeps event ids or per-minute id sets. */
async function secondRecords(wh: Warehouse): Promise<Array<{ view: string; source: string; target: string; select: string; kind: 'ids' | 'minute-counts' }>> {
  const views = await wh.query<ViewRow>(
    `SELECT name, as_select, create_table_query FROM system.tables
     WHERE database = {db:String} AND engine = 'MaterializedView' ORDER BY name`,
    { db: wh.database },
  );
  const facts = new Set(Object.values(FACT_TABLES));
  const perTarget = new Map<string, number>();
  const parsed = views.flatMap((v) => {
    const target = /\bTO\s+`?[A-Za-z0-9_]+`?\.`?([A-Za-z0-9_]+)`?/.exec(v.create_table_query)?.[1];
    const source = /\bFROM\s+`?[A-Za-z0-9_]+`?\.`?([A-Za-z0-9_]+)`?/.exec(v.as_select)?.[1];
    if (!target || !source || !facts.has(source)) return [];
    perTarget.set(target, (perTarget.get(target) ?? 0) + 1);
    return [{ view: v.name, source, target, select: v.as_select }];
  });
  const out: Array<{ view: string; source: string; target: string; select: string; kind: 'ids' | 'minute-counts' }> = [];
  for (const p of parsed) {
    // A target several views fill cannot be compared with one view's query.
    if (perTarget.get(p.target) !== 1) continue;
    const cols = await wh.query<Column>(
      'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String}',
      { db: wh.database, t: p.target },
    );
    const has = (n: string, type?: RegExp): boolean => cols.some((c) => c.name === n && (!type || type.test(c.type)));
    if (has('event_id') && has('occurred_at')) out.push({ ...p, kind: 'ids' });
    else if (has('minute') && has('events', /^SimpleAggregateFunction\(sum, UInt64\)$/)) out.push({ ...p, kind: 'minute-counts' });
  }
  return out;
}

interface DayDiff {
  day: string;
  in_table: string;
  in_record: string;
  missing_from_table: string;
  missing_from_record: string;
}

/**
 * The view's query is the engine's own text of the view (system.tables), not built from any
 * value; table names come from the engine's catalog and are checked as identifiers.
 */
async function compare(wh: Warehouse, r: { view: string; source: string; target: string; select: string; kind: 'ids' | 'minute-counts' }): Promise<RecordCheck> {
  const target = assertIdentifier(r.target, 'table');
  const source = assertIdentifier(r.source, 'table');
  const timeOf = r.kind === 'ids' ? 'occurred_at' : 'minute';
  const monthRows = await wh.query<{ m: number }>(
    `SELECT m FROM (SELECT DISTINCT toYYYYMM(occurred_at) AS m FROM ${source}
                    UNION DISTINCT SELECT DISTINCT toYYYYMM(${timeOf}) AS m FROM ${target}) ORDER BY m`,
  );
  const days: RecordCheck['days'] = [];
  const total = { in_table: 0, in_record: 0, missing_from_table: 0, missing_from_record: 0 };
  for (const { m } of monthRows) {
    const sql =
      r.kind === 'ids'
        ? // Exact per event id: which ids each side holds, then per day.
          `SELECT toString(day) AS day, countIf(t) AS in_table, countIf(rec) AS in_record,
                  countIf(rec AND NOT t) AS missing_from_table, countIf(t AND NOT rec) AS missing_from_record
           FROM (
             SELECT event_id, min(d) AS day, max(side = 1) AS t, max(side = 2) AS rec FROM (
               SELECT event_id, toDate(occurred_at) AS d, 1 AS side FROM (${r.select}) WHERE toYYYYMM(occurred_at) = {m:UInt32}
               UNION ALL
               SELECT event_id, toDate(occurred_at) AS d, 2 AS side FROM ${target} WHERE toYYYYMM(occurred_at) = {m:UInt32}
             ) GROUP BY event_id
           ) GROUP BY day ORDER BY day`
        : // Counts per minute on both sides (the record keeps no ids to join on), the source's
          // side over its distinct events.
          `SELECT toString(toDate(minute)) AS day, sum(a) AS in_table, sum(b) AS in_record,
                  sumIf(b - a, b > a) AS missing_from_table, sumIf(a - b, a > b) AS missing_from_record
           FROM (
             SELECT minute, sum(a) AS a, sum(b) AS b FROM (
               SELECT minute, toUInt64(sum(events)) AS a, toUInt64(0) AS b FROM (${overDistinct(r.select, source)}) WHERE toYYYYMM(minute) = {m:UInt32} GROUP BY minute
               UNION ALL
               SELECT minute, toUInt64(0) AS a, toUInt64(sum(events)) AS b FROM ${target} WHERE toYYYYMM(minute) = {m:UInt32} GROUP BY minute
             ) GROUP BY minute
           ) GROUP BY day ORDER BY day`;
    for (const d of await wh.query<DayDiff>(sql, { m: Number(m) })) {
      const row = {
        day: d.day,
        in_table: num(d.in_table),
        in_record: num(d.in_record),
        missing_from_table: num(d.missing_from_table),
        missing_from_record: num(d.missing_from_record),
      };
      total.in_table += row.in_table;
      total.in_record += row.in_record;
      total.missing_from_table += row.missing_from_table;
      total.missing_from_record += row.missing_from_record;
      if (row.missing_from_table > 0 || row.missing_from_record > 0) days.push(row);
    }
  }
  return { table: r.source, record: r.target, view: r.view, complete: !/\bWHERE\b/i.test(r.select), ...total, days };
}

/** A view's query read over the distinct rows of its source: `FROM db.source` becomes `FROM db.source FINAL`. */
export function overDistinct(select: string, source: string): string {
  const from = new RegExp(`\\bFROM\\s+((?:\`?[A-Za-z0-9_]+\`?\\.)?\`?${source}\`?)(?![A-Za-z0-9_\`.])`);
  if (!from.test(select)) throw new Error(`view query does not read ${source}`);
  return select.replace(from, 'FROM $1 FINAL');
}

async function offsetFigures(wh: Warehouse, present: ReadonlySet<string>, failed: FailedCheck[]): Promise<OffsetFigures[]> {
  if (!present.has('ingest_state') || !present.has('dead_letters')) return [];
  const out: OffsetFigures[] = [];
  for (const [family, table] of Object.entries(FACT_TABLES) as Array<[Family, string]>) {
    if (!present.has(table)) continue;
    const topic = INPUT_TOPICS[family];
    const rows = await guarded(failed, table, () => wh.query<{ partition: number; recorded_end: string; accounted: string }>(
      `SELECT p AS partition, e AS recorded_end, uniqExactIf(o, o < e) AS accounted
       FROM (
         SELECT _partition AS p, _offset AS o FROM ${table} WHERE _topic = {t:String}
         UNION ALL
         SELECT toUInt32(source_partition) AS p, toUInt64(source_offset) AS o FROM dead_letters
         WHERE source_topic = {t:String} AND source_partition >= 0 AND source_offset >= 0
       ) AS x
       INNER JOIN (
         SELECT partition AS p, max(last_offset) + 1 AS e FROM ingest_state FINAL WHERE topic = {t:String} GROUP BY partition
       ) AS s USING (p)
       GROUP BY p, e ORDER BY p`,
      { t: topic },
    ));
    for (const r of rows ?? []) {
      const end = num(r.recorded_end);
      const accounted = num(r.accounted);
      out.push({ topic, partition: Number(r.partition), recorded_end: end, accounted, unaccounted: Math.max(0, end - accounted) });
    }
  }
  return out;
}

/** CHECK TABLE per table: every active part's files against its checksums. Reads all data. */
async function checksumFailures(wh: Warehouse, tables: readonly string[]): Promise<FailedCheck[]> {
  const out: FailedCheck[] = [];
  for (const t of tables) {
    const rows = await wh.query<{ part_path: string; is_passed: number; message: string }>(
      `CHECK TABLE ${assertIdentifier(t, 'table')} SETTINGS check_query_single_value_result = 0`,
    );
    for (const r of rows) if (Number(r.is_passed) !== 1) out.push({ table: t, part: r.part_path, message: damageSite(r.message).what });
  }
  return out;
}

/**
 * Everything the warehouse itself can tell about whether its facts are whole: parts the engine
 * detached as damaged (with the rows they held), parts failing their checksums, every fact
 * table against its second records (exact, per event id or per minute set), the recorded batch
 * ranges against the offsets rows and dead letters carry (informational), and re-admissions
 * still open. Aggregates run in the engine, one month at a time.
 */
export async function verifyWarehouse(wh: Warehouse, options: VerifyOptions = {}): Promise<VerifyReport> {
  const tables = await mergeTreeTables(wh);
  const present = new Set(tables);
  const damaged = await findDamage(wh);
  const failed = options.checksums === false ? [] : await checksumFailures(wh, tables);
  const facts = await factFigures(wh, present, failed);
  const records: RecordCheck[] = [];
  for (const r of await secondRecords(wh)) {
    const c = await guarded(failed, r.source, () => compare(wh, r));
    if (c) records.push(c);
  }
  const offsets = await offsetFigures(wh, present, failed);
  const readmissions = present.has('warehouse_repairs') ? await openReadmissions(wh) : [];

  return withProblems(wh, {
    damaged_parts: damaged.map((d) => ({ ...d, name: partName(d) })),
    failed_checks: failed,
    facts,
    records,
    offsets,
    readmissions,
  });
}

/** The report with its one-line problems: every difference, and every re-admission still open. */
export function withProblems(wh: Pick<Warehouse, 'database' | 'kind'>, r: Omit<VerifyReport, 'ok' | 'problems' | 'database' | 'kind'>): VerifyReport {
  const problems: string[] = [];
  if (r.damaged_parts.length > 0) problems.push(describeDamage(r.damaged_parts, wh.database));
  for (const f of r.failed_checks) problems.push(`${f.table} part ${f.part} fails its checksums: ${f.message}`);
  for (const c of r.records) {
    const when = c.days.length > 0 ? ` (${c.days.map((d) => d.day).join(', ')})` : '';
    if (c.missing_from_table > 0) problems.push(`${c.table}: ${c.missing_from_table} events missing that ${c.record} recorded${when}`);
    if (c.missing_from_record > 0) problems.push(`${c.record}: ${c.missing_from_record} events of ${c.table} missing${when}`);
  }
  for (const a of r.readmissions) problems.push(`${a.table}: re-admission open since ${a.since} (ingest its source again, then \`slo-pipeline verify --repair\` closes it)`);
  const { damaged_parts, failed_checks, facts, records, offsets, readmissions } = r;
  return { ok: problems.length === 0, database: wh.database, kind: wh.kind, damaged_parts, failed_checks, facts, records, offsets, readmissions, problems };
}
