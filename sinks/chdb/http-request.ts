import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';

/**
 * The request side of ClickHouse's HTTP interface, as far as the endpoint speaks it: where the
 * query, its parameters, its settings and an insert's data come from, and who is asking.
 */

/** An error the endpoint answers with, in the server's own shape (`Code: N. DB::Exception: ...`). */
export class HttpQueryError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(message);
  }
}

/** URL parameters that are the interface's own, not settings of the query. */
const NOT_SETTINGS = new Set([
  'query', 'database', 'default_format', 'query_id', 'session_id', 'session_timeout', 'session_check',
  'user', 'password', 'quota_key', 'compress', 'decompress', 'buffer_size', 'wait_end_of_query', 'role',
  'stacktrace', 'client_protocol_version', 'add_http_cors_header',
  // Settings of the HTTP transport itself, with no meaning to the engine behind it.
  'enable_http_compression', 'http_zlib_compression_level', 'send_progress_in_http_headers',
  'http_headers_progress_interval_ms', 'http_response_buffer_size', 'http_send_progress_interval_ms',
  'http_response_compression_method', 'http_native_compression_disable_checksumming_on_decompress',
]);

export interface ParsedRequest {
  /** The statement text (from `query`, the body, or `query` followed by the body). */
  sql: string;
  /** An INSERT's data, when the statement came in `query` and the body carries the rows. */
  data: Buffer | null;
  params: Record<string, string>;
  settings: Map<string, string>;
  database: string;
  defaultFormat: string;
  queryId: string | null;
  /** The response may be compressed with one of these (enable_http_compression=1). */
  acceptEncodings: string[];
}

export interface Credentials {
  user: string;
  password: string;
}

/** Basic auth, X-ClickHouse-User/Key headers, or user/password URL parameters (the server's three ways). */
export function credentialsOf(req: IncomingMessage, url: URL): Credentials {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const at = decoded.indexOf(':');
    return at < 0 ? { user: decoded, password: '' } : { user: decoded.slice(0, at), password: decoded.slice(at + 1) };
  }
  const user = header(req, 'x-clickhouse-user') ?? url.searchParams.get('user') ?? 'default';
  const password = header(req, 'x-clickhouse-key') ?? url.searchParams.get('password') ?? '';
  return { user, password };
}

