/**
 * Reads what a finished `slo-pipeline run` left in its embedded data folder, as JSON on
 * standard output. A process of its own because chdb binds one data folder per process: the
 * test process compares many folders (test/support/run-outcome.ts).
 *
 *   node --import tsx test/support/run-outcome-child.ts <data dir> [database]
 */
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { factCounts } from './facts.js';
import type { RunOutcome, StoredSignal } from './run-outcome.js';
import { snapshotTables } from './snapshot.js';

/**
 * What the SLO engine wrote: compared signal by signal (and the outbox by body), not as
 * fingerprints, because their rows carry when they were enqueued, delivered or how often tried.
 */
const SIGNAL_TABLES = new Set(['slo_signals', 'slo_signal_retractions', 'slo_webhook_outbox', 'slo_webhook_deliveries']);
/**
 * Delivery bookkeeping (which process committed which offset range when) and the boards' cache
 * (`slo_board_minute`, refreshed on a processing-time period by the evaluator's leader, so how
 * far it got depends on when the process stopped): not what the facts say.
 */
const DELIVERY_TABLES = new Set(['ingest_progress', 'slo_board_minute']);

async function main(dataDir: string, database: string): Promise<void> {
  const wh = await ChdbWarehouse.open({ dataDir, database, connections: 1 });
  try {
    const snapshot = await snapshotTables(wh);
    const facts = Object.fromEntries(Object.entries(snapshot).filter(([t]) => !SIGNAL_TABLES.has(t) && !DELIVERY_TABLES.has(t)));
    const signals = await wh.query<StoredSignal>(
      'SELECT * EXCEPT (inserted_at) FROM slo_signals_v ORDER BY evaluated_at, signal_id',
    );
    const outbox = await wh.query<{ target: string; signal_id: string; body: string }>(
      'SELECT target, signal_id, body FROM slo_webhook_outbox FINAL ORDER BY target, signal_id',
    );
    const deliveries = await wh.query<{ target: string; signal_id: string; outcome: string }>(
      'SELECT target, signal_id, outcome FROM slo_webhook_deliveries FINAL ORDER BY target, signal_id',
    );
    const retracted = snapshot['slo_signal_retractions']
      ? await wh.query<{ signal_id: string; slo_id: string; reason: string }>(
          'SELECT DISTINCT signal_id, slo_id, reason FROM slo_signal_retractions ORDER BY signal_id, reason',
        )
      : [];
    const out: RunOutcome = { facts, counts: (await factCounts(wh)).byTopic, signals, retracted, outbox, deliveries };
    process.stdout.write(JSON.stringify(out));
  } finally {
    await wh.close();
  }
}

const [dir, database] = process.argv.slice(2);
if (!dir) throw new Error('usage: run-outcome-child.ts <data dir> [database]');
await main(dir, database ?? 'slo');
