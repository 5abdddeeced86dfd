import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_BATCH } from '../processors/ingest/options.js';
import { createRunScratch, removeRunScratch } from './scratch.js';
import type { PhaseResult } from './spine-phases.js';

const BENCH_BATCH = Number(process.env['BENCH_BATCH'] ?? DEFAULT_MAX_BATCH);

/**
 * `npm run bench`: each phase runs in its own child process so its peak RSS is its own,
 * and every pipeline figure is printed beside a baseline measured in the same run (bare
 * chdb insert of the same rows in the same batches) so ratios hold on a noisy machine.
 * Figures, not timed tests.
 *
 * Environment: BENCH_JOURNEYS_PER_DAY (traffic size, default 40000), BENCH_BATCH (records per
 * batch, default the pipeline's, 50000), BENCH_ROUNDS (decode/bare/e2e repeated interleaved, medians printed,
 * default 1), BENCH_PACED_SHARE (default 0.1), BENCH_FETCH_MIN / BENCH_FETCH_WAIT_MS (memory
 * transport batching in the pipeline phases, default 1 / 500), BENCH_DATA_DIR (folder for the embedded
 * warehouses, default the OS temporary folder; they are all removed when the run ends), BENCH_FILE_DAYS
 * (simulated days per file of the file-ingest phase, default 1,22: ~50 MB and ~1 GB; each file is ingested by
 * `slo-pipeline ingest` in its own process, as users run it). Arguments name the phases to run (default: all).
 */
interface PhaseArgs {
  /** events/s for the paced phase */
  rate?: number;
}
type PhaseFn = (size: number, args: PhaseArgs) => Promise<PhaseResult | PhaseResult[]>;

const PHASES: Record<string, () => Promise<PhaseFn>> = {
  decode: async () => (await import('./spine-phases.js')).phaseDecode,
  bare: async () => (await import('./spine-phases.js')).phaseBareInsert,
  e2e: async () => (await import('./spine-phases.js')).phaseEndToEnd,
  views: async () => (await import('./spine-phases.js')).phaseViewCost,
  paced: async () => {
    const { phasePaced } = await import('./spine-phases.js');
    return (size, args) => phasePaced(size, args.rate ?? 20_000);
  },
  api: async () => (await import('./api-bench.js')).phaseApi,
  slo: async () => (await import('./slo-bench.js')).phaseSlo,
  status: async () => (await import('./status-bench.js')).phaseStatus,
  pnl: async () => (await import('./pnl-bench.js')).phasePnl,
  'sli-scale': async () => {
    const { phaseSliScale } = await import('./sli-scale-bench.js');
    return () => phaseSliScale();
  },
};
/**
 * Kafka sections: scripts that start (or use, via KAFKA_BROKERS) a real broker and print
 * their own tables, each baseline beside its pipeline figure (`kafka`: bare consume and bare
 * insert vs exactly-once ingest with 1 and 2 workers, freshness, backlog RSS; `kafka-clients`:
 * the clients bare and through the transport port; `kafka-connect`: the ClickHouse Kafka Connect
 * sink beside our bare consume, bare insert and ingest, run only when named: it builds Connect
 * and the sink with Maven first).
 */
const KAFKA_SCRIPTS: Record<string, string> = { kafka: 'kafka-pipeline.js', 'kafka-clients': 'kafka-clients.js', 'kafka-connect': 'kafka-connect.js' };
const KAFKA_ON_REQUEST = new Set(['kafka-connect']);
/** Not a child phase: the orchestrator runs the CLI itself, once per file. */
const FILE_INGEST = 'file-ingest';
/** Phases repeated per round (their ratios are taken within a round). */
const SPINE = ['decode', 'bare', 'e2e'];
/**
 * The paced phase offers this share of the measured end-to-end throughput (BENCH_PACED_SHARE).
 * Small: a backlog fills 20k-record batches, a steady trickle makes many small inserts, and
 * each insert has a fixed cost in the engine (parts, views) that a backlog amortizes.
 */
const PACED_LOAD = Number(process.env['BENCH_PACED_SHARE'] ?? 0.1);


interface Row extends PhaseResult {
  peakRssMb: number;
}

function runChild(phase: string, size: number, args: PhaseArgs = {}): Promise<Row[]> {
  const self = fileURLToPath(import.meta.url);
  const extra = args.rate === undefined ? [] : ['--rate', String(Math.round(args.rate))];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', self, '--phase', phase, '--size', String(size), ...extra], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`phase ${phase} failed (exit ${code})`));
      const parsed = JSON.parse(line) as { results: PhaseResult[]; peakRssMb: number };
      resolve(parsed.results.map((r) => ({ ...r, peakRssMb: parsed.peakRssMb })));
    });
  });
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1];
}

async function run(name: string, size: number, args?: PhaseArgs): Promise<Row[]> {
  process.stderr.write(`bench: ${name} ...\n`);
  try {
    return await runChild(name, size, args);
  } catch (e) {
    process.stderr.write(`bench: ${name}: ${(e as Error).message}\n`);
    return [];
  }
}

