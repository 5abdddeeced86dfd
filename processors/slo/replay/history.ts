import type { AlertRule, SloDefinition } from '../definitions/model.js';
import type { AlertStates } from '../core/timeline.js';
import { MINUTE_MS } from '../definitions/duration.js';
import { evaluate, sloWindow, type WindowSource } from '../core/evaluate.js';
import { UnitSeries } from '../core/series.js';
import { quietAnchor, runAlerts } from '../core/timeline.js';
import { readCounts } from '../store/series-reader.js';
import type { Warehouse } from '../../../sinks/warehouse/types.js';

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
export const QUIET_SEARCH_MINUTES = 24 * 60;

/** The first minute a series of `slo` from `fromMinute` reads: its window's start or the alert replay's. */
export function lookbackStart(slo: SloDefinition, fromMinute: number): number {
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
  return evaluationsOf(slo, new UnitSeries(counts, slo.budgeting), earliest, fromMinute, toMinute, stepMinutes);
}

/**
 * The rows of {@link evaluateSloSeries} from a window source read from `earliest` on (an SLO's
 * units, or a composite's): the alert machines replayed from a quiet point, stepped every
 * minute, and `slo` evaluated every `stepMinutes` of [fromMinute, toMinute].
 */
export function evaluationsOf(
  slo: SloDefinition,
  src: WindowSource,
  earliest: number,
  fromMinute: number,
  toMinute: number,
  stepMinutes: number,
): SloMinuteEvaluation[] {
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