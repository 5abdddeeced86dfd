import { PipelineError } from '../../processors/errors/index.js';
import { ClickHouseWarehouse } from '../clickhouse/index.js';
import type { InsertOptions, Params, Warehouse } from '../warehouse/types.js';
import { advertisedEndpoint, folderHolderPid, type Endpoint } from './serve.js';

/**
 * An embedded folder another process holds (the engine locks a folder to one process), read
 * through the HTTP endpoint the holder serves (serve.ts) with the server adapter. The holder
 * stays the only writer: writes are refused with one line naming it, never with the engine's
 * lock or READONLY exception.
 */
export class SharedFolderWarehouse implements Warehouse {
  /** Still the embedded warehouse in its folder (commands find its PII key there), only reached through its holder. */
  readonly kind = 'chdb' as const;
  readonly database: string;

  private constructor(
    private readonly inner: ClickHouseWarehouse,
    private readonly dir: string,
    private readonly holder: Endpoint,
  ) {
    this.database = inner.database;
  }

  static async open(dir: string, holder: Endpoint, database: string | undefined): Promise<SharedFolderWarehouse> {
    let inner: ClickHouseWarehouse;
    try {
      inner = await ClickHouseWarehouse.open({
        url: holder.url,
        username: holder.user,
        password: holder.password,
        ...(database ? { database } : {}),
      });
    } catch (e) {
      // The database is created by the holder, never by a reader.
      if (!isReadonlyRefusal(e)) throw e;
      throw new PipelineError(
        'WAREHOUSE_QUERY_FAILED',
        `database ${database ?? 'slo'} does not exist in warehouse folder ${dir}, which ${holder.command} (pid ${holder.pid}) holds`,
        { field: 'database', value: database ?? 'slo' },
      );
    }
    return new SharedFolderWarehouse(inner, dir, holder);
  }

  query<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]> {
    return this.inner.query<T>(sql, params);
  }

  /** Statements go to the engine, which refuses writes; `CREATE ... IF NOT EXISTS` of what exists is the no-op it is on the holder. */
  async exec(sql: string, params?: Params): Promise<void> {
    // RESTORE writes; BACKUP to a file needs the engine's backups.allowed_path, which is fixed
    // when the holder opened the folder: neither can go through the holder.
    if (/^\s*(BACKUP|RESTORE)\b/i.test(sql)) throw this.inUse();
    try {
      await this.inner.exec(sql, params);
    } catch (e) {
      if (!isReadonlyRefusal(e)) throw e;
      if (await this.alreadyExists(sql)) return;
      throw this.inUse();
    }
  }

  async insert(_table: string, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    if (rows.length > 0) throw this.inUse();
  }

  async insertJsonEachRow(_table: string, payload: Buffer): Promise<void> {
    if (payload.length > 0) throw this.inUse();
  }

  async insertNative(_table: string, _columns: readonly string[], block: readonly Buffer[], _options?: InsertOptions): Promise<void> {
    if (block.some((b) => b.length > 0)) throw this.inUse();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The one-line refusal of a write. */
  inUse(): PipelineError {
    return folderInUseError(this.dir, this.holder.pid, this.holder.command);
  }

  private async alreadyExists(sql: string): Promise<boolean> {
    const m = /^\s*CREATE\s+(TABLE|VIEW|MATERIALIZED\s+VIEW|DICTIONARY|DATABASE)\s+IF\s+NOT\s+EXISTS\s+(?:`?(\w+)`?\s*\.\s*)?`?(\w+)`?/i.exec(sql);
    if (!m) return false;
    const [, kind, db, name] = m;
    if (/^DATABASE$/i.test(kind ?? '')) {
      return (await this.inner.query('SELECT 1 FROM system.databases WHERE name = {n:String}', { n: name ?? '' })).length > 0;
    }
    const rows = await this.inner.query('SELECT 1 FROM system.tables WHERE database = {d:String} AND name = {n:String}', {
      d: db ?? this.database,
      n: name ?? '',
    });
    return rows.length > 0;
  }
}

/** `warehouse folder X is in use by slo-pipeline run (pid N); ...`: a write refused while another process holds the folder. */
export function folderInUseError(dir: string, pid: number | null, command = 'another process'): PipelineError {
  return new PipelineError(
    'WAREHOUSE_QUERY_FAILED',
    `warehouse folder ${dir} is in use by ${command}${pid ? ` (pid ${pid})` : ''}; ` +
      'stop it first, or only read from the folder while it runs (slo status, pnl --no-refresh, verify --quick)',
    { field: 'data', value: dir },
  );
}

/**
 * The endpoint of the live process holding `dir`, waiting up to `waitMs` for it to appear: a
 * holder advertises its endpoint just after it opens the folder, so a refusal to open can come
 * before the advertisement does.
 */
export async function awaitHolderEndpoint(dir: string, waitMs: number): Promise<Endpoint | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const ep = advertisedEndpoint(dir);
    if (ep || Date.now() >= deadline) return ep;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pid the engine recorded as the folder's holder (for the refusal when nothing is advertised). */
export { folderHolderPid };

function isReadonlyRefusal(e: unknown): boolean {
  const text = `${(e as Error | undefined)?.message ?? ''}`;
  return /\(READONLY\)|readonly mode/.test(text) || (e as { cause?: { code?: unknown } } | undefined)?.cause?.code === '164';
}
