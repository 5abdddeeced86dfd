import { BREACH_REASONS, type AlertSeverity, type BreachReason } from '../../contracts/enums.js';
import { defaultRules, parseRuleList } from './alert-rules.js';
import { parseStartTime } from './calendar.js';
import { DAY_MIN, fixedMinutes, HOUR_MIN, parseDuration } from './duration.js';
import type { DocRef, ParsedSli, ParsedSlo, SloProblem } from './load.js';
import type { AlertPolicy, Budgeting, Indicator, Selector, SignalScope, SloDefinition, TimeWindow } from './model.js';
import type { MetricSourceSpecT, ObjectiveT, SliSpecT, TimeWindowT } from './schema.js';
import { familyOfSliTopic } from './selector.js';

/** Annotations this pipeline reads; any other `ops.` annotation is a typo and an error. */
export const OPS_ANNOTATIONS = {
  reason: 'ops.reason',
  actions: 'ops.recommended_actions',
  page: 'ops.alert.page',
  ticket: 'ops.alert.ticket',
  pendingFor: 'ops.alert.pending_for',
  keepFiringFor: 'ops.alert.keep_firing_for',
} as const;

/** @default 0 minutes: a page fires the minute both windows burn too fast. */
export const DEFAULT_PENDING_FOR_MIN = 0;
/**
 * @default 15 minutes: a condition must stay false this long before RESOLVED. Short windows
 * over few events dip below the threshold mid-incident; this keeps one episode one page.
 */
export const DEFAULT_KEEP_FIRING_FOR_MIN = 15;

type Problems = SloProblem[];

function isBreachReason(s: string): s is BreachReason {
  return (BREACH_REASONS as readonly string[]).includes(s);
}

