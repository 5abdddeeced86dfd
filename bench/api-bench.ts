import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ingestFiles } from '../cli/commands/ingest.js';
import { simulate, toJsonLines } from '../processors/simulator/index.js';
import { generateApiKey, hashApiKey, startApi } from '../query-api/index.js';
import { openWarehouse, type Warehouse } from '../sinks/warehouse/index.js';
import { LOAD_CLIENT_JS } from './api-load-client.js';
import type { PhaseResult } from './spine-phases.js';
import { releaseScratch, scratchDir } from './scratch.js';

export interface ApiBenchOptions {
  /** Warehouse with data to query; when absent, an embedded one is filled with simulated traffic. */
  warehouse?: Warehouse;
  /** Simulated journeys per day for the embedded warehouse. @default 20000 */
  journeysPerDay?: number;
  /** Simulated days. @default 2 */
  days?: number;
  /** Requests per route (after warm-up). @default 400 */
  requests?: number;
  /** Concurrent requests in flight. @default 16 */
  concurrency?: number;
  /** Warm-up requests per route, not measured. @default 20 */
  warmup?: number;
  /** SLO definitions folder. @default 'slos' */
  sloDir?: string;
}

export interface ApiRouteFigures {
  route: string;
  requests: number;
  concurrency: number;
  errors: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

function runClient(config: { url: string; key: string; requests: number; concurrency: number; warmup: number }): Promise<{ latencies: number[]; errors: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', LOAD_CLIENT_JS], {
      env: { ...process.env, API_BENCH_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`load client exited ${code}`));
      resolve(JSON.parse(line) as { latencies: number[]; errors: number; seconds: number });
    });
  });
}

async function fillEmbedded(journeysPerDay: number, days: number): Promise<{ wh: Warehouse; cleanup: () => Promise<void> }> {
  const dir = scratchDir('api');
  const wh = await openWarehouse({ dataDir: join(dir, 'data'), database: `bench_${randomBytes(4).toString('hex')}` }, {});
  const file = join(dir, 'sim.jsonl');
  writeFileSync(file, toJsonLines(simulate({ seed: 3, days, journeysPerDay })));
  await ingestFiles([file], wh, { hmacKey: 'api-bench-key-0123456789' });
  return {
    wh,
    cleanup: async () => {
      await wh.close();
      releaseScratch(dir);
    },
  };
}

/**
 * API latency under concurrent load from a second process on loopback: SLO status and
 * the P&L by month x vendor. Figures, not assertions.
 */
export async function apiBench(options: ApiBenchOptions = {}): Promise<ApiRouteFigures[]> {
  const requests = options.requests ?? 400;
  const concurrency = options.concurrency ?? 16;
  const warmup = options.warmup ?? 20;
  const filled = options.warehouse ? undefined : await fillEmbedded(options.journeysPerDay ?? 20_000, options.days ?? 2);
  const warehouse = options.warehouse ?? filled?.wh;
  if (!warehouse) throw new Error('no warehouse');
  const key = generateApiKey();
  // Status answers are shared for 5 s (the default); the uncached row shows one full evaluation per request.
  const scenarios: Array<{ route: string; path: string; statusCacheMs: number; requests: number; concurrency: number }> = [
    { route: 'GET /v1/slos/status', path: '/v1/slos/status?limit=1000', statusCacheMs: 5_000, requests, concurrency },
    { route: 'GET /v1/slos/status (cache off)', path: '/v1/slos/status?limit=1000', statusCacheMs: 0, requests: Math.min(requests, 40), concurrency: Math.min(concurrency, 4) },
    { route: 'GET /v1/pnl?by=month,vendor_id', path: '/v1/pnl?by=month,vendor_id&limit=1000', statusCacheMs: 5_000, requests, concurrency },
  ];
  try {
    const figures: ApiRouteFigures[] = [];
    for (const sc of scenarios) {
      const api = await startApi({
        warehouse,
        port: 0,
        sloDir: options.sloDir ?? 'slos',
        statusCacheMs: sc.statusCacheMs,
        boardFeed: false,
        auth: { keys: [{ role: 'admin', sha256: hashApiKey(key), name: 'bench' }] },
      });
      try {
        const r = await runClient({ url: `${api.url}${sc.path}`, key, requests: sc.requests, concurrency: sc.concurrency, warmup });
        const sorted = [...r.latencies].sort((a, b) => a - b);
        figures.push({
          route: sc.route,
          requests: r.latencies.length,
          concurrency: sc.concurrency,
          errors: r.errors,
          requestsPerSec: r.latencies.length / r.seconds,
          p50Ms: quantile(sorted, 0.5),
          p99Ms: quantile(sorted, 0.99),
        });
      } finally {
        await api.close();
      }
    }
    return figures;
  } finally {
    await filled?.cleanup();
  }
}

/** The bench runner's phase: one row per route (events = requests). */
export async function phaseApi(journeysPerDay: number): Promise<PhaseResult[]> {
  const figures = await apiBench({ journeysPerDay: Math.min(journeysPerDay, 20_000) });
  return figures.map((f) => ({
    phase: `api ${f.route} (${f.concurrency} concurrent, loopback)`,
    events: f.requests,
    seconds: f.requests / f.requestsPerSec,
    eventsPerSec: f.requestsPerSec,
    p50Ms: f.p50Ms,
    p99Ms: f.p99Ms,
    extra: { errors: f.errors },
  }));
}
