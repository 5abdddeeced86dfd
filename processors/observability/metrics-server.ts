import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export type HealthStatus = 'ok' | 'degraded' | 'stopped';

export interface HealthReport {
  status: HealthStatus;
  [detail: string]: unknown;
}

export interface MetricsServerOptions {
  registry: Registry;
  /** What `/health` answers: 200 when `ok`, 503 otherwise. */
  health: () => Promise<HealthReport>;
  host?: string;
  /** 0 picks a free port. */
  port: number;
}

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves Prometheus `/metrics` (the text exposition format) and `/health` for a process
 * without the query API (an ingest worker, an evaluator): two read-only endpoints, nothing
 * that changes state, no data but counters and the health report.
 */
export async function serveMetrics(o: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const answer = async (): Promise<void> => {
      if (path === '/metrics') {
        const body = await o.registry.metrics();
        res.writeHead(200, { 'content-type': o.registry.contentType }).end(req.method === 'HEAD' ? undefined : body);
      } else if (path === '/health') {
        const h = await o.health();
        res.writeHead(h.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(h));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: /metrics and /health are served here\n');
      }
    };
    answer().catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${e instanceof Error ? e.message : String(e)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
