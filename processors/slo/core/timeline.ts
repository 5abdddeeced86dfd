import type { AlertSeverity } from '../../contracts/enums.js';
import type { SloBreachSignal } from '../../contracts/events.js';
import { INACTIVE, quietMinutes, stepAlert, type AlertState, type AlertTransition } from './alert-machine.js';
import { MINUTE_MS } from '../definitions/duration.js';
import { evaluate, matchSeverity, shortWindowEmpty, type WindowSource } from './evaluate.js';
import type { SloDefinition } from '../definitions/model.js';
import { breachSignal } from './signal.js';
import { RuleConditions } from './conditions.js';

/**
 * Stateless alerting over a span of minutes: what the incremental evaluator would have
 * done, recomputed from the SLI history. Used by `slo status` (the state at one T) and by
 * backtests (every transition in a period).
 */
export function severitiesOf(slo: SloDefinition): AlertSeverity[] {
  return [...new Set(slo.alerting.rules.map((r) => r.severity))];
}

export type AlertStates = Partial<Record<AlertSeverity, AlertState>>;

export interface Notified {
  transition: AlertTransition;
  signal: SloBreachSignal;
}

/** Runs the alert machines for every T in [fromMinute, toMinute] (inclusive), from `initial` states. */
export function runAlerts(
  slo: SloDefinition,
  src: WindowSource,
  fromMinute: number,
  toMinute: number,
  initial: AlertStates = {},
): { notified: Notified[]; states: AlertStates } {
  const severities = severitiesOf(slo);
  const states: AlertStates = { ...initial };
  const notified: Notified[] = [];
  for (let t = fromMinute; t <= toMinute; t++) {
    for (const sev of severities) {
      const match = matchSeverity(slo, sev, src, t);
      const before = states[sev] ?? INACTIVE;
      if (!match && before.phase === 'inactive') continue;
      const quiet = !match && before.phase === 'firing' && shortWindowEmpty(before.rule, src, t);
      const r = stepAlert(before, sev, t, match, slo.alerting, quiet);
      states[sev] = r.state;
      if (r.transition) notified.push({ transition: r.transition, signal: breachSignal(slo, r.transition, evaluate(slo, src, t * MINUTE_MS), src) });
    }
  }
  return { notified, states };
}

/**
 * The latest minute before `minute` after which every alert of the SLO is certainly
 * inactive (a long enough run of false conditions), searching back to `earliest`.
 * Replaying from there reproduces the episode in progress, including when it fired.
 */
export function quietAnchor(slo: SloDefinition, src: WindowSource, minute: number, earliest: number): number {
  return quietAnchorOf(slo, new RuleConditions(slo, src, earliest, minute), minute, earliest);
}

/** {@link quietAnchor} over conditions computed for (at least) the minutes [earliest, minute). */
export function quietAnchorOf(slo: SloDefinition, conditions: RuleConditions, minute: number, earliest: number): number {
  const need = quietMinutes(slo.alerting);
  let run = 0;
  for (let t = minute - 1; t >= earliest; t--) {
    // No severity matches (no rule holds) and no short window is empty.
    run = conditions.clear(t) ? run + 1 : 0;
    if (run >= need) return t + need - 1;
  }
  return earliest - 1;
}

export interface ActiveAlert {
  severity: AlertSeverity;
  status: 'FIRING';
  long_window: string;
  short_window: string;
  /** Epoch ms the episode fired. */
  firing_since: number;
}

/** Alerts firing at minute T (state after evaluating T), replayed from a quiet point. */
export function alertsAt(slo: SloDefinition, src: WindowSource, minute: number, earliest: number): ActiveAlert[] {
  const anchor = quietAnchor(slo, src, minute, earliest);
  const { states } = runAlerts(slo, src, anchor + 1, minute);
  const out: ActiveAlert[] = [];
  for (const sev of severitiesOf(slo)) {
    const s = states[sev];
    if (s?.phase === 'firing') {
      out.push({ severity: sev, status: 'FIRING', long_window: s.rule.longWindow, short_window: s.rule.shortWindow, firing_since: s.since * MINUTE_MS });
    }
  }
  return out;
}
