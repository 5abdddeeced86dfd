import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { Session } from 'chdb';
import { chdbEngine } from './engine.js';
import { Spool } from './spool.js';
import { bindableParams, ParamError } from './http-params.js';
import { credentialsOf, HttpQueryError, insertHead, parseRequest, readBody, secretMatches, type InsertHead, type ParsedRequest } from './http-request.js';

/**
 * ClickHouse's HTTP interface in front of an embedded folder, for @clickhouse/client (the
 * server warehouse adapter) in other processes.
 *
 * chdb 3.4 cannot serve HTTP itself: libchdb exports a C query API (chdb_connect,
 * chdb_query_with_params, ...) and no server entry point, and `chdb/connection` plugs the engine
 * into @clickhouse/client inside the owning process only. So this endpoint parses the requests
 * and runs every statement on the real engine, through connections of its own to the folder:
 * the SQL, parameter binding, settings, formats and error codes are the engine's.
 *
 * Each request gets a connection to itself: the current database and the request's settings
 * are set on it before the statement and reset for the next request, so nothing leaks between
 * requests. A read-only endpoint's connections are opened with `readonly = 2` (reads and
 * settings, no writes or DDL): the engine refuses a write with READONLY, and a request cannot
 * lift it. GET requests are read-only on every endpoint, as on the server.
 */

export interface GatewayOptions {
  /** The folder the owning process holds. */
  dataDir: string;
  /** Only reads (the engine's readonly = 2 on every connection). */
  readonly: boolean;
  /** User name and secret a request must present. */
  user: string;
  password: string;
  /**
   * Connections per access mode (as many as the embedded adapter keeps); statements beyond them wait.
   * @default 3
   */
  connections?: number;
  /**
   * Requests that may wait for a connection; beyond it a request is answered
   * TOO_MANY_SIMULTANEOUS_QUERIES (a retry can help).
   * @default 64
   */
  maxQueued?: number;
  /**
   * Largest request body (an insert's rows). The server has no such limit; this endpoint holds a
   * body in memory before the engine reads it.
   * @default 256 MiB
   */
  maxBodyBytes?: number;
  /**
   * An engine configuration file every connection is opened with (`--config-file`): server
   * settings a request cannot set, e.g. `keeper_map_path_prefix` and a `zookeeper` section for
   * the KeeperMap tables a Kafka Connect sink keeps its exactly-once state in.
   * @default none
   */
  engineConfigFile?: string;
}

interface Conn {
  session: Session;
  database: string | null;
  /** Settings this connection carries from the last request (name → value as sent). */
  settings: Map<string, string>;
}

interface Pool {
  idle: Conn[];
  opened: number;
  waiters: Array<(c: Conn) => void>;
}

const HTTP_STATUS: Readonly<Record<number, number>> = {
  516: 401, 194: 401, 164: 403, 497: 403, 60: 404, 81: 404, 16: 404, 48: 501, 202: 503,
  62: 400, 27: 400, 36: 400, 38: 400, 43: 400, 46: 400, 47: 400, 53: 400, 73: 400, 115: 400, 117: 400, 456: 400, 457: 400,
};

export class ChdbHttpGateway {
  private readonly pools = new Map<boolean, Pool>();
  private readonly maxConnections: number;
  private readonly maxQueued: number;
  private readonly maxBodyBytes: number;
  private readonly spool: Spool;
  private inFlight = 0;
  private drained: (() => void) | null = null;
  private closed = false;
  private version = '';
  private timezone = 'UTC';

  constructor(private readonly options: GatewayOptions) {
    this.maxConnections = options.connections ?? 3;
    this.maxQueued = options.maxQueued ?? 64;
    this.maxBodyBytes = options.maxBodyBytes ?? 256 * 2 ** 20;
    this.spool = Spool.create();
  }

  /** Opens the first connection (so a folder the process cannot reach fails here, not on a request). */
  async start(): Promise<void> {
    const c = await this.acquire(true);
    try {
      const [v, tz] = (await c.session.queryAsync('SELECT version(), timezone()', { format: 'TabSeparated' })).text().trim().split('\t');
      this.version = v ?? '';
      this.timezone = tz ?? 'UTC';
    } finally {
      this.release(true, c);
    }
  }

