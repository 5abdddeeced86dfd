import { resolve } from 'node:path';
import { CHDB_DEFAULTS, ChdbWarehouse } from '../chdb/index.js';
import { engineOpenError, openRefusal } from '../chdb/open-diagnosis.js';
import { ClickHouseWarehouse } from '../clickhouse/index.js';
import { migrate } from './migrations.js';
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
}

/** Opens the configured warehouse: a ClickHouse server when a URL is given, else embedded chdb. */
export async function openWarehouse(options: OpenWarehouseOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<Warehouse> {
  const url = options.clickhouseUrl ?? env['CLICKHOUSE_URL'];
  const database = options.database ?? env['CLICKHOUSE_DATABASE'];
  const wh: Warehouse = withDamageErrors(
    url
      ? await ClickHouseWarehouse.open({ url, ...(database ? { database } : {}) })
      : await openEmbedded({
          ...(options.dataDir ? { dataDir: options.dataDir } : {}),
          ...(database ? { database } : {}),
          ...(options.backupsAllowedPath ? { backupsAllowedPath: options.backupsAllowedPath } : {}),
        }),
  );
  try {
    // Before migrations: a backfill statement would copy the short figures into new tables.
    if (options.damage !== 'ignore') await assertUndamaged(wh);
    if (options.migrate !== false) await migrate(wh);
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
async function openEmbedded(options: Parameters<typeof ChdbWarehouse.open>[0] & object): Promise<ChdbWarehouse> {
  try {
    return await ChdbWarehouse.open(options);
  } catch (e) {
    const cause = isPipelineError(e) ? (e.cause as { code?: unknown } | undefined) : undefined;
    if (cause?.code !== 'CHDB_CONNECTION') throw e;
    const dir = resolve(options.dataDir ?? CHDB_DEFAULTS.dataDir);
    throw openRefusal(dir, await engineOpenError(dir, []), e instanceof Error ? e.message : String(e));
  }
}
