import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { MINUTE_MS } from '../definitions/duration.js';
import { evaluate, type Evaluation } from '../core/evaluate.js';
import type { SignalScope, SloDefinition } from '../definitions/model.js';
import { UnitSeries } from '../core/series.js';
import { historyNeeded } from './status.js';
import { recordedIncidents, type RecordedIncident } from '../store/incidents.js';
import { readCounts } from '../store/series-reader.js';
import { alertsAt, quietAnchor, runAlerts, type ActiveAlert } from '../core/timeline.js';
import type { WindowSource } from '../core/evaluate.js';
import type { CompositeSlo } from '../definitions/composite.js';
import { readCompositeSource } from './composite-status.js';

/**
 * Backtests for product teams: what a proposed set of definitions would have shown and
 * alerted on over [from, to) of recorded data, next to the definitions in force (same
 * slo_id) and the incidents recorded in that period. Pure replay of the SLI history:
 * nothing is written and no signal is sent.
 */
export interface BacktestAlert {
  severity: string;
  status: string;
  at: string;
  long_window: string;
  short_window: string;
  burn_rate_long: number;
  burn_rate_short: number;
  burn_rate_threshold: number;
  signal_id: string;
}

export interface CurvePoint {
  at: string;
  sli: number | null;
  error_budget_remaining: number;
  burn_rates: Record<string, number>;
}

export interface FinalStatus {
  slo_id: string;
  service: string;
  target: number;
  sli: number | null;
  error_budget_remaining: number;
  burn_rates: Record<string, number>;
  alerts: Array<{ severity: string; status: string; long_window: string; short_window: string }>;
  time_to_exhaustion_seconds: number | null;
  evaluated_at: string;
}

/** Whether an SLO's alerts caught an incident in its scope, and how early (minutes before it was opened). */
export interface Detection {
  incident_id: string;
  proposed_first_alert: string | null;
  proposed_lead_minutes: number | null;
  current_first_alert: string | null;
  current_lead_minutes: number | null;
}

export interface BacktestRun {
  final: FinalStatus | null;
  curve: CurvePoint[];
  alerts: BacktestAlert[];
}

export interface BacktestSlo {
  slo_id: string;
  /** Present for a composite SLO: evaluated from its components (replay/composite-status.ts). */
  kind?: 'composite';
  proposed: BacktestRun;
  /** The definition in force with the same id, when there is one. */
  current: BacktestRun | null;
  incidents: Detection[];
}

export interface BacktestResult {
  from: string;
  to: string;
  step_minutes: number;
  slos: BacktestSlo[];
  incidents: RecordedIncident[];
}

