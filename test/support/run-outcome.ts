import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./run-outcome-child.ts', import.meta.url));

/** One row of `slo_signals_v` without `inserted_at` (when it was stored, not what it says). */
export type StoredSignal = Record<string, unknown> & { signal_id: string; status: string; severity: string; slo_id: string; evaluated_at: string };

/** What a finished `slo-pipeline run` left in its embedded data folder. */
export interface RunOutcome {
  /** Fingerprints of every fact, rollup and derived table (snapshotTables), signal tables aside. */
  facts: Record<string, { rows: number; hash: string }>;
  /** Distinct events per input topic (the `*_v` readers). */
  counts: Record<string, number>;
  /** Breach signals in evaluation order. */
  signals: StoredSignal[];
  /** Signals a re-evaluation took back (none when the evaluator only ever saw complete data). */
  retracted: Array<{ signal_id: string; slo_id: string; reason: string }>;
  /** The webhook outbox: what was enqueued for which endpoint, with the body it is sent with. */
  outbox: Array<{ target: string; signal_id: string; body: string }>;
  /** One outcome per enqueued signal (DELIVERED, REJECTED, EXPIRED). */
  deliveries: Array<{ target: string; signal_id: string; outcome: string }>;
}

/**
 * Reads a data folder no process holds any more, in a child process: chdb binds one data
 * folder per process, and a test compares many.
 */
export function readRunOutcome(dataDir: string, database = 'slo'): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CHILD, dataDir, database],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 180_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`reading ${dataDir} failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as RunOutcome);
      },
    );
  });
}
