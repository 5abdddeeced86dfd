import type { AlertSeverity } from '../../contracts/enums.js';
import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { DAY_MIN } from '../definitions/duration.js';
import { evaluate, sloWindow, type Evaluation, type WindowSource } from '../core/evaluate.js';
import type { SloDefinition } from '../definitions/model.js';
import { UnitSeries } from '../core/series.js';
import { readCounts } from '../store/series-reader.js';
import type { ActiveAlert } from '../core/timeline.js';
import { StatusCells } from './cells.js';
import { firingRulesAt } from './firing.js';
import { budgetHistoryStart, withBudgetAlerts, type BudgetStatus } from './budget-status.js';

/**
 * Stateless evaluation of every SLO at any time T, from the warehouse: what `slo status`
 * prints and the query API serves. Alerts come from replaying the alert machines from a
 * quiet point before T, so they match what the running evaluator emitted.
 */
export interface StatusOptions {
  /**
   * How far back before T an alert episode may have started and still be replayed
   * exactly. @default 7 days (in minutes)
   */
  alertLookbackMinutes?: number;
}

export interface SloStatusDetail extends Evaluation {
  service: string;
  alerts: ActiveAlert[];
  /** Only for SLOs with `ops.alert.budget` (replay/budget-status.ts). */
  budget?: BudgetStatus;
}

/**
 * The `slo status --json` object: the docs/interfaces.md keys (`alerts` holds every rule firing
 * at T, see firing.ts), the evaluation instant, and the time to exhaustion: seconds until
 * the remaining budget is spent if the burn of the last hour goes on (a burn rate of 1
 * spends the whole budget in one SLO period), 0 when the budget is spent, null when the
 * last hour spends none of it.
 */
export interface ContractStatus {
  slo_id: string;
  sli: number | null;
  target: number;
  error_budget_remaining: number;
  burn_rates: Record<string, number>;
  alerts: Array<{ severity: AlertSeverity; status: 'FIRING'; long_window: string; short_window: string }>;
  time_to_exhaustion_seconds: number | null;
  /** T, ISO 8601 UTC. */
  evaluated_at: string;
  /** Only for SLOs with `ops.alert.budget`: the budget alerts firing at T and the forecast instant (replay/budget-status.ts). */
  budget_alerts?: Array<{ severity: AlertSeverity; status: 'FIRING'; remaining_below: number; firing_since: string }>;
  budget_exhausted_at?: string | null;
}

const DEFAULT_LOOKBACK = 7 * DAY_MIN;

function longestAlertWindow(slo: SloDefinition): number {
  return Math.max(60, ...slo.alerting.rules.map((r) => r.longMinutes));
}

/** Minutes of SLI history one evaluation at T needs: [from, to = T's minute), alerts replayed from `alertEarliest` at the earliest. */
export interface History {
  from: number;
  to: number;
  alertEarliest: number;
}

export function historyNeeded(slo: SloDefinition, atMs: number, lookback = DEFAULT_LOOKBACK): History {
  const w = sloWindow(slo, atMs);
  const alertEarliest = w.toMinute - lookback;
  return { from: Math.min(w.fromMinute, alertEarliest - longestAlertWindow(slo), budgetHistoryStart(slo, alertEarliest)), to: w.toMinute, alertEarliest };
}

function detail(slo: SloDefinition, series: WindowSource, atMs: number, h: History): SloStatusDetail {
  return withBudgetAlerts(slo, series, h, { ...evaluate(slo, series, atMs), service: slo.service, alerts: alertsOf(slo, series, h) });
}

/**
 * Rules firing at T. Without a bad unit in any window the replay looks at, no rule with a
 * positive threshold can hold at any minute of it, so every alert is inactive: the replay
 * is skipped.
 */
function alertsOf(slo: SloDefinition, series: WindowSource, h: History): ActiveAlert[] {
  const rules = slo.alerting.rules;
  if (rules.every((r) => r.threshold > 0)) {
    const seen = series.sum(h.alertEarliest - longestAlertWindow(slo), h.to);
    if (seen.total - seen.good <= 0) return [];
  }
  return firingRulesAt(slo, series, h.to, h.alertEarliest);
}

/** One SLO with its own reads (`readCounts`, one query per SLO): the reference `evaluateSlos` equals. */
export async function evaluateSlo(wh: Warehouse, slo: SloDefinition, atMs: number, options: StatusOptions = {}): Promise<SloStatusDetail> {
  const h = historyNeeded(slo, atMs, options.alertLookbackMinutes);
  return detail(slo, new UnitSeries(await readCounts(wh, slo, h.from, h.to), slo.budgeting), atMs, h);
}

/**
 * Every SLO at T, results in definition order. The history of all of them is read at once
 * (one query per source and resolution, replay/cells.ts); then the minutes of each indicator are built,
 * its SLOs evaluated and the minutes dropped, so memory holds the cells and one indicator's
 * minutes.
 */
export async function evaluateSlos(wh: Warehouse, slos: readonly SloDefinition[], atMs: number, options: StatusOptions = {}): Promise<SloStatusDetail[]> {
  if (slos.length === 0) return [];
  const needs = slos.map((slo) => historyNeeded(slo, atMs, options.alertLookbackMinutes));
  const from = Math.min(...needs.map((h) => h.from));
  const to = Math.max(...needs.map((h) => h.to));
  // Budget windows longer than the alert replay read whole hours and days before it (read-plan.ts).
  const fine = slos.map((slo, i) => ({ from: (needs[i] as History).from, fine: (needs[i] as History).alertEarliest - longestAlertWindow(slo) }));
  const cells = await StatusCells.read(wh, slos, from, to, fine);
  const out = new Array<SloStatusDetail>(slos.length);
  cells.forEachSeries(
    needs.map((h, i) => ({ i, from: h.from })),
    (i, series) => (out[i] = detail(slos[i] as SloDefinition, series, atMs, needs[i] as History)),
  );
  return out;
}

export function toContractStatus(d: SloStatusDetail): ContractStatus {
  return {
    slo_id: d.slo_id,
    sli: d.sli,
    target: d.target,
    error_budget_remaining: d.error_budget_remaining,
    burn_rates: d.burn_rates,
    alerts: d.alerts.map((a) => ({ severity: a.severity, status: a.status, long_window: a.long_window, short_window: a.short_window })),
    time_to_exhaustion_seconds: d.time_to_exhaustion_ms === null ? null : Math.round(d.time_to_exhaustion_ms / 1000),
    evaluated_at: new Date(d.at).toISOString(),
    ...(d.budget ? { budget_alerts: d.budget.alerts, budget_exhausted_at: d.budget.exhausted_at } : {}),
  };
}
