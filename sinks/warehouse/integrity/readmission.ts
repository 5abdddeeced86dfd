import type { Warehouse } from '../types.js';
import { assertIdentifier } from '../sql-util.js';

/**
 * Re-admission: a table whose rows were lost takes its source again. Its insert-dedup log
 * (non-replicated MergeTree keeps it on disk, per table, and reloads it at every start) still
 * holds the hashes of the lost blocks, so the same bytes replayed would be dropped as
 * duplicates. Measured on chdb 3.4: dropping the detached part leaves the log as it is, and
 * setting the window to 0 and back empties it only in memory: the next process loads the file
 * again. A window of 0 *while* the source is ingested lets the blocks land. The replayed
 * rows that were never lost collapse by event_id (004_batch_identity.sql: no figure rests on the
 * log), and the window is put back once the facts are whole again.
 */

export interface Readmission {
  table: string;
  since: string;
  /** The table's insert-dedup window before, put back when the re-admission closes. */
  dedup_window: number;
}

export interface RepairRecord {
  table: string;
  action: 'dropped-part' | 'readmission-opened' | 'readmission-closed' | 'rebuilt' | 'recosted';
  part?: string;
  reason?: string;
  rows?: number | null;
  dedup_window?: number;
}

export async function recordRepair(wh: Warehouse, repairId: string, records: readonly RepairRecord[]): Promise<void> {
  if (records.length === 0) return;
  await wh.insert(
    'warehouse_repairs',
    records.map((r) => ({
      repair_id: repairId,
      table: r.table,
      action: r.action,
      part: r.part ?? '',
      reason: r.reason ?? '',
      rows: r.rows ?? null,
      dedup_window: r.dedup_window ?? 0,
    })),
  );
}

/** Tables whose re-admission was opened and not closed yet. */
export async function openReadmissions(wh: Warehouse): Promise<Readmission[]> {
  const rows = await wh.query<{ table: string; last: string; since: string; w: string }>(
    `SELECT table, argMax(action, at) AS last, toString(max(at)) AS since, argMax(dedup_window, at) AS w
     FROM warehouse_repairs WHERE action IN ('readmission-opened', 'readmission-closed')
     GROUP BY table HAVING last = 'readmission-opened' ORDER BY table`,
  );
  return rows.map((r) => ({ table: r.table, since: `${r.since.replace(' ', 'T')}Z`, dedup_window: Number(r.w) }));
}

/** The table's `non_replicated_deduplication_window` (0 when it has none). */
export async function dedupWindow(wh: Warehouse, table: string): Promise<number> {
  const [row] = await wh.query<{ engine_full: string }>(
    'SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = {t:String}',
    { db: wh.database, t: table },
  );
  const m = /\bnon_replicated_deduplication_window\s*=\s*(\d+)/.exec(row?.engine_full ?? '');
  return m ? Number(m[1]) : 0;
}

/**
 * A setting's value is not a place the engine takes a bound parameter; the value is an integer
 * this code read from the engine or its own ledger, checked before it is written.
 */
async function setDedupWindow(wh: Warehouse, table: string, window: number): Promise<void> {
  if (!Number.isSafeInteger(window) || window < 0) throw new Error(`invalid dedup window ${window}`);
  await wh.exec(`ALTER TABLE ${assertIdentifier(table, 'table')} MODIFY SETTING non_replicated_deduplication_window = ${window}`);
}

/** Opens the table's re-admission; false when replays reach it anyway (no window) or it is open already. */
export async function openReadmission(wh: Warehouse, repairId: string, table: string): Promise<boolean> {
  if ((await openReadmissions(wh)).some((r) => r.table === table)) return false;
  const window = await dedupWindow(wh, table);
  if (window === 0) return false;
  // Recorded first: a crash between the two leaves an open re-admission to close, never a
  // table without its window and no record of what it was.
  await recordRepair(wh, repairId, [{ table, action: 'readmission-opened', dedup_window: window }]);
  await setDedupWindow(wh, table, 0);
  return true;
}

/** Puts the window of every open re-admission (or of the given tables') back. */
export async function closeReadmissions(wh: Warehouse, repairId: string, tables?: readonly string[]): Promise<string[]> {
  const closed: string[] = [];
  for (const r of await openReadmissions(wh)) {
    if (tables && !tables.includes(r.table)) continue;
    await setDedupWindow(wh, r.table, r.dedup_window);
    await recordRepair(wh, repairId, [{ table: r.table, action: 'readmission-closed', dedup_window: r.dedup_window }]);
    closed.push(r.table);
  }
  return closed;
}
