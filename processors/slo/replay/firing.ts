import type { AlertSeverity } from '../../contracts/enums.js';
import { INACTIVE, stepAlert, type AlertState } from '../core/alert-machine.js';
import { burnRate, matchSeverity, shortWindowEmpty, type RuleMatch, type WindowSource } from '../core/evaluate.js';
import { quietAnchor, severitiesOf, type ActiveAlert, type AlertStates } from '../core/timeline.js';
import { MINUTE_MS } from '../definitions/duration.js';
import type { AlertRule, SloDefinition } from '../definitions/model.js';

/**
 * Every rule firing at minute T, as `slo status` and the API list them (CONTRACTS.md: one
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
function ruleMatch(rule: AlertRule, src: WindowSource, t: number, target: number): RuleMatch | null {
  const burnLong = burnRate(src.sum(t - rule.longMinutes, t), target);
  if (burnLong < rule.threshold) return null;
  const burnShort = burnRate(src.sum(t - rule.shortMinutes, t), target);
  return burnShort >= rule.threshold ? { rule, burnLong, burnShort } : null;
}

export function firingRulesAt(slo: SloDefinition, src: WindowSource, minute: number, earliest: number): ActiveAlert[] {
  const anchor = quietAnchor(slo, src, minute, earliest);
  const severities = severitiesOf(slo);
  const rules = slo.alerting.rules;
  const bySeverity: AlertStates = {};
  const byRule: AlertState[] = rules.map(() => INACTIVE);
  for (let t = anchor + 1; t <= minute; t++) {
    for (const sev of severities) {
      const match = matchSeverity(slo, sev, src, t);
      const before = bySeverity[sev] ?? INACTIVE;
      if (!match && before.phase === 'inactive') continue;
      const quiet = !match && before.phase === 'firing' && shortWindowEmpty(before.rule, src, t);
      bySeverity[sev] = stepAlert(before, sev, t, match, slo.alerting, quiet).state;
    }
  }
  // Rules are listed only under a firing severity: without one, their machines need no replay.
  if (!severities.some((sev) => bySeverity[sev]?.phase === 'firing')) return [];
  for (let t = anchor + 1; t <= minute; t++) {
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as AlertRule;
      const match = ruleMatch(rule, src, t, slo.target);
      const before = byRule[i] as AlertState;
      if (!match && before.phase === 'inactive') continue;
      const quiet = !match && before.phase === 'firing' && shortWindowEmpty(rule, src, t);
      byRule[i] = stepAlert(before, rule.severity, t, match, slo.alerting, quiet).state;
    }
  }
  const out: ActiveAlert[] = [];
  for (const sev of severities) {
    const episode = bySeverity[sev];
    if (episode?.phase !== 'firing') continue;
    const listed = rules.flatMap((rule, i) => {
      const s = byRule[i] as AlertState;
      return rule.severity === sev && s.phase === 'firing' ? [entry(sev, rule, s.since)] : [];
    });
    out.push(...(listed.length > 0 ? listed : [entry(sev, episode.rule, episode.since)]));
  }
  return out;
}

function entry(severity: AlertSeverity, rule: AlertRule, sinceMinute: number): ActiveAlert {
  return { severity, status: 'FIRING', long_window: rule.longWindow, short_window: rule.shortWindow, firing_since: sinceMinute * MINUTE_MS };
}
