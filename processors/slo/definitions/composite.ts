import { BREACH_REASONS, type BreachReason } from '../../contracts/enums.js';
import { BUDGET_ALERT_ANNOTATION, parseBudgetAlerts, type BudgetAlertRule } from './budget-alerts.js';
import { buildAlerting, buildBudgeting, buildIndicator, buildTarget, buildWindow, OPS_ANNOTATIONS, scopeOf, slug } from './build.js';
import type { ParsedSlo, SloRegistry } from './load.js';
import type { SignalScope, SloDefinition } from './model.js';
import type { ObjectiveT } from './schema.js';
import { resolveSli, type Report, type ResolvedSli } from './sources.js';

/**
 * Composite SLOs: one objective made of weighted components, each an SLO of its own kind
 * (a latency SLO and an availability SLO, a LEM level...). Two ways to write one:
 *
 * - components referring to SLOs of the set (as Nobl9 composites do):
 *   `spec.composite.components: [{slo: <slo_id>, weight: 2}, ...]` and one
 *   `spec.objectives[0].target`, the composite's own target;
 * - OpenSLO v1 composite objectives: no `spec.indicator`; every objective has its own
 *   `indicator` or `indicatorRef`, its own target and `compositeWeight` (default 1); the
 *   composite's target is `spec.composite.target`, else the weight-averaged targets of the
 *   objectives. These components exist only inside the composite (ids `<name>/<objective>`).
 *
 * The math is core/composite.ts. A composite is not part of the set's `slos` (the readers
 * read components, never the composite): the catalog keeps it in `composites`.
 */
export interface CompositeComponent {
  /** The component SLO: one of the set's SLOs, or an objective of the composite document. */
  slo: SloDefinition;
  weight: number;
  /** true: an SLO of the set (`spec.composite.components`); false: an objective of the composite. */
  referenced: boolean;
}

export interface CompositeSlo {
  /**
   * The composite as an SLO: id, target, window, alerting (default rules of its period, or
   * its own annotations and policies), reason, actions, scope (the fields all components
   * share). Its `indicator` is the first component's and is never read; its units are the
   * components' (`budgeting` Occurrences).
   */
  definition: SloDefinition;
  components: readonly CompositeComponent[];
}

/** True for a document written as a composite (either way). */
export function isCompositeDocument(p: ParsedSlo): boolean {
  const spec = p.doc.spec;
  return spec.composite !== undefined || spec.objectives.some((o) => o.indicator !== undefined || o.indicatorRef !== undefined || o.compositeWeight !== undefined);
}

export interface CompositeContext {
  reg: SloRegistry;
  dataSources: ReadonlyMap<string, string | null>;
  /** The resolved SLIs of the set (null: broken, reported where written). */
  slis: ReadonlyMap<string, ResolvedSli | null>;
  /** The set's SLOs with their own indicator (what `spec.composite.components` may name). */
  slos: readonly SloDefinition[];
  /** Ids already taken (SLOs and composites); the composite's own id is added. */
  ids: Map<string, { file: string; document: number }>;
  report: Report;
}

function isBreachReason(s: string): s is BreachReason {
  return (BREACH_REASONS as readonly string[]).includes(s);
}

