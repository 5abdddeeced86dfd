import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { MINUTE_MS } from '../definitions/duration.js';
import { sloWindow } from '../core/evaluate.js';
import type { Selector, SloDefinition } from '../definitions/model.js';
import { isLatencyBound } from '../store/latency-bounds.js';
import { readCounts } from '../store/series-reader.js';
import { matchCondition, minuteRange, ParamBag } from '../store/sql.js';
import { backtestComposite, backtestOne, type BacktestRun } from './backtest.js';
import type { CompositeSlo } from '../definitions/composite.js';

/**
 * Backtest sweeps: one SLO replayed over [from, to) of recorded data once per variant
 * (every target x every latency threshold), to compare what each would have paged and when.
 * Pure replay, like backtest.ts (each variant is `backtestOne` of a modified definition):
 * nothing is written and no signal is sent. For latency SLIs the distribution of the metric
 * over the span comes with it, and warnings say when the history cannot carry a judgement.
 */

export interface SweepOptions {
  /** Objectives to try. @default the SLO's own target */
  targets?: readonly number[];
  /**
   * Latency thresholds to try, in ms: an event is good when its `duration_ms` is at most the
   * threshold (above it, for an SLO good above its threshold). Latency SLIs only.
   * @default the SLO's own threshold
   */
  thresholdsMs?: readonly number[];
  /** A span with data in fewer than this share of its minutes is sparse. @default 0.5 */
  minCoverage?: number;
  /** A span with fewer events (or slices) than this is sparse. @default 100 */
  minUnits?: number;
}

/** What one variant would have done. Times are ISO instants of the FIRING transitions. */
export interface SweepVariant {
  target: number;
  /** null for an SLI without a latency threshold. */
  threshold_ms: number | null;
  /** True for the definition as written (its own target and threshold). */
  as_defined: boolean;
  pages: number;
  tickets: number;
  page_times: string[];
  ticket_times: string[];
  /** Minutes the PAGE alerts were firing inside the span. */
  page_minutes: number;
  final_sli: number | null;
  final_error_budget_remaining: number | null;
}

/** Events per bucket of the stored latency bounds: `count` events with `duration_ms` in (previous bound, le_ms]. */
export interface LatencyBucket {
  le_ms: number;
  count: number;
}

export interface ThresholdMark {
  threshold_ms: number;
  /** Share of events with a duration at most the threshold (over the whole span; from the facts when the threshold lies between the buckets' bounds). */
  share_at_most: number;
}

export interface LatencyDistribution {
  /** Events with a duration in the span (events without one are not counted). */
  events: number;
  buckets: LatencyBucket[];
  thresholds: ThresholdMark[];
}

export type SweepWarningCode =
  | 'NO_DATA'
  | 'HISTORY_SHORTER_THAN_WINDOW'
  | 'SPAN_SHORTER_THAN_ALERT_WINDOW'
  | 'SPARSE_HISTORY'
  | 'THRESHOLDS_NOT_APPLICABLE'
  | 'COMPOSITE_TARGET_MOVES_SLI_ONLY';

export interface SweepWarning {
  code: SweepWarningCode;
  message: string;
}

export interface SweepHistory {
  /** First minute with data in the SLO window before `to` (ISO), null without any. */
  first_data_at: string | null;
  minutes: number;
  minutes_with_data: number;
  /** Events (or slices, for level SLIs) in the span. */
  units: number;
}

export interface SweepSlo {
  slo_id: string;
  /** `composite`: a composite SLO (only its own target is varied; its components keep theirs). */
  indicator: 'ratio' | 'latency' | 'level' | 'composite';
  time_window: string;
  target: number;
  threshold_ms: number | null;
  variants: SweepVariant[];
  distribution: LatencyDistribution | null;
  history: SweepHistory;
  warnings: SweepWarning[];
}

export interface SweepResult {
  from: string;
  to: string;
  slos: SweepSlo[];
}

const iso = (ms: number): string => new Date(ms).toISOString();
const pctText = (x: number): string => `${+(x * 100).toFixed(4)}%`;

/** The latency threshold of an SLI in ms (the cut an event is judged by), or null when it has none. */
export function latencyThreshold(slo: SloDefinition): number | null {
  const ind = slo.indicator;
  if (ind.kind === 'latency') return ind.cutMs;
  if (ind.kind === 'ratio' && ind.total.latencyMaxMs === null) return ind.good.latencyMaxMs;
  return null;
}

