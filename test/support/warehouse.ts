import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { ClickHouseWarehouse } from '../../sinks/clickhouse/index.js';
import { migrate, type Warehouse } from '../../sinks/warehouse/index.js';

/** One chdb folder per test process; each test gets its own random database in it. */
const CHDB_DIR = join(tmpdir(), `slo-test-chdb-${process.pid}`);
// Removed by the global teardown once this process is gone (test/support/global-setup.ts).

export function randomName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export interface TestWarehouse {
  wh: Warehouse;
  drop(): Promise<void>;
}

export type WarehouseKind = 'chdb' | 'clickhouse';

/** Warehouse kinds available to this run: chdb always; a server when CLICKHOUSE_URL is set. */
export function availableWarehouseKinds(): WarehouseKind[] {
  return process.env['CLICKHOUSE_URL'] ? ['chdb', 'clickhouse'] : ['chdb'];
}

export async function openTestWarehouse(kind: WarehouseKind = 'chdb', options: { migrate?: boolean } = {}): Promise<TestWarehouse> {
  const database = randomName('t');
  const wh =
    kind === 'chdb'
      ? await ChdbWarehouse.open({ dataDir: CHDB_DIR, database })
      : await ClickHouseWarehouse.open({ url: process.env['CLICKHOUSE_URL'] ?? '', database });
  if (options.migrate !== false) await migrate(wh);
  return {
    wh,
    drop: async () => {
      await wh.exec(`DROP DATABASE IF EXISTS ${database}`);
      await wh.close();
    },
  };
}
