/** Options of the ClickHouse server warehouse. */
export interface ClickHouseWarehouseOptions {
  /** Server URL, e.g. `http://user:password@127.0.0.1:8123`. Credentials may also come from env. */
  url: string;
  /**
   * Database all unqualified table names refer to (created if missing).
   * @default 'slo'
   */
  database?: string;
  /** @default process.env.CLICKHOUSE_USER ?? URL user ?? 'default' */
  username?: string;
  /** @default process.env.CLICKHOUSE_PASSWORD ?? URL password ?? '' */
  password?: string;
  /**
   * Per-request timeout in ms.
   * @default 30000
   */
  requestTimeoutMs?: number;
}