/** Constant-time comparison of a presented secret with the expected one. */
export function secretMatches(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Reads the whole body (decompressed per Content-Encoding), refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = (header(req, 'content-encoding') ?? '').toLowerCase();
  let stream: Readable = req;
  if (encoding === 'gzip' || encoding === 'x-gzip') stream = req.pipe(createGunzip());
  else if (encoding === 'deflate') stream = req.pipe(createInflate());
  else if (encoding === 'br') stream = req.pipe(createBrotliDecompress());
  else if (encoding !== '' && encoding !== 'identity') {
    throw new HttpQueryError(48, 'NOT_IMPLEMENTED', `Unknown HTTP request compression method ${JSON.stringify(encoding)}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > limit) {
        req.resume();
        throw new HttpQueryError(36, 'BAD_ARGUMENTS', `Request body is larger than this endpoint accepts (${limit} bytes)`);
      }
      chunks.push(b);
    }
  } catch (e) {
    if (e instanceof HttpQueryError) throw e;
    throw new HttpQueryError(36, 'BAD_ARGUMENTS', `Cannot read the request body: ${(e as Error).message}`);
  }
  return Buffer.concat(chunks, size);
}

/** Splits the request into statement, data, parameters and settings, as the server does. */
export function parseRequest(req: IncomingMessage, url: URL, body: Buffer): ParsedRequest {
  const params: Record<string, string> = {};
  const settings = new Map<string, string>();
  for (const [k, v] of url.searchParams) {
    if (k.startsWith('param_')) params[k.slice(6)] = v;
    else if (!NOT_SETTINGS.has(k)) settings.set(k, v);
  }
  if (url.searchParams.has('session_id')) {
    throw new HttpQueryError(48, 'NOT_IMPLEMENTED', 'HTTP sessions (session_id) are not supported by this endpoint');
  }
  if (url.searchParams.get('decompress') === '1' || url.searchParams.get('compress') === '1') {
    throw new HttpQueryError(48, 'NOT_IMPLEMENTED', 'ClickHouse native compression (compress/decompress) is not supported by this endpoint');
  }
  let query = url.searchParams.get('query');
  let rest: Buffer | null = body;
  const type = header(req, 'content-type') ?? '';
  if (type.toLowerCase().startsWith('multipart/form-data')) {
    const parts = parseMultipart(body, type);
    for (const [name, value] of parts) {
      if (name === 'query') query = (query ?? '') + value;
      else if (name.startsWith('param_')) params[name.slice(6)] = value;
      else throw new HttpQueryError(48, 'NOT_IMPLEMENTED', `multipart part ${JSON.stringify(name)} (external tables) is not supported by this endpoint`);
    }
    rest = null;
  }
  let sql: string;
  let data: Buffer | null = null;
  if (query !== null) {
    if (rest && rest.length > 0) {
      // With the statement in the URL the body continues it: an INSERT's rows, or more text.
      if (insertHead(query)) data = rest;
      else query = `${query}\n${rest.toString('utf8')}`;
    }
    sql = query;
  } else {
    sql = (rest ?? Buffer.alloc(0)).toString('utf8');
    const split = splitInlineInsert(rest ?? Buffer.alloc(0));
    if (split) {
      sql = split.head;
      data = split.data;
    }
  }
  if (sql.trim() === '') throw new HttpQueryError(62, 'SYNTAX_ERROR', 'Empty query');
  const acceptEncodings =
    url.searchParams.get('enable_http_compression') === '1'
      ? (header(req, 'accept-encoding') ?? '').split(',').map((e) => e.trim().split(';')[0]?.toLowerCase() ?? '')
      : [];
  return {
    sql,
    data,
    params,
    settings,
    // The URL parameter, else the server's header for it (the ClickHouse Java client sends headers).
    database: url.searchParams.get('database') || header(req, 'x-clickhouse-database') || 'default',
    defaultFormat: url.searchParams.get('default_format') || header(req, 'x-clickhouse-format') || 'TabSeparated',
    queryId: url.searchParams.get('query_id'),
    acceptEncodings,
  };
}

export interface InsertHead {
  database: string | null;
  table: string;
  columns: string[] | null;
  /** The statement's own SETTINGS clause, verbatim. */
  settings: string | null;
  format: string;
}

const NAME = '(?:`[A-Za-z_][A-Za-z0-9_]*`|[A-Za-z_][A-Za-z0-9_]*)';
const INSERT_HEAD = new RegExp(
  `^\\s*INSERT\\s+INTO\\s+(?:TABLE\\s+)?(?:(${NAME})\\s*\\.\\s*)?(${NAME})\\s*(?:\\(([^()]*)\\))?\\s*` +
    `(?:SETTINGS\\s+([\\s\\S]*?)\\s+)?(?:FORMAT\\s+([A-Za-z][A-Za-z0-9]*)|(VALUES))\\s*$`,
  'i',
);

/** `INSERT INTO [db.]table [(cols)] [SETTINGS ...] FORMAT F | VALUES`: a statement whose rows come as data. */
export function insertHead(sql: string): InsertHead | null {
  const m = INSERT_HEAD.exec(sql);
  if (!m) return null;
  const unquote = (s: string): string => s.replace(/^`|`$/g, '');
  const columns = m[3]?.split(',').map((c) => c.trim());
  if (columns?.some((c) => !new RegExp(`^${NAME}$`).test(c))) return null;
  return {
    database: m[1] ? unquote(m[1]) : null,
    table: unquote(m[2] as string),
    columns: columns ? columns.map(unquote) : null,
    settings: m[4] ?? null,
    format: m[6] ? 'Values' : (m[5] as string),
  };
}

/** A body holding `INSERT ... FORMAT F` followed by its rows: the statement and the rows, apart. */
function splitInlineInsert(body: Buffer): { head: string; data: Buffer } | null {
  // The statement is text at the start; the rows after it may be binary (Native, RowBinary).
  const start = body.subarray(0, 64 * 1024).toString('latin1');
  const m = /^\s*INSERT\s[^\n]*?\sFORMAT\s+[A-Za-z][A-Za-z0-9]*[ \t]*(?:\r?\n|$)/i.exec(start);
  if (!m) return null;
  const head = body.subarray(0, m[0].length).toString('utf8').trim();
  if (!insertHead(head)) return null;
  return { head, data: body.subarray(m[0].length) };
}

/** The parts of a multipart/form-data body, by name (@clickhouse/client sends long parameters this way). */
function parseMultipart(body: Buffer, contentType: string): Array<[string, string]> {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const b = boundary?.[1] ?? boundary?.[2];
  if (!b) throw new HttpQueryError(36, 'BAD_ARGUMENTS', 'multipart/form-data without a boundary');
  const text = body.toString('utf8');
  const out: Array<[string, string]> = [];
  for (const chunk of text.split(`--${b}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const headerEnd = chunk.indexOf('\r\n\r\n');
    if (headerEnd < 0) throw new HttpQueryError(36, 'BAD_ARGUMENTS', 'malformed multipart/form-data part');
    const name = /name="([^"]*)"/i.exec(chunk.slice(0, headerEnd))?.[1];
    if (name === undefined) throw new HttpQueryError(36, 'BAD_ARGUMENTS', 'multipart/form-data part without a name');
    out.push([name, chunk.slice(headerEnd + 4).replace(/\r\n$/, '')]);
  }
  return out;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
