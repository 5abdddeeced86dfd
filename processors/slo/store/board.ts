import type { Warehouse } from '../../../sinks/warehouse/types.js';

/** One row of `slo_board_minute` (dwh/sql/030_slo_board.sql): an SLO evaluated at a minute. */
export type BoardRow = {
  slo_id: string;
  /** Evaluation time T, epoch seconds. */
  minute: number;
  service: string;
  target: number;
  time_window: string;
  good: number;
  total: number;
  sli: number | null;
  error_budget_remaining: number;
  burn_rates: Record<string, number>;
  time_to_exhaustion_seconds: number | null;
  firing_page: 0 | 1;
  firing_ticket: 0 | 1;
  version: number;
};

/** Rows per insert: a week of minutes of one SLO is about 10,000 rows. */
const INSERT_CHUNK = 20_000;

/** Idempotent: the table is a ReplacingMergeTree by version, so re-written minutes replace the old rows. */
export async function writeBoardRows(wh: Warehouse, rows: readonly BoardRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await wh.insert('slo_board_minute', rows.slice(i, i + INSERT_CHUNK));
}

/** What changed in the SLI sources since `sinceMs` (by `_ingested_at`). */
export interface SliChanges {
  /** SLI events ingested since then. */
  count: number;
  /** The earliest event time among them, epoch ms. */
  firstEventMs: number;
  /** The newest `_ingested_at` among them, epoch ms. */
  newestIngestedMs: number;
  /** The newest event time the journey and LEM facts hold, epoch ms. */
  newestEventMs: number;
}

export async function sliChangesSince(wh: Warehouse, sinceMs: number): Promise<SliChanges> {
  const [changed] = await wh.query<{ first_ms: string; marker_ms: string; watermark_ms: string; n: string }>(
    `SELECT toUnixTimestamp64Milli(min(occurred_at)) AS first_ms, toUnixTimestamp64Milli(max(_ingested_at)) AS marker_ms, count() AS n,
            (SELECT toUnixTimestamp64Milli(greatest(max(j.occurred_at), (SELECT max(occurred_at) FROM lem_signals))) FROM journey_events AS j) AS watermark_ms
     FROM (SELECT occurred_at, _ingested_at FROM journey_events WHERE _ingested_at > fromUnixTimestamp64Milli({since:Int64})
           UNION ALL SELECT occurred_at, _ingested_at FROM lem_signals WHERE _ingested_at > fromUnixTimestamp64Milli({since:Int64}))`,
    { since: sinceMs },
  );
  return {
    count: Number(changed?.n ?? 0),
    firstEventMs: Number(changed?.first_ms),
    newestIngestedMs: Number(changed?.marker_ms),
    newestEventMs: Number(changed?.watermark_ms),
  };
}
