import type { AlertSeverity } from '../../contracts/enums.js';
import type { SloBreachSignal } from '../../contracts/events.js';
import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { budgetAlertsAt, budgetAlertTimeline, budgetSignal } from '../core/budget-alerts.js';
import { sloWindow, type Evaluation, type WindowSource } from '../core/evaluate.js';
import { UnitSeries } from '../core/series.js';
import { DAY_MIN, MINUTE_MS } from '../definitions/duration.js';
import type { SloDefinition } from '../definitions/model.js';
import { readCounts } from '../store/series-reader.js';

/**
 * The budget part of a status answer, for SLOs with `ops.alert.budget`
 * (core/budget-alerts.ts): the budget alerts firing at T, each with the instant it fired,
 * and the forecast: the instant the budget runs out if the burn of the last hour goes on
 * (T + time to exhaustion; T itself when it is spent, null when the last hour spends none).
 */
export interface BudgetStatus {
  alerts: Array<{ severity: AlertSeverity; status: 'FIRING'; remaining_below: number; firing_since: string }>;
  exhausted_at: string | null;
}

/**
 * The first minute of SLI history the budget alerts at T need: the SLO window of the
 * earliest minute an episode is searched back to. Infinity for SLOs without budget alerts.
 */
export function budgetHistoryStart(slo: SloDefinition, alertEarliest: number): number {
  if (!slo.budgetAlerts?.length) return Infinity;
  return sloWindow(slo, alertEarliest * MINUTE_MS).fromMinute;
}

export function budgetStatus(slo: SloDefinition, series: WindowSource, ev: Evaluation, minute: number, alertEarliest: number): BudgetStatus {
  return {
    alerts: budgetAlertsAt(slo, series, minute, alertEarliest).map((a) => ({ severity: a.severity, status: a.status, remaining_below: a.remaining_below, firing_since: new Date(a.firing_since).toISOString() })),
    exhausted_at: ev.time_to_exhaustion_ms === null ? null : new Date(ev.at + ev.time_to_exhaustion_ms).toISOString(),
  };
}

/** `d` with its `budget` when the SLO has budget alerts; `d` itself otherwise. */
export function withBudgetAlerts<T extends Evaluation>(slo: SloDefinition, series: WindowSource, h: { to: number; alertEarliest: number }, d: T): T & { budget?: BudgetStatus } {
  if (!slo.budgetAlerts?.length) return d;
  return { ...d, budget: budgetStatus(slo, series, d, h.to, h.alertEarliest) };
}

/** How far back before a range a budget episode is looked for (as `slo status`'s lookback). */
export const BUDGET_LOOKBACK_MINUTES = 7 * DAY_MIN;

/**
 * The budget alert transitions of an SLO at the minutes [fromMinute, toMinute], as breach
 * signals (core/budget-alerts.ts `budgetSignal`), from the warehouse.
 */
export async function budgetSignals(wh: Warehouse, slo: SloDefinition, fromMinute: number, toMinute: number): Promise<SloBreachSignal[]> {
  if (!slo.budgetAlerts?.length || toMinute < fromMinute) return [];
  const earliest = fromMinute - BUDGET_LOOKBACK_MINUTES;
  const src = new UnitSeries(await readCounts(wh, slo, sloWindow(slo, earliest * MINUTE_MS).fromMinute, toMinute), slo.budgeting);
  return budgetAlertTimeline(slo, src, fromMinute, toMinute, earliest).map((t) => budgetSignal(slo, t, src));
}
