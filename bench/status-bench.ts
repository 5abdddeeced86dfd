import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi } from '../query-api/index.js';
import { familyOfTopic } from '../processors/contracts/topics.js';
import { createPiiHasher, FACT_TABLE, toFactRow } from '../processors/ingest/index.js';
import { simulateStream } from '../processors/simulator/index.js';
import { evaluateSlo, evaluateSlos, loadSloFiles, type SloDefinition } from '../processors/slo/index.js';
import { ChdbWarehouse } from '../sinks/chdb/index.js';
import { migrate, type Warehouse } from '../sinks/warehouse/index.js';
import { benchSloYaml } from './slo-bench-slos.js';
import { releaseScratch, scratchDir } from './scratch.js';
import type { PhaseResult } from './spine-phases.js';

/**
 * `slo status` without a running evaluator: the stateless evaluation of every SLO at one
 * instant (what the CLI prints and `GET /v1/slos/status` serves uncached), for 100 and
 * 1,000 SLOs of the SLO benchmark's set (28-31 day windows, Occurrences and Timeslices,
 * facts-backed latency cuts, LEM levels) over `days` of simulated history. Each size is
 * evaluated `runs` times; p50 and max are printed (target <= 1 s p50 for 1,000 SLOs).
 * Beside it, the same 100 SLOs read one query per SLO (the reads `slo status` used to make)
 * as the baseline measured on the same warehouse.
 * Beside the wall time, the CPU time of the process per evaluation (the embedded engine's
 * threads included) and the load average: on a shared machine the wall time follows the load.
 * Figures, never a timed test. Alone: `npx tsx bench/status-bench.ts [DAYS] [JOURNEYS_PER_DAY] [DATA_DIR]`
 * (a DATA_DIR that already holds the history is reused).
 */
export interface StatusBenchOptions {
  /** @default 31 */
  days?: number;
  /** @default 4000 */
  journeysPerDay?: number;
  /** @default [100, 1000] */
  sizes?: readonly number[];
  /** Evaluations per size. @default 5 */
  runs?: number;
  /** SLOs of the one-query-per-SLO baseline. @default 100 */
  baselineSlos?: number;
  /** @default a new scratch folder, removed afterwards */
  dataDir?: string;
}

export interface StatusFigure {
  slos: number;
  runs: number;
  p50Ms: number;
  maxMs: number;
  /** Rules firing at the instant, over all SLOs (the work is real). */
  firing: number;
  /** Median CPU time of the process per evaluation (engine threads included). */
  cpuMs: number;
  /** 1-minute load average after the last run. */
  loadAverage: number;
}

export interface StatusBenchResult {
  historyEvents: number;
  days: number;
  at: string;
  batched: StatusFigure[];
  perSlo: StatusFigure;
  /** `GET /v1/slos/status` of the query API over the same set, uncached (status cache off), at the same instant. */
  api: StatusFigure[];
}

const DAY = 86_400_000;

async function loadHistory(wh: Warehouse, days: number, start: number, journeysPerDay: number): Promise<number> {
  const hasher = createPiiHasher('bench-key-0123456789');
  const buffers = new Map<string, Record<string, unknown>[]>();
  let n = 0;
  const flush = async (table: string): Promise<void> => {
    const rows = buffers.get(table) ?? [];
    if (rows.length > 0) await wh.insert(table, rows);
    buffers.set(table, []);
  };
  // Straight into the facts, so without the duplicates the ingest would drop.
  for (const r of simulateStream({ seed: 11, days, start, journeysPerDay, malformedRate: 0, duplicateRate: 0 })) {
    if (r.kind !== 'event') continue;
    const family = familyOfTopic(r.topic);
    if (!family) continue;
    const table = FACT_TABLE[family];
    let rows = buffers.get(table);
    if (!rows) buffers.set(table, (rows = []));
    rows.push(toFactRow(family, r.value as never, hasher, { topic: r.topic, partition: 0, offset: String(n++) }));
    if (rows.length >= 20_000) await flush(table);
  }
  for (const t of [...buffers.keys()]) await flush(t);
  return n;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/**
 * Runs `once` `runs` times, each timed on the wall clock and in CPU time of the process; `once`
 * answers the rules firing, and the figure keeps the last run's count.
 */
async function measure(slos: number, runs: number, once: () => Promise<number>): Promise<StatusFigure> {
  const ms: number[] = [];
  const cpu: number[] = [];
  let firing = 0;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    firing = await once();
    ms.push(performance.now() - t0);
    cpu.push(cpuMsSince(c0));
  }
  const s = [...ms].sort((a, b) => a - b);
  const c = [...cpu].sort((a, b) => a - b);
  return { slos, runs: s.length, p50Ms: s[(s.length - 1) >> 1] ?? NaN, maxMs: s[s.length - 1] ?? NaN, firing, cpuMs: c[(c.length - 1) >> 1] ?? NaN, loadAverage: loadavg()[0] ?? NaN };
}

function definitions(count: number): SloDefinition[] {
  const loaded = loadSloFiles([{ file: 'bench.yaml', text: benchSloYaml(count) }]);
  if (!loaded.ok) throw new Error(`bench SLOs invalid: ${loaded.problems[0]?.message ?? ''}`);
  return loaded.slos;
}