export interface BacktestOptions {
  /** Minutes between curve points. @default the smallest of 1, 5, 15, 60, 360, 1440 giving at most 500 points */
  stepMinutes?: number;
  /** An alert may fire this long before its incident was opened and still count as catching it. @default 180 */
  leadMinutes?: number;
  /** Composite SLOs of the proposed set, backtested after its SLOs. @default none */
  proposedComposites?: readonly CompositeSlo[];
  /** Composite SLOs in force, compared with the proposed composites of the same id. @default none */
  currentComposites?: readonly CompositeSlo[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function defaultStep(fromMs: number, toMs: number): number {
  const minutes = Math.max(1, Math.ceil((toMs - fromMs) / MINUTE_MS));
  return [1, 5, 15, 60, 360, 1440].find((s) => minutes / s <= 500) ?? 1440;
}

function finalStatus(slo: SloDefinition, ev: Evaluation, alerts: ActiveAlert[]): FinalStatus {
  return {
    slo_id: slo.id,
    service: slo.service,
    target: slo.target,
    sli: ev.sli,
    error_budget_remaining: ev.error_budget_remaining,
    burn_rates: ev.burn_rates,
    alerts: alerts.map((a) => ({ severity: a.severity, status: a.status, long_window: a.long_window, short_window: a.short_window })),
    time_to_exhaustion_seconds: ev.time_to_exhaustion_ms === null ? null : Math.round(ev.time_to_exhaustion_ms / 1000),
    evaluated_at: iso(ev.at),
  };
}

/** Replays one definition over [from, to): curve, every alert transition, and the status at the end. */
export async function backtestOne(wh: Warehouse, slo: SloDefinition, fromMs: number, toMs: number, stepMinutes: number): Promise<BacktestRun> {
  const h = replayHistory(slo, fromMs, toMs);
  const series = new UnitSeries(await readCounts(wh, slo, h.from, h.to), slo.budgeting);
  return replayRun(slo, series, fromMs, toMs, stepMinutes);
}

/**
 * Replays a composite over [from, to) as `backtestOne` does an SLO: its components' minutes
 * read over the composite's history, the composite's windows summed over them
 * (core/composite.ts), its own alert rules and target.
 */
export async function backtestComposite(wh: Warehouse, c: CompositeSlo, fromMs: number, toMs: number, stepMinutes: number): Promise<BacktestRun> {
  const h = replayHistory(c.definition, fromMs, toMs);
  const { src } = await readCompositeSource(wh, c, h.from, h.to);
  return replayRun(c.definition, src, fromMs, toMs, stepMinutes);
}

/** The minutes a replay over [from, to) reads: the history of its first and of its last evaluation. */
function replayHistory(slo: SloDefinition, fromMs: number, toMs: number): { from: number; to: number } {
  const start = historyNeeded(slo, fromMs);
  const end = historyNeeded(slo, toMs);
  return { from: Math.min(start.from, end.from), to: end.to };
}

/** The replay itself over a source holding `replayHistory`'s minutes. */
function replayRun(slo: SloDefinition, series: WindowSource, fromMs: number, toMs: number, stepMinutes: number): BacktestRun {
  const start = historyNeeded(slo, fromMs);
  const fromMinute = Math.ceil(fromMs / MINUTE_MS);
  const toMinute = Math.floor(toMs / MINUTE_MS);
  const anchor = quietAnchor(slo, series, fromMinute, start.alertEarliest);
  const { notified } = runAlerts(slo, series, anchor + 1, toMinute - 1);
  const alerts = notified
    .filter((n) => n.transition.at >= fromMinute)
    .map(({ transition: t, signal: s }) => ({
      severity: t.severity,
      status: t.status,
      at: iso(t.at * MINUTE_MS),
      long_window: s.long_window,
      short_window: s.short_window,
      burn_rate_long: s.burn_rate_long,
      burn_rate_short: s.burn_rate_short,
      burn_rate_threshold: s.burn_rate_threshold,
      signal_id: s.signal_id,
    }));
  const curve: CurvePoint[] = [];
  for (let t = fromMinute; t < toMinute; t += stepMinutes) {
    const ev = evaluate(slo, series, t * MINUTE_MS);
    curve.push({ at: iso(t * MINUTE_MS), sli: ev.sli, error_budget_remaining: ev.error_budget_remaining, burn_rates: ev.burn_rates });
  }
  const last = toMinute - 1;
  const final = last >= fromMinute ? finalStatus(slo, evaluate(slo, series, last * MINUTE_MS), alertsAt(slo, series, last, start.alertEarliest)) : null;
  return { final, curve, alerts };
}

/** An incident is in an SLO's scope when every scope field the SLO names matches the incident. */
export function inScope(scope: SignalScope, inc: RecordedIncident): boolean {
  const keys = ['product_version_id', 'market_code', 'city_code', 'route_id', 'vendor_id'] as const;
  return keys.every((k) => scope[k] === null || scope[k] === inc[k]);
}

function firstFiring(run: BacktestRun | null, inc: RecordedIncident, leadMinutes: number): { at: string | null; lead: number | null } {
  if (!run) return { at: null, lead: null };
  const opened = Date.parse(inc.opened_at);
  const lo = opened - leadMinutes * MINUTE_MS;
  const hi = inc.resolved_at ? Date.parse(inc.resolved_at) : Infinity;
  const hit = run.alerts.find((a) => a.status === 'FIRING' && Date.parse(a.at) >= lo && Date.parse(a.at) <= hi);
  return hit ? { at: hit.at, lead: Math.round((opened - Date.parse(hit.at)) / MINUTE_MS) } : { at: null, lead: null };
}

export async function backtest(
  wh: Warehouse,
  proposed: readonly SloDefinition[],
  current: readonly SloDefinition[],
  fromMs: number,
  toMs: number,
  options: BacktestOptions = {},
): Promise<BacktestResult> {
  const step = options.stepMinutes ?? defaultStep(fromMs, toMs);
  const lead = options.leadMinutes ?? 180;
  const incidents = await recordedIncidents(wh, fromMs, toMs);
  const byId = new Map(current.map((s) => [s.id, s]));
  const slos: BacktestSlo[] = [];
  const detections = (scope: SignalScope, p: BacktestRun, c: BacktestRun | null): Detection[] =>
    incidents
      .filter((inc) => inScope(scope, inc))
      .map((inc) => {
        const a = firstFiring(p, inc, lead);
        const b = firstFiring(c, inc, lead);
        return { incident_id: inc.incident_id, proposed_first_alert: a.at, proposed_lead_minutes: a.lead, current_first_alert: b.at, current_lead_minutes: b.lead };
      });
  for (const slo of proposed) {
    const p = await backtestOne(wh, slo, fromMs, toMs, step);
    const deployed = byId.get(slo.id);
    const c = deployed ? await backtestOne(wh, deployed, fromMs, toMs, step) : null;
    slos.push({ slo_id: slo.id, proposed: p, current: c, incidents: detections(slo.scope, p, c) });
  }
  // Composite SLOs follow, each beside the composite in force with its id.
  const compositesById = new Map((options.currentComposites ?? []).map((c) => [c.definition.id, c]));
  for (const comp of options.proposedComposites ?? []) {
    const p = await backtestComposite(wh, comp, fromMs, toMs, step);
    const deployed = compositesById.get(comp.definition.id);
    const c = deployed ? await backtestComposite(wh, deployed, fromMs, toMs, step) : null;
    slos.push({ slo_id: comp.definition.id, kind: 'composite', proposed: p, current: c, incidents: detections(comp.definition.scope, p, c) });
  }
  return { from: iso(fromMs), to: iso(toMs), step_minutes: step, slos, incidents };
}