/** Turns validated documents into definitions; adds a problem for everything that does not fit together. */
export function buildDefinitions(slos: readonly ParsedSlo[], slis: ReadonlyMap<string, ParsedSli>, problems: Problems): SloDefinition[] {
  const out: SloDefinition[] = [];
  const ids = new Map<string, DocRef>();
  for (const p of slos) {
    const before = problems.length;
    const report = (path: string, message: string): void => void problems.push({ file: p.file, document: p.document, name: p.name, path, message });
    const spec = p.doc.spec;
    let sli: SliSpecT | undefined;
    let sliPath = 'spec.indicator.spec';
    if (spec.indicator && spec.indicatorRef) report('spec.indicatorRef', 'use either indicator or indicatorRef, not both');
    else if (spec.indicator) sli = spec.indicator.spec;
    else if (spec.indicatorRef) {
      sli = slis.get(spec.indicatorRef)?.spec;
      sliPath = 'spec.indicatorRef';
      if (!sli) report('spec.indicatorRef', `no SLI named ${JSON.stringify(spec.indicatorRef)} in this set`);
    } else report('spec', 'needs indicator or indicatorRef');

    const window = buildWindow(spec.timeWindow[0], report);
    const annotations = p.doc.metadata.annotations ?? {};
    const alerting = window ? buildAlerting(annotations, window, report) : null;
    const reasonText = annotations[OPS_ANNOTATIONS.reason] ?? 'SLO_BREACH';
    if (!isBreachReason(reasonText)) report(`metadata.annotations["${OPS_ANNOTATIONS.reason}"]`, `must be SLO_BREACH, SAFETY_RISK or QUALITY_LOW; got ${JSON.stringify(reasonText)}`);
    const actions = (annotations[OPS_ANNOTATIONS.actions] ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    const labels = Object.fromEntries(Object.entries(p.doc.metadata.labels ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));

    spec.objectives.forEach((obj, i) => {
      const path = `spec.objectives[${i}]`;
      const indicator = sli ? buildIndicator(sli, obj, sliPath, path, report) : null;
      const target = buildTarget(obj, path, report);
      const budgeting = buildBudgeting(spec.budgetingMethod, obj, path, report);
      if (!indicator || target === null || !budgeting || !window || !alerting || !isBreachReason(reasonText)) return;
      if (problems.length > before) return;
      const id = spec.objectives.length === 1 ? p.doc.metadata.name : `${p.doc.metadata.name}/${slug(obj.displayName) || String(i + 1)}`;
      const prior = ids.get(id);
      if (prior) {
        report('metadata.name', `SLO id ${id} is already defined in ${prior.file}, document ${prior.document}`);
        return;
      }
      ids.set(id, p);
      out.push({
        id,
        name: p.doc.metadata.name,
        displayName: p.doc.metadata.displayName ?? null,
        description: spec.description ?? null,
        service: spec.service,
        file: p.file,
        document: p.document,
        indicator,
        target,
        window,
        budgeting,
        alerting,
        reason: reasonText,
        recommendedActions: actions,
        scope: scopeOf(indicator),
        labels,
      });
    });
  }
  return out;
}

function slug(s: string | undefined): string {
  return (s ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

function selector(spec: MetricSourceSpecT): Selector | null {
  const family = familyOfSliTopic(spec.topic);
  if (!family) return null;
  const where = Object.fromEntries(Object.entries(spec.where ?? {}).sort(([a], [b]) => a.localeCompare(b)));
  return {
    family,
    topic: family === 'journey' ? 'tjm.journey.v1' : 'lem.signals.v1',
    eventTypes: [...new Set(spec.eventTypes)].sort(),
    where,
    latencyMaxMs: spec.latencyBelowMs ?? null,
  };
}

type Report = (path: string, message: string) => void;

function buildIndicator(sli: SliSpecT, obj: ObjectiveT, sliPath: string, objPath: string, report: Report): Indicator | null {
  if (sli.ratioMetric) {
    if (obj.op !== undefined) report(`${objPath}.op`, 'a ratioMetric objective has no op (only thresholdMetric compares values)');
    if (obj.value !== undefined) report(`${objPath}.value`, 'a ratioMetric objective has no value (only thresholdMetric compares values)');
    const part = sli.ratioMetric.good ?? sli.ratioMetric.bad;
    const total = selector(sli.ratioMetric.total.metricSource.spec);
    const good = part ? selector(part.metricSource.spec) : null;
    if (!total || !good) return null;
    return { kind: 'ratio', total, good, goodIsBad: sli.ratioMetric.good === undefined };
  }
  if (!sli.thresholdMetric) return null;
  const events = selector(sli.thresholdMetric.metricSource.spec);
  if (!events) return null;
  if (obj.op === undefined) report(`${objPath}.op`, 'a thresholdMetric objective needs op (lt, lte, gt or gte)');
  if (obj.value === undefined) report(`${objPath}.value`, 'a thresholdMetric objective needs value');
  if (obj.op === undefined || obj.value === undefined) return null;
  if (events.latencyMaxMs !== null) {
    report(`${sliPath === 'spec.indicatorRef' ? sliPath : `${sliPath}.thresholdMetric.metricSource.spec`}.latencyBelowMs`, 'a thresholdMetric compares with the objective op/value; latencyBelowMs belongs to ratioMetric');
    return null;
  }
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

function buildTarget(obj: ObjectiveT, path: string, report: Report): number | null {
  if (obj.target !== undefined && obj.targetPercent !== undefined) {
    report(`${path}.targetPercent`, 'use either target or targetPercent, not both');
    return null;
  }
  if (obj.target !== undefined) return obj.target;
  if (obj.targetPercent !== undefined) return obj.targetPercent / 100;
  report(`${path}.target`, 'is required (a fraction such as 0.99)');
  return null;
}

function buildBudgeting(method: 'Occurrences' | 'Timeslices', obj: ObjectiveT, path: string, report: Report): Budgeting | null {
  if (method === 'Occurrences') {
    if (obj.timeSliceTarget !== undefined) report(`${path}.timeSliceTarget`, 'only applies with budgetingMethod: Timeslices');
    if (obj.timeSliceWindow !== undefined) report(`${path}.timeSliceWindow`, 'only applies with budgetingMethod: Timeslices');
    return obj.timeSliceTarget === undefined && obj.timeSliceWindow === undefined ? { method } : null;
  }
  if (obj.timeSliceTarget === undefined) report(`${path}.timeSliceTarget`, 'is required with budgetingMethod: Timeslices');
  if (obj.timeSliceWindow === undefined) report(`${path}.timeSliceWindow`, 'is required with budgetingMethod: Timeslices');
  if (obj.timeSliceTarget === undefined || obj.timeSliceWindow === undefined) return null;
  const minutes = fixedMinutes(obj.timeSliceWindow);
  // Slices align to the epoch; a length dividing an hour keeps every slice inside one hour.
  if (minutes === null || minutes < 1 || HOUR_MIN % minutes !== 0) {
    report(`${path}.timeSliceWindow`, `must divide an hour (1m, 2m, 5m, 10m, 15m, 30m, 1h, ...); got ${JSON.stringify(obj.timeSliceWindow)}`);
    return null;
  }
  return { method, sliceMinutes: minutes, sliceTarget: obj.timeSliceTarget };
}

function buildWindow(tw: TimeWindowT | undefined, report: Report): TimeWindow | null {
  if (!tw) return null;
  const d = parseDuration(tw.duration);
  if (!d) return null;
  if (tw.isRolling) {
    const minutes = fixedMinutes(tw.duration);
    if (minutes === null) return null;
    if (minutes < HOUR_MIN || minutes > 90 * DAY_MIN) {
      report('spec.timeWindow[0].duration', `rolling windows must be between 1h and 90d; got ${tw.duration}`);
      return null;
    }
    return { kind: 'rolling', text: tw.duration, minutes };
  }
  const start = tw.calendar ? parseStartTime(tw.calendar.startTime) : null;
  if (!tw.calendar || !start) return null;
  return { kind: 'calendar', text: tw.duration, start, timeZone: tw.calendar.timeZone, unit: d.unit === 'w' ? 'week' : 'month', count: 1 };
}

function buildAlerting(annotations: Record<string, string>, window: TimeWindow, report: Report): AlertPolicy | null {
  let ok = true;
  const known = new Set<string>(Object.values(OPS_ANNOTATIONS));
  for (const k of Object.keys(annotations)) {
    if (k.startsWith('ops.') && !known.has(k)) {
      report(`metadata.annotations["${k}"]`, `unknown annotation (known: ${[...known].join(', ')})`);
      ok = false;
    }
  }
  const budgetMinutes = window.kind === 'rolling' ? window.minutes : window.unit === 'week' ? 7 * DAY_MIN : 30 * DAY_MIN;
  const defaults = defaultRules(budgetMinutes);
  const rulesOf = (severity: AlertSeverity, key: string) => {
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
  const rules = [...rulesOf('PAGE', OPS_ANNOTATIONS.page), ...rulesOf('TICKET', OPS_ANNOTATIONS.ticket)];
  const pendingForMinutes = minutesOf(OPS_ANNOTATIONS.pendingFor, DEFAULT_PENDING_FOR_MIN);
  const keepFiringForMinutes = minutesOf(OPS_ANNOTATIONS.keepFiringFor, DEFAULT_KEEP_FIRING_FOR_MIN);
  return ok ? { rules, pendingForMinutes, keepFiringForMinutes } : null;
}

function scopeOf(ind: Indicator): SignalScope {
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
