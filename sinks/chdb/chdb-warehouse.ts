import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Session } from 'chdb';
import { PipelineError } from '../../processors/errors/index.js';
import type { InsertOptions, Params, Warehouse } from '../warehouse/types.js';
import { assertIdentifier, parseJsonEachRow } from '../warehouse/sql-util.js';
import { insertSettings, RawInsertWarehouse, type RawFormat } from '../warehouse/raw-insert.js';
import { CHDB_DEFAULTS, type ChdbWarehouseOptions } from './options.js';

/**
 * Embedded ClickHouse: the same engine and SQL dialect as the server, in-process.
 *
 * chdb binds one data folder per process, but several connections to the *same* folder
 * coexist, each with its own current database. So every warehouse gets its own Session
 * and selects its database once; tests use one folder and a random database each.
 */
export class ChdbWarehouse extends RawInsertWarehouse implements Warehouse {
  readonly kind = 'chdb' as const;
  readonly database: string;
  readonly dataDir: string;
  private readonly session: Session;
  private closed = false;

  private constructor(dataDir: string, database: string, session: Session) {
    super();
    this.dataDir = dataDir;
    this.database = database;
    this.session = session;
  }

  static async open(options: ChdbWarehouseOptions = {}): Promise<ChdbWarehouse> {
    const dir = resolve(options.dataDir ?? CHDB_DEFAULTS.dataDir);
    const database = assertIdentifier(options.database ?? CHDB_DEFAULTS.database, 'database');
    mkdirSync(dir, { recursive: true });
    // Same JSON shape as the server's defaults: 64-bit integers as strings (exact).
    const session = new Session(dir, { connectionArgs: ['--output_format_json_quote_64bit_integers=1'] });
    try {
      await session.queryAsync(`CREATE DATABASE IF NOT EXISTS ${database}`);
      await session.queryAsync(`USE ${database}`);
    } catch (e) {
      session.close();
      throw toWarehouseError(e, `open database ${database} in ${dir}`);
    }
    return new ChdbWarehouse(dir, database, session);
  }

  async exec(sql: string, params?: Params): Promise<void> {
    await this.run(sql, params, 'TabSeparated');
  }

  async query<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]> {
    return parseJsonEachRow<T>(await this.run(sql, params, 'JSONEachRow'));
  }

  protected override async insertRaw(
    table: string,
    payload: Buffer,
    format: RawFormat,
    columns: readonly string[] | undefined,
    options: InsertOptions,
  ): Promise<void> {
    if (payload.length === 0) return;
    this.assertOpen();
    const settings = insertSettings(options);
    try {
      await this.session.insert({
        table: `${this.database}.${assertIdentifier(table, 'table')}`,
        values: payload,
        format,
        ...(columns ? { columns: columns.map((c) => assertIdentifier(c, 'column')) } : {}),
        settings,
      });
    } catch (e) {
      throw toWarehouseError(e, `insert into ${table}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.session.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new PipelineError('WAREHOUSE_UNAVAILABLE', 'warehouse is closed');
  }

  private async run(sql: string, params: Params | undefined, format: string): Promise<string> {
    this.assertOpen();
    try {
      const r =
        params && Object.keys(params).length > 0
          ? await this.session.queryBindAsync(sql, params, { format })
          : await this.session.queryAsync(sql, { format });
      return r.text();
    } catch (e) {
      throw toWarehouseError(e, sql);
    }
  }
}

interface ChdbLikeError {
  code?: string;
  message?: string;
}

function toWarehouseError(e: unknown, what: string): PipelineError {
  const err = (e ?? {}) as ChdbLikeError;
  const msg = (err.message ?? String(e)).split('\n')[0] ?? '';
  const retry = err.code === 'CHDB_CONNECTION' || err.code === 'CHDB_TIMEOUT';
  return new PipelineError(
    retry ? 'WAREHOUSE_UNAVAILABLE' : 'WAREHOUSE_QUERY_FAILED',
    `${msg} (while running: ${what.trim().replace(/\s+/g, ' ').slice(0, 160)})`,
    {},
    { cause: e },
  );
}
