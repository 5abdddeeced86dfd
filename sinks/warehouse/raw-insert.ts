import type { InsertOptions } from './types.js';
import { rowsToJsonEachRow } from './sql-util.js';

export type RawFormat = 'JSONEachRow' | 'Native';

/**
 * The port's three insert methods over one raw insert, shared by both adapters so their
 * deduplication settings cannot drift apart.
 */
export abstract class RawInsertWarehouse {
  async insert(table: string, rows: ReadonlyArray<Record<string, unknown>>, options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    await this.insertRaw(table, [rowsToJsonEachRow(rows)], 'JSONEachRow', undefined, options);
  }

  async insertJsonEachRow(table: string, payload: Buffer, options: InsertOptions = {}): Promise<void> {
    await this.insertRaw(table, [payload], 'JSONEachRow', undefined, options);
  }

  async insertNative(table: string, columns: readonly string[], block: readonly Buffer[], options: InsertOptions = {}): Promise<void> {
    await this.insertRaw(table, block, 'Native', columns, options);
  }

  /** Inserts `payload` (its chunks in order; empty: nothing to insert) in `format`. */
  protected abstract insertRaw(
    table: string,
    payload: readonly Buffer[],
    format: RawFormat,
    columns: readonly string[] | undefined,
    options: InsertOptions,
  ): Promise<void>;
}

/** Settings of every insert: the dedup token, dedup in dependent materialized views, and `optimizeOnInsert`. */
export function insertSettings(options: InsertOptions): Record<string, string | number> {
  const settings: Record<string, string | number> = {
    // Without this a replayed block is dropped from the fact table but still pushed
    // into materialized views, double-counting rollups (DESIGN.md, ClickHouse note).
    deduplicate_blocks_in_dependent_materialized_views: 1,
    date_time_input_format: 'best_effort',
  };
  if (options.dedupToken) settings['insert_deduplication_token'] = options.dedupToken;
  if (options.optimizeOnInsert === false) settings['optimize_on_insert'] = 0;
  return settings;
}

/** Total bytes of a payload's chunks. */
export function payloadBytes(payload: readonly Buffer[]): number {
  let n = 0;
  for (const c of payload) n += c.length;
  return n;
}
