import { stringify } from 'yaml';
import type { CompositeSlo } from '../definitions/composite.js';
import type { MaintenanceWindow } from '../definitions/maintenance.js';
import type { AlertRule, Indicator, Selector, SloDefinition } from '../definitions/model.js';
import { LATENCY_BOUNDS_MS } from '../store/latency-bounds.js';

/**
 * Prometheus recording and alerting rules equivalent to this pipeline's evaluation of the
 * same SLOs (Sloth-style): one error-ratio recording rule per SLO and alert window, and one
 * multiwindow, multi-burn-rate alert per SLO and severity whose condition is "any rule of
 * that severity holds on both its windows", with the SLO's pending (`for`) and
 * keep-firing times.
 *
 * The rules read the pipeline's events as a Prometheus user would export them:
 * - `slo_pipeline_events_total{topic, event_type, <field>...}`: a counter of events per
 *   input topic and event type, labelled with the fields an SLO may select on (journeys:
 *   journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id,
 *   service_point_id, error_code, preflight_status, preflight_reason; LEM: city_code, scope,
 *   scope_id, metric), an absent field as an absent label;
 * - `slo_pipeline_event_duration_ms_bucket{..., le}` / `_count`: a histogram of journey
 *   events' `duration_ms` with the bounds of LATENCY_BOUNDS_MS (events without a duration
 *   are not in it).
 *
 * Windows: our evaluation at minute T counts the whole minutes [T - W, T). A counter
 * scraped every minute (`scrapeInterval`) covers exactly those minutes with
 * `increase(...[W + scrapeInterval / 2])`: the samples at T - W and T bound them (whether the
 * range includes its start, as Prometheus 2 does, or not, as Prometheus 3), and the
 * extrapolation `increase` applies scales good and total alike, so it cancels in the ratio.
 *
 * Composite SLOs (definitions/composite.ts) follow, one group each: per component and
 * composite alert window its burn rate against its own target (`slo:component_burn:rate<W>`,
 * weighted) and its weight while it has events in the window, then the composite's burn
 * `slo:burn:rate<W>` = their weighted average (core/composite.ts: a component without events in
 * the window is left out), capped at 1 / (1 - target) as the bad fraction is capped at 1, and
 * the composite's own alerts on it.
 *
 * Not exported (listed in `skipped` with the reason): time-slice budgeting (the ratio of
 * each slice is not a counter), LEM score levels, and latency cuts between histogram bounds;
 * a composite with such a component.
 * Maintenance windows are not in the rules (a rule cannot take past minutes out of a rate's
 * range): an exported SLO or composite under windows of its folder is named in `notes`, so
 * its alerts can be silenced in Alertmanager for those times.
 * Where Prometheus differs by design: a firing alert here does not count a minute whose
 * short window holds no events towards resolving; Prometheus does (its ratio is NaN, the
 * condition false).
 */
export const EVENTS_METRIC = 'slo_pipeline_events_total';
export const DURATION_METRIC = 'slo_pipeline_event_duration_ms';

export interface PrometheusExportOptions {
  /** Scrape interval of the exported counters, in minutes. @default 1 */
  scrapeIntervalMinutes?: number;
}

export interface PrometheusRuleFile {
  groups: Array<{ name: string; interval: string; rules: Array<Record<string, unknown>> }>;
}

export interface PrometheusExport {
  file: PrometheusRuleFile;
  exported: string[];
  skipped: Array<{ id: string; reason: string }>;
  /** Exported, with what the rules do not do as we do (maintenance windows). */
  notes: Array<{ id: string; note: string }>;
}

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function quote(v: string): string {
  return JSON.stringify(v);
}