/** The events a latency distribution is drawn from: the latency SLI's events, or a ratio's total. */
function distributionSelector(slo: SloDefinition): Selector | null {
  const ind = slo.indicator;
  if (ind.kind === 'latency') return ind.events;
  if (ind.kind === 'ratio' && ind.total.latencyMaxMs === null && ind.good.latencyMaxMs !== null) return ind.total;
  return null;
}

/** The definition with another target and, for a latency SLI, another threshold. */
export function sweepVariant(slo: SloDefinition, target: number, thresholdMs: number | null): SloDefinition {
  const ind = slo.indicator;
  if (thresholdMs === null || latencyThreshold(slo) === null) return { ...slo, target };
  if (ind.kind === 'latency') return { ...slo, target, indicator: { ...ind, cutMs: thresholdMs } };
  if (ind.kind === 'ratio') return { ...slo, target, indicator: { ...ind, good: { ...ind.good, latencyMaxMs: thresholdMs } } };
  return { ...slo, target };
}

function summarize(run: BacktestRun, target: number, thresholdMs: number | null, asDefined: boolean, fromMs: number, toMs: number): SweepVariant {
  const firing = run.alerts.filter((a) => a.status === 'FIRING');
  const pageTimes = firing.filter((a) => a.severity === 'PAGE').map((a) => a.at);
  const ticketTimes = firing.filter((a) => a.severity !== 'PAGE').map((a) => a.at);
  return {
    target,
    threshold_ms: thresholdMs,
    as_defined: asDefined,
    pages: pageTimes.length,
    tickets: ticketTimes.length,
    page_times: pageTimes,
    ticket_times: ticketTimes,
    page_minutes: firingMinutes(run, fromMs, toMs),
    final_sli: run.final?.sli ?? null,
    final_error_budget_remaining: run.final?.error_budget_remaining ?? null,
  };
}

/** Minutes inside [from, to) with at least one PAGE rule firing (episodes of every PAGE rule merged). */
function firingMinutes(run: BacktestRun, fromMs: number, toMs: number): number {
  const open = new Map<string, number>();
  const spans: Array<[number, number]> = [];
  for (const a of run.alerts) {
    if (a.severity !== 'PAGE') continue;
    const key = `${a.long_window}/${a.short_window}`;
    if (a.status === 'FIRING') open.set(key, Date.parse(a.at));
    else {
      // A RESOLVED without its FIRING in the span: the episode began before it.
      spans.push([open.get(key) ?? fromMs, Date.parse(a.at)]);
      open.delete(key);
    }
  }
  // Firing at the end without a transition in the span: firing throughout.
  for (const a of run.final?.alerts ?? []) {
    const key = `${a.long_window}/${a.short_window}`;
    if (a.severity === 'PAGE' && a.status === 'FIRING' && !open.has(key) && !run.alerts.some((x) => `${x.long_window}/${x.short_window}` === key && x.severity === 'PAGE')) open.set(key, fromMs);
  }
  for (const at of open.values()) spans.push([at, toMs]);
  spans.sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of spans) {
    const start = Math.max(s, end, fromMs);
    const stop = Math.min(e, toMs);
    if (stop > start) total += stop - start;
    end = Math.max(end, e);
  }
  return Math.round(total / MINUTE_MS);
}

/** The latency distribution of a selector's events over [from, to) from the minute aggregate's buckets. */
export async function latencyDistribution(wh: Warehouse, sel: Selector, fromMs: number, toMs: number, thresholdsMs: readonly number[]): Promise<LatencyDistribution> {
  const bag = new ParamBag();
  const range = minuteRange('minute', Math.ceil(fromMs / MINUTE_MS), Math.floor(toMs / MINUTE_MS), bag);
  const rows = await wh.query<{ le: string | number; n: string | number }>(
    `SELECT latency_le AS le, sum(events) AS n FROM sli_journey_minute
      WHERE ${range} AND ${matchCondition(sel, bag)} AND latency_le >= 0
      GROUP BY le ORDER BY le`,
    bag.params,
  );
  const buckets = rows.map((r) => ({ le_ms: Number(r.le), count: Number(r.n) })).filter((b) => b.count > 0);
  const events = buckets.reduce((s, b) => s + b.count, 0);
  const thresholds: ThresholdMark[] = [];
  for (const t of [...new Set(thresholdsMs)].sort((a, b) => a - b)) {
    const atMost = isLatencyBound(t) ? buckets.filter((b) => b.le_ms <= t).reduce((s, b) => s + b.count, 0) : await factsAtMost(wh, sel, fromMs, toMs, t);
    thresholds.push({ threshold_ms: t, share_at_most: events === 0 ? 0 : atMost / events });
  }
  return { events, buckets, thresholds };
}

