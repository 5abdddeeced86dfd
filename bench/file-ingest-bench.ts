import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../cli/node-flags.js';
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

/** What the kernel says of a running process: its peak RSS so far and its CPU time. */
interface ProcSample {
  hwmMb: number;
  cpuSeconds: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function sampleProc(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
    // Fields 14 and 15 of /proc/PID/stat (after the parenthesised command name): utime, stime.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return hwm ? { hwmMb: Number(hwm[1]) / 1024, cpuSeconds: ticks / TICKS_PER_SECOND } : undefined;
  } catch {
    return undefined; // gone, or not Linux
  }
}

/**
 * `slo-pipeline ingest FILE --json` run as a user runs it: the CLI in its own process, with the
 * Node flags of its bin (NODE_FLAGS), on a new embedded warehouse (opened and migrated by the
 * command, inside the timed span). Its peak RSS is the kernel's high-water mark of that
 * process (VmHWM, read until it exits), the figure that has to stay flat whatever the file's
 * size.
 */
export async function cliFileIngest(file: string): Promise<PhaseResult & { peakRssMb: number }> {
  const bytes = statSync(file).size;
  const dataDir = scratchDir('file-ingest');
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [...NODE_FLAGS, cli, 'ingest', file, '--data', dataDir, '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SLO_PII_HMAC_KEY: 'bench-pii-key-0123456789abcdef0123456789abcdef' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let last: ProcSample | undefined;
  const poll = setInterval(() => {
    if (child.pid !== undefined) last = sampleProc(child.pid) ?? last;
  }, 100);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  clearInterval(poll);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  releaseScratch(dataDir);
  if (code !== 0) throw new Error(`slo-pipeline ingest ${file} exited ${code}`);
  if (!last) throw new Error('the ingest process could not be sampled (/proc is needed for its peak RSS)');
  const summary = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { read: number; dead_lettered: number };
  const mb = bytes / 1024 / 1024;
  return {
    phase: `file ingest (slo-pipeline ingest, ${mb.toLocaleString('en-US', { maximumFractionDigits: 0 })} MB JSON Lines file)`,
    events: summary.read,
    seconds,
    eventsPerSec: summary.read / seconds,
    cpuSeconds: last.cpuSeconds,
    peakRssMb: Math.round(last.hwmMb),
    extra: { fileMb: Math.round(mb), deadLettered: summary.dead_lettered },
  };
}
