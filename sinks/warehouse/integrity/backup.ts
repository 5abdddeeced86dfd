import type { Warehouse } from '../types.js';
import { assertIdentifier } from '../sql-util.js';

/** What `slo-pipeline backup` writes beside the engine's files, to check a restore against. */
export const MANIFEST_FILE = 'slo-pipeline-backup.json';

export interface BackupManifest {
  format: 1;
  database: string;
  kind: string;
  created_at: string;
  backup_id: string;
  /**
   * Rows of every table at the backup (see tableRows), or null when a writer changed them while
   * the backup ran (a server shared with running ingest): a restore is then not checked by rows.
   */
  tables: Record<string, number> | null;
}

/**
 * Rows per table as readers see them (FINAL where the engine collapses rows), which merges do
 * not change: a restored table merges its parts as soon as it is attached, so stored rows may
 * differ from the backup's a moment later while these do not. Tables with a TTL (queues whose
 * rows expire) are left out: a merge may drop their expired rows at any time.
 */
export async function tableRows(wh: Warehouse): Promise<Record<string, number>> {
  const tables = await wh.query<{ name: string; engine: string }>(
    `SELECT name, engine FROM system.tables
     WHERE database = {db:String} AND engine LIKE '%MergeTree' AND create_table_query NOT LIKE '% TTL %'
     ORDER BY name`,
    { db: wh.database },
  );
  const out: Record<string, number> = {};
  for (const t of tables) {
    const final = t.engine === 'MergeTree' ? '' : ' FINAL';
    const [r] = await wh.query<{ n: string }>(`SELECT count() AS n FROM ${assertIdentifier(t.name, 'table')}${final}`);
    out[t.name] = Number(r?.n ?? 0);
  }
  return out;
}

const same = (a: Record<string, number>, b: Record<string, number>): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/**
 * The engine's own BACKUP of the whole database (tables, views, their parts; one consistent
 * snapshot per table) into a folder. chdb 3.4 writes folders only: its archive support
 * (`.zip`) is not built in. A file destination needs the engine's `backups.allowed_path`.
 */
export async function backupDatabase(wh: Warehouse, dest: string): Promise<BackupManifest> {
  const db = assertIdentifier(wh.database, 'database');
  const before = await tableRows(wh);
  const [r] = await wh.query<{ id: string; status: string }>(`BACKUP DATABASE ${db} TO File({dest:String})`, { dest });
  const after = await tableRows(wh);
  return {
    format: 1,
    database: wh.database,
    kind: wh.kind,
    created_at: new Date().toISOString(),
    backup_id: r?.id ?? '',
    tables: same(before, after) ? after : null,
  };
}

/** What the target holds before a restore: tables, stored rows, detached parts. */
export async function databaseContents(wh: Warehouse): Promise<{ tables: number; rows: number; detached: number }> {
  const [t] = await wh.query<{ n: string }>('SELECT count() AS n FROM system.tables WHERE database = {db:String}', { db: wh.database });
  const [p] = await wh.query<{ n: string }>('SELECT sum(rows) AS n FROM system.parts WHERE database = {db:String} AND active', { db: wh.database });
  const [d] = await wh.query<{ n: string }>('SELECT count() AS n FROM system.detached_parts WHERE database = {db:String}', { db: wh.database });
  return { tables: Number(t?.n ?? 0), rows: Number(p?.n ?? 0), detached: Number(d?.n ?? 0) };
}

/**
 * Replaces the database with the backup's (taken from database `from`): the database is dropped
 * (its detached parts with it) and restored by the engine's RESTORE, which checks every file
 * against the backup's checksums. The caller decides whether the target may be replaced.
 */
export async function restoreDatabase(wh: Warehouse, src: string, from: string): Promise<{ id: string; status: string }> {
  const db = assertIdentifier(wh.database, 'database');
  const source = assertIdentifier(from, 'database');
  await wh.exec(`DROP DATABASE IF EXISTS ${db} SYNC`);
  const [r] = await wh.query<{ id: string; status: string }>(
    `RESTORE DATABASE ${source}${source === db ? '' : ` AS ${db}`} FROM File({src:String})`,
    { src },
  );
  return { id: r?.id ?? '', status: r?.status ?? '' };
}

/** Tables whose stored rows differ from the manifest's, as one line each. */
export function rowDifferences(expected: Record<string, number>, actual: Record<string, number>): string[] {
  const names = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return names
    .filter((n) => (expected[n] ?? 0) !== (actual[n] ?? 0))
    .map((n) => `${n}: ${actual[n] ?? 0} rows, the backup has ${expected[n] ?? 0}`);
}