export async function runStatusBench(options: StatusBenchOptions = {}): Promise<StatusBenchResult> {
  const days = options.days ?? 31;
  const journeysPerDay = options.journeysPerDay ?? 4000;
  const runs = Math.max(1, options.runs ?? 5);
  const dir = options.dataDir ?? scratchDir('status');
  const wh = await ChdbWarehouse.open({ dataDir: dir, database: 'bench' });
  try {
    await migrate(wh);
    const start = Date.parse('2026-10-01T00:00:00Z');
    const at = start + days * DAY;
    const [stored] = await wh.query<{ n: string }>('SELECT (SELECT count() FROM journey_events) + (SELECT count() FROM lem_signals) AS n');
    const historyEvents = Number(stored?.n ?? 0) > 0 ? Number(stored?.n) : await loadHistory(wh, days, start, journeysPerDay);
    const batched: StatusFigure[] = [];
    for (const size of options.sizes ?? [100, 1000]) {
      const slos = definitions(size);
      batched.push(await measure(size, runs, async () => (await evaluateSlos(wh, slos, at)).reduce((a, d) => a + d.alerts.length, 0)));
    }
    const base = definitions(options.baselineSlos ?? 100);
    // One run: every SLO read with its own queries.
    const perSlo = await measure(base.length, 1, async () => {
      let firing = 0;
      for (const slo of base) firing += (await evaluateSlo(wh, slo, at)).alerts.length;
      return firing;
    });
    const api: StatusFigure[] = [];
    for (const size of options.sizes ?? [100, 1000]) api.push(await apiStatus(wh, size, at, runs));
    return { historyEvents, days, at: new Date(at).toISOString(), batched, perSlo, api };
  } finally {
    await wh.close();
    if (!options.dataDir) releaseScratch(dir);
  }
}

/**
 * The API's answer for the same SLOs at the same instant: `GET /v1/slos/status?at=` over HTTP
 * with a bearer key, the status cache off (each request evaluates), the SLOs from a folder as
 * deployed. The API adds what `slo status` adds (maintenance windows declared through it,
 * composites, labels) and the JSON of the answer.
 */
async function apiStatus(wh: Warehouse, size: number, at: number, runs: number): Promise<StatusFigure> {
  const sloDir = mkdtempSync(join(tmpdir(), 'status-bench-slos-'));
  writeFileSync(join(sloDir, 'bench.yaml'), benchSloYaml(size));
  const api = await startApi({ warehouse: wh, sloDir, port: 0, host: '127.0.0.1', boardFeed: false, statusCacheMs: 0 });
  try {
    const headers = { authorization: `Bearer ${api.ephemeralAdminKey ?? ''}` };
    // Every request evaluates the whole set; the answer is its first page, with the total.
    const url = `${api.url}/v1/slos/status?limit=1000&at=${encodeURIComponent(new Date(at).toISOString())}`;
    return await measure(size, runs, async () => {
      const res = await fetch(url, { headers });
      const body = (await res.json()) as { items?: Array<{ alerts: unknown[] }>; total?: number };
      if (!res.ok || body.total !== size || !body.items) throw new Error(`GET /v1/slos/status: HTTP ${res.status}, ${body.total ?? 'no'} SLOs of ${size}`);
      return body.items.reduce((a, d) => a + d.alerts.length, 0);
    });
  } finally {
    await api.close();
    rmSync(sloDir, { recursive: true, force: true });
  }
}

/** The bench runner's phase: one row per size, and the per-SLO baseline. */
export async function phaseStatus(journeysPerDay: number): Promise<PhaseResult[]> {
  const r = await runStatusBench({ journeysPerDay: Math.min(journeysPerDay, 4000) });
  const row = (label: string, f: StatusFigure): PhaseResult => ({
    phase: label,
    events: f.slos,
    seconds: f.p50Ms / 1000,
    eventsPerSec: (f.slos * 1000) / f.p50Ms,
    p50Ms: f.p50Ms,
    p99Ms: f.maxMs,
    latencyOf: `slo status, ${f.runs} run(s)`,
    extra: { firing: f.firing, historyEvents: r.historyEvents, cpuMs: Math.round(f.cpuMs), loadAverage: Number(f.loadAverage.toFixed(1)) },
  });
  return [
    ...r.batched.map((f) => row(`slo status, ${f.slos} SLOs, no evaluator (${r.days} days of history; target <= 1000 ms p50 for 1,000)`, f)),
    row(`slo status baseline: ${r.perSlo.slos} SLOs read one query per SLO`, r.perSlo),
    ...r.api.map((f) => ({ ...row(`GET /v1/slos/status uncached, ${f.slos} SLOs (same instant and history; target <= 1000 ms p50 for 1,000)`, f), latencyOf: `HTTP request, ${f.runs} run(s)` })),
  ];
}

if (process.argv[1] && import.meta.url === new URL(process.argv[1], 'file://').href) {
  const [days, perDay, dataDir] = process.argv.slice(2);
  runStatusBench({ ...(days ? { days: Number(days) } : {}), ...(perDay ? { journeysPerDay: Number(perDay) } : {}), ...(dataDir ? { dataDir } : {}) }).then(
    (r) => {
      console.log(`history: ${r.days} days, ${r.historyEvents} events; evaluated at ${r.at}`);
      for (const f of r.batched) {
        console.log(
          `slo status, ${f.slos} SLOs: p50 ${f.p50Ms.toFixed(0)} ms, max ${f.maxMs.toFixed(0)} ms over ${f.runs} runs (${f.cpuMs.toFixed(0)} CPU-ms, load average ${f.loadAverage.toFixed(1)}), ${f.firing} rules firing (target <= 1000 ms p50 for 1,000)`,
        );
      }
      console.log(`baseline, ${r.perSlo.slos} SLOs read one query per SLO: ${r.perSlo.p50Ms.toFixed(0)} ms (${r.perSlo.cpuMs.toFixed(0)} CPU-ms)`);
      for (const f of r.api) console.log(`GET /v1/slos/status uncached, ${f.slos} SLOs: p50 ${f.p50Ms.toFixed(0)} ms, max ${f.maxMs.toFixed(0)} ms over ${f.runs} runs, ${f.firing} rules firing`);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
