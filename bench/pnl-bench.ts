import { randomBytes } from 'node:crypto';
import { queryPnl, rebuildCube, rollupMonthly } from '../processors/economics/warehouse/index.js';
import type { PnlQuery } from '../processors/economics/index.js';
import { ChdbWarehouse } from '../sinks/chdb/index.js';
import { migrate, type Warehouse } from '../sinks/warehouse/index.js';
import type { PhaseResult } from './spine-phases.js';
import { releaseScratch, scratchDir } from './scratch.js';

/**
 * P&L query latency over >= 10M money facts in the embedded warehouse, grouped by
 * month x vendor (target p95 <= 100 ms), through the same `queryPnl` the CLI and API use.
 * Beside it, in the same run: the same grouping over the per-event facts (a day range that
 * is not whole months forces that path), the reference the cube is measured against.
 * Figures, never a timed test. Run alone: `npx tsx bench/pnl-bench.ts [FACTS]`.
 */
export interface PnlBenchOptions {
  /** Money facts generated. @default 10_000_000 */
  facts?: number;
  /** Money facts per incident (incidents = facts / this). @default 5 */
  factsPerIncident?: number;
  /** Timed runs per query, after 3 warm-up runs. @default 40 */
  runs?: number;
  /** Folder for the embedded warehouse (removed afterwards). @default a new temp folder */
  dataDir?: string;
}

export interface LatencyFigures {
  name: string;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  rows: number;
}

export interface PnlBenchResult {
  facts: number;
  incidents: number;
  monthlyRows: number;
  loadSeconds: number;
  queries: LatencyFigures[];
}

