import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { PipelineError } from '../../processors/errors/index.js';
import { clickhouseCodeOf, toWarehouseError as classify } from '../warehouse/errors.js';
import type { InsertOptions, Params, Warehouse } from '../warehouse/types.js';
import { assertIdentifier, parseJsonEachRow } from '../warehouse/sql-util.js';
import { insertSettings, payloadBytes, RawInsertWarehouse, type RawFormat } from '../warehouse/raw-insert.js';
import type { ClickHouseWarehouseOptions } from './options.js';

/** A ClickHouse server over HTTP (@clickhouse/client). */
export class ClickHouseWarehouse extends RawInsertWarehouse implements Warehouse {
  readonly kind = 'clickhouse' as const;
  readonly database: string;
  private readonly client: ClickHouseClient;

  private constructor(client: ClickHouseClient, database: string) {
    super();
    this.client = client;
    this.database = database;
  }

  static async open(options: ClickHouseWarehouseOptions): Promise<ClickHouseWarehouse> {
    const database = assertIdentifier(options.database ?? 'slo', 'database');
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new PipelineError('INVALID_CONFIG', `invalid ClickHouse URL ${JSON.stringify(options.url)}`, {
        field: 'clickhouse',
        value: options.url,
      });
    }
    const username = options.username ?? process.env['CLICKHOUSE_USER'] ?? (decodeURIComponent(url.username) || 'default');
    const password = options.password ?? process.env['CLICKHOUSE_PASSWORD'] ?? decodeURIComponent(url.password);
    url.username = '';
    url.password = '';
    const common = {
      url: url.toString().replace(/\/$/, ''),
      username,
      password,
      request_timeout: options.requestTimeoutMs ?? 30_000,
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 as const },
      // Failures surface as PipelineErrors through our own logs and one-line CLI errors;
      // the client's own console logger would print a second, multi-line account.
      log: { level: ClickHouseLogLevel.OFF },
    };
    const admin = createClient(common);
    try {
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    } catch (e) {
      // A user that may only read (a readonly profile, or a shared embedded folder's endpoint)
      // cannot create even what exists: the database it is given is enough.
      if (!isReadonlyRefusal(e) || !(await databaseExists(admin, database))) throw toWarehouseError(e, `create database ${database}`);
    } finally {
      await admin.close();
    }
    return new ClickHouseWarehouse(createClient({ ...common, database }), database);
  }

  async exec(sql: string, params?: Params): Promise<void> {
    try {
      await this.client.command({ query: sql, query_params: params ?? {} });
    } catch (e) {
      throw toWarehouseError(e, sql);
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]> {
    try {
      const rs = await this.client.query({ query: sql, query_params: params ?? {}, format: 'JSONEachRow' });
      return parseJsonEachRow<T>(await rs.text());
    } catch (e) {
      throw toWarehouseError(e, sql);
    }
  }

  protected override async insertRaw(
    table: string,
    payload: readonly Buffer[],
    format: RawFormat,
    columns: readonly string[] | undefined,
    options: InsertOptions,
  ): Promise<void> {
    if (payloadBytes(payload) === 0) return;
    const settings = insertSettings(options);
    try {
      // A raw INSERT ... FORMAT with the payload as body keeps the hot path free of
      // per-row objects on this side.
      const r = await this.client.exec({
        query: `INSERT INTO ${this.database}.${assertIdentifier(table, 'table')}${columns ? ` (${columns.map((c) => assertIdentifier(c, 'column')).join(', ')})` : ''} FORMAT ${format}`,
        values: Readable.from(payload),
        clickhouse_settings: settings,
      });
      r.stream.resume();
      await new Promise<void>((res, rej) => {
        r.stream.on('end', res);
        r.stream.on('error', rej);
      });
    } catch (e) {
      throw toWarehouseError(e, `insert into ${table}`);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** READONLY (164) or ACCESS_DENIED (497): the user may not write. */
function isReadonlyRefusal(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return code === '164' || code === '497';
}

async function databaseExists(client: ClickHouseClient, database: string): Promise<boolean> {
  try {
    const rs = await client.query({ query: 'SELECT 1 AS ok FROM system.databases WHERE name = {db:String}', query_params: { db: database }, format: 'JSONEachRow' });
    return (await rs.json()).length > 0;
  } catch {
    return false;
  }
}

function toWarehouseError(e: unknown, what: string): PipelineError {
  const err = (e ?? {}) as { code?: string; message?: string };
  const message = err.message ?? String(e);
  // Server errors carry ClickHouse's numeric code as a string; socket failures carry ECONNREFUSED & co.
  const numeric = typeof err.code === 'string' && /^\d+$/.test(err.code) ? Number(err.code) : clickhouseCodeOf(message);
  const errno = typeof err.code === 'string' && !/^\d+$/.test(err.code) ? err.code : undefined;
  return classify(e, what, { message, clickhouseCode: numeric, errno });
}