/** The composite of a document, or null (every problem reported). */
export function buildComposite(p: ParsedSlo, ctx: CompositeContext): CompositeSlo | null {
  const { report } = ctx;
  const spec = p.doc.spec;
  const name = p.doc.metadata.name;
  let ok = true;
  const fail = (path: string, message: string): void => {
    report(path, message);
    ok = false;
  };
  if (spec.indicator !== undefined) fail('spec.indicator', 'a composite SLO takes its indicators from its components; drop spec.indicator');
  if (spec.indicatorRef !== undefined) fail('spec.indicatorRef', 'a composite SLO takes its indicators from its components; drop spec.indicatorRef');
  const annotations = p.doc.metadata.annotations ?? {};
  if (annotations[OPS_ANNOTATIONS.groupBy] !== undefined) fail(`metadata.annotations["${OPS_ANNOTATIONS.groupBy}"]`, 'a composite SLO cannot be grouped');
  const window = buildWindow(spec.timeWindow[0], report);
  const alerting = window ? buildAlerting(p, annotations, window, ctx.reg, report) : null;
  const reasonText = annotations[OPS_ANNOTATIONS.reason] ?? 'SLO_BREACH';
  if (!isBreachReason(reasonText)) fail(`metadata.annotations["${OPS_ANNOTATIONS.reason}"]`, `must be SLO_BREACH, SAFETY_RISK or QUALITY_LOW; got ${JSON.stringify(reasonText)}`);
  const budgetAlerts = budgetAlertsOf(annotations, report);
  if (budgetAlerts === null) ok = false;

  const referenced = spec.composite?.components !== undefined;
  let components: CompositeComponent[] | null;
  let target: number | null;
  if (referenced) {
    components = referencedComponents(p, ctx, fail);
    target = compositeObjectiveTarget(spec.objectives, fail);
    if (spec.composite?.target !== undefined) fail('spec.composite.target', 'with spec.composite.components the target is spec.objectives[0].target; drop spec.composite.target');
    if (spec.budgetingMethod !== 'Occurrences') fail('spec.budgetingMethod', 'a composite of SLOs counts in its components\' own units; drop budgetingMethod (each component SLO has its own)');
  } else {
    components = window && alerting ? objectiveComponents(p, ctx, window, alerting, fail) : null;
    target = components ? (spec.composite?.target ?? weightedTarget(components)) : null;
  }
  if (!ok || !window || !alerting || !components || target === null || !isBreachReason(reasonText) || !budgetAlerts) return null;

  const prior = ctx.ids.get(name);
  if (prior) {
    report('metadata.name', `SLO id ${name} is already defined in ${prior.file}, document ${prior.document}`);
    return null;
  }
  ctx.ids.set(name, p);
  const first = components[0] as CompositeComponent;
  const service = ctx.reg.services.get(spec.service);
  const labels = Object.fromEntries(Object.entries(p.doc.metadata.labels ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
  const definition: SloDefinition = {
    id: name,
    name,
    displayName: p.doc.metadata.displayName ?? null,
    description: spec.description ?? null,
    service: spec.service,
    file: p.file,
    document: p.document,
    indicator: first.slo.indicator,
    target,
    window,
    budgeting: { method: 'Occurrences' },
    alerting,
    reason: reasonText,
    recommendedActions: (annotations[OPS_ANNOTATIONS.actions] ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0),
    scope: sharedScope(components.map((c) => c.slo.scope)),
    labels,
    ...(service ? { serviceInfo: { displayName: service.metadata.displayName ?? null, description: service.spec?.description ?? null } } : {}),
    ...(budgetAlerts.length > 0 ? { budgetAlerts } : {}),
  };
  return { definition, components };
}

/** `ops.alert.budget` of a document: [] when absent, null when invalid (reported). */
export function budgetAlertsOf(annotations: Readonly<Record<string, string>>, report: Report): BudgetAlertRule[] | null {
  const text = annotations[BUDGET_ALERT_ANNOTATION];
  if (text === undefined) return [];
  const parsed = parseBudgetAlerts(text);
  if (typeof parsed === 'string') {
    report(`metadata.annotations["${BUDGET_ALERT_ANNOTATION}"]`, parsed);
    return null;
  }
  return parsed;
}

function compositeObjectiveTarget(objectives: readonly ObjectiveT[], fail: Report): number | null {
  if (objectives.length !== 1) {
    fail('spec.objectives', 'a composite of SLOs has exactly one objective (its target); its components are spec.composite.components');
    return null;
  }
  const obj = objectives[0] as ObjectiveT;
  for (const k of ['op', 'value', 'timeSliceTarget', 'timeSliceWindow', 'indicator', 'indicatorRef', 'compositeWeight'] as const) {
    if (obj[k] !== undefined) fail(`spec.objectives[0].${k}`, 'a composite of SLOs has only a target (its components are spec.composite.components)');
  }
  return buildTarget(obj, 'spec.objectives[0]', fail);
}

function referencedComponents(p: ParsedSlo, ctx: CompositeContext, fail: Report): CompositeComponent[] | null {
  const list = p.doc.spec.composite?.components ?? [];
  const out: CompositeComponent[] = [];
  const seen = new Set<string>();
  list.forEach((c, i) => {
    const path = `spec.composite.components[${i}]`;
    const slo = ctx.slos.find((s) => s.id === c.slo);
    if (seen.has(c.slo)) return fail(`${path}.slo`, `${JSON.stringify(c.slo)} is listed twice`);
    seen.add(c.slo);
    if (!slo) {
      const composite = ctx.reg.slos.some((o) => o !== p && o.doc.metadata.name === c.slo && isCompositeDocument(o));
      return fail(`${path}.slo`, composite ? `${JSON.stringify(c.slo)} is a composite SLO; components must be SLOs with their own indicator` : `no SLO with id ${JSON.stringify(c.slo)} in this set`);
    }
    out.push({ slo, weight: c.weight ?? 1, referenced: true });
  });
  return out.length === list.length ? out : null;
}

function objectiveComponents(p: ParsedSlo, ctx: CompositeContext, window: SloDefinition['window'], alerting: SloDefinition['alerting'], fail: Report): CompositeComponent[] | null {
  const spec = p.doc.spec;
  const name = p.doc.metadata.name;
  const out: CompositeComponent[] = [];
  let ok = true;
  const bad: Report = (path, message) => {
    fail(path, message);
    ok = false;
  };
  spec.objectives.forEach((obj, i) => {
    const path = `spec.objectives[${i}]`;
    let sli: ResolvedSli | null;
    if (obj.indicator !== undefined && obj.indicatorRef !== undefined) return bad(`${path}.indicatorRef`, 'use either indicator or indicatorRef, not both');
    if (obj.indicator !== undefined) sli = resolveSli(obj.indicator.spec, `${path}.indicator.spec`, ctx.reg, ctx.dataSources, bad);
    else if (obj.indicatorRef !== undefined) {
      if (!ctx.reg.slis.has(obj.indicatorRef)) return bad(`${path}.indicatorRef`, `no SLI named ${JSON.stringify(obj.indicatorRef)} in this set`);
      sli = ctx.slis.get(obj.indicatorRef) ?? null;
    } else return bad(path, 'every objective of a composite SLO needs its own indicator or indicatorRef');
    if (!sli) {
      ok = false;
      return;
    }
    const indicator = buildIndicator(sli, obj, path, bad);
    const target = buildTarget(obj, path, bad);
    const budgeting = buildBudgeting(spec.budgetingMethod, obj, path, bad);
    if (!indicator || target === null || !budgeting) {
      ok = false;
      return;
    }
    const id = `${name}/${slug(obj.displayName) || String(i + 1)}`;
    if (out.some((c) => c.slo.id === id)) return bad(`${path}.displayName`, `two objectives of this composite are named ${id}`);
    out.push({
      slo: {
        id,
        name,
        displayName: obj.displayName ?? null,
        description: null,
        service: spec.service,
        file: p.file,
        document: p.document,
        indicator,
        target,
        window,
        budgeting,
        alerting,
        reason: 'SLO_BREACH',
        recommendedActions: [],
        scope: scopeOf(indicator),
        labels: {},
      },
      weight: obj.compositeWeight ?? 1,
      referenced: false,
    });
  });
  return ok ? out : null;
}

function weightedTarget(components: readonly CompositeComponent[]): number {
  const w = components.reduce((a, c) => a + c.weight, 0);
  return Math.round((components.reduce((a, c) => a + c.weight * c.slo.target, 0) / w) * 1e12) / 1e12;
}

/** The scope fields every component has with the same value; others null. */
function sharedScope(scopes: readonly SignalScope[]): SignalScope {
  const keys = ['product_version_id', 'market_code', 'city_code', 'route_id', 'vendor_id'] as const;
  const first = scopes[0];
  const out = { product_version_id: null, market_code: null, city_code: null, route_id: null, vendor_id: null } as Record<(typeof keys)[number], string | null>;
  if (!first) return out;
  for (const k of keys) out[k] = scopes.every((s) => s[k] === first[k]) ? first[k] : null;
  return out;
}
