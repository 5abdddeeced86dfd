import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingestFilesWithStats } from '../cli/commands/ingest.js';
import { ChdbWarehouse } from '../sinks/chdb/index.js';
import { migrate } from '../sinks/warehouse/index.js';
import { releaseScratch, scratchDir } from './scratch.js';
import type { PhaseResult } from './spine-phases.js';

/**
 * Simulated days per file of the file-ingest phase (BENCH_FILE_DAYS, comma-separated): about
 * 45 MB of JSON Lines per day at the simulator's default traffic, so 1 and 22 days are the
 * ~50 MB and ~1 GB files whose peak RSS must be the same.
 */
export const FILE_DAYS = (process.env['BENCH_FILE_DAYS'] ?? '1,22')
  .split(',')
  .map((d) => Number(d.trim()))
  .filter((d) => Number.isInteger(d) && d > 0);

/** BENCH_FILE_IN_FLIGHT: the ingest's in-flight bound (default: the command's). */
const IN_FLIGHT = process.env['BENCH_FILE_IN_FLIGHT'] ? Number(process.env['BENCH_FILE_IN_FLIGHT']) : undefined;

/** Writes a simulated JSON Lines file with the CLI itself (a child process: its memory is not the phase's). */
export async function simulatedFile(days: number): Promise<string> {
  const file = join(scratchDir(`file-${days}d`), 'sim.jsonl');
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'simulate', '--out', file, '--days', String(days)], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`simulate --days ${days} failed (exit ${code})`))));
  });
  return file;
}

/**
 * `slo-pipeline ingest FILE` as the command runs it (same function, same defaults), timed from
 * the first byte read to the last batch committed; the warehouse is opened and migrated before.
 * Its process's peak RSS is the figure: it has to stay flat whatever the file's size.
 */
export async function phaseFileIngest(file: string): Promise<PhaseResult> {
  const bytes = statSync(file).size;
  const dataDir = scratchDir('file-ingest');
  const wh = await ChdbWarehouse.open({ dataDir, database: 'bench' });
  await migrate(wh);
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const { summary, stats } = await ingestFilesWithStats([file], wh, {
    hmacKey: 'bench-key-0123456789',
    ...(IN_FLIGHT !== undefined ? { maxInFlight: IN_FLIGHT } : {}),
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  await wh.close();
  releaseScratch(dataDir);
  const mb = bytes / 1024 / 1024;
  return {
    phase: `file ingest (JSON Lines, ${mb.toLocaleString('en-US', { maximumFractionDigits: 0 })} MB file)`,
    events: summary.read,
    seconds,
    eventsPerSec: summary.read / seconds,
    cpuSeconds: (c.user + c.system) / 1e6,
    batches: stats.batches,
    extra: { fileMb: Math.round(mb), maxInFlight: stats.maxInFlight, retainedHighWater: stats.retainedHighWater, deadLettered: summary.dead_lettered },
  };
}
