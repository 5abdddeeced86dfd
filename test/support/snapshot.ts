import { createHash } from 'node:crypto';
import type { Warehouse } from '../../sinks/warehouse/index.js';

/**
 * Columns that record how/when a row arrived or was computed, not what it says (`version`
 * and `costed_at` are the warehouse clock at a re-costing; FINAL has already kept the latest).
 */
const DELIVERY_COLUMNS = new Set(['_topic', '_partition', '_offset', '_ingested_at', '_batch', 'dead_lettered_at', 'applied_at', 'updated_at', 'computed_at_wall', 'inserted_at', 'version', 'costed_at']);
/**
 * Bookkeeping tables whose content depends on delivery (offsets, group ids) or on when
 * work ran (the economics re-costing queue): not facts, not rollups.
 */
const BOOKKEEPING = new Set(['schema_migrations', 'ingest_state', 'ingest_progress', 'dead_letters', 'econ_marks', 'econ_marks_done', 'econ_refresh_state']);

/**
 * A content fingerprint of every fact and rollup table: tables are fully merged first
 * (OPTIMIZE FINAL), aggregate states are finalized, delivery columns are left out, rows
 * are sorted. Two warehouses with equal snapshots answer every query the same.
 */
export async function snapshotTables(wh: Warehouse): Promise<Record<string, { rows: number; hash: string }>> {
  const tables = await wh.query<{ name: string; engine: string }>(
    `SELECT name, engine FROM system.tables WHERE database = currentDatabase()
       AND engine LIKE '%MergeTree%' AND NOT startsWith(name, '.inner') ORDER BY name`,
  );
  const out: Record<string, { rows: number; hash: string }> = {};
  for (const t of tables) {
    if (BOOKKEEPING.has(t.name)) continue;
    await wh.exec(`OPTIMIZE TABLE \`${t.name}\` FINAL`);
    const cols = await wh.query<{ name: string; type: string }>(
      'SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {t:String} ORDER BY position',
      { t: t.name },
    );
    const exprs = cols
      .filter((c) => !DELIVERY_COLUMNS.has(c.name))
      .map((c) => (c.type.startsWith('AggregateFunction(') ? `toString(finalizeAggregation(\`${c.name}\`))` : `toString(\`${c.name}\`)`));
    if (exprs.length === 0) continue;
    const rows = await wh.query<{ r: string }>(`SELECT concat(${exprs.map((e) => `ifNull(${e}, '\\\\N')`).join(", '|', ")}) AS r FROM \`${t.name}\`${t.engine === 'MergeTree' ? '' : ' FINAL'} ORDER BY r`);
    const h = createHash('sha256');
    for (const r of rows) h.update(r.r).update('\n');
    out[t.name] = { rows: rows.length, hash: h.digest('hex').slice(0, 16) };
  }
  return out;
}