/** The file-ingest phase: a simulated file per BENCH_FILE_DAYS entry, each ingested by the CLI in its own process. */
async function runFileIngest(): Promise<Row[]> {
  const { FILE_DAYS, simulatedFile, cliFileIngest } = await import('./file-ingest-bench.js');
  const rows: Row[] = [];
  for (const days of FILE_DAYS) {
    process.stderr.write(`bench: file-ingest: simulating ${days} day(s) ...\n`);
    const file = await simulatedFile(days);
    process.stderr.write(`bench: file-ingest: slo-pipeline ingest (${days} day(s)) ...\n`);
    try {
      rows.push(await cliFileIngest(file));
    } catch (e) {
      process.stderr.write(`bench: file-ingest: ${(e as Error).message}\n`);
    }
  }
  return rows;
}

async function orchestrate(): Promise<void> {
  // Every phase's warehouse stays until the end of the run (scratch.ts says why).
  const scratch = createRunScratch();
  try {
    await orchestratePhases();
  } finally {
    removeRunScratch(scratch);
  }
}

async function orchestratePhases(): Promise<void> {
  const size = Number(process.env['BENCH_JOURNEYS_PER_DAY'] ?? 40_000);
  const rounds = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 1));
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = (only.length > 0 ? only : [...Object.keys(PHASES), FILE_INGEST]).filter((n) => !(n in KAFKA_SCRIPTS));
  const kafkaScripts = only.length > 0 ? only.filter((n) => n in KAFKA_SCRIPTS) : process.env['BENCH_KAFKA'] === '0' ? [] : Object.keys(KAFKA_SCRIPTS).filter((n) => !KAFKA_ON_REQUEST.has(n));
  const spine = SPINE.filter((n) => names.includes(n));

  // Spine phases interleaved per round, so each ratio compares runs minutes apart at most.
  const perRound: Array<Record<string, Row[]>> = [];
  for (let r = 0; r < rounds; r++) {
    const got: Record<string, Row[]> = {};
    for (const name of spine) got[name] = await run(name, size);
    perRound.push(got);
  }
  /** The i-th row of a phase with the median events/s over the rounds. */
  const pick = (name: string, i = 0): Row | undefined => {
    const rs = perRound.flatMap((r) => r[name]?.[i] ?? []);
    const m = median(rs.map((r) => r.eventsPerSec));
    const row = rs.find((r) => r.eventsPerSec === m);
    return row && rounds > 1 ? { ...row, phase: `${row.phase} [median of ${rs.length}]` } : row;
  };
  /** The baseline is the fastest way the bare insert ran (the strictest ratio). */
  const fastest = (rs: readonly Row[] | undefined): Row | undefined =>
    (rs ?? []).reduce<Row | undefined>((a, r) => (a && a.eventsPerSec >= r.eventsPerSec ? a : r), undefined);
  const dec = pick('decode');
  const e2e = pick('e2e');
  const rows: Row[] = [];
  for (const name of spine) {
    const n = Math.max(0, ...perRound.map((r) => r[name]?.length ?? 0));
    for (let i = 0; i < n; i++) {
      const r = pick(name, i);
      if (r) rows.push(r);
    }
  }
  const fileRows: Row[] = [];
  for (const name of names.filter((n) => !SPINE.includes(n))) {
    if (name === FILE_INGEST) {
      fileRows.push(...(await runFileIngest()));
      continue;
    }
    const args = name === 'paced' && e2e ? { rate: e2e.eventsPerSec * PACED_LOAD } : {};
    rows.push(...(await run(name, size, args)));
  }
  rows.push(...fileRows);

  console.log('\n| phase | events | batches | events/s | events/CPU-s | p50 ms | p99 ms | latency of | peak RSS MB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|---:|');
  for (const r of rows) {
    const perCpu = r.cpuSeconds ? r.events / r.cpuSeconds : undefined;
    console.log(
      `| ${r.phase} | ${fmt(r.events)} | ${fmt(r.batches)} | ${fmt(r.eventsPerSec)} | ${fmt(perCpu)} | ` +
        `${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${r.latencyOf ?? '-'} | ${fmt(r.peakRssMb)} |`,
    );
  }

  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  /** Bare inserts with the views in place, or into the fact tables alone. */
  const bareOf = (r: Record<string, Row[]>, views: boolean): Row[] => (r['bare'] ?? []).filter((b) => (b.extra?.['views'] !== 0) === views);
  const ratiosTo = (views: boolean): number[] =>
    perRound.flatMap((r) => {
      const [e, b] = [r['e2e']?.[0], fastest(bareOf(r, views))];
      return e && b ? [e.eventsPerSec / b.eventsPerSec] : [];
    });
  const ratios = ratiosTo(true);
  const ratio = median(ratios);
  const bare = fastest(perRound.map((r) => fastest(bareOf(r, true))).flatMap((r) => r ?? []));
  const factRatios = ratiosTo(false);
  const factRatio = median(factRatios);
  const bareFacts = fastest(perRound.map((r) => fastest(bareOf(r, false))).flatMap((r) => r ?? []));
  console.log(`\ntargets (batch ${fmt(BENCH_BATCH)} records, ${fmt(size)} journeys/day):`);
  if (dec) {
    console.log(`  (a) decode+validate+normalize: ${fmt(dec.eventsPerSec)} events/s (target >= 300,000: ${verdict(dec.eventsPerSec >= 300_000)})`);
  }
  if (e2e) {
    console.log(`  (b) embedded end-to-end: ${fmt(e2e.eventsPerSec)} events/s (target >= 150,000: ${verdict(e2e.eventsPerSec >= 150_000)})`);
  }
  if (ratio !== undefined && bare) {
    const each = ratios.length > 1 ? ` (per round: ${ratios.map((x) => fmt(x, 2)).join(', ')})` : '';
    console.log(
      `      end-to-end / fastest bare chdb insert (${fmt(bare.eventsPerSec)} events/s): ${fmt(ratio, 2)}${each} (target >= 0.6: ${verdict(ratio >= 0.6)})`,
    );
  }
  if (factRatio !== undefined && bareFacts) {
    const each = factRatios.length > 1 ? ` (per round: ${factRatios.map((x) => fmt(x, 2)).join(', ')})` : '';
    console.log(
      `      end-to-end / bare insert into the fact tables alone, no views (${fmt(bareFacts.eventsPerSec)} events/s): ${fmt(factRatio, 2)}${each} (target >= 0.8: ${verdict(factRatio >= 0.8)})`,
    );
  }
  if (fileRows.length > 0) {
    const rss = fileRows.map((r) => r.peakRssMb);
    const flat = Math.max(...rss) <= 1.2 * Math.min(...rss);
    const sizes = fileRows.map((r) => `${fmt(Number(r.extra?.['fileMb']))} MB file: ${fmt(r.peakRssMb)} MB`).join(', ');
    console.log(`  (f) file ingest peak RSS: ${sizes} (flat within 20%: ${verdict(flat)}; <= 512 MB: ${verdict(Math.max(...rss) <= 512)})`);
    const rates = fileRows.map((r) => `${fmt(r.eventsPerSec)} records/s`).join(', ');
    console.log(`      file ingest throughput: ${rates}${e2e ? ` (embedded end-to-end from the transport: ${fmt(e2e.eventsPerSec)} events/s)` : ''}`);
  }
  const sli = rows.filter((r) => r.extra?.['sliBytesPerEvent'] !== undefined);
  if (sli.length > 0) {
    const each = sli.map((r) => `${fmt(r.events / 1e6)}M events: ${fmt(Number(r.extra?.['sliBytesPerEvent']), 2)} SLI bytes/event (facts ${fmt(Number(r.extra?.['factBytesPerEvent']), 1)}), 30-day evaluation of 100 SLOs ${fmt(Number(r.extra?.['eval100SlosMs']))} ms`);
    console.log(`  (g) SLI rollups: ${each.join('; ')}`);
    const [small, large] = [sli[0], sli[sli.length - 1]];
    if (small && large && large.events > small.events) {
      const growth = Number(large.extra?.['eval100SlosMs']) / Math.max(1, Number(small.extra?.['eval100SlosMs']));
      console.log(`      evaluation at ${fmt(large.events / small.events)}x the events: ${fmt(growth, 2)}x the time (target: far from ${fmt(large.events / small.events)}x, <= 3x: ${verdict(growth <= 3)})`);
    }
  }
  const viewRows = rows.filter((r) => r.extra?.['addedUsPerEvent'] !== undefined);
  if (viewRows.length > 0) {
    const each = viewRows.map((r) => `${r.phase.replace('view cost: bare insert, ', '')}: ${fmt(Number(r.extra?.['addedUsPerEvent']), 2)}`).join('; ');
    console.log(`  (v) what the views add to the insert, µs per event over the fact tables alone: ${each}`);
  }
  for (const name of kafkaScripts) {
    const script = fileURLToPath(new URL(`./${KAFKA_SCRIPTS[name] ?? ''}`, import.meta.url));
    console.log(`\n${name}:`);
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [script], { stdio: 'inherit' });
      child.on('close', resolve);
      child.on('error', () => resolve(1));
    });
    if (code !== 0) console.log(`  ${name} bench failed (exit ${code}); a broker needs Java 17 + Maven, or KAFKA_BROKERS`);
  }
}

async function child(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const phase = arg('--phase') ?? '';
  const size = Number(arg('--size') ?? 40_000);
  const rate = arg('--rate');
  const load = PHASES[phase];
  if (!load) throw new Error(`unknown phase ${phase}`);
  const res = await (await load())(size, rate === undefined ? {} : { rate: Number(rate) });
  const results = Array.isArray(res) ? res : [res];
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ results, peakRssMb })}\n`);
}

const isChild = process.argv.includes('--phase');
(isChild ? child() : orchestrate()).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
