import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Set by `npm run bench` for its phases: the one folder all their warehouses go in. */
export const SCRATCH_ENV = 'BENCH_SCRATCH';

/**
 * Where the bench's embedded warehouses live: BENCH_DATA_DIR, default the OS temporary folder
 * (on disk here).
 */
export const BENCH_DATA_ROOT = process.env['BENCH_DATA_DIR'] ?? tmpdir();

/**
 * A new folder for one phase's warehouse. Under `npm run bench` it is kept until the whole run
 * ends ({@link releaseScratch} leaves it): on ext4, allocating files right after many were
 * deleted costs kernel time per new file (the allocator skips recently freed inodes), and the
 * engine creates a few hundred files per second of ingest, so a phase started right after the
 * previous one's folder was removed measured the filesystem, not the pipeline (README,
 * Benchmarks). A running pipeline deletes only what its merges replaced, minutes later.
 */
export function scratchDir(name: string): string {
  const root = process.env[SCRATCH_ENV] ?? BENCH_DATA_ROOT;
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, `slo-bench-${name}-`));
}

/** Removes a phase's folder now, unless the whole run removes them at its end. */
export function releaseScratch(dir: string): void {
  if (process.env[SCRATCH_ENV] === undefined) rmSync(dir, { recursive: true, force: true });
}

/** The run's folder (created now, set for the phases' processes); remove it with {@link removeRunScratch}. */
export function createRunScratch(): string {
  mkdirSync(BENCH_DATA_ROOT, { recursive: true });
  const dir = mkdtempSync(join(BENCH_DATA_ROOT, 'slo-bench-run-'));
  process.env[SCRATCH_ENV] = dir;
  return dir;
}

export function removeRunScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
