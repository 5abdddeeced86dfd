import { randomBytes } from 'node:crypto';
import type { Warehouse } from '../types.js';
import { assertIdentifier } from '../sql-util.js';
import { countRollups, rebuildCountRollup, rollupOf, type CountRollup } from './count-rollups.js';
import { openReadmission, openReadmissions, recordRepair, type RepairRecord } from './readmission.js';
import { FACT_TABLES, type VerifyReport } from './verify.js';

/** Tables filled from the input topics: what they lost comes back by ingesting their source again. */
const FROM_SOURCE = new Set([...Object.values(FACT_TABLES), 'dead_letters']);

/** The incident-cost tables: recomputed from the facts by re-costing every incident. */
const COSTED = new Set([
  'incident_cost_facts',
  'incident_cost_monthly',
  'incident_cost_cube',
  'econ_incident_versions',
  'econ_cube_versions',
  'econ_refresh_state',
  'econ_marks_done',
]);

export interface RepairOutcome {
  repair_id: string;
  /** Damaged parts removed (their rows are what re-admission, rebuilding or re-costing bring back). */
  dropped: Array<{ table: string; part: string; reason: string; rows: number | null }>;
  /** Tables now taking their source again (insert dedup off until `closeReadmissions`). */
  readmitting: string[];
  /** View-filled tables refilled from their source tables. */
  rebuilt: string[];
  /** True when the incident-cost tables must be re-costed from the facts. */
  recost: boolean;
  /** Tables whose lost rows nothing in the warehouse holds: only a backup has them. */
  from_backup_only: string[];
  /** Tables that did not load: no statement reaches them; only a restore does. */
  unloadable: string[];
}

const dropDetached = (table: string): string => `ALTER TABLE ${table} DROP DETACHED PART {part:String} SETTINGS allow_drop_detached = 1`;

/**
 * Makes a damaged warehouse take back what it lost, from wherever a copy is: the input
 * topics for facts and dead letters (re-admission, completed by ingesting the source again),
 * the facts for the tables views fill, the facts again for incident costs. Every action is
 * recorded in `warehouse_repairs` with the rows given up.
 */
export async function repairWarehouse(wh: Warehouse, report: VerifyReport): Promise<RepairOutcome> {
  const repairId = `repair-${new Date().toISOString()}-${randomBytes(3).toString('hex')}`;
  const out: RepairOutcome = { repair_id: repairId, dropped: [], readmitting: [], rebuilt: [], recost: false, from_backup_only: [], unloadable: [] };
  const affected = new Set<string>();

  for (const d of report.damaged_parts) {
    if (d.part === '') {
      out.unloadable.push(d.table);
      continue;
    }
    const table = assertIdentifier(d.table, 'table');
    await wh.exec(dropDetached(table), { part: d.part });
    out.dropped.push({ table, part: d.part, reason: d.reason, rows: d.rows });
    affected.add(table);
  }
  for (const f of report.failed_checks) {
    const table = assertIdentifier(f.table, 'table');
    if (f.part === '') {
      // The engine did not say which part: CHECK TABLE (verify without --quick) names it.
      affected.add(table);
      continue;
    }
    const [held] = await wh.query<{ rows: string }>(
      'SELECT rows FROM system.parts WHERE database = {db:String} AND table = {t:String} AND name = {part:String} AND active',
      { db: wh.database, t: table, part: f.part },
    );
    // An active part failing its checksums answers reads with damaged rows or errors: out
    // of the table first, then gone like a detached broken part.
    await wh.exec(`ALTER TABLE ${table} DETACH PART {part:String}`, { part: f.part });
    await wh.exec(dropDetached(table), { part: f.part });
    out.dropped.push({ table, part: f.part, reason: 'checksum', rows: held ? Number(held.rows) : null });
    affected.add(table);
  }
  await recordRepair(
    wh,
    repairId,
    out.dropped.map((d): RepairRecord => ({ table: d.table, action: 'dropped-part', part: d.part, reason: d.reason, rows: d.rows })),
  );
  // Rows can go without a trace the engine sees (a part folder removed as a whole): the second
  // records name those tables too.
  for (const r of report.records) {
    if (r.missing_from_table > 0) affected.add(r.table);
    if (r.missing_from_record > 0) affected.add(r.record);
  }

  const views = await viewsByTarget(wh);
  const rollups = await countRollups(wh);
  const rebuilt = new Set<CountRollup>();
  // A counting rollup is rebuilt from the facts as they are now; what the source brings back
  // afterwards reaches it through its view, once.
  const rebuildCounts = async (r: CountRollup): Promise<void> => {
    if (rebuilt.has(r)) return;
    rebuilt.add(r);
    await rebuildCountRollup(wh, r);
    for (const t of [r.minute, ...r.derived]) {
      await recordRepair(wh, repairId, [{ table: t, action: 'rebuilt' }]);
      out.rebuilt.push(t);
    }
  };
  for (const table of [...affected].sort()) {
    const rollup = rollupOf(rollups, table);
    if (FROM_SOURCE.has(table)) {
      await openReadmission(wh, repairId, table);
      for (const r of rollups.filter((x) => x.source === table)) await rebuildCounts(r);
    } else if (rollup) {
      await rebuildCounts(rollup);
    } else if (views.has(table)) {
      for (const v of views.get(table) ?? []) await rebuild(wh, table, v);
      await recordRepair(wh, repairId, [{ table, action: 'rebuilt' }]);
      out.rebuilt.push(table);
      // The cost join reads these copies; costs computed while they were short are stale.
      if (table.startsWith('econ_')) out.recost = true;
    } else if (COSTED.has(table)) {
      out.recost = true;
    } else {
      out.from_backup_only.push(table);
    }
  }
  out.readmitting = (await openReadmissions(wh)).map((r) => r.table);
  return out;
}

/** The queries of the materialized views filling each table (the engine's own text of each view). */
async function viewsByTarget(wh: Warehouse): Promise<Map<string, string[]>> {
  const rows = await wh.query<{ as_select: string; create_table_query: string }>(
    `SELECT as_select, create_table_query FROM system.tables
     WHERE database = {db:String} AND engine = 'MaterializedView' ORDER BY name`,
    { db: wh.database },
  );
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const target = /\bTO\s+`?[A-Za-z0-9_]+`?\.`?([A-Za-z0-9_]+)`?/.exec(r.create_table_query)?.[1];
    if (!target) continue;
    out.set(target, [...(out.get(target) ?? []), r.as_select]);
  }
  return out;
}

/**
 * Runs a view's query over its whole source into its table again. The view-filled tables this
 * serves are keyed by event (010_economics_keyed.sql), so rows it still has collapse with their
 * copies and only the lost ones are new (counting rollups are rebuilt whole instead).
 */
async function rebuild(wh: Warehouse, table: string, select: string): Promise<void> {
  const cols = await wh.query<{ name: string }>(`DESCRIBE TABLE (${select})`);
  const list = cols.map((c) => `\`${assertIdentifier(c.name, 'column')}\``).join(', ');
  await wh.exec(`INSERT INTO ${assertIdentifier(table, 'table')} (${list}) SELECT ${list} FROM (${select})`);
}