  /** The request handler (for node:http's createServer). */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.inFlight++;
    this.serve(req, res)
      .catch((e: unknown) => this.fail(res, e, null))
      .finally(() => {
        if (--this.inFlight === 0) this.drained?.();
      });
  };

  /** Waits for the requests in flight (a running statement cannot be interrupted), then closes every connection. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.inFlight > 0) await new Promise<void>((r) => (this.drained = r));
    for (const pool of this.pools.values()) {
      for (const c of pool.idle) c.session.close();
      pool.idle = [];
    }
    this.spool.close();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://endpoint');
    if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      req.resume();
      return;
    }
    if (url.pathname !== '/') throw new HttpQueryError(48, 'NOT_IMPLEMENTED', `There is no handle ${url.pathname}`);
    if (req.method !== 'GET' && req.method !== 'POST') throw new HttpQueryError(48, 'NOT_IMPLEMENTED', `HTTP method ${req.method} is not supported`);
    const who = credentialsOf(req, url);
    if (who.user !== this.options.user || !secretMatches(who.password, this.options.password)) {
      req.resume();
      throw new HttpQueryError(516, 'AUTHENTICATION_FAILED', `${who.user}: Authentication failed: password is incorrect, or there is no user with such name`);
    }
    if (this.closed) throw new HttpQueryError(210, 'NETWORK_ERROR', 'the endpoint is shutting down');
    const body = req.method === 'POST' ? await readBody(req, this.maxBodyBytes) : Buffer.alloc(0);
    const parsed = parseRequest(req, url, body);
    const readonly = this.options.readonly || req.method === 'GET';
    const queryId = parsed.queryId ?? randomUUID();
    const conn = await this.acquire(readonly);
    let healthy = true;
    try {
      await this.prepare(conn, parsed).catch((e: unknown) => {
        // Which settings a failed SET left behind is unknown: this connection is not reused.
        healthy = false;
        throw e;
      });
      const head = insertHead(parsed.sql);
      const result = head ? await this.insert(conn, head, parsed.data ?? Buffer.alloc(0)) : await this.query(conn, parsed);
      this.reply(res, parsed, queryId, result);
    } catch (e) {
      this.fail(res, e, queryId);
    } finally {
      this.release(readonly, conn, healthy);
    }
  }

  /** Selects the request's database and sets its settings (resetting the last request's others). */
  private async prepare(conn: Conn, r: ParsedRequest): Promise<void> {
    if (conn.database !== r.database) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(r.database)) throw new HttpQueryError(81, 'UNKNOWN_DATABASE', `Database ${r.database} does not exist`);
      await conn.session.queryAsync(`USE \`${r.database}\``);
      conn.database = r.database;
    }
    const changes: string[] = [];
    for (const [k, v] of r.settings) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new HttpQueryError(115, 'UNKNOWN_SETTING', `Unknown setting '${k}'`);
      // Setting values cannot be bound: the text goes in as an escaped string literal, which the
      // engine converts to the setting's type exactly as it converts the server's URL parameters.
      if (conn.settings.get(k) !== v) changes.push(`${k} = '${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
    }
    for (const k of conn.settings.keys()) if (!r.settings.has(k)) changes.push(`${k} = DEFAULT`);
    if (changes.length > 0) await conn.session.queryAsync(`SET ${changes.join(', ')}`);
    conn.settings = new Map(r.settings);
  }

  private async query(conn: Conn, r: ParsedRequest): Promise<Result> {
    let params: Record<string, unknown>;
    try {
      params = bindableParams(r.sql, r.params);
    } catch (e) {
      if (e instanceof ParamError) throw new HttpQueryError(457, 'BAD_QUERY_PARAMETER', e.message);
      throw e;
    }
    const format = /\bFORMAT\s+([A-Za-z][A-Za-z0-9]*)\s*;?\s*$/i.exec(r.sql)?.[1] ?? r.defaultFormat;
    const res = Object.keys(params).length > 0
      ? await conn.session.queryBindAsync(r.sql, params, { format: r.defaultFormat })
      : await conn.session.queryAsync(r.sql, { format: r.defaultFormat });
    return { body: Buffer.from(res.bytes()), format, rowsRead: res.rowsRead, bytesRead: res.bytesRead, elapsed: res.elapsed, written: false };
  }

  /**
   * An insert's rows reach the engine as a file read by the `file()` table function, as in the
   * embedded adapter (chdb takes inline insert data as text only, and reads the process's
   * standard input as data when it has some). One reading thread keeps the insert blocks the
   * same on every replay, so `insert_deduplication_token` deduplicates as on the server.
   */
  private async insert(conn: Conn, head: InsertHead, data: Buffer): Promise<Result> {
    const empty = { body: Buffer.alloc(0), format: head.format, rowsRead: 0, bytesRead: 0, elapsed: 0, written: true };
    if (data.length === 0) return empty;
    const target = `${head.database ? `\`${head.database}\`.` : ''}\`${head.table}\``;
    const cols = head.columns ? ` (${head.columns.map((c) => `\`${c}\``).join(', ')})` : '';
    const settings = [...(head.settings ? [head.settings] : []), 'max_threads = 1', 'schema_inference_use_cache_for_file = 0'];
    const sql = `INSERT INTO ${target}${cols} SETTINGS ${settings.join(', ')} SELECT * FROM file({spool_path:String}, '${head.format}')`;
    const res = await this.spool.with([data], (path) => conn.session.queryBindAsync(sql, { spool_path: path }, { format: 'TabSeparated' }));
    return { ...empty, rowsRead: res.rowsRead, bytesRead: res.bytesRead, elapsed: res.elapsed };
  }

  private reply(res: ServerResponse, r: ParsedRequest, queryId: string, result: Result): void {
    const rows = String(result.rowsRead);
    const bytes = String(result.bytesRead);
    const summary = {
      read_rows: rows,
      read_bytes: bytes,
      written_rows: result.written ? rows : '0',
      written_bytes: result.written ? bytes : '0',
      total_rows_to_read: '0',
      result_rows: result.written ? '0' : rows,
      result_bytes: result.written ? '0' : String(result.body.length),
      elapsed_ns: String(Math.round(result.elapsed * 1e9)),
    };
    const headers: Record<string, string> = {
      'Content-Type': contentType(result.format),
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Format': result.format,
      'X-ClickHouse-Timezone': this.timezone,
      'X-ClickHouse-Server-Display-Name': 'chdb',
      'X-ClickHouse-Summary': JSON.stringify(summary),
    };
    let body = result.body;
    const enc = r.acceptEncodings.find((e) => e === 'gzip' || e === 'deflate' || e === 'br');
    if (enc) {
      body = enc === 'gzip' ? gzipSync(body) : enc === 'deflate' ? deflateSync(body) : brotliCompressSync(body);
      headers['Content-Encoding'] = enc;
    }
    res.writeHead(200, headers).end(body);
  }

  /** Answers as the server does: an HTTP error status, the exception code in a header, `Code: N. DB::Exception: ...` as the body. */
  private fail(res: ServerResponse, e: unknown, queryId: string | null): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const { code, text } = engineError(e);
    const headers: Record<string, string> = {
      'Content-Type': 'text/plain; charset=UTF-8',
      'X-ClickHouse-Exception-Code': String(code),
    };
    if (queryId) headers['X-ClickHouse-Query-Id'] = queryId;
    res.writeHead(HTTP_STATUS[code] ?? 500, headers).end(`${text}${this.version ? ` (version ${this.version})` : ''}\n`);
  }

  private async acquire(readonly: boolean): Promise<Conn> {
    let pool = this.pools.get(readonly);
    if (!pool) {
      pool = { idle: [], opened: 0, waiters: [] };
      this.pools.set(readonly, pool);
    }
    const idle = pool.idle.pop();
    if (idle) return idle;
    if (pool.opened < this.maxConnections) {
      pool.opened++;
      try {
        // The server's defaults where chdb's differ (it takes `1 + 1` for a SELECT, and allows
        // introspection functions); a reset to DEFAULT returns to these.
        const args = ['--implicit_select=0', '--allow_introspection_functions=0'];
        if (readonly) args.push('--readonly=2');
        if (this.options.engineConfigFile) args.push(`--config-file=${this.options.engineConfigFile}`);
        return { session: new (chdbEngine().Session)(this.options.dataDir, { connectionArgs: args }), database: null, settings: new Map() };
      } catch (e) {
        pool.opened--;
        throw e;
      }
    }
    if (pool.waiters.length >= this.maxQueued) {
      throw new HttpQueryError(202, 'TOO_MANY_SIMULTANEOUS_QUERIES', `Too many simultaneous queries (${this.maxConnections} running, ${this.maxQueued} waiting)`);
    }
    return new Promise<Conn>((resolve) => pool.waiters.push(resolve));
  }

  private release(readonly: boolean, conn: Conn, healthy = true): void {
    const pool = this.pools.get(readonly) as Pool;
    if (!healthy) {
      conn.session.close();
      pool.opened--;
      const next = pool.waiters.shift();
      if (next) void this.acquire(readonly).then(next);
      return;
    }
    const next = pool.waiters.shift();
    if (next) next(conn);
    else pool.idle.push(conn);
  }
}

interface Result {
  body: Buffer;
  format: string;
  rowsRead: number;
  bytesRead: number;
  elapsed: number;
  written: boolean;
}

/** The engine's code and message (`Code: N. DB::Exception: ... (NAME)`) for any failure. */
function engineError(e: unknown): { code: number; text: string } {
  if (e instanceof HttpQueryError) return { code: e.code, text: `Code: ${e.code}. DB::Exception: ${e.message}. (${e.codeName})` };
  const err = (e ?? {}) as { message?: string; clickhouseCode?: number; code?: string };
  const message = (err.message ?? String(e)).trim();
  const m = /^Code:\s*(\d+)\./.exec(message);
  if (m) return { code: Number(m[1]), text: message };
  const code = err.clickhouseCode ?? (err.code === 'CHDB_BIND' ? 457 : 1001);
  const name = code === 457 ? 'BAD_QUERY_PARAMETER' : 'STD_EXCEPTION';
  return { code, text: `Code: ${code}. DB::Exception: ${message.split('\n')[0] ?? ''}. (${name})` };
}

function contentType(format: string): string {
  if (/^JSON/i.test(format)) return 'application/json; charset=UTF-8';
  if (/^(TabSeparated|TSV)/i.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  if (/^CSV/i.test(format)) return 'text/csv; charset=UTF-8; header=absent';
  return 'application/octet-stream';
}
