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
}

export interface Warehouse {
  readonly kind: 'chdb' | 'clickhouse';
  /** The database all unqualified table names refer to. */
  readonly database: string;
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