/** Events with `duration_ms <= cutMs` from the journey facts (a cut between the aggregate's bounds). */
async function factsAtMost(wh: Warehouse, sel: Selector, fromMs: number, toMs: number, cutMs: number): Promise<number> {
  const bag = new ParamBag();
  const range = minuteRange('occurred_at', Math.ceil(fromMs / MINUTE_MS), Math.floor(toMs / MINUTE_MS), bag);
  const [row] = await wh.query<{ n: string | number }>(
    `SELECT uniqExact(event_id) AS n FROM journey_events
      WHERE ${range} AND ${matchCondition(sel, bag)} AND duration_ms IS NOT NULL AND duration_ms <= ${bag.add(cutMs, 'Int64')}`,
    bag.params,
  );
  return Number(row?.n ?? 0);
}

/** How much history the span has: data minutes in it, and the first data in the SLO window before `to`. */
async function historyOf(wh: Warehouse, slo: SloDefinition, fromMs: number, toMs: number): Promise<SweepHistory> {
  const w = sloWindow(slo, toMs);
  const fromMinute = Math.ceil(fromMs / MINUTE_MS);
  const toMinute = Math.floor(toMs / MINUTE_MS);
  const start = Math.min(w.toMinute - w.periodMinutes, fromMinute);
  const counts = await readCounts(wh, slo, start, toMinute);
  let first: number | null = null;
  let withData = 0;
  let units = 0;
  for (let i = 0; i < counts.total.length; i++) {
    const total = counts.total[i] ?? 0;
    if (total <= 0) continue;
    const minute = counts.start + i;
    first ??= minute;
    if (minute >= fromMinute) {
      withData++;
      units += total;
    }
  }
  return { first_data_at: first === null ? null : iso(first * MINUTE_MS), minutes: Math.max(0, toMinute - fromMinute), minutes_with_data: withData, units };
}

function warningsOf(slo: SloDefinition, h: SweepHistory, toMs: number, o: Required<Pick<SweepOptions, 'minCoverage' | 'minUnits'>>, thresholdsIgnored: boolean): SweepWarning[] {
  const out: SweepWarning[] = [];
  if (thresholdsIgnored) out.push({ code: 'THRESHOLDS_NOT_APPLICABLE', message: `${slo.id} has no latency threshold: only the targets were varied` });
  if (h.first_data_at === null) {
    out.push({ code: 'NO_DATA', message: `${slo.id}: no recorded data in its window before ${iso(toMs)}; nothing can be judged` });
    return out;
  }
  const w = sloWindow(slo, toMs);
  const historyMinutes = Math.floor(toMs / MINUTE_MS) - Date.parse(h.first_data_at) / MINUTE_MS;
  if (historyMinutes < w.periodMinutes) {
    out.push({
      code: 'HISTORY_SHORTER_THAN_WINDOW',
      message: `${slo.id}: ${days(historyMinutes)} of history for a ${slo.window.text} window; budgets and slow-burn alerts read a partly empty window`,
    });
  }
  const longest = Math.max(0, ...slo.alerting.rules.map((r) => r.longMinutes));
  if (h.minutes < longest) {
    out.push({ code: 'SPAN_SHORTER_THAN_ALERT_WINDOW', message: `${slo.id}: the span (${days(h.minutes)}) is shorter than its longest alert window (${days(longest)})` });
  }
  const coverage = h.minutes === 0 ? 0 : h.minutes_with_data / h.minutes;
  if (coverage < o.minCoverage || h.units < o.minUnits) {
    out.push({
      code: 'SPARSE_HISTORY',
      message: `${slo.id}: data in ${pctText(coverage)} of the span's minutes, ${h.units} ${slo.indicator.kind === 'level' ? 'slices' : 'events'}; too sparse to tell the variants apart reliably`,
    });
  }
  return out;
}

function days(minutes: number): string {
  return minutes >= 2880 ? `${+(minutes / 1440).toFixed(1)} days` : minutes >= 120 ? `${+(minutes / 60).toFixed(1)} hours` : `${minutes} minutes`;
}