// Nearest rank: the smallest sample with at least q of the samples at or below it.
const quantile = (sorted: readonly number[], q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;

async function time(wh: Warehouse, name: string, q: PnlQuery, runs: number): Promise<LatencyFigures> {
  let rows = 0;
  for (let i = 0; i < 3; i++) rows = (await queryPnl(wh, q)).length;
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await queryPnl(wh, q);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { name, p50Ms: quantile(ms, 0.5), p95Ms: quantile(ms, 0.95), p99Ms: quantile(ms, 0.99), maxMs: ms[ms.length - 1] ?? NaN, rows };
}

/**
 * Generates the facts with one INSERT ... SELECT FROM numbers(): incidents spread over a
 * year, 200 vendors, 40 routes, five money events per incident within a few days of it
 * (compensation issued/revoked/redeemed, refund, lost revenue), 1% without a rate.
 */
export async function loadBenchFacts(wh: Warehouse, facts: number, perIncident: number): Promise<void> {
  await wh.exec(
    `INSERT INTO incident_cost_facts (incident_id, fact_id, version, cost_kind, occurred_at, source_event_id, amount_minor,
       currency, reporting_currency, rate, converted_minor, unconverted_reason, compensation_minor, redeemed_minor, refund_minor,
       lost_revenue_minor, unconverted, product_version_id, market_code, city_code, vendor_id, route_id, fault, severity, reason_code)
     SELECT incident_id, fact_id, 1, kind, at, fact_id, amount, 'EUR', 'EUR', if(unconv, NULL, 1), if(unconv, NULL, amount),
       if(unconv, 'NO_RATE', NULL),
       if(unconv, 0, multiIf(kind = 'COMPENSATION_ISSUED', amount, kind = 'COMPENSATION_REVOKED', -amount, 0)),
       if(unconv OR kind != 'COMPENSATION_REDEEMED', 0, amount), if(unconv OR kind != 'REFUND', 0, amount),
       if(unconv OR kind != 'LOST_REVENUE', 0, amount), unconv,
       concat('PRDV-', toString(h % 50)), concat('MKT-', toString(h % 8)), concat('CITY-', toString(h % 16)),
       concat('VEN-', toString(h % 200)), concat('ROUTE-', toString(h % 40)),
       ['VENDOR', 'PLATFORM', 'MIXED', 'UNKNOWN'][h % 4 + 1], ['SEV1', 'SEV2', 'SEV3', 'SEV4'][intDiv(h, 7) % 4 + 1],
       ['VENDOR_NO_SHOW', 'SLO_BREACH', 'SAFETY_RISK', 'PLATFORM_BUG'][intDiv(h, 11) % 4 + 1]
     FROM (
       SELECT number AS n, intDiv(number, {per:UInt64}) AS k, cityHash64(k) AS h,
         concat('INC-', toString(k)) AS incident_id, concat('F-', toString(n % {per:UInt64})) AS fact_id,
         ['COMPENSATION_ISSUED', 'COMPENSATION_REVOKED', 'COMPENSATION_REDEEMED', 'REFUND', 'LOST_REVENUE'][n % 5 + 1] AS kind,
         toDateTime64('2025-01-01 00:00:00', 3, 'UTC') + toIntervalMillisecond(h % 31536000000 + cityHash64(n) % 345600000) AS at,
         toInt64(100 + cityHash64(n, 1) % 50000) AS amount, cityHash64(n, 2) % 100 = 0 AS unconv
       FROM numbers({facts:UInt64})
     )`,
    { facts, per: perIncident },
  );
  await rollupMonthly(wh, { version: 1, reportingCurrency: 'EUR' });
  // Steady state: background merges have caught up with a bulk load.
  await wh.exec('OPTIMIZE TABLE incident_cost_facts FINAL');
  await wh.exec('OPTIMIZE TABLE incident_cost_monthly FINAL');
  await rebuildCube(wh);
  await wh.exec('OPTIMIZE TABLE incident_cost_cube FINAL');
}

export async function runPnlBench(options: PnlBenchOptions = {}): Promise<PnlBenchResult> {
  const facts = options.facts ?? 10_000_000;
  const per = options.factsPerIncident ?? 5;
  const runs = options.runs ?? 40;
  const dir = options.dataDir ?? scratchDir('pnl');
  const wh = await ChdbWarehouse.open({ dataDir: dir, database: `pnl_bench_${randomBytes(4).toString('hex')}` });
  try {
    await migrate(wh);
    const t0 = performance.now();
    await loadBenchFacts(wh, facts, per);
    const loadSeconds = (performance.now() - t0) / 1000;
    const [counts] = await wh.query<{ f: string; m: string }>(
      'SELECT (SELECT count() FROM incident_cost_facts) AS f, (SELECT count() FROM incident_cost_monthly) AS m',
    );
    const queries = [
      await time(wh, 'by month x vendor (cube)', { by: ['month', 'vendor_id'] }, runs),
      await time(wh, 'by month x vendor, one quarter (cube)', { by: ['month', 'vendor_id'], from: '2025-04-01', to: '2025-06-30' }, runs),
      await time(wh, 'by vendor, all time (cube)', { by: ['vendor_id'] }, runs),
      await time(wh, 'total (cube)', {}, runs),
      await time(wh, 'by vendor, one quarter (incident-months)', { by: ['vendor_id'], from: '2025-04-01', to: '2025-06-30' }, Math.min(runs, 10)),
      await time(wh, 'baseline: by month x vendor over per-event facts', { by: ['month', 'vendor_id'], from: '2024-12-31' }, Math.min(runs, 10)),
    ];
    return { facts: Number(counts?.f ?? 0), incidents: Math.ceil(facts / per), monthlyRows: Number(counts?.m ?? 0), loadSeconds, queries };
  } finally {
    await wh.exec(`DROP DATABASE IF EXISTS ${wh.database}`);
    await wh.close();
    if (!options.dataDir) releaseScratch(dir);
  }
}

/** The figures as rows of the main bench table (`npm run bench`). */
export async function phasePnl(): Promise<PhaseResult[]> {
  const r = await runPnlBench({ facts: Number(process.env['BENCH_PNL_FACTS'] ?? 10_000_000) });
  return r.queries.map((q) => ({
    phase: `pnl: ${q.name}`,
    events: r.facts,
    seconds: q.p50Ms / 1000,
    eventsPerSec: r.facts / (q.p50Ms / 1000),
    p50Ms: q.p50Ms,
    p99Ms: q.p99Ms,
    extra: { p95Ms: q.p95Ms, maxMs: q.maxMs, rows: q.rows, monthlyRows: r.monthlyRows, loadSeconds: r.loadSeconds, targetP95Ms: 100 },
  }));
}

function printTable(r: PnlBenchResult): void {
  console.log(`\nP&L over ${r.facts.toLocaleString('en-US')} money facts, ${r.incidents.toLocaleString('en-US')} incidents ` +
    `(${r.monthlyRows.toLocaleString('en-US')} incident-months), loaded in ${r.loadSeconds.toFixed(1)} s`);
  console.log('| query | rows | p50 ms | p95 ms | p99 ms |');
  console.log('|---|---:|---:|---:|---:|');
  for (const q of r.queries) console.log(`| ${q.name} | ${q.rows} | ${q.p50Ms.toFixed(1)} | ${q.p95Ms.toFixed(1)} | ${q.p99Ms.toFixed(1)} |`);
  const main = r.queries[0];
  if (main) console.log(`target: p95 <= 100 ms by month x vendor -> ${main.p95Ms <= 100 ? 'met' : 'NOT met'} (${main.p95Ms.toFixed(1)} ms)`);
}

if (process.argv[1] && import.meta.url === new URL(process.argv[1], 'file://').href) {
  runPnlBench({ facts: Number(process.argv[2] ?? 10_000_000) }).then(printTable, (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
