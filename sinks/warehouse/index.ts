import { resolve } from 'node:path';
import { advertisedEndpoint, awaitHolderEndpoint, CHDB_DEFAULTS, ChdbWarehouse, folderHolderPid, folderInUseError, SharedFolderWarehouse, type Endpoint } from '../chdb/index.js';
import { engineOpenError, openRefusal } from '../chdb/open-diagnosis.js';
import { ClickHouseWarehouse } from '../clickhouse/index.js';
import { loadMigrations, migrate } from './migrations.js';
import { assertUndamaged } from './integrity/damage.js';
import { withDamageErrors } from './integrity/damage-aware.js';
import { isPipelineError } from '../../processors/errors/pipeline-error.js';
import type { Warehouse } from './types.js';

export type { Warehouse, Params, InsertOptions } from './types.js';
export { migrate, loadMigrations, type Migration, type MigrationReport } from './migrations.js';

export interface OpenWarehouseOptions {
  /** Embedded warehouse folder. @default './.slo-data' */
  dataDir?: string;
  /** ClickHouse server URL; when set (or CLICKHOUSE_URL is), the server adapter is used. */
  clickhouseUrl?: string;
  /** @default 'slo' */
  database?: string;
  /** Apply pending migrations after opening. @default true */
  migrate?: boolean;
  /**
   * What a damaged database (a part the engine detached as broken, a table that did not load)
   * does to the open: `fail` with WAREHOUSE_DAMAGED, so no command answers with short figures;
   * `ignore` only for the commands that inspect or replace the damage (verify, restore).
   * @default 'fail'
   */
  damage?: 'fail' | 'ignore';
  /**
   * Embedded only: the folder BACKUP and RESTORE may read and write (the engine's
   * `backups.allowed_path`, fixed when the folder is first opened in a process).
   */
  backupsAllowedPath?: string;
  /**
   * Embedded only: what the command does to the folder while another process (`slo-pipeline
   * run`) holds it and serves it. `read`: the holder's endpoint, read-only. `write`: refused up
   * front with one line naming the holder. Unset: the endpoint, read-only, and the first write
   * is refused with that line.
   * @default unset
   */
  access?: 'read' | 'write';
}

/** How long an open waits for a folder's holder to advertise its endpoint (it does so right after opening the folder). */
const HOLDER_ADVERTISE_WAIT_MS = 5_000;

/** Opens the configured warehouse: a ClickHouse server when a URL is given, else embedded chdb. */
export async function openWarehouse(options: OpenWarehouseOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<Warehouse> {
  const url = options.clickhouseUrl ?? env['CLICKHOUSE_URL'];
  const database = options.database ?? env['CLICKHOUSE_DATABASE'];
  const opened = url
    ? await ClickHouseWarehouse.open({ url, ...(database ? { database } : {}) })
    : await openEmbedded(
        {
          ...(options.dataDir ? { dataDir: options.dataDir } : {}),
          ...(database ? { database } : {}),
          ...(options.backupsAllowedPath ? { backupsAllowedPath: options.backupsAllowedPath } : {}),
        },
        options.access,
      );
  const wh: Warehouse = withDamageErrors(opened);
  try {
    // Before migrations: a backfill statement would copy the short figures into new tables.
    if (options.damage !== 'ignore') await assertUndamaged(wh);
    if (options.migrate !== false) {
      if (opened instanceof SharedFolderWarehouse) await assertMigrated(opened);
      else await migrate(wh);
    }
  } catch (e) {
    await wh.close();
    throw e;
  }
  return wh;
}

/**
 * chdb refuses a whole folder when one of its tables does not load (more broken parts than
 * `max_suspicious_broken_parts`, a metadata file that does not parse) and says why only on
 * standard error: the refusal is explained (WAREHOUSE_DAMAGED naming the table) instead of
 * reported as an unreachable engine.
 */
async function openEmbedded(
  options: Parameters<typeof ChdbWarehouse.open>[0] & object,
  access: OpenWarehouseOptions['access'],
): Promise<ChdbWarehouse | SharedFolderWarehouse> {
  const dir = resolve(options.dataDir ?? CHDB_DEFAULTS.dataDir);
  // A folder another live process holds and serves: read through its endpoint, without asking
  // the engine (which would refuse the lock, and bind this process to the folder).
  // BACKUP and RESTORE need the engine's backups.allowed_path, fixed when the holder opened the
  // folder: they cannot go through it.
  if (options.backupsAllowedPath) access = 'write';
  const held = advertisedEndpoint(dir);
  if (held) return openHeld(dir, held, options.database, access);
  try {
    return await ChdbWarehouse.open(options);
  } catch (e) {
    const cause = isPipelineError(e) ? (e.cause as { code?: unknown } | undefined) : undefined;
    if (cause?.code !== 'CHDB_CONNECTION') throw e;
    const text = await engineOpenError(dir, []);
    if (text !== null && /Cannot lock file/.test(text)) {
      const late = await awaitHolderEndpoint(dir, HOLDER_ADVERTISE_WAIT_MS);
      if (late) return openHeld(dir, late, options.database, access);
      throw folderInUseError(dir, folderHolderPid(dir));
    }
    throw openRefusal(dir, text, e instanceof Error ? e.message : String(e));
  }
}

async function openHeld(dir: string, holder: Endpoint, database: string | undefined, access: OpenWarehouseOptions['access']): Promise<SharedFolderWarehouse> {
  if (access === 'write') throw folderInUseError(dir, holder.pid, holder.command);
  return SharedFolderWarehouse.open(dir, holder, database);
}

/** A folder read through its holder is migrated by the holder: a migration this version has and it lacks is refused, not applied. */
async function assertMigrated(wh: SharedFolderWarehouse): Promise<void> {
  const done = new Set((await wh.query<{ file: string }>('SELECT file FROM schema_migrations FINAL')).map((r) => r.file));
  const pending = loadMigrations().filter((m) => !done.has(m.file));
  if (pending.length > 0) {
    const e = wh.inUse();
    e.message = `${e.message} (it lacks migration ${pending.map((m) => m.file).join(', ')})`;
    throw e;
  }
}
