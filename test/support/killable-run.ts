import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { projectPath } from '../../processors/util/project-path.js';

/** A progress line of the process (its `msg`), counted from the start of that process. */
export interface KillPoint {
  /** The `msg` of a debug log line, e.g. 'batch committed'. */
  after: string;
  /** Kill when the line appears for the n-th time (1-based) among those `where` accepts. */
  n: number;
  /** Only lines this accepts count. @default every line with that msg */
  where?: (line: Record<string, unknown>) => boolean;
  /** What `where` selects, for the report (e.g. "upTo 23:59"). */
  whereLabel?: string;
}

export interface RunExit {
  /** Exit code; null when killed. */
  code: number | null;
  /** Whether this run was killed at its kill point (else it ran to its end). */
  killed: boolean;
  /** How often each progress line appeared. */
  seen: Record<string, number>;
  stderr: string;
  stdout: string;
}

/**
 * Runs the built `slo-pipeline` with `args` and, when `kill` is given, sends it SIGKILL the
 * moment its own log shows that progress line (SLO_LOG_LEVEL=debug lines on stderr). A run
 * that never reaches the point ends on its own and reports `killed: false`.
 */
export function runKillable(args: readonly string[], env: NodeJS.ProcessEnv, kill?: KillPoint, timeoutMs = 240_000): Promise<RunExit> {
  const proc = spawn(process.execPath, [projectPath('dist', 'cli', 'main.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, SLO_LOG_LEVEL: 'debug' },
  });
  const seen: Record<string, number> = {};
  let matched = 0;
  let killed = false;
  let stderr = '';
  let stdout = '';
  let partial = '';
  const onLine = (line: string): void => {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const msg = typeof rec['msg'] === 'string' ? rec['msg'] : '';
    seen[msg] = (seen[msg] ?? 0) + 1;
    if (!kill || killed || msg !== kill.after || (kill.where && !kill.where(rec))) return;
    if (++matched === kill.n) {
      killed = true;
      proc.kill('SIGKILL');
    }
  };
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => {
    const text = partial + d.toString();
    stderr += d.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) onLine(l);
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, killed, seen, stderr, stdout });
    });
  });
}

export interface WebhookRequest {
  key: string;
  severity: string;
  body: string;
  /** The status this receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  /** Base URL; the endpoints are `${url}/page` and `${url}/ticket`. */
  url: string;
  readonly requests: WebhookRequest[];
  close(): Promise<void>;
}

/**
 * A local webhook endpoint that records every request (idempotency key, severity, body) and
 * answers 200, or 503 to the first `failFirst` requests (a receiver that is down for a while).
 */
export async function startWebhookReceiver(options: { failFirst?: number } = {}): Promise<WebhookReceiver> {
  const requests: WebhookRequest[] = [];
  let failures = options.failFirst ?? 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const status = failures > 0 ? 503 : 200;
      if (failures > 0) failures--;
      requests.push({ key: String(req.headers['idempotency-key'] ?? ''), severity: String(req.headers['x-slo-severity'] ?? ''), body, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'down');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
