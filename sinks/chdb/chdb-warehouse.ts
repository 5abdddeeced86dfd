import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type { Session } from 'chdb';
import { chdbEngine } from './engine.js';
import { engineConfigFile } from './engine-config.js';
import { Spool } from './spool.js';
import { PipelineError } from '../../processors/errors/index.js';
import { clickhouseCodeOf, toWarehouseError as classify } from '../warehouse/errors.js';
import type { InsertOptions, Params, Warehouse } from '../warehouse/types.js';
import { assertIdentifier, parseJsonEachRow, settingsClause } from '../warehouse/sql-util.js';
import { insertSettings, payloadBytes, RawInsertWarehouse, type RawFormat } from '../warehouse/raw-insert.js';
import { CHDB_DEFAULTS, type ChdbWarehouseOptions } from './options.js';

/**
 * Embedded ClickHouse: the same engine and SQL dialect as the server, in-process.
 *
 * chdb binds one data folder per process, but several connections to the *same* folder
 * coexist, each with its own current database. So every warehouse opens its own Sessions
 * (several: the engine runs one statement at a time per connection) and selects its database
 * once in each; tests use one folder and a random database each.
 *
 * Inserts reach the engine through a spool file read with the `file()` table function: chdb
 * takes inline insert data as text only (the engine reads a Native block, the ingest hot path,
 * several times faster than it parses the same rows as text), and an inline insert fails when
 * the process's standard input has data waiting.
 */
export class ChdbWarehouse extends RawInsertWarehouse implements Warehouse {
  readonly kind = 'chdb' as const;
  readonly database: string;
  readonly dataDir: string;
  /**
   * Parameters reach the engine in this process's memory, not in a URL: a batch's 50,000 event
   * ids go in one lookup instead of eight, each of which read the batch's days of the table
   * again (a list of 500,000 UUIDs, 19 MB, was bound in one statement).
   */
  readonly paramBytes = 16 * 1024 * 1024;
  /** Connections to the folder; each statement goes to the one with the fewest in flight. */
  private readonly sessions: Session[];
  private readonly busy: number[];
  private readonly spool: Spool;
  private closed = false;

  private constructor(dataDir: string, database: string, sessions: Session[], spool: Spool) {
    super();
    this.dataDir = dataDir;
    this.database = database;
    this.sessions = sessions;
    this.busy = sessions.map(() => 0);
    this.spool = spool;
  }

  static async open(options: ChdbWarehouseOptions = {}): Promise<ChdbWarehouse> {
    const dir = resolve(options.dataDir ?? CHDB_DEFAULTS.dataDir);
    const database = assertIdentifier(options.database ?? CHDB_DEFAULTS.database, 'database');
    const count = options.connections ?? CHDB_DEFAULTS.connections;
    if (!Number.isInteger(count) || count < 1 || count > 16) {
      throw new PipelineError('INVALID_CONFIG', `connections must be an integer from 1 to 16, got ${count}`, {
        field: 'connections',
        value: count,
      });
    }
    const { Session } = chdbEngine(); // before the folder is made
    mkdirSync(dir, { recursive: true });
    // Same JSON shape as the server's defaults: 64-bit integers as strings (exact).
    const connectionArgs = ['--output_format_json_quote_64bit_integers=1'];
    // Read when the process's first connection opens the folder (engine-config.ts).
    try {
      connectionArgs.push(`--config-file=${engineConfigFile()}`);
    } catch (e) {
      throw new PipelineError('INVALID_CONFIG', `cannot write the engine configuration file under ${tmpdir()}: ${(e as Error).message}`, {}, { cause: e });
    }
    if (options.backupsAllowedPath) connectionArgs.push(`--backups.allowed_path=${resolve(options.backupsAllowedPath)}`);
    const sessions: Session[] = [];
    const closeAll = (): void => {
      for (const s of sessions) s.close();
    };
    try {
      for (let i = 0; i < count; i++) {
        const session = new Session(dir, { connectionArgs });
        sessions.push(session);
        if (i === 0) await session.queryAsync(`CREATE DATABASE IF NOT EXISTS ${database}`);
        await session.queryAsync(`USE ${database}`);
      }
    } catch (e) {
      closeAll();
      throw toWarehouseError(e, `open database ${database} in ${dir}`);
    }
    let spool: Spool;
    try {
      spool = Spool.create(options.spoolDir);
    } catch (e) {
      closeAll();
      throw e;
    }
    return new ChdbWarehouse(dir, database, sessions, spool);
  }

