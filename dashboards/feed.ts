import type { AlertRule, SloDefinition } from '../processors/slo/model.js';
import type { AlertStates } from '../processors/slo/timeline.js';
import { MINUTE_MS } from '../processors/slo/duration.js';
import { evaluate, sloWindow } from '../processors/slo/evaluate.js';
import { UnitSeries } from '../processors/slo/series.js';
import { quietAnchor, runAlerts } from '../processors/slo/timeline.js';
import { readCounts } from '../processors/slo/store/series-reader.js';
import type { Warehouse } from '../sinks/warehouse/types.js';

/**
 * Evaluations of one SLO at every minute of a range, with the SLO engine's own functions
 * (counts from the SLI aggregates, UnitSeries for the budgeting method, `evaluate`, and
 * the alert machines replayed from a quiet point). The SLO boards read these rows
 * (`slo_board_minute`, dwh/sql/030_slo_board.sql); the API's history uses the same series.
 */
export interface SloMinuteEvaluation {
  slo_id: string;
  /** Evaluation time T, epoch ms on a minute boundary. */
  at: number;
  /** Units in the minute ending at T. */
  good: number;
  total: number;
  sli: number | null;
  error_budget_remaining: number;
  burn_rates: Record<string, number>;
  time_to_exhaustion_seconds: number | null;
  /** Rules firing after evaluating T, by severity. */
  firing: { PAGE?: AlertRule; TICKET?: AlertRule };
}

/** How far before the range the alert replay may look for a quiet point. @default 1 day */
const QUIET_SEARCH_MINUTES = 24 * 60;

function lookbackStart(slo: SloDefinition, fromMinute: number): number {
  const windowStart = sloWindow(slo, fromMinute * MINUTE_MS).fromMinute;
  const longestRule = Math.max(0, ...slo.alerting.rules.map((r) => r.longMinutes));
  return Math.min(windowStart, fromMinute - longestRule - QUIET_SEARCH_MINUTES);
}

/**
 * Evaluates `slo` at T = fromMs, fromMs + step, ... <= toMs (minute boundaries). Alert
 * states are stepped every minute, as the live evaluator does, whatever the step.
 */
export async function evaluateSloSeries(
  wh: Warehouse,
  slo: SloDefinition,
  fromMs: number,
  toMs: number,
  stepMinutes = 1,
): Promise<SloMinuteEvaluation[]> {
  const fromMinute = Math.ceil(fromMs / MINUTE_MS);
  const toMinute = Math.floor(toMs / MINUTE_MS);
  if (toMinute < fromMinute) return [];
  const earliest = lookbackStart(slo, fromMinute);
  const counts = await readCounts(wh, slo, earliest, toMinute);
  const src = new UnitSeries(counts, slo.budgeting);
  const anchor = quietAnchor(slo, src, fromMinute, earliest);
  let states: AlertStates = runAlerts(slo, src, anchor + 1, fromMinute - 1).states;
  const out: SloMinuteEvaluation[] = [];
  for (let t = fromMinute; t <= toMinute; t++) {
    states = runAlerts(slo, src, t, t, states).states;
    if ((t - fromMinute) % stepMinutes !== 0) continue;
    const ev = evaluate(slo, src, t * MINUTE_MS);
    const minute = src.sum(t - 1, t);
    const firing: SloMinuteEvaluation['firing'] = {};
    for (const sev of ['PAGE', 'TICKET'] as const) {
      const s = states[sev];
      if (s?.phase === 'firing') firing[sev] = s.rule;
    }
    out.push({
      slo_id: slo.id,
      at: t * MINUTE_MS,
      good: minute.good,
      total: minute.total,
      sli: ev.sli,
      error_budget_remaining: ev.error_budget_remaining,
      burn_rates: ev.burn_rates,
      time_to_exhaustion_seconds: ev.time_to_exhaustion_ms === null ? null : Math.round(ev.time_to_exhaustion_ms / 1000),
      firing,
    });
  }
  return out;
}

export interface BoardFeedReport {
  slos: number;
  rows: number;
}

