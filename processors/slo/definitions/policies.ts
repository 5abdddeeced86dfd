import type { AlertSeverity } from '../../contracts/enums.js';
import { shortWindowFor } from './alert-rules.js';
import { DAY_MIN, fixedMinutes } from './duration.js';
import { where, type DocRef, type Parsed, type SloRegistry } from './load.js';
import type { AlertRule, NotificationTarget } from './model.js';
import type { AlertConditionSpecT, AlertNotificationTargetSpecT, AlertPolicyItemT, AlertPolicySpecT } from './schema.js';
import type { Report } from './sources.js';

/**
 * OpenSLO alerting: an SLO's `alertPolicies` (by name, `alertPolicyRef` or inline) replace its
 * default rules. Each `AlertCondition` of kind `burnrate` becomes one multi-window rule:
 * `lookbackWindow` is the long window, the short window is a twelfth of it (1h/5m, 6h/30m,
 * 1d/2h, 3d/6h as the defaults), `threshold` is the burn-rate factor both must reach, and
 * `alertAfter` is how long the condition must hold before the alert fires. The policy's
 * `notificationTargets` travel on each of its rules (`AlertRule.targets`).
 */

/** OpenSLO severities are free text; these are the ones that map onto PAGE and TICKET. */
const SEVERITIES: Record<string, AlertSeverity> = {
  page: 'PAGE',
  critical: 'PAGE',
  high: 'PAGE',
  sev1: 'PAGE',
  sev2: 'PAGE',
  p1: 'PAGE',
  p2: 'PAGE',
  ticket: 'TICKET',
  warning: 'TICKET',
  medium: 'TICKET',
  low: 'TICKET',
  sev3: 'TICKET',
  sev4: 'TICKET',
  p3: 'TICKET',
  p4: 'TICKET',
};

export function severityOf(text: string): AlertSeverity | null {
  return SEVERITIES[text.trim().toLowerCase()] ?? null;
}

/** Checks of an AlertCondition that hold whether or not an SLO uses it. */
export function checkCondition(spec: AlertConditionSpecT, path: string, report: Report): void {
  const c = spec.condition;
  if (c.kind !== 'burnrate') report(`${path}.condition.kind`, `unsupported condition kind ${JSON.stringify(c.kind)} (burnrate)`);
  const long = fixedMinutes(c.lookbackWindow);
  if (long === null || long < 2 || long > 31 * DAY_MIN) report(`${path}.condition.lookbackWindow`, `must be a duration between 2m and 31d such as 1h or 3d; got ${JSON.stringify(c.lookbackWindow)}`);
  if (c.alertAfter !== undefined) {
    const after = fixedMinutes(c.alertAfter);
    if (after === null || after > DAY_MIN) report(`${path}.condition.alertAfter`, `must be a duration up to 1d such as 5m; got ${JSON.stringify(c.alertAfter)}`);
  }
  if (!(c.threshold > 0)) report(`${path}.condition.threshold`, `must be a burn-rate factor > 0; got ${c.threshold}`);
}

export interface PolicyRules {
  rules: AlertRule[];
  /** `alertAfter` of the conditions (equal for all), or null when there are none. */
  pendingForMinutes: number | null;
}

type Named<T> = { name: string; spec: T; at: string };

/**
 * The rules of an SLO's `alertPolicies`, or null when something does not resolve or is
 * not supported (every problem reported under `spec.alertPolicies[i]`).
 */
