import { BREACH_REASONS, type AlertSeverity, type BreachReason } from '../../contracts/enums.js';
import { defaultRules, parseRuleList } from './alert-rules.js';
import { longestPeriodDays, nominalPeriodDays, parseStartTime } from './calendar.js';
import { DAY_MIN, fixedMinutes, HOUR_MIN, parseDuration } from './duration.js';
import { groupOf, groupTuples, type GroupTuple, type GroupValues } from './group.js';
import type { DocRef, ParsedSlo, SloProblem, SloRegistry } from './load.js';
import type { AlertPolicy, AlertRule, Budgeting, Indicator, Selector, SignalScope, SloDefinition, TimeWindow } from './model.js';
import { checkConditions, policyRules } from './policies.js';
import { budgetAlertsOf, buildComposite, isCompositeDocument, type CompositeSlo } from './composite.js';
import type { ObjectiveT, TimeWindowT } from './schema.js';
import { checkDataSources, resolveSli, type Report, type ResolvedSli } from './sources.js';

/** Annotations this pipeline reads; any other `ops.` annotation is a typo and an error. */
export const OPS_ANNOTATIONS = {
  reason: 'ops.reason',
  actions: 'ops.recommended_actions',
  page: 'ops.alert.page',
  ticket: 'ops.alert.ticket',
  pendingFor: 'ops.alert.pending_for',
  keepFiringFor: 'ops.alert.keep_firing_for',
  groupBy: 'ops.group.by',
  groupName: 'ops.group.name',
  groupValues: 'ops.group.values',
  budget: 'ops.alert.budget',
} as const;

/** @default 0 minutes: a page fires the minute both windows burn too fast. */
export const DEFAULT_PENDING_FOR_MIN = 0;
/**
 * @default 15 minutes: a condition must stay false this long before RESOLVED. Short windows
 * over few events dip below the threshold mid-incident; this keeps one episode one page.
 */
export const DEFAULT_KEEP_FIRING_FOR_MIN = 15;

/** Longest rolling window: the evaluator keeps this much minute history per SLO. */
export const MAX_ROLLING_DAYS = 90;

type Problems = SloProblem[];

function isBreachReason(s: string): s is BreachReason {
  return (BREACH_REASONS as readonly string[]).includes(s);
}

/**
 * Turns validated documents into definitions; adds a problem for everything that does not
 * fit together. `groupValues` adds values of grouped documents seen in the data (by
 * document name) to the ones the document lists itself.
 */
