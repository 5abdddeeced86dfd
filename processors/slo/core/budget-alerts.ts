import type { BudgetAlertRule } from '../definitions/budget-alerts.js';
import { MINUTE_MS } from '../definitions/duration.js';
import type { SloDefinition } from '../definitions/model.js';
import type { SloBreachSignal } from '../../contracts/events.js';
import { budgetRemaining, burnRate, evaluate, sloWindow, type WindowSource } from './evaluate.js';
import { signalIdAt } from './signal.js';

/**
 * Budget alerts (definitions/budget-alerts.ts) over the SLI history: at every whole minute T
 * the SLO's error budget remaining (its own window, as `slo status` gives it) is compared
 * with each threshold. An alert fires once, at the first minute the remaining budget is
 * below its threshold, stays firing while it is, and resolves at the first minute it is at
 * or above it again (bad units left a rolling window, a calendar period began). No pending
 * or keep-firing time: the remaining budget moves slowly, it does not flap on a short window.
 */
export interface BudgetAlertTransition {
  /** Deterministic, like breach signal ids: the SLO, the rule, the minute it fired, the status. */
  id: string;
  slo_id: string;
  severity: BudgetAlertRule['severity'];
  remaining_below: number;
  status: 'FIRING' | 'RESOLVED';
  /** Epoch ms of the minute evaluated. */
  at: number;
  /** Epoch ms the episode fired. */
  firing_since: number;
  error_budget_remaining: number;
}

export interface ActiveBudgetAlert {
  severity: BudgetAlertRule['severity'];
  status: 'FIRING';
  remaining_below: number;
  /** Epoch ms the episode fired (at most `earliest` back: older episodes show that minute). */
  firing_since: number;
}

/** The remaining budget after evaluating minute T. */
export function remainingAt(slo: SloDefinition, src: WindowSource, minute: number): number {
  const w = sloWindow(slo, minute * MINUTE_MS);
  return budgetRemaining(src.sum(w.fromMinute, w.toMinute), slo.target);
}

export function budgetAlertId(sloId: string, rule: BudgetAlertRule, firingSinceMinute: number, status: string): string {
  return signalIdAt(sloId, `${rule.severity} budget below ${rule.text}`, firingSinceMinute * MINUTE_MS, status);
}

/**
 * Budget alerts firing at minute T: for each rule whose threshold the remaining budget is
 * below at T, the episode's first minute, searched back to `earliest` (the series must hold
 * the SLO window of every minute back to it).
 */
export function budgetAlertsAt(slo: SloDefinition, src: WindowSource, minute: number, earliest: number): ActiveBudgetAlert[] {
  const rules = slo.budgetAlerts ?? [];
  if (rules.length === 0) return [];
  const now = remainingAt(slo, src, minute);
  const firing = rules.filter((r) => now < r.remainingBelow);
  if (firing.length === 0) return [];
  // Rules are sorted by threshold, highest first: the remaining budget of each minute back is computed once.
  const since = new Map<BudgetAlertRule, number>();
  let open = [...firing];
  for (let t = minute - 1; t >= earliest && open.length > 0; t--) {
    const r = remainingAt(slo, src, t);
    open = open.filter((rule) => {
      if (r < rule.remainingBelow) return true;
      since.set(rule, t + 1);
      return false;
    });
  }
  for (const rule of open) since.set(rule, earliest);
  return firing.map((rule) => ({ severity: rule.severity, status: 'FIRING', remaining_below: rule.remainingBelow, firing_since: (since.get(rule) ?? minute) * MINUTE_MS }));
}

/**
 * Every transition of the SLO's budget alerts at minutes [fromMinute, toMinute], starting
 * from the states at `fromMinute - 1` (computed from the series, so a range that begins
 * mid-episode starts firing without a FIRING transition of its own).
 */
export function budgetAlertTimeline(slo: SloDefinition, src: WindowSource, fromMinute: number, toMinute: number, earliest = fromMinute): BudgetAlertTransition[] {
  const rules = slo.budgetAlerts ?? [];
  if (rules.length === 0 || toMinute < fromMinute) return [];
  const before = budgetAlertsAt(slo, src, fromMinute - 1, Math.min(earliest, fromMinute - 1));
  const since = new Map<BudgetAlertRule, number>();
  for (const rule of rules) {
    const active = before.find((a) => a.severity === rule.severity && a.remaining_below === rule.remainingBelow);
    if (active) since.set(rule, active.firing_since / MINUTE_MS);
  }
  const out: BudgetAlertTransition[] = [];
  for (let t = fromMinute; t <= toMinute; t++) {
    const remaining = remainingAt(slo, src, t);
    for (const rule of rules) {
      const firingSince = since.get(rule);
      const below = remaining < rule.remainingBelow;
      if (below === (firingSince !== undefined)) continue;
      const status = below ? 'FIRING' : 'RESOLVED';
      const episode = firingSince ?? t;
      if (below) since.set(rule, t);
      else since.delete(rule);
      out.push({
        id: budgetAlertId(slo.id, rule, episode, status),
        slo_id: slo.id,
        severity: rule.severity,
        remaining_below: rule.remainingBelow,
        status,
        at: t * MINUTE_MS,
        firing_since: episode * MINUTE_MS,
        error_budget_remaining: remaining,
      });
    }
  }
  return out;
}

/**
 * A budget alert transition as a breach signal (ops.slo.breach.v1, docs/interfaces.md fields
 * unchanged): the remaining budget is 1 minus the burn rate over the SLO's own window, so
 * "remaining below r" is that burn at or above 1 - r: `long_window` and `short_window` are
 * the SLO's window, `burn_rate_long` / `_short` its burn there, `burn_rate_threshold` 1 - r.
 * `signal_id` is the transition's deterministic id.
 */
export function budgetSignal(slo: SloDefinition, t: BudgetAlertTransition, src: WindowSource): SloBreachSignal {
  const ev = evaluate(slo, src, t.at);
  const w = sloWindow(slo, t.at);
  const burn = burnRate(src.sum(w.fromMinute, w.toMinute), slo.target);
  return {
    signal_id: t.id,
    status: t.status,
    severity: t.severity,
    slo_id: slo.id,
    service: slo.service,
    reason: slo.reason,
    ...slo.scope,
    target: slo.target,
    sli: ev.sli ?? 1,
    error_budget_remaining: ev.error_budget_remaining,
    long_window: slo.window.text,
    short_window: slo.window.text,
    burn_rate_long: burn,
    burn_rate_short: burn,
    burn_rate_threshold: Math.round((1 - t.remaining_below) * 1e12) / 1e12,
    evaluated_at: t.at,
    recommended_actions: [...slo.recommendedActions],
    labels: { ...slo.labels },
  };
}