export function policyRules(items: readonly AlertPolicyItemT[], reg: SloRegistry, report: Report): PolicyRules | null {
  const rules: AlertRule[] = [];
  const afters = new Map<number, string>();
  let ok = true;
  const fail = (path: string, message: string): void => {
    report(path, message);
    ok = false;
  };
  items.forEach((item, i) => {
    const path = `spec.alertPolicies[${i}]`;
    let policy: Named<AlertPolicySpecT> | null = null;
    if (typeof item === 'string' || 'alertPolicyRef' in item) {
      const ref = typeof item === 'string' ? item : item.alertPolicyRef;
      const found = reg.alertPolicies.get(ref);
      if (!found) return fail(typeof item === 'string' ? path : `${path}.alertPolicyRef`, `no AlertPolicy named ${JSON.stringify(ref)} in this set`);
      policy = { name: ref, spec: found.spec, at: `AlertPolicy ${ref} (${where(found)})` };
    } else {
      policy = { name: item.metadata.name, spec: item.spec, at: '' };
    }
    // Problems inside a referenced policy name it; inline ones are paths of this document.
    const inner = (p: string): string => (policy.at ? `${path} -> ${policy.at}: spec.${p}` : `${path}.spec.${p}`);
    const ps = policy.spec;
    if (ps.alertWhenBreaching === false) fail(inner('alertWhenBreaching'), 'only alerting on a breaching burn rate is supported (true, the default)');
    if (ps.alertWhenNoData === true) fail(inner('alertWhenNoData'), 'alerts on missing data are not supported: no data is no evidence of a breach (false, the default)');
    const targets: NotificationTarget[] = [];
    (ps.notificationTargets ?? []).forEach((t, j) => {
      if ('targetRef' in t) {
        const found: Parsed<AlertNotificationTargetSpecT> | undefined = reg.notificationTargets.get(t.targetRef);
        if (!found) return fail(inner(`notificationTargets[${j}].targetRef`), `no AlertNotificationTarget named ${JSON.stringify(t.targetRef)} in this set`);
        targets.push({ name: t.targetRef, target: found.spec.target, description: found.spec.description ?? null });
      } else {
        targets.push({ name: t.metadata.name, target: t.spec.target, description: t.spec.description ?? null });
      }
    });
    ps.conditions.forEach((c, j) => {
      let cond: Named<AlertConditionSpecT>;
      if ('conditionRef' in c) {
        const found = reg.alertConditions.get(c.conditionRef);
        if (!found) return fail(inner(`conditions[${j}].conditionRef`), `no AlertCondition named ${JSON.stringify(c.conditionRef)} in this set`);
        if (c.operator !== undefined && c.operator !== 'and' && c.operator !== 'or') return fail(inner(`conditions[${j}].operator`), `must be and or or; got ${JSON.stringify(c.operator)}`);
        cond = { name: c.conditionRef, spec: found.spec, at: `AlertCondition ${c.conditionRef} (${where(found)})` };
      } else {
        // Inline conditions of a policy document are checked with that document.
        if (!policy.at) checkCondition(c.spec, inner(`conditions[${j}].spec`), fail);
        cond = { name: c.metadata.name, spec: c.spec, at: '' };
      }
      const cpath = (p: string): string => (cond.at ? `${inner(`conditions[${j}]`)} -> ${cond.at}: spec.${p}` : inner(`conditions[${j}].spec.${p}`));
      const severity = severityOf(cond.spec.severity);
      if (!severity) return fail(cpath('severity'), `severity ${JSON.stringify(cond.spec.severity)} does not map to PAGE or TICKET (page, critical, high, sev1, sev2, p1, p2 | ticket, warning, medium, low, sev3, sev4, p3, p4)`);
      const k = cond.spec.condition;
      if (k.op === 'lt' || k.op === 'lte') return fail(cpath('condition.op'), `a burn-rate condition fires when the burn rate reaches the threshold (gte or gt); got ${k.op}`);
      const long = fixedMinutes(k.lookbackWindow);
      const after = k.alertAfter === undefined ? 0 : fixedMinutes(k.alertAfter);
      // Malformed values are reported where the condition is defined.
      if (k.kind !== 'burnrate' || long === null || long < 2 || after === null || !(k.threshold > 0)) return void (ok = false);
      const short = shortWindowFor(long);
      afters.set(after, cond.name);
      rules.push({
        severity,
        threshold: k.threshold,
        longWindow: k.lookbackWindow,
        longMinutes: long,
        shortWindow: short.text,
        shortMinutes: short.minutes,
        condition: cond.name,
        policy: policy.name,
        ...(targets.length > 0 ? { targets } : {}),
        ...(ps.alertWhenResolved === false ? { notifyResolved: false as const } : {}),
      });
    });
  });
  if (afters.size > 1) {
    report('spec.alertPolicies', `the conditions of one SLO must share one alertAfter (got ${[...afters].map(([m, n]) => `${n}: ${m}m`).join(', ')})`);
    ok = false;
  }
  return ok ? { rules, pendingForMinutes: afters.size === 1 ? ([...afters.keys()][0] ?? 0) : null } : null;
}

/** Checks every AlertCondition of the set on its own (kind, windows, threshold), inline ones in policies too. */
export function checkConditions(reg: SloRegistry, report: (ref: DocRef, path: string, message: string) => void): void {
  for (const c of reg.alertConditions.values()) checkCondition(c.spec, 'spec', (p, m) => report(c, p, m));
  for (const p of reg.alertPolicies.values()) {
    p.spec.conditions.forEach((c, j) => {
      if (!('conditionRef' in c)) checkCondition(c.spec, `spec.conditions[${j}].spec`, (path, m) => report(p, path, m));
    });
  }
}

type SignalRef = { severity: AlertSeverity; long_window: string; short_window: string };

/** The rule a breach signal names (by severity and windows), or undefined. */
export function signalRule(slo: { alerting: { rules: readonly AlertRule[] } }, signal: SignalRef): AlertRule | undefined {
  return slo.alerting.rules.find((r) => r.severity === signal.severity && r.longWindow === signal.long_window && r.shortWindow === signal.short_window);
}

/**
 * The notification targets of a breach signal: those of the rule that fired it. Empty when the
 * rule has none (default and annotation rules): the default receivers apply.
 */
export function signalTargets(slo: { alerting: { rules: readonly AlertRule[] } }, signal: SignalRef): readonly NotificationTarget[] {
  return signalRule(slo, signal)?.targets ?? [];
}