export function buildDefinitions(reg: SloRegistry, problems: Problems, groupValues: GroupValues = new Map(), groupsOut: GroupSource[] = [], compositesOut: CompositeSlo[] = []): SloDefinition[] {
  const at = (ref: DocRef, path: string, message: string): void => void problems.push({ ...ref, path, message });
  const dataSources = checkDataSources(reg, at);
  checkConditions(reg, at);
  // Every SLI is checked once, where it is written; an SLO referring to a broken one adds nothing.
  const slis = new Map<string, ResolvedSli | null>();
  for (const [name, s] of reg.slis) slis.set(name, resolveSli(s.spec, 'spec', reg, dataSources, (p, m) => at(s, p, m)));

  const out: SloDefinition[] = [];
  const ids = new Map<string, DocRef>();
  const composites: ParsedSlo[] = [];
  for (const p of reg.slos) {
    if (isCompositeDocument(p)) {
      composites.push(p);
      continue;
    }
    const before = problems.length;
    const report: Report = (path, message) => at(p, path, message);
    const spec = p.doc.spec;
    let sli: ResolvedSli | null = null;
    if (spec.indicator && spec.indicatorRef) report('spec.indicatorRef', 'use either indicator or indicatorRef, not both');
    else if (spec.indicator) sli = resolveSli(spec.indicator.spec, 'spec.indicator.spec', reg, dataSources, report);
    else if (spec.indicatorRef) {
      if (!reg.slis.has(spec.indicatorRef)) report('spec.indicatorRef', `no SLI named ${JSON.stringify(spec.indicatorRef)} in this set`);
      else sli = slis.get(spec.indicatorRef) ?? null;
    } else report('spec', 'needs indicator or indicatorRef');

    const window = buildWindow(spec.timeWindow[0], report);
    const annotations = p.doc.metadata.annotations ?? {};
    const alerting = window ? buildAlerting(p, annotations, window, reg, report) : null;
    const reasonText = annotations[OPS_ANNOTATIONS.reason] ?? 'SLO_BREACH';
    if (!isBreachReason(reasonText)) report(`metadata.annotations["${OPS_ANNOTATIONS.reason}"]`, `must be SLO_BREACH, SAFETY_RISK or QUALITY_LOW; got ${JSON.stringify(reasonText)}`);
    const actions = (annotations[OPS_ANNOTATIONS.actions] ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    const labels = Object.fromEntries(Object.entries(p.doc.metadata.labels ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
    const group = sli ? groupOf(p.doc.metadata.name, annotations, sli, report) : null;
    const budgetAlerts = budgetAlertsOf(annotations, report);
    const service = reg.services.get(spec.service);
    const serviceInfo = service ? { serviceInfo: { displayName: service.metadata.displayName ?? null, description: service.spec?.description ?? null } } : {};

    const built = spec.objectives.map((obj, i) => {
      const path = `spec.objectives[${i}]`;
      const indicator = sli ? buildIndicator(sli, obj, path, report) : null;
      const target = buildTarget(obj, path, report);
      const budgeting = buildBudgeting(spec.budgetingMethod, obj, path, report);
      return { obj, i, indicator, target, budgeting };
    });
    if (problems.length > before || !window || !alerting || !isBreachReason(reasonText) || group === undefined) continue;

    if (group) groupsOut.push({ template: group.template, keys: group.keys, events: group.events, lookbackMinutes: longestMinutes(window), nameOf: group.nameOf });
    const tuples = group ? groupTuples(group, groupValues.get(p.doc.metadata.name) ?? []) : [null];
    for (const values of tuples) {
      for (const b of built) {
        if (!b.indicator || b.target === null || !b.budgeting) continue;
        const baseName = values && group ? group.nameOf(values) : p.doc.metadata.name;
        const id = spec.objectives.length === 1 ? baseName : `${baseName}/${slug(b.obj.displayName) || String(b.i + 1)}`;
        const prior = ids.get(id);
        if (prior) {
          report('metadata.name', `SLO id ${id} is already defined in ${prior.file}, document ${prior.document}`);
          continue;
        }
        ids.set(id, p);
        const indicator = values ? withWhere(b.indicator, values) : b.indicator;
        const fill = (s: string | undefined): string | null => (s === undefined ? null : values ? fillTemplate(s, values) : s);
        out.push({
          id,
          name: values ? baseName : p.doc.metadata.name,
          displayName: fill(p.doc.metadata.displayName),
          description: fill(spec.description),
          service: spec.service,
          file: p.file,
          document: p.document,
          indicator,
          target: b.target,
          window,
          budgeting: b.budgeting,
          alerting,
          reason: reasonText,
          recommendedActions: actions,
          scope: scopeOf(indicator),
          labels: values ? { ...labels, ...values } : labels,
          ...serviceInfo,
          ...(values ? { group: { template: p.doc.metadata.name, values } } : {}),
          ...(budgetAlerts?.length ? { budgetAlerts } : {}),
        });
      }
    }
  }
  for (const p of composites) {
    const c = buildComposite(p, { reg, dataSources, slis, slos: out, ids, report: (path, message) => at(p, path, message) });
    if (c) compositesOut.push(c);
  }
  return out;
}

export function slug(s: string | undefined): string {
  return (s ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/** `{key}` placeholders replaced by the group's values as written. */
export function fillTemplate(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{([a-z_]+)\}/g, (all, k: string) => values[k] ?? all);
}

function withWhere(ind: Indicator, values: Readonly<Record<string, string>>): Indicator {
  const add = (s: Selector): Selector => ({ ...s, where: Object.fromEntries(Object.entries({ ...s.where, ...values }).sort(([a], [b]) => a.localeCompare(b))) });
  return ind.kind === 'ratio' ? { ...ind, total: add(ind.total), good: add(ind.good) } : { ...ind, events: add(ind.events) };
}

export function buildIndicator(sli: ResolvedSli, obj: ObjectiveT, objPath: string, report: Report): Indicator | null {
  if (sli.kind === 'ratio') {
    // op on a ratio objective: the SLI (or, with time slices, each slice's ratio) must reach the target.
    if (obj.op === 'lt' || obj.op === 'lte') report(`${objPath}.op`, `a ratioMetric objective is met when the ratio reaches the target (gte or gt); got ${obj.op}`);
    if (obj.value !== undefined) report(`${objPath}.value`, 'a ratioMetric objective has no value (only thresholdMetric compares values)');
    if (obj.op === 'lt' || obj.op === 'lte' || obj.value !== undefined) return null;
    return { kind: 'ratio', total: sli.total, good: sli.good, goodIsBad: sli.goodIsBad };
  }
  const events = sli.events;
  if (obj.op === undefined) report(`${objPath}.op`, 'a thresholdMetric objective needs op (lt, lte, gt or gte)');
  if (obj.value === undefined) report(`${objPath}.value`, 'a thresholdMetric objective needs value');
  if (obj.op === undefined || obj.value === undefined) return null;
  if (events.family === 'lem') return { kind: 'level', events, op: obj.op, value: obj.value };
  // duration_ms is whole milliseconds: `< v` is `<= ceil(v) - 1`, `> v` is `not <= floor(v)`.
  const v = obj.value;
  switch (obj.op) {
    case 'lte':
      return { kind: 'latency', events, cutMs: Math.floor(v), goodWhenAbove: false };
    case 'lt':
      return { kind: 'latency', events, cutMs: Math.ceil(v) - 1, goodWhenAbove: false };
    case 'gt':
      return { kind: 'latency', events, cutMs: Math.floor(v), goodWhenAbove: true };
    case 'gte':
      return { kind: 'latency', events, cutMs: Math.ceil(v) - 1, goodWhenAbove: true };
  }
}

export function buildTarget(obj: ObjectiveT, path: string, report: Report): number | null {
  if (obj.target !== undefined && obj.targetPercent !== undefined) {
    report(`${path}.targetPercent`, 'use either target or targetPercent, not both');
    return null;
  }
  if (obj.target !== undefined) return obj.target;
  if (obj.targetPercent !== undefined) return obj.targetPercent / 100;
  report(`${path}.target`, 'is required (a fraction such as 0.99)');
  return null;
}

function sliceMinutesOf(w: string | number): number | null {
  if (typeof w === 'number') return Number.isInteger(w) && w > 0 && w % 60 === 0 ? w / 60 : null;
  return fixedMinutes(w);
}

export function buildBudgeting(method: 'Occurrences' | 'Timeslices' | 'RatioTimeslices', obj: ObjectiveT, path: string, report: Report): Budgeting | null {
  if (method === 'Occurrences') {
    if (obj.timeSliceTarget !== undefined) report(`${path}.timeSliceTarget`, 'only applies with budgetingMethod: Timeslices');
    if (obj.timeSliceWindow !== undefined) report(`${path}.timeSliceWindow`, 'only applies with budgetingMethod: Timeslices or RatioTimeslices');
    return obj.timeSliceTarget === undefined && obj.timeSliceWindow === undefined ? { method } : null;
  }
  const ratio = method === 'RatioTimeslices';
  if (ratio && obj.timeSliceTarget !== undefined) report(`${path}.timeSliceTarget`, 'does not apply with RatioTimeslices (each slice counts its own ratio)');
  if (!ratio && obj.timeSliceTarget === undefined) report(`${path}.timeSliceTarget`, 'is required with budgetingMethod: Timeslices');
  if (obj.timeSliceWindow === undefined) report(`${path}.timeSliceWindow`, `is required with budgetingMethod: ${method}`);
  if ((ratio ? obj.timeSliceTarget !== undefined : obj.timeSliceTarget === undefined) || obj.timeSliceWindow === undefined) return null;
  const minutes = sliceMinutesOf(obj.timeSliceWindow);
  // Slices align to the epoch; a length dividing an hour keeps every slice inside one hour.
  if (minutes === null || minutes < 1 || HOUR_MIN % minutes !== 0) {
    report(`${path}.timeSliceWindow`, `must divide an hour (1m, 2m, 5m, 10m, 15m, 30m, 1h, or seconds such as 60); got ${JSON.stringify(obj.timeSliceWindow)}`);
    return null;
  }
  return { method: 'Timeslices', sliceMinutes: minutes, sliceTarget: ratio ? null : (obj.timeSliceTarget ?? null) };
}

export function buildWindow(tw: TimeWindowT | undefined, report: Report): TimeWindow | null {
  if (!tw) return null;
  const path = 'spec.timeWindow[0]';
  const d = parseDuration(tw.duration);
  if (!d) {
    report(`${path}.duration`, `must be a duration such as 28d, 1w, 1M, 1Q or 1Y (a count up to 999999); got ${JSON.stringify(tw.duration)}`);
    return null;
  }
  const rolling = tw.isRolling ?? tw.calendar === undefined;
  if (tw.isRolling === undefined && tw.calendar === undefined) {
    report(`${path}.isRolling`, 'is required without calendar (true for a rolling window)');
    return null;
  }
  if (rolling) {
    if (tw.calendar) {
      report(`${path}.calendar`, 'a rolling window has no calendar');
      return null;
    }
    // A rolling month, quarter or year is 30, 90 or 365 days.
    const minutes = d.unit === 'M' ? d.count * 30 * DAY_MIN : d.unit === 'Q' ? d.count * 90 * DAY_MIN : d.unit === 'Y' ? d.count * 365 * DAY_MIN : fixedMinutes(tw.duration);
    if (minutes === null || minutes < HOUR_MIN || minutes > MAX_ROLLING_DAYS * DAY_MIN) {
      report(`${path}.duration`, `rolling windows must be between 1h and ${MAX_ROLLING_DAYS}d; got ${tw.duration}`);
      return null;
    }
    return { kind: 'rolling', text: tw.duration, minutes };
  }
  if (!tw.calendar) {
    report(`${path}.calendar`, 'a calendar window (isRolling: false) needs calendar: {startTime, timeZone}');
    return null;
  }
  const start = parseStartTime(tw.calendar.startTime);
  if (!start) return null;
  const unit = d.unit === 'm' || d.unit === 'h' ? 'minute' : d.unit === 'd' ? 'day' : d.unit === 'w' ? 'week' : 'month';
  const count = d.unit === 'h' ? 60 * d.count : d.unit === 'Q' ? 3 * d.count : d.unit === 'Y' ? 12 * d.count : d.count;
  if (nominalPeriodDays({ unit, count }) > 366) {
    report(`${path}.duration`, `calendar windows must be at most a year; got ${tw.duration}`);
    return null;
  }
  return { kind: 'calendar', text: tw.duration, start, timeZone: tw.calendar.timeZone, unit, count };
}

/** Where the catalog looks for the values of a grouped document: distinct `keys` of `events` over the last `lookbackMinutes`. */
export interface GroupSource {
  template: string;
  keys: readonly string[];
  events: Selector;
  lookbackMinutes: number;
  /** The SLO name (id before any `/objective`) of a value. */
  nameOf: (values: GroupTuple) => string;
}

/** Longest period of a window in minutes (how far back a grouped document looks for values). */
export function longestMinutes(window: TimeWindow): number {
  return window.kind === 'rolling' ? window.minutes : longestPeriodDays(window) * DAY_MIN;
}

/** Nominal budget period of a window in minutes (what default alert factors are stated for). */
export function budgetPeriodMinutes(window: TimeWindow): number {
  return window.kind === 'rolling' ? window.minutes : nominalPeriodDays(window) * DAY_MIN;
}

export function buildAlerting(p: ParsedSlo, annotations: Record<string, string>, window: TimeWindow, reg: SloRegistry, report: Report): AlertPolicy | null {
  let ok = true;
  const known = new Set<string>(Object.values(OPS_ANNOTATIONS));
  for (const k of Object.keys(annotations)) {
    if (k.startsWith('ops.') && !known.has(k)) {
      report(`metadata.annotations["${k}"]`, `unknown annotation (known: ${[...known].join(', ')})`);
      ok = false;
    }
  }
  const items = p.doc.spec.alertPolicies;
  const fromPolicies = items !== undefined && items !== null ? policyRules(items, reg, report) : undefined;
  if (fromPolicies === null) ok = false;
  if (fromPolicies !== undefined) {
    for (const key of [OPS_ANNOTATIONS.page, OPS_ANNOTATIONS.ticket, OPS_ANNOTATIONS.pendingFor]) {
      if (annotations[key] !== undefined) {
        report(`metadata.annotations["${key}"]`, 'spec.alertPolicies set the rules (and alertAfter the pending time) of this SLO; drop the annotation or the policies');
        ok = false;
      }
    }
  }
  const defaults = defaultRules(budgetPeriodMinutes(window));
  const rulesOf = (severity: AlertSeverity, key: string): AlertRule[] => {
    const text = annotations[key];
    if (text === undefined) return defaults.filter((r) => r.severity === severity);
    const parsed = parseRuleList(severity, text);
    if (typeof parsed === 'string') {
      report(`metadata.annotations["${key}"]`, parsed);
      ok = false;
      return [];
    }
    return parsed;
  };
  const minutesOf = (key: string, fallback: number): number => {
    const text = annotations[key];
    if (text === undefined) return fallback;
    const m = text === '0' ? 0 : fixedMinutes(text);
    if (m === null || m > DAY_MIN) {
      report(`metadata.annotations["${key}"]`, `must be a duration between 0 and 1d such as 2m or 1h; got ${JSON.stringify(text)}`);
      ok = false;
      return fallback;
    }
    return m;
  };
  const rules = fromPolicies ? fromPolicies.rules : [...rulesOf('PAGE', OPS_ANNOTATIONS.page), ...rulesOf('TICKET', OPS_ANNOTATIONS.ticket)];
  const pendingForMinutes = fromPolicies ? (fromPolicies.pendingForMinutes ?? DEFAULT_PENDING_FOR_MIN) : minutesOf(OPS_ANNOTATIONS.pendingFor, DEFAULT_PENDING_FOR_MIN);
  const keepFiringForMinutes = minutesOf(OPS_ANNOTATIONS.keepFiringFor, DEFAULT_KEEP_FIRING_FOR_MIN);
  return ok ? { rules, pendingForMinutes, keepFiringForMinutes } : null;
}

export function scopeOf(ind: Indicator): SignalScope {
  const wheres = ind.kind === 'ratio' ? [ind.total.where, ind.good.where] : [ind.events.where];
  const pick = (k: string): string | null => {
    for (const w of wheres) if (w[k] !== undefined) return w[k] ?? null;
    return null;
  };
  const lemRoute = ind.kind !== 'ratio' && ind.events.family === 'lem' && pick('scope') === 'ROUTE' ? pick('scope_id') : null;
  return {
    product_version_id: pick('product_version_id'),
    market_code: pick('market_code'),
    city_code: pick('city_code'),
    route_id: pick('route_id') ?? lemRoute,
    vendor_id: pick('vendor_id'),
  };
}
