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
  const since = new Date(firingSinceMinute * MINUTE_MS).toISOString();
  return createHash('sha256').update(`${sloId}\u0000${severity}\u0000${since}\u0000${status}`).digest('hex').slice(0, 32);
}

/** The `SloBreachSignal` record of a transition, with the numbers at its minute. */
export function breachSignal(slo: SloDefinition, t: AlertTransition, ev: Evaluation, src: WindowSource): SloBreachSignal {
  const burns = ruleBurns(t.rule, src, t.at, slo.target);
  return {
    signal_id: signalId(slo.id, t.severity, t.firingSince, t.status),
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
    evaluated_at: t.at * MINUTE_MS,
    recommended_actions: [...slo.recommendedActions],
  };
}
