/** Options of the embedded ClickHouse (chdb) warehouse. */
export interface ChdbWarehouseOptions {
  /**
   * Folder holding the embedded warehouse's data. chdb binds one folder per process.
   * @default './.slo-data'
   */
  dataDir?: string;
  /**
   * Database all unqualified table names refer to (created if missing).
   * @default 'slo'
   */
  database?: string;
}

export const CHDB_DEFAULTS = { dataDir: './.slo-data', database: 'slo' } as const;
