import { stringify } from 'yaml';
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
 * Not exported (listed in `skipped` with the reason): time-slice budgeting (the ratio of
 * each slice is not a counter), LEM score levels, and latency cuts between histogram bounds.
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

/** The error ratio of an indicator over `range`, or why it cannot be written as counters. */
function errorRatio(ind: Indicator, range: string): { expr: string } | { reason: string } {
  if (ind.kind === 'level') return { reason: 'a LEM score is a level held over time, not a count of events' };
  if (ind.kind === 'latency') {
    if (!LATENCY_BOUNDS_MS.includes(ind.cutMs)) return { reason: `latency cut ${ind.cutMs} ms is not a bound of ${DURATION_METRIC}_bucket` };
    const within = `sum(increase(${DURATION_METRIC}_bucket{${matchers(ind.events)},le=${quote(String(ind.cutMs))}}[${range}]))`;
    const total = `sum(increase(${DURATION_METRIC}_count{${matchers(ind.events)}}[${range}]))`;
    // Good below the cut: bad = total - within; good above it: bad = within.
    return { expr: ind.goodWhenAbove ? `(${within}) / (${total})` : `(${total} - ${within}) / (${total})` };
  }
  const part = count(ind.good, range);
  const total = count(ind.total, range);
  if (part === null || total === null) return { reason: 'a latencyBelowMs cut that is not a histogram bound' };
  return { expr: ind.goodIsBad ? `(${part}) / (${total})` : `(${total} - ${part}) / (${total})` };
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

export function prometheusRules(slos: readonly SloDefinition[], options: PrometheusExportOptions = {}): PrometheusExport {
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
      const of = slo.alerting.rules.filter((r) => r.severity === severity);
      if (of.length === 0) continue;
      const burn = (w: string): string => `(max(${ratioRecord(w)}${sel}) without (slo_window) / ${budget})`;
      const expr = of.map((r) => `(${burn(r.longWindow)} >= ${r.threshold} and ${burn(r.shortWindow)} >= ${r.threshold})`).join('\nor\n');
      rules.push({
        alert: ALERT_NAME,
        expr,
        ...(slo.alerting.pendingForMinutes > 0 ? { for: minutesText(slo.alerting.pendingForMinutes) } : {}),
        ...(slo.alerting.keepFiringForMinutes > 0 ? { keep_firing_for: minutesText(slo.alerting.keepFiringForMinutes) } : {}),
        labels: { severity: severity.toLowerCase(), slo_id: slo.id, slo_service: slo.service, reason: slo.reason },
        annotations: {
          summary: `${slo.id}: error budget burning (${of.map((r) => `${r.threshold}x over ${r.longWindow} and ${r.shortWindow}`).join(', or ')})`,
        },
      });
    }
    file.groups.push({ name: `slo-pipeline:${slo.id}`, interval: `${scrape}m`, rules });
    exported.push(slo.id);
  }
  return { file, exported, skipped };
}

/** The rule file as YAML, with a header naming the metrics it reads and what was left out. */
export function renderRules(e: PrometheusExport): string {
  const head = [
    '# Prometheus rules for the SLOs of slo-pipeline (slo-pipeline slo export --format prometheus).',
    `# Reads ${EVENTS_METRIC}{topic, event_type, <fields>} and ${DURATION_METRIC}_bucket / _count (see slos/README.md).`,
    ...e.skipped.map((s) => `# not exported: ${s.id}: ${s.reason}`),
  ];
  return `${head.join('\n')}\n${stringify(e.file, { lineWidth: 0 })}`;
}
