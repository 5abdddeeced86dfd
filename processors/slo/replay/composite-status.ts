import type { SloBreachSignal } from '../../contracts/events.js';
import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { budgetAlertTimeline, budgetSignal, type BudgetAlertTransition } from '../core/budget-alerts.js';
import { componentFigures, compositeSource, type ComponentFigures, type CompositeSource } from '../core/composite.js';
import { evaluate, sloWindow } from '../core/evaluate.js';
import { UnitSeries } from '../core/series.js';
import { quietAnchor, runAlerts } from '../core/timeline.js';
import type { CompositeSlo } from '../definitions/composite.js';
import { MINUTE_MS } from '../definitions/duration.js';
import { readCounts } from '../store/series-reader.js';
import { withBudgetAlerts } from './budget-status.js';
import { firingRulesAt } from './firing.js';
import { evaluationsOf, lookbackStart, QUIET_SEARCH_MINUTES, type SloMinuteEvaluation } from './history.js';
import { historyNeeded, toContractStatus, type ContractStatus, type SloStatusDetail, type StatusOptions } from './status.js';

/**
 * Composite SLOs (definitions/composite.ts, core/composite.ts) from the warehouse: each
 * component's minutes are read as that SLO's own (`readCounts`), the composite's windows
 * are sums over them, and the engine's functions do the rest (evaluate, the alert
 * machines, breach signals, budget alerts). The composite's status row is `slo status`'s,
 * with `kind: "composite"` and its components.
 */
export interface CompositeStatusDetail extends SloStatusDetail {
  kind: 'composite';
  components: ComponentFigures[];
}

export type CompositeContractStatus = ContractStatus & { kind: 'composite'; components: ComponentFigures[] };

async function sourcesOver(wh: Warehouse, c: CompositeSlo, fromMinute: number, toMinute: number): Promise<UnitSeries[]> {
  return Promise.all(c.components.map(async (comp) => new UnitSeries(await readCounts(wh, comp.slo, fromMinute, toMinute), comp.slo.budgeting)));
}

/** The composite's source over minutes [fromMinute, toMinute), with its components' sources. */
export async function readCompositeSource(wh: Warehouse, c: CompositeSlo, fromMinute: number, toMinute: number): Promise<{ src: CompositeSource; parts: UnitSeries[] }> {
  const parts = await sourcesOver(wh, c, fromMinute, toMinute);
  return { src: compositeSource(c, parts), parts };
}

export async function evaluateComposite(wh: Warehouse, c: CompositeSlo, atMs: number, options: StatusOptions = {}): Promise<CompositeStatusDetail> {
  const slo = c.definition;
  const h = historyNeeded(slo, atMs, options.alertLookbackMinutes);
  const { src, parts } = await readCompositeSource(wh, c, h.from, h.to);
  const d = { ...evaluate(slo, src, atMs), service: slo.service, alerts: firingRulesAt(slo, src, h.to, h.alertEarliest) };
  return { ...withBudgetAlerts(slo, src, h, d), kind: 'composite', components: componentFigures(c, parts, atMs) };
}

/** Every composite at T, in definition order. */
export async function evaluateComposites(wh: Warehouse, composites: readonly CompositeSlo[], atMs: number, options: StatusOptions = {}): Promise<CompositeStatusDetail[]> {
  const out: CompositeStatusDetail[] = [];
  for (const c of composites) out.push(await evaluateComposite(wh, c, atMs, options));
  return out;
}

export function toCompositeContractStatus(d: CompositeStatusDetail): CompositeContractStatus {
  const exhaustedAt = d.time_to_exhaustion_ms === null ? null : new Date(d.at + d.time_to_exhaustion_ms).toISOString();
  return { budget_exhausted_at: exhaustedAt, ...toContractStatus(d), kind: 'composite', components: d.components };
}

/** How far before a range the alert replay may look for a quiet point (as replay/history.ts). */

/** The composite evaluated at every `stepMinutes` of [fromMs, toMs] (the rows `replay/history.ts` gives an SLO). */
export async function evaluateCompositeSeries(wh: Warehouse, c: CompositeSlo, fromMs: number, toMs: number, stepMinutes = 1): Promise<SloMinuteEvaluation[]> {
  const slo = c.definition;
  const fromMinute = Math.ceil(fromMs / MINUTE_MS);
  const toMinute = Math.floor(toMs / MINUTE_MS);
  if (toMinute < fromMinute) return [];
  const earliest = lookbackStart(c.definition, fromMinute);
  const { src } = await readCompositeSource(wh, c, earliest, toMinute);
  return evaluationsOf(slo, src, earliest, fromMinute, toMinute, stepMinutes);
}

/**
 * The composite's breach signals (its burn-rate alerts, ids as every SLO's: the composite's
 * id, severity, episode start, status) and budget alert transitions at the minutes of
 * [fromMs, toMs], replayed from a quiet point before the range. `signals` holds both, the
 * budget alerts as breach signals (core/budget-alerts.ts `budgetSignal`), in evaluation order.
 */
export async function compositeSignals(wh: Warehouse, c: CompositeSlo, fromMs: number, toMs: number): Promise<{ signals: SloBreachSignal[]; budget: BudgetAlertTransition[] }> {
  const slo = c.definition;
  const fromMinute = Math.ceil(fromMs / MINUTE_MS);
  const toMinute = Math.floor(toMs / MINUTE_MS);
  if (toMinute < fromMinute) return { signals: [], budget: [] };
  const earliest = Math.min(lookbackStart(c.definition, fromMinute), sloWindow(slo, (fromMinute - QUIET_SEARCH_MINUTES) * MINUTE_MS).fromMinute);
  const { src } = await readCompositeSource(wh, c, earliest, toMinute);
  const anchor = quietAnchor(slo, src, fromMinute, fromMinute - QUIET_SEARCH_MINUTES);
  const { states } = runAlerts(slo, src, anchor + 1, fromMinute - 1);
  const { notified } = runAlerts(slo, src, fromMinute, toMinute, states);
  const budget = budgetAlertTimeline(slo, src, fromMinute, toMinute, fromMinute - QUIET_SEARCH_MINUTES);
  const signals = [...notified.map((n) => n.signal), ...budget.map((t) => budgetSignal(slo, t, src))].sort((a, b) => a.evaluated_at - b.evaluated_at);
  return { signals, budget };
}