/** Sweeps one SLO: every target x threshold over [from, to), its distribution and warnings. */
export async function sweepSlo(wh: Warehouse, slo: SloDefinition, fromMs: number, toMs: number, options: SweepOptions = {}): Promise<SweepSlo> {
  const own = latencyThreshold(slo);
  const targets = options.targets?.length ? [...new Set(options.targets)] : [slo.target];
  const asked = options.thresholdsMs?.length ? [...new Set(options.thresholdsMs)] : [];
  const thresholds: Array<number | null> = own === null ? [null] : asked.length > 0 ? asked : [own];
  // One point of curve is enough: the sweep reports alerts and the end state.
  const step = Math.max(1, Math.ceil((toMs - fromMs) / MINUTE_MS));
  const variants: SweepVariant[] = [];
  for (const target of targets) {
    for (const threshold of thresholds) {
      const run = await backtestOne(wh, sweepVariant(slo, target, threshold), fromMs, toMs, step);
      variants.push(summarize(run, target, threshold, target === slo.target && threshold === own, fromMs, toMs));
    }
  }
  const sel = distributionSelector(slo);
  const distribution = sel ? await latencyDistribution(wh, sel, fromMs, toMs, thresholds.filter((t): t is number => t !== null)) : null;
  const history = await historyOf(wh, slo, fromMs, toMs);
  const warnings = warningsOf(slo, history, toMs, { minCoverage: options.minCoverage ?? 0.5, minUnits: options.minUnits ?? 100 }, own === null && asked.length > 0);
  return {
    slo_id: slo.id,
    indicator: slo.indicator.kind,
    time_window: slo.window.kind === 'rolling' ? slo.window.text : `${slo.window.text} calendar`,
    target: slo.target,
    threshold_ms: own,
    variants,
    distribution,
    history,
    warnings,
  };
}

/**
 * Sweeps a composite SLO: its own target varied (each component keeps its target, weight and
 * threshold), replayed from its components as `backtestComposite` does. Latency thresholds
 * belong to latency SLIs, not to a composite: asked for, they are not applied and a
 * THRESHOLDS_NOT_APPLICABLE warning says so. History: the minutes where any component has
 * data, and the components' units added up.
 */
export async function sweepComposite(wh: Warehouse, c: CompositeSlo, fromMs: number, toMs: number, options: SweepOptions = {}): Promise<SweepSlo> {
  const slo = c.definition;
  const targets = options.targets?.length ? [...new Set(options.targets)] : [slo.target];
  const step = Math.max(1, Math.ceil((toMs - fromMs) / MINUTE_MS));
  const variants: SweepVariant[] = [];
  for (const target of targets) {
    const run = await backtestComposite(wh, { ...c, definition: { ...slo, target } }, fromMs, toMs, step);
    variants.push(summarize(run, target, null, target === slo.target, fromMs, toMs));
  }
  const history = await compositeHistoryOf(wh, c, fromMs, toMs);
  const warnings = warningsOf(slo, history, toMs, { minCoverage: options.minCoverage ?? 0.5, minUnits: options.minUnits ?? 100 }, false);
  if (options.thresholdsMs?.length) {
    const latency = c.components.filter((comp) => latencyThreshold(comp.slo) !== null).map((comp) => comp.slo.id);
    warnings.unshift({
      code: 'THRESHOLDS_NOT_APPLICABLE',
      message: `${slo.id} is a composite SLO: --thresholds were not applied (only its target was varied)${latency.length > 0 ? `; sweep its latency components on their own (${latency.join(', ')})` : ''}`,
    });
  }
  if (targets.length > 1) {
    warnings.push({
      code: 'COMPOSITE_TARGET_MOVES_SLI_ONLY',
      message: `${slo.id}: a composite burns at the weighted average of its components' burn rates, each against its own target; its own target moves its SLI only (pages, tickets and budget change only where the bad fraction reaches 1)`,
    });
  }
  return {
    slo_id: slo.id,
    indicator: 'composite',
    time_window: slo.window.kind === 'rolling' ? slo.window.text : `${slo.window.text} calendar`,
    target: slo.target,
    threshold_ms: null,
    variants,
    distribution: null,
    history,
    warnings,
  };
}

