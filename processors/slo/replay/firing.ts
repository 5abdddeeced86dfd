import type { AlertSeverity } from '../../contracts/enums.js';
import { INACTIVE, stepAlert, type AlertState } from '../core/alert-machine.js';
import { RuleConditions } from '../core/conditions.js';
import type { WindowSource } from '../core/evaluate.js';
import { quietAnchorOf, severitiesOf, type ActiveAlert } from '../core/timeline.js';
import { MINUTE_MS } from '../definitions/duration.js';
import type { AlertPolicy, AlertRule, SloDefinition } from '../definitions/model.js';

/**
 * Every rule firing at minute T, as `slo status` and the API list them (docs/interfaces.md: one
 * entry per firing rule, so two PAGE rules firing give two entries).
 *
 * Notifications stay one alert per SLO and severity (the machines of core/alert-machine.ts,
 * whose episodes the breach signals report). Each rule also runs that same machine on its
 * own condition (both of its windows at or above its threshold, the same pending and
 * keep-firing times, and a quiet minute when its own short window is empty). A rule is
 * listed while its severity's alert is firing and its own machine is firing; when none of
 * them is (the episode is in its keep-firing time or quiet), the rule that fired the
 * episode is listed, so a firing severity always shows at least one entry and an inactive
 * one none. Severities in definition order, rules in definition order within a severity.
 *
 * The machines are replayed from the quiet point before T where every alert is certainly
 * inactive (core/timeline.ts `quietAnchor`), searching back to `earliest`: the same start
 * as the per-severity replay, so the severity states equal the running evaluator's.
 */
export function firingRulesAt(slo: SloDefinition, src: WindowSource, minute: number, earliest: number): ActiveAlert[] {
  // Each rule's windows at each minute are summed once for the quiet search and both replays.
  const cond = new RuleConditions(slo, src, Math.min(earliest, minute), minute);
  const anchor = quietAnchorOf(slo, cond, minute, earliest);
  const severities = severitiesOf(slo);
  const rules = slo.alerting.rules;
  const bySeverity: AlertState[] = severities.map(() => INACTIVE);
  const byRule: AlertState[] = rules.map(() => INACTIVE);
  // Per severity, its rules' indexes in definition order: `matchSeverity` takes the first that holds.
  const ofSeverity = severities.map((sev) => rules.flatMap((r, i) => (r.severity === sev ? [i] : [])));
  const indexOf = new Map(rules.map((r, i) => [r, i]));
  const matchOf = rules.map((rule) => ({ rule }));
  for (let t = anchor + 1; t <= minute; t++) {
    for (let s = 0; s < severities.length; s++) {
      const r = firstHolding(cond, ofSeverity[s] as number[], t);
      const before = bySeverity[s] as AlertState;
      if (r === undefined && before.phase === 'inactive') continue;
      const quiet = r === undefined && before.phase === 'firing' && cond.shortEmpty(indexOf.get(before.rule) as number, t);
      bySeverity[s] = advance(before, severities[s] as AlertSeverity, t, r === undefined ? null : (matchOf[r] as { rule: AlertRule }), slo.alerting, quiet);
    }
  }
  // Rules are listed only under a firing severity: without one, their machines need no replay.
  if (!bySeverity.some((st) => st.phase === 'firing')) return [];
  for (let t = anchor + 1; t <= minute; t++) {
    for (let i = 0; i < rules.length; i++) {
      const holds = cond.holds(i, t);
      const before = byRule[i] as AlertState;
      if (!holds && before.phase === 'inactive') continue;
      const quiet = !holds && before.phase === 'firing' && cond.shortEmpty(i, t);
      byRule[i] = advance(before, (rules[i] as AlertRule).severity, t, holds ? (matchOf[i] as { rule: AlertRule }) : null, slo.alerting, quiet);
    }
  }
  const out: ActiveAlert[] = [];
  for (const [k, sev] of severities.entries()) {
    const episode = bySeverity[k] as AlertState;
    if (episode.phase !== 'firing') continue;
    const listed = rules.flatMap((rule, i) => {
      const s = byRule[i] as AlertState;
      return rule.severity === sev && s.phase === 'firing' ? [entry(sev, rule, s.since)] : [];
    });
    out.push(...(listed.length > 0 ? listed : [entry(sev, episode.rule, episode.since)]));
  }
  return out;
}

/**
 * `stepAlert`'s next state; the steps that change nothing (a firing alert whose condition
 * still holds, or a quiet minute) without building one.
 */
function advance(before: AlertState, severity: AlertSeverity, t: number, match: { rule: AlertRule } | null, policy: AlertPolicy, quiet: boolean): AlertState {
  if (before.phase === 'firing' && (match ? before.falseSince === null : quiet)) return before;
  return stepAlert(before, severity, t, match, policy, quiet).state;
}

/** The first of `rules` (indexes) that holds at `t`, as `matchSeverity` picks it. */
function firstHolding(cond: RuleConditions, rules: readonly number[], t: number): number | undefined {
  for (const r of rules) if (cond.holds(r, t)) return r;
  return undefined;
}

function entry(severity: AlertSeverity, rule: AlertRule, sinceMinute: number): ActiveAlert {
  return { severity, status: 'FIRING', long_window: rule.longWindow, short_window: rule.shortWindow, firing_since: sinceMinute * MINUTE_MS };
}