function matchers(sel: Selector): string {
  const parts = [`topic=${quote(sel.topic)}`, `event_type=~${quote(sel.eventTypes.map(escapeRegex).join('|'))}`];
  for (const [k, v] of Object.entries(sel.where)) {
    if (!LABEL.test(k)) throw new Error(`not a label name: ${k}`);
    parts.push(`${k}=${quote(v)}`);
  }
  return parts.join(',');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `sum(increase(<series>[range]))` of the events a selector counts (with its latency cut, if any). */
function count(sel: Selector, range: string): string | null {
  if (sel.latencyMaxMs === null) return `sum(increase(${EVENTS_METRIC}{${matchers(sel)}}[${range}]))`;
  if (!LATENCY_BOUNDS_MS.includes(sel.latencyMaxMs)) return null;
  return `sum(increase(${DURATION_METRIC}_bucket{${matchers(sel)},le=${quote(String(sel.latencyMaxMs))}}[${range}]))`;
}

/** The error ratio of an indicator over `range` and the count of its events, or why it cannot be written as counters. */
function errorRatio(ind: Indicator, range: string): { expr: string; total: string } | { reason: string } {
  if (ind.kind === 'level') return { reason: 'a LEM score is a level held over time, not a count of events' };
  if (ind.kind === 'latency') {
    if (!LATENCY_BOUNDS_MS.includes(ind.cutMs)) return { reason: `latency cut ${ind.cutMs} ms is not a bound of ${DURATION_METRIC}_bucket` };
    const within = `sum(increase(${DURATION_METRIC}_bucket{${matchers(ind.events)},le=${quote(String(ind.cutMs))}}[${range}]))`;
    const total = `sum(increase(${DURATION_METRIC}_count{${matchers(ind.events)}}[${range}]))`;
    // Good below the cut: bad = total - within; good above it: bad = within.
    return { expr: ind.goodWhenAbove ? `(${within}) / (${total})` : `(${total} - ${within}) / (${total})`, total };
  }
  const part = count(ind.good, range);
  const total = count(ind.total, range);
  if (part === null || total === null) return { reason: 'a latencyBelowMs cut that is not a histogram bound' };
  return { expr: ind.goodIsBad ? `(${part}) / (${total})` : `(${total} - ${part}) / (${total})`, total };
}

function minutesText(m: number): string {
  if (m % 1440 === 0) return `${m / 1440}d`;
  if (m % 60 === 0) return `${m / 60}h`;
  return `${m}m`;
}

/** A Prometheus duration of whole seconds: `1h30s`, `3d6h`. */
export function promDuration(seconds: number): string {
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('') || '0s';
}

/** Recording rule name of the error ratio over a window, as Sloth names it. */
export function ratioRecord(windowText: string): string {
  return `slo:sli_error:ratio_rate${windowText}`;
}

/** Alert name of an SLO's burn-rate alert of one severity. */
export const ALERT_NAME = 'SloErrorBudgetBurn';

function windowsOf(rules: readonly AlertRule[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rules) {
    out.set(r.longWindow, r.longMinutes);
    out.set(r.shortWindow, r.shortMinutes);
  }
  return new Map([...out].sort((a, b) => a[1] - b[1]));
}

/** A number as written (12 significant digits): 1 - 0.95 is 0.05 in the rules, not 0.050000000000000044. */
function decimal(x: number): number {
  return Number(x.toPrecision(12));
}

/** Burn-rate recording rule of a composite over a window (its components' weighted average). */
export function burnRecord(windowText: string): string {
  return `slo:burn:rate${windowText}`;
}

/** The alert of one severity on a burn expression per window, with the SLO's pending and keep-firing times. */
function burnAlert(slo: SloDefinition, severity: 'PAGE' | 'TICKET', burn: (window: string) => string): Record<string, unknown> | null {
  const of = slo.alerting.rules.filter((r) => r.severity === severity);
  if (of.length === 0) return null;
  const expr = of.map((r) => `(${burn(r.longWindow)} >= ${r.threshold} and ${burn(r.shortWindow)} >= ${r.threshold})`).join('\nor\n');
  return {
    alert: ALERT_NAME,
    expr,
    ...(slo.alerting.pendingForMinutes > 0 ? { for: minutesText(slo.alerting.pendingForMinutes) } : {}),
    ...(slo.alerting.keepFiringForMinutes > 0 ? { keep_firing_for: minutesText(slo.alerting.keepFiringForMinutes) } : {}),
    labels: { severity: severity.toLowerCase(), slo_id: slo.id, slo_service: slo.service, reason: slo.reason },
    annotations: {
      summary: `${slo.id}: error budget burning (${of.map((r) => `${r.threshold}x over ${r.longWindow} and ${r.shortWindow}`).join(', or ')})`,
    },
  };
}

/**
 * A composite's rules (core/composite.ts as PromQL), or why it cannot be exported. Per
 * composite window W and component i: `slo:component_burn:rate<W>` = w_i x (its error ratio
 * over W) / (1 - target_i) and `slo:component_weight:rate<W>` = w_i, both only while the
 * component counted events in W (else absent, so it is left out of the average); then
 * `slo:burn:rate<W>` = the sum of the first over the sum of the second, at most 1 / (1 - target).
 */
function compositeRules(c: CompositeSlo, scrape: number): { rules: Array<Record<string, unknown>> } | { reason: string } {
  const slo = c.definition;
  const ids = { slo_id: slo.id, slo_service: slo.service };
  const sel = `{slo_id=${quote(slo.id)}}`;
  const rules: Array<Record<string, unknown>> = [];
  const windows = windowsOf(slo.alerting.rules);
  for (const comp of c.components) {
    if (comp.slo.budgeting.method !== 'Occurrences') return { reason: `component ${comp.slo.id}: time-slice budgeting: a slice is good or bad by its own ratio, which rules over counters cannot keep` };
    for (const [text, minutes] of windows) {
      const r = errorRatio(comp.slo.indicator, promDuration(minutes * 60 + scrape * 30));
      if ('reason' in r) return { reason: `component ${comp.slo.id}: ${r.reason}` };
      const labels = { ...ids, slo_component: comp.slo.id, slo_window: text };
      const counted = `and on() (${r.total} > 0)`;
      rules.push({ record: `slo:component_burn:rate${text}`, expr: `${comp.weight} * (${r.expr}) / ${decimal(1 - comp.slo.target)} ${counted}`, labels });
      rules.push({ record: `slo:component_weight:rate${text}`, expr: `vector(${comp.weight}) ${counted}`, labels: { ...labels } });
    }
  }
  const cap = decimal(1 / (1 - slo.target));
  for (const [text] of windows) {
    const part = (name: string): string => `sum without (slo_component) (slo:component_${name}:rate${text}${sel})`;
    rules.push({ record: burnRecord(text), expr: `clamp_max(${part('burn')} / ${part('weight')}, ${cap})`, labels: { ...ids, slo_window: text } });
  }
  rules.push({ record: 'slo:objective:ratio', expr: `vector(${slo.target})`, labels: { ...ids } });
  rules.push({ record: 'slo:error_budget:ratio', expr: `vector(${decimal(1 - slo.target)})`, labels: { ...ids } });
  for (const severity of ['PAGE', 'TICKET'] as const) {
    const alert = burnAlert(slo, severity, (w) => `(max(${burnRecord(w)}${sel}) without (slo_window))`);
    if (alert) rules.push(alert);
  }
  return { rules };
}

export function prometheusRules(slos: readonly SloDefinition[], options: PrometheusExportOptions = {}, composites: readonly CompositeSlo[] = []): PrometheusExport {
  const scrape = options.scrapeIntervalMinutes ?? 1;
  const file: PrometheusRuleFile = { groups: [] };
  const exported: string[] = [];
  const skipped: Array<{ id: string; reason: string }> = [];
  for (const slo of slos) {
    if (slo.budgeting.method !== 'Occurrences') {
      skipped.push({ id: slo.id, reason: 'time-slice budgeting: a slice is good or bad by its own ratio, which rules over counters cannot keep' });
      continue;
    }
    const ids = { slo_id: slo.id, slo_service: slo.service };
    const sel = `{slo_id=${quote(slo.id)}}`;
    const rules: Array<Record<string, unknown>> = [];
    let reason: string | null = null;
    for (const [text, minutes] of windowsOf(slo.alerting.rules)) {
      const r = errorRatio(slo.indicator, promDuration(minutes * 60 + scrape * 30));
      if ('reason' in r) {
        reason = r.reason;
        break;
      }
      rules.push({ record: ratioRecord(text), expr: r.expr, labels: { ...ids, slo_window: text } });
    }
    if (reason !== null) {
      skipped.push({ id: slo.id, reason });
      continue;
    }
    const budget = 1 - slo.target;
    rules.push({ record: 'slo:objective:ratio', expr: `vector(${slo.target})`, labels: ids });
    rules.push({ record: 'slo:error_budget:ratio', expr: `vector(${budget})`, labels: ids });
    for (const severity of ['PAGE', 'TICKET'] as const) {
      const alert = burnAlert(slo, severity, (w) => `(max(${ratioRecord(w)}${sel}) without (slo_window) / ${budget})`);
      if (alert) rules.push(alert);
    }
    file.groups.push({ name: `slo-pipeline:${slo.id}`, interval: `${scrape}m`, rules });
    exported.push(slo.id);
  }
  for (const c of composites) {
    const r = compositeRules(c, scrape);
    if ('reason' in r) {
      skipped.push({ id: c.definition.id, reason: r.reason });
      continue;
    }
    file.groups.push({ name: `slo-pipeline:${c.definition.id}`, interval: `${scrape}m`, rules: r.rules });
    exported.push(c.definition.id);
  }
  const notes: Array<{ id: string; note: string }> = [];
  // A composite counts the windows on it and on its components.
  const windows = new Map<string, readonly MaintenanceWindow[]>([
    ...slos.map((d): [string, readonly MaintenanceWindow[]] => [d.id, d.maintenance ?? []]),
    ...composites.map((c): [string, readonly MaintenanceWindow[]] => [c.definition.id, [...(c.definition.maintenance ?? []), ...c.components.flatMap((m) => m.slo.maintenance ?? [])]]),
  ]);
  for (const id of exported) {
    const names = [...new Set((windows.get(id) ?? []).map((w) => w.name))];
    if (names.length > 0) {
      notes.push({ id, note: `maintenance window${names.length > 1 ? 's' : ''} ${names.join(', ')} not in the rules: they count those minutes; silence its alerts in Alertmanager for those times` });
    }
  }
  return { file, exported, skipped, notes };
}

/** The rule file as YAML, with a header naming the metrics it reads and what was left out. */
export function renderRules(e: PrometheusExport): string {
  const head = [
    '# Prometheus rules for the SLOs of slo-pipeline (slo-pipeline slo export --format prometheus).',
    `# Reads ${EVENTS_METRIC}{topic, event_type, <fields>} and ${DURATION_METRIC}_bucket / _count (see slos/README.md).`,
    ...e.skipped.map((s) => `# not exported: ${s.id}: ${s.reason}`),
    ...e.notes.map((n) => `# note: ${n.id}: ${n.note}`),
  ];
  return `${head.join('\n')}\n${stringify(e.file, { lineWidth: 0 })}`;
}