/** `historyOf` over a composite's components: a minute has data when any component has. */
async function compositeHistoryOf(wh: Warehouse, c: CompositeSlo, fromMs: number, toMs: number): Promise<SweepHistory> {
  const w = sloWindow(c.definition, toMs);
  const fromMinute = Math.ceil(fromMs / MINUTE_MS);
  const toMinute = Math.floor(toMs / MINUTE_MS);
  const start = Math.min(w.toMinute - w.periodMinutes, fromMinute);
  const withData = new Set<number>();
  let first: number | null = null;
  let units = 0;
  for (const comp of c.components) {
    const counts = await readCounts(wh, comp.slo, start, toMinute);
    for (let i = 0; i < counts.total.length; i++) {
      const total = counts.total[i] ?? 0;
      if (total <= 0) continue;
      const minute = counts.start + i;
      first = first === null ? minute : Math.min(first, minute);
      if (minute >= fromMinute) {
        withData.add(minute);
        units += total;
      }
    }
  }
  return { first_data_at: first === null ? null : iso(first * MINUTE_MS), minutes: Math.max(0, toMinute - fromMinute), minutes_with_data: withData.size, units };
}

/** Sweeps every SLO of a set, in definition order, then its composite SLOs. */
export async function sweep(
  wh: Warehouse,
  slos: readonly SloDefinition[],
  fromMs: number,
  toMs: number,
  options: SweepOptions = {},
  composites: readonly CompositeSlo[] = [],
): Promise<SweepResult> {
  const out: SweepSlo[] = [];
  for (const slo of slos) out.push(await sweepSlo(wh, slo, fromMs, toMs, options));
  for (const c of composites) out.push(await sweepComposite(wh, c, fromMs, toMs, options));
  return { from: iso(fromMs), to: iso(toMs), slos: out };
}

const hhmm = (at: string): string => `${at.slice(0, 10)} ${at.slice(11, 16)}Z`;

/** The sweep as text: per SLO a table of the variants, the warnings, and the distribution with the thresholds marked. */
export function sweepText(r: SweepResult): string {
  const lines = [`Backtest sweep ${r.from} .. ${r.to}`];
  for (const s of r.slos) {
    lines.push('', `${s.slo_id} (${s.indicator}, ${s.time_window} window, target ${pctText(s.target)}${s.threshold_ms !== null ? `, threshold ${s.threshold_ms} ms` : ''})`);
    const rows = s.variants.map((v) => [
      `${pctText(v.target)}${v.as_defined ? ' *' : ''}`,
      v.threshold_ms === null ? '-' : `${v.threshold_ms} ms`,
      String(v.pages),
      String(v.tickets),
      String(v.page_minutes),
      v.page_times.length ? v.page_times.map(hhmm).join(', ') : '-',
    ]);
    const head = ['target', 'threshold', 'pages', 'tickets', 'paged min', 'pages at'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
    const fmt = (row: string[]): string => `  ${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`;
    lines.push(fmt(head), ...rows.map(fmt));
    if (s.variants.some((v) => v.as_defined)) lines.push('  (* as defined)');
    for (const w of s.warnings) lines.push(`  warning ${w.code}: ${w.message}`);
    if (s.distribution) lines.push(...distributionText(s.distribution));
  }
  return lines.join('\n');
}

function distributionText(d: LatencyDistribution): string[] {
  const out = [`  duration_ms of ${d.events} events:`];
  const max = Math.max(1, ...d.buckets.map((b) => b.count));
  let cumulative = 0;
  let prev = -1;
  for (const b of d.buckets) {
    cumulative += b.count;
    const marks = d.thresholds.filter((t) => t.threshold_ms > prev && t.threshold_ms <= b.le_ms).map((t) => `<- threshold ${t.threshold_ms} ms (${pctText(t.share_at_most)} at most)`);
    const bar = '#'.repeat(Math.max(1, Math.round((b.count / max) * 30)));
    out.push(`    <= ${String(b.le_ms).padStart(7)} ms ${String(b.count).padStart(8)} ${pctText(cumulative / Math.max(1, d.events)).padStart(9)} ${bar}${marks.length ? ` ${marks.join(' ')}` : ''}`);
    prev = b.le_ms;
  }
  for (const t of d.thresholds.filter((x) => x.threshold_ms > prev)) out.push(`    threshold ${t.threshold_ms} ms above every event (${pctText(t.share_at_most)} at most)`);
  return out;
}
