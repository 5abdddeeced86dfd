import type { Warehouse } from '../types.js';
import { assertIdentifier } from '../sql-util.js';
import { overDistinct } from './verify.js';

/**
 * The counting rollups (dwh/sql/025_sli_counts.sql): a minute table a view fills from a fact
 * table, and the hour and day tables views fill from that minute table. Counts cannot be
 * refilled by running the view's query again (rows still there would count twice): they are
 * rebuilt whole from the distinct facts instead.
 */
export interface CountRollup {
  /** The fact table the minute view reads. */
  source: string;
  minute: string;
  /** The minute view's query (the engine's own text). */
  select: string;
  /** Tables views fill from the minute table (hours, days). */
  derived: string[];
}

interface ViewRow {
  as_select: string;
  create_table_query: string;
}

const target = (v: ViewRow): string | undefined => /\bTO\s+`?[A-Za-z0-9_]+`?\.`?([A-Za-z0-9_]+)`?/.exec(v.create_table_query)?.[1];
const source = (v: ViewRow): string | undefined => /\bFROM\s+`?[A-Za-z0-9_]+`?\.`?([A-Za-z0-9_]+)`?/.exec(v.as_select)?.[1];

/** Every counting rollup of the database, by the fact table it counts. */
export async function countRollups(wh: Warehouse): Promise<CountRollup[]> {
  const views = await wh.query<ViewRow>(
    `SELECT as_select, create_table_query FROM system.tables WHERE database = {db:String} AND engine = 'MaterializedView' ORDER BY name`,
    { db: wh.database },
  );
  const counting = new Set(
    (
      await wh.query<{ table: string }>(
        `SELECT table FROM system.columns WHERE database = {db:String} AND name = 'events' AND type = 'SimpleAggregateFunction(sum, UInt64)'`,
        { db: wh.database },
      )
    ).map((r) => r.table),
  );
  const out: CountRollup[] = [];
  for (const v of views) {
    const t = target(v);
    const s = source(v);
    if (!t || !s || !counting.has(t) || counting.has(s)) continue;
    const derived = views.filter((d) => source(d) === t && counting.has(target(d) ?? '')).map((d) => target(d) as string);
    out.push({ source: s, minute: t, select: v.as_select, derived });
  }
  return out;
}

/** The rollup a table belongs to (as its source, its minute table or a derived table). */
export function rollupOf(rollups: readonly CountRollup[], table: string): CountRollup | undefined {
  return rollups.find((r) => r.minute === table || r.derived.includes(table));
}

/**
 * Empties the rollup's tables and counts the distinct facts again; the views carry the minutes
 * into hours and days. Readers see empty or partial counts until it returns.
 */
export async function rebuildCountRollup(wh: Warehouse, r: CountRollup): Promise<void> {
  for (const t of [...r.derived, r.minute]) await wh.exec(`TRUNCATE TABLE ${assertIdentifier(t, 'table')}`);
  const minute = assertIdentifier(r.minute, 'table');
  const cols = await wh.query<{ name: string }>(`DESCRIBE TABLE (${r.select})`);
  const list = cols.map((c) => `\`${assertIdentifier(c.name, 'column')}\``).join(', ');
  await wh.exec(`INSERT INTO ${minute} (${list}) SELECT ${list} FROM (${overDistinct(r.select, r.source)})`);
}
