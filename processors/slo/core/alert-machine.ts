import type { AlertSeverity } from '../../contracts/enums.js';
import type { RuleMatch } from './evaluate.js';
import type { AlertPolicy, AlertRule } from '../definitions/model.js';

/**
 * One alert per SLO and severity: inactive -> pending -> firing -> resolved (inactive).
 * Steps happen once per evaluated minute T (epoch minute, the exclusive end of every
 * window). Only two transitions notify: FIRING when the condition has held for
 * `pendingForMinutes`, RESOLVED when it has been false for `keepFiringForMinutes`. A
 * condition that flaps while firing does not notify again: the episode goes on.
 */
export type AlertState =
  | { phase: 'inactive' }
  | { phase: 'pending'; since: number }
  | {
      phase: 'firing';
      /** The minute the alert fired: the episode's identity (and its signal_id). */
      since: number;
      /** The rule that fired it; RESOLVED reports the same windows. */
      rule: AlertRule;
      /** First minute of the current false run, or null while the condition holds. */
      falseSince: number | null;
    };

export const INACTIVE: AlertState = { phase: 'inactive' };

export interface AlertTransition {
  status: 'FIRING' | 'RESOLVED';
  severity: AlertSeverity;
  /** Minute the episode fired. */
  firingSince: number;
  /** Minute of this transition. */
  at: number;
  rule: AlertRule;
}

/**
 * `quiet`: the firing rule's short window holds no events at `at`. No data is no evidence
 * that the problem is over (a route without traffic for a few minutes mid-incident), so a
 * firing alert neither counts that minute towards resolving nor resolves in it.
 */
export function stepAlert(
  state: AlertState,
  severity: AlertSeverity,
  at: number,
  match: Pick<RuleMatch, 'rule'> | null,
  policy: Pick<AlertPolicy, 'pendingForMinutes' | 'keepFiringForMinutes'>,
  quiet = false,
): { state: AlertState; transition: AlertTransition | null } {
  switch (state.phase) {
    case 'inactive':
    case 'pending': {
      if (!match) return { state: INACTIVE, transition: null };
      const since = state.phase === 'pending' ? state.since : at;
      if (at - since < policy.pendingForMinutes) return { state: { phase: 'pending', since }, transition: null };
      return {
        state: { phase: 'firing', since: at, rule: match.rule, falseSince: null },
        transition: { status: 'FIRING', severity, firingSince: at, at, rule: match.rule },
      };
    }
    case 'firing': {
      if (match) return { state: state.falseSince === null ? state : { ...state, falseSince: null }, transition: null };
      if (quiet) return { state, transition: null };
      const falseSince = state.falseSince ?? at;
      if (at - falseSince < policy.keepFiringForMinutes) return { state: { ...state, falseSince }, transition: null };
      return { state: INACTIVE, transition: { status: 'RESOLVED', severity, firingSince: state.since, at, rule: state.rule } };
    }
  }
}

/**
 * Minutes of false condition (with data in every short window) after which any alert is
 * inactive whatever came before (a pending alert resets at the first false, a firing one
 * resolves after the keep time). Stateless evaluations start their replay at such a point.
 */
export function quietMinutes(policy: Pick<AlertPolicy, 'keepFiringForMinutes'>): number {
  return policy.keepFiringForMinutes + 1;
}
