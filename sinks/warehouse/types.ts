/**
 * The warehouse port. Two adapters implement it: embedded ClickHouse (chdb, the default)
 * and a ClickHouse server (@clickhouse/client). Both speak the same SQL dialect; the same
 * contract suite (test/contract/warehouse.contract.ts) runs against each.
 *
 * Every value in a statement is a bound parameter, written `{name:Type}` in the SQL and
 * passed in `params`. Never build SQL from values.
 */
export type Params = Record<string, string | number | boolean | null | ReadonlyArray<string | number>>;

export interface InsertOptions {
  /**
   * Deduplication token for the block (`insert_deduplication_token`). A replayed insert
   * with the same token is a no-op in the target table and, with
   * `deduplicate_blocks_in_dependent_materialized_views`, in every materialized view's table.
   */
  dedupToken?: string;
  /**
   * False: the engine writes the block as it is, without first merging its rows of one sorting
   * key as the table's engine would in a merge (`optimize_on_insert = 0`), in the table and in
   * every materialized view's table. For the ingest's fact blocks: the counted tables' rows are
   * distinct by key already (event-keys.ts) and the rollup views group theirs, so that pass only
   * sorted and copied them again. No reader relies on it: rows of one key from different inserts
   * sit in different parts until merged anyway, so every reader of a replacing or aggregating
   * table reads FINAL, groups, or keeps one row per key itself.
   */
  optimizeOnInsert?: boolean;
}

export interface Warehouse {
  readonly kind: 'chdb' | 'clickhouse';
  /** The database all unqualified table names refer to. */
  readonly database: string;
  /**
   * Bytes of query parameters one statement can carry, where the adapter bounds it below the
   * default ARRAY_PARAM_BYTES (sql-util.ts), set for a server's URL; an engine in this
   * process takes a larger one, so a long list of ids goes in fewer statements.
   */
  readonly paramBytes?: number;
  /** Runs a statement that returns no rows (DDL, INSERT ... SELECT, OPTIMIZE). */
  exec(sql: string, params?: Params): Promise<void>;
  /** Runs a query and returns its rows (JSONEachRow; 64-bit integers as strings). */
  query<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]>;
  /** Inserts rows (plain objects, column names as keys) into a table of the database. */
  insert(table: string, rows: ReadonlyArray<Record<string, unknown>>, options?: InsertOptions): Promise<void>;
  /** Inserts a pre-serialized JSONEachRow payload (the hot path: no per-row objects). */
  insertJsonEachRow(table: string, payload: Buffer, options?: InsertOptions): Promise<void>;
  /**
   * Inserts one ClickHouse Native block (its bytes in chunks, in order) into the given
   * columns; the other columns take their defaults. The ingest hot path: the engine reads
   * Native at memory speed where a text format costs it several times the CPU to parse.
   * The block's columns are converted to the table's types (e.g. String to LowCardinality).
   */
  insertNative(table: string, columns: readonly string[], block: readonly Buffer[], options?: InsertOptions): Promise<void>;
  close(): Promise<void>;
}
