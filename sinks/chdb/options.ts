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
  /**
   * Folder for the short-lived files that carry Native insert blocks into the engine (each is
   * removed once its insert returns; a per-process subfolder, left behind only by a crash, is
   * removed by the next open). Memory-backed is best.
   * @default '/dev/shm' when writable, else the OS temporary folder
   */
  spoolDir?: string;
  /**
   * Connections to the folder. The engine runs one statement at a time per connection; with
   * more, statements (the ingest's fact inserts of different partitions, the API's queries)
   * run side by side. Each statement goes to the connection with the fewest in flight; bulk
   * inserts leave the first one to short statements when there are others.
   * @default 3
   */
  connections?: number;
  /**
   * The only folder BACKUP ... TO File(...) and RESTORE ... FROM File(...) may use (the engine's
   * `backups.allowed_path`: without it the engine refuses file backups). It is engine
   * configuration, fixed when the data folder is first opened in the process.
   * @default none (no file backups)
   */
  backupsAllowedPath?: string;
}

export const CHDB_DEFAULTS = { dataDir: './.slo-data', database: 'slo', connections: 3 } as const;
