import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { processAlive } from '../../processors/util/process-alive.js';
import type { Warehouse } from '../warehouse/types.js';
import { ChdbWarehouse } from './chdb-warehouse.js';
import { ChdbHttpGateway } from './http-gateway.js';

/**
 * How the process that holds an embedded folder lets other processes read it: the engine locks
 * the folder to one process, so the holder serves ClickHouse's HTTP interface on loopback and
 * advertises it in the folder. Two files, both readable by the folder's owner only (0600):
 * - `slo-pipeline.endpoint.json`: pid, port, URL, user, whether it only reads, the command;
 * - `slo-pipeline.endpoint.secret`: the password, random per process.
 * They are removed on a clean exit; after a crash the pid is dead and readers ignore them.
 */
export const ENDPOINT_FILE = 'slo-pipeline.endpoint.json';
export const SECRET_FILE = 'slo-pipeline.endpoint.secret';
const USER = 'default';

export interface ServedWarehouse {
  /** The endpoint's URL (no credentials), or null when there is nothing to serve (a server warehouse). */
  readonly url: string | null;
  /** Withdraws the advertisement, waits for the requests in flight, and stops. */
  close(): Promise<void>;
}

export interface ServeOptions {
  /**
   * Other processes only read (the engine refuses their writes with READONLY). The holder stays
   * the folder's only writer, so exactly-once ingest keeps one place that decides.
   * @default true
   */
  readonly?: boolean;
  /** What the holder is, for the message a refused writer sees. @default 'slo-pipeline run' */
  command?: string;
  /** Engine connections per access mode. @default 3 */
  connections?: number;
}

/** What a folder's holder advertises. */
export interface Endpoint {
  pid: number;
  url: string;
  user: string;
  password: string;
  readonly: boolean;
  command: string;
}

/**
 * Serves the embedded warehouse `wh` (held by this process) on 127.0.0.1, on a free port, and
 * advertises it in `dataDir`. Any other warehouse is not served (a no-op handle).
 */
export async function serveWarehouse(wh: Warehouse, dataDir: string, options: ServeOptions = {}): Promise<ServedWarehouse> {
  // Only the holder serves: not a server warehouse, nor a folder read through another holder.
  if (!(wh instanceof ChdbWarehouse)) return { url: null, close: async () => {} };
  const dir = resolve(dataDir);
  const password = randomBytes(32).toString('hex');
  const readonly = options.readonly ?? true;
  const gateway = new ChdbHttpGateway({
    dataDir: dir,
    readonly,
    user: USER,
    password,
    ...(options.connections ? { connections: options.connections } : {}),
  });
  await gateway.start();
  // Query parameters travel in the URL (param_<name>=...): a long IN list is a long URL. A
  // ClickHouse server takes URLs up to 1 MiB (http_max_uri_size); node's default is 16 KiB.
  const server = createServer({ maxHeaderSize: 1 << 20 }, gateway.handle);
  // A long statement's request has arrived long before its answer goes out; only the request is timed.
  server.requestTimeout = 300_000;
  // Clients keep idle connections for a few seconds (@clickhouse/client: 2.5 s); the server
  // must keep them longer, or a request sent on a socket it just closed fails with ECONNRESET.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => ok());
    });
  } catch (e) {
    await gateway.close();
    throw e;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  writePrivate(join(dir, SECRET_FILE), password);
  writePrivate(
    join(dir, ENDPOINT_FILE),
    `${JSON.stringify({ pid: process.pid, port, url, user: USER, readonly, command: options.command ?? 'slo-pipeline run', started_at: new Date().toISOString() })}\n`,
  );
  const withdraw = (): void => {
    // Only our own advertisement: a later holder of the folder may have replaced it.
    if (advertisedPid(dir) !== process.pid) return;
    rmSync(join(dir, ENDPOINT_FILE), { force: true });
    rmSync(join(dir, SECRET_FILE), { force: true });
  };
  process.once('exit', withdraw);
  let closing: Promise<void> | null = null;
  return {
    url,
    close: () =>
      (closing ??= (async () => {
        process.off('exit', withdraw);
        withdraw();
        const stopped = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        await gateway.close();
        server.closeAllConnections();
        await stopped;
      })()),
  };
}

/**
 * The endpoint another live process advertises for `dataDir`, or null: no advertisement, one of
 * this process, or one whose process is gone (a crash leaves the files behind).
 */
export function advertisedEndpoint(dataDir: string): Endpoint | null {
  const dir = resolve(dataDir);
  let ad: Record<string, unknown>;
  try {
    ad = JSON.parse(readFileSync(join(dir, ENDPOINT_FILE), 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  const pid = ad['pid'];
  const url = ad['url'];
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || typeof url !== 'string') return null;
  if (pid === process.pid || !processAlive(pid)) return null;
  let password: string;
  try {
    password = readFileSync(join(dir, SECRET_FILE), 'utf8').trim();
  } catch {
    return null;
  }
  return {
    pid,
    url,
    user: typeof ad['user'] === 'string' ? ad['user'] : USER,
    password,
    readonly: ad['readonly'] !== false,
    command: typeof ad['command'] === 'string' ? ad['command'] : 'another process',
  };
}

/** The pid the engine wrote into a folder's `status` file (its lock file), if any. */
export function folderHolderPid(dataDir: string): number | null {
  try {
    const m = /^PID:\s*(\d+)/m.exec(readFileSync(join(resolve(dataDir), 'status'), 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function advertisedPid(dir: string): number | null {
  try {
    const pid = (JSON.parse(readFileSync(join(dir, ENDPOINT_FILE), 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : null;
  } catch {
    return null;
  }
}

/** Writes a file only its owner can read, in one rename (a reader never sees half of it). */
function writePrivate(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
