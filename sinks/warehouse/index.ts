import { ChdbWarehouse } from '../chdb/index.js';
import { ClickHouseWarehouse } from '../clickhouse/index.js';
import { migrate } from './migrations.js';
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
}

/** Opens the configured warehouse: a ClickHouse server when a URL is given, else embedded chdb. */
export async function openWarehouse(options: OpenWarehouseOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<Warehouse> {
  const url = options.clickhouseUrl ?? env['CLICKHOUSE_URL'];
  const database = options.database ?? env['CLICKHOUSE_DATABASE'];
  const wh: Warehouse = url
    ? await ClickHouseWarehouse.open({ url, ...(database ? { database } : {}) })
    : await ChdbWarehouse.open({
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
        ...(database ? { database } : {}),
      });
  if (options.migrate !== false) {
    try {
      await migrate(wh);
    } catch (e) {
      await wh.close();
      throw e;
    }
  }
  return wh;
}