  async exec(sql: string, params?: Params): Promise<void> {
    await this.run(sql, params, 'TabSeparated');
  }

  async query<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]> {
    return parseJsonEachRow<T>(await this.run(sql, params, 'JSONEachRow'));
  }

  protected override async insertRaw(
    table: string,
    payload: readonly Buffer[],
    format: RawFormat,
    columns: readonly string[] | undefined,
    options: InsertOptions,
  ): Promise<void> {
    if (payloadBytes(payload) === 0) return;
    this.assertOpen();
    const target = `${this.database}.${assertIdentifier(table, 'table')}`;
    const cols = columns?.map((c) => assertIdentifier(c, 'column'));
    const settings = insertSettings(options);
    // Every insert reads its rows from a spool file with the file() table function, never as
    // data inline in the statement: chdb takes whatever waits on the process's standard input
    // (a parent's or a supervisor's pipe) as an inline insert's data and fails the statement.
    // The insertion table's structure applies (column DEFAULT expressions included). One
    // reading thread: the rows reach the table as the same insert blocks on every replay, so
    // the deduplication token matches (DESIGN.md, ClickHouse note).
    await this.spool.with(payload, (path) => {
      const sql =
        `INSERT INTO ${target}${cols ? ` (${cols.join(', ')})` : ''} ` +
        `${settingsClause({ ...settings, max_threads: 1, schema_inference_use_cache_for_file: 0 })} ` +
        `SELECT * FROM file({path:String}, '${format}')`;
      return this.onSession((s) => s.queryBindAsync(sql, { path }, { format: 'TabSeparated' }), `insert into ${table}`, format === 'Native');
    });
  }

  /**
   * Runs `fn` on the connection with the fewest statements in flight. Bulk inserts never use
   * the first connection when there are others, so short statements (batch intents, queries)
   * find it free instead of queueing behind a block of facts.
   */
  private async onSession<T>(fn: (s: Session) => Promise<T>, what: string, bulk = false): Promise<T> {
    this.assertOpen();
    let i = bulk && this.busy.length > 1 ? 1 : 0;
    for (let j = i + 1; j < this.busy.length; j++) if ((this.busy[j] as number) < (this.busy[i] as number)) i = j;
    this.busy[i] = (this.busy[i] as number) + 1;
    try {
      return await fn(this.sessions[i] as Session);
    } catch (e) {
      throw toWarehouseError(e, what);
    } finally {
      this.busy[i] = (this.busy[i] as number) - 1;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sessions) s.close();
    this.spool.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new PipelineError('WAREHOUSE_UNAVAILABLE', 'warehouse is closed');
  }

  private async run(sql: string, params: Params | undefined, format: string): Promise<string> {
    const r = await this.onSession(
      (s) => (params && Object.keys(params).length > 0 ? s.queryBindAsync(sql, params, { format }) : s.queryAsync(sql, { format })),
      sql,
    );
    return r.text();
  }
}

interface ChdbLikeError {
  code?: string;
  message?: string;
  clickhouseCode?: number;
}

function toWarehouseError(e: unknown, what: string): PipelineError {
  const err = (e ?? {}) as ChdbLikeError;
  const message = err.message ?? String(e);
  // chdb's own connection and timeout failures are the engine being unreachable or busy.
  if (err.code === 'CHDB_CONNECTION' || err.code === 'CHDB_TIMEOUT') return classify(e, what, { message, clickhouseCode: 210 });
  return classify(e, what, { message, clickhouseCode: err.clickhouseCode ?? clickhouseCodeOf(message) });
}
