import { createHash } from 'node:crypto';
import type { SloBreachSignal } from '../../contracts/events.js';
import type { AlertTransition } from './alert-machine.js';
import { MINUTE_MS } from '../definitions/duration.js';
import { ruleBurns, type Evaluation, type WindowSource } from './evaluate.js';
import type { SloDefinition } from '../definitions/model.js';

/**
 * Deterministic id of one notification: the SLO, the severity, the minute the episode
 * fired and the status. Evaluating the same history again (a replay, a restart, a second
 * evaluator) yields the same id, which is what consumers deduplicate on.
 */
export function signalId(sloId: string, severity: string, firingSinceMinute: number, status: string): string {
  return signalIdAt(sloId, severity, firingSinceMinute * MINUTE_MS, status);
}

/** `signalId` of an episode that fired at any instant (epoch ms); at a whole minute both agree. */
export function signalIdAt(sloId: string, severity: string, firingSinceMs: number, status: string): string {
  const since = new Date(firingSinceMs).toISOString();
  return createHash('sha256').update(`${sloId}\u0000${severity}\u0000${since}\u0000${status}`).digest('hex').slice(0, 32);
}

/**
 * Where a transition between whole minutes happened: its instant and the episode's first
 * instant (epoch ms), and the minute its windows end at (`src` adds the open part of that
 * minute up to the instant).
 */
export interface SignalInstant {
  atMs: number;
  firingSinceMs: number;
  windowEndMinute: number;
}

/** The `SloBreachSignal` record of a transition, with the numbers at its minute (or at `instant`). */
export function breachSignal(slo: SloDefinition, t: AlertTransition, ev: Evaluation, src: WindowSource, instant?: SignalInstant): SloBreachSignal {
  const burns = ruleBurns(t.rule, src, instant?.windowEndMinute ?? t.at, slo.target);
  return {
    signal_id: signalIdAt(slo.id, t.severity, instant?.firingSinceMs ?? t.firingSince * MINUTE_MS, t.status),
    status: t.status,
    severity: t.severity,
    slo_id: slo.id,
    service: slo.service,
    reason: slo.reason,
    ...slo.scope,
    target: slo.target,
    // A firing alert implies data in its windows; an empty SLO window (a calendar period
    // that just began) has spent nothing, so it reads as fully good.
    sli: ev.sli ?? 1,
    error_budget_remaining: ev.error_budget_remaining,
    long_window: t.rule.longWindow,
    short_window: t.rule.shortWindow,
    burn_rate_long: burns.burnLong,
    burn_rate_short: burns.burnShort,
    burn_rate_threshold: t.rule.threshold,
    evaluated_at: instant?.atMs ?? t.at * MINUTE_MS,
    recommended_actions: [...slo.recommendedActions],
    labels: { ...slo.labels },
  };
}
