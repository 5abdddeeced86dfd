import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PhaseResult } from './spine-phases.js';

/**
 * `npm run bench`: each phase runs in its own child process so its peak RSS is its own,
 * and every pipeline figure is printed beside a baseline measured in the same run (bare
 * chdb insert, bare consume) so ratios hold on a noisy machine. Figures, not timed tests.
 */
type PhaseFn = (size: number) => Promise<PhaseResult | PhaseResult[]>;

const PHASES: Record<string, () => Promise<PhaseFn>> = {
  decode: async () => (await import('./spine-phases.js')).phaseDecode,
  e2e: async () => (await import('./spine-phases.js')).phaseEndToEnd,
  bare: async () => (await import('./spine-phases.js')).phaseBareInsert,
  api: async () => (await import('./api-bench.js')).phaseApi,
};

/** Optional phases contributed by other components (registered when their module exists). */
export const EXTRA_PHASES: Record<string, string> = {};

interface Row extends PhaseResult {
  peakRssMb: number;
}

function runChild(phase: string, size: number): Promise<Row[]> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', self, '--phase', phase, '--size', String(size)], {
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

async function orchestrate(): Promise<void> {
  const size = Number(process.env['BENCH_JOURNEYS_PER_DAY'] ?? 40_000);
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = only.length > 0 ? only : Object.keys(PHASES);
  const rows: Row[] = [];
  for (const name of names) {
    process.stderr.write(`bench: ${name} ...\n`);
    try {
      rows.push(...(await runChild(name, size)));
    } catch (e) {
      process.stderr.write(`bench: ${name}: ${(e as Error).message}\n`);
    }
  }
  const by = (p: string): Row | undefined => rows.find((r) => r.phase.startsWith(p));
  console.log('\n| phase | events | events/s | p50 ms | p99 ms | peak RSS MB |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.phase} | ${fmt(r.events)} | ${fmt(r.eventsPerSec)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${fmt(r.peakRssMb)} |`);
  }
  const e2e = by('embedded end-to-end');
  const bare = by('baseline: bare chdb insert');
  const dec = by('decode');
  console.log('\nratios and targets:');
  if (dec) console.log(`  decode+validate+normalize: ${fmt(dec.eventsPerSec)} events/s (target >= 300,000)`);
  if (e2e && bare) {
    console.log(`  embedded end-to-end: ${fmt(e2e.eventsPerSec)} events/s (target >= 150,000); ` +
      `ratio to bare insert ${fmt(e2e.eventsPerSec / bare.eventsPerSec, 2)} (target >= 0.6)`);
  }
}

async function child(): Promise<void> {
  const args = process.argv.slice(2);
  const phase = args[args.indexOf('--phase') + 1] ?? '';
  const size = Number(args[args.indexOf('--size') + 1] ?? 40_000);
  const load = PHASES[phase];
  if (!load) throw new Error(`unknown phase ${phase}`);
  const res = await (await load())(size);
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