/**
 * Writes the board rows of every SLO for the minutes in [fromMs, toMs]. Idempotent:
 * re-running a range replaces its rows (ReplacingMergeTree by version). `run` calls it
 * once for the history it starts with, then every minute for a trailing range (late
 * events change recent minutes).
 */
export async function refreshSloBoard(
  wh: Warehouse,
  slos: readonly SloDefinition[],
  fromMs: number,
  toMs: number,
  version = Date.now(),
): Promise<BoardFeedReport> {
  let rows = 0;
  for (const slo of slos) {
    const series = await evaluateSloSeries(wh, slo, fromMs, toMs);
    const batch = series.map((e) => ({
      slo_id: e.slo_id,
      minute: Math.floor(e.at / 1000),
      service: slo.service,
      target: slo.target,
      time_window: slo.window.text,
      good: e.good,
      total: e.total,
      sli: e.sli,
      error_budget_remaining: e.error_budget_remaining,
      burn_rates: e.burn_rates,
      time_to_exhaustion_seconds: e.time_to_exhaustion_seconds,
      firing_page: e.firing.PAGE ? 1 : 0,
      firing_ticket: e.firing.TICKET ? 1 : 0,
      version,
    }));
    for (let i = 0; i < batch.length; i += 20_000) await wh.insert('slo_board_minute', batch.slice(i, i + 20_000));
    rows += batch.length;
  }
  return { slos: slos.length, rows };
}

/** How long an insert may take to become visible after its rows got their `_ingested_at`. */
const SETTLE_MS = 5_000;

export interface SloBoardFeedOptions {
  /** The longest history (before the event-time watermark) one refresh re-evaluates. @default 7 days (minutes) */
  maxBackfillMinutes?: number;
}

/**
 * Keeps `slo_board_minute` current. Each tick finds the earliest event time among the SLI
 * events ingested since the last tick (late events included) and re-evaluates every
 * minute from there to the watermark: an event at time e changes the windows of every
 * evaluation after e, so that whole span is redone, and nothing else is.
 */
export class SloBoardFeed {
  private marker = 0;
  private readonly maxBackfill: number;

  constructor(
    private readonly wh: Warehouse,
    private readonly definitions: () => readonly SloDefinition[],
    options: SloBoardFeedOptions = {},
  ) {
    this.maxBackfill = options.maxBackfillMinutes ?? 7 * 24 * 60;
  }

  /**
   * One refresh. `now` is the wall clock: the marker never passes `now - SETTLE_MS`, so
   * rows of an insert still in flight around the read are read again by the next tick
   * (re-evaluating is idempotent; missing an event is not).
   */
  async tick(options: { version?: number; now?: number } = {}): Promise<BoardFeedReport | null> {
    const now = options.now ?? Date.now();
    const version = options.version ?? now;
    const [changed] = await this.wh.query<{ first_ms: string; marker_ms: string; watermark_ms: string; n: string }>(
      `SELECT toUnixTimestamp64Milli(min(occurred_at)) AS first_ms, toUnixTimestamp64Milli(max(_ingested_at)) AS marker_ms, count() AS n,
              (SELECT toUnixTimestamp64Milli(greatest(max(j.occurred_at), (SELECT max(occurred_at) FROM lem_signals))) FROM journey_events AS j) AS watermark_ms
       FROM (SELECT occurred_at, _ingested_at FROM journey_events WHERE _ingested_at > fromUnixTimestamp64Milli({since:Int64})
             UNION ALL SELECT occurred_at, _ingested_at FROM lem_signals WHERE _ingested_at > fromUnixTimestamp64Milli({since:Int64}))`,
      { since: this.marker },
    );
    if (!changed || Number(changed.n) === 0) return null;
    const watermark = Math.min(Number(changed.watermark_ms), now);
    const from = Math.max(Number(changed.first_ms), watermark - this.maxBackfill * MINUTE_MS);
    // An event in minute m is first inside a window that ends at m + 1 minute.
    const report = await refreshSloBoard(this.wh, this.definitions(), (Math.floor(from / MINUTE_MS) + 1) * MINUTE_MS, watermark, version);
    this.marker = Math.min(Number(changed.marker_ms), now - SETTLE_MS);
    return report;
  }
}
