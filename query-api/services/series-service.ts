import { FACT_TABLE } from '../../processors/contracts/index.js';
import { formatMinor } from '../../processors/economics/money.js';
import { reportingDigits } from '../../processors/economics/pnl.js';
import { clean } from '../../processors/slo/core/evaluate.js';
import { sloWindow, type CompositeSlo, type SloDefinition } from '../../processors/slo/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import type { HealthProvider } from '../options.js';

/**
 * The time series the status page draws: every SLO's SLI, remaining error budget and burn
 * rates over its window (composite SLOs after the SLOs, with their components), incident
 * cost per UTC day, and how old the data is.
 *
 * SLO curves are read from `slo_board_minute` (dwh/sql/030_slo_board.sql), which the board
 * feed fills with the SLO engine's own evaluation of every minute of each SLO's window; nothing is re-evaluated
 * here, so a curve's last point, a Grafana board and `slo status` agree. Daily cost sums the
 * money facts (`incident_cost_facts`) with the P&L's formulas, as exact decimal strings.
 */

const MINUTE_S = 60;
const DAY_MS = 86_400_000;

export interface SeriesQuery {
  /** Points per SLO curve at most (each an evaluation: the first and last minute, and whole multiples of the step between). */
  points: number;
  /** UTC days of incident cost, ending with the day of the evaluation time. */
  days: number;
}

export interface SloPoint {
  at: string;
  sli: number | null;
  error_budget_remaining: number;
  burn_rates: Record<string, number>;
}

export interface SloSeries {
  slo_id: string;
  display_name: string | null;
  service: string;
  /** A grouped SLO (`ops.group.by`): the document it comes from and its values of the group keys. */
  group: { template: string; values: Record<string, string> } | null;
  target: number;
  time_window: string;
  /** The burn-rate alert rules: both windows at or above `threshold` fire the rule. */
  alert_rules: Array<{ severity: string; threshold: number; long_window: string; short_window: string }>;
  /** Start of the SLO's window at `to` (the evaluation there is the window's first). */
  window_start: string | null;
  /** First and last evaluation shown: the window ending at the board's newest minute, from the board's first minute at most. */
  from: string | null;
  to: string | null;
  /** Points between `from` and `to` fall on the whole multiples of this many minutes (UTC). */
  step_minutes: number;
  points: SloPoint[];
  /** Present for a composite SLO (its board rows are the engine's evaluation of it from its components). */
  kind?: 'composite';
  /** A composite's components in definition order: weight, share of the weights (weight / their sum), own target. */
  components?: SeriesComponent[];
}

export interface SeriesComponent {
  slo_id: string;
  weight: number;
  share: number;
  target: number;
  /** true: an SLO of the set; false: an objective of the composite document. */
  referenced: boolean;
}

export interface CostDay {
  day: string;
  compensation_cost: string;
  refund_cost: string;
  lost_revenue: string;
  total_cost: string;
  incidents: number;
  unconverted: number;
}

export interface CostByDay {
  currency: string;
  from: string;
  to: string;
  days: CostDay[];
}

export interface DataAge {
  checked_at: string;
  /** When the newest fact row was written (`_ingested_at`), and how long ago. */
  newest_ingested_at: string | null;
  ingest_age_seconds: number | null;
  /** The newest event time the facts hold, and how long before `checked_at` it is. */
  newest_event_at: string | null;
  event_age_seconds: number | null;
  /** What the running pipeline reports, when one reports to this API. */
  pipeline: { status: string; watermark: string | null; notes: string[] } | null;
}

export interface StatusSeries {
  generated_at: string;
  evaluated_at: string;
  data_age: DataAge;
  slos: SloSeries[];
  cost: CostByDay;
}

export interface SeriesSources {
  wh: Warehouse;
  definitions: () => readonly SloDefinition[];
  /** The composite SLOs in force, drawn after the SLOs. @default none */
  composites?: () => readonly CompositeSlo[];
  /** The status page's "now": the same evaluation time as the SLO status. */
  evaluationTime: () => Promise<Date>;
  reportingCurrency: string;
  health: HealthProvider | undefined;
  /** How long an answer is shared between requests with the same query (a page open in several browsers). 0 disables. */
  cacheMs: number;
}

/** One SLO's sample: [from, to] in epoch seconds; the minutes between on whole multiples of `step` seconds (none when 0). */
interface SampleRange {
  id: string;
  from: number;
  to: number;
  step: number;
}

/**
 * The step of a curve of `spanMinutes` in at most `points` evaluations: its first and last
 * minute and the multiples of the step between them (at most `points - 2` of them). Two
 * points are only the ends; the step is then the whole span.
 */
export function sampleStepMinutes(spanMinutes: number, points: number): number {
  if (points <= 2) return Math.max(1, spanMinutes);
  return Math.max(1, Math.ceil(spanMinutes / (points - 2)));
}

const iso = (ms: number): string | null => (ms > 0 ? new Date(ms).toISOString() : null);
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const ageSeconds = (nowMs: number, ms: number): number | null => (ms > 0 ? Math.max(0, Math.round((nowMs - ms) / 1000)) : null);

/** A composite's components as the series lists them (shares as `slo status` gives them, core/composite.ts). */
export function componentsOf(c: CompositeSlo): SeriesComponent[] {
  const weights = c.components.reduce((a, comp) => a + comp.weight, 0);
  return c.components.map((comp) => ({ slo_id: comp.slo.id, weight: comp.weight, share: clean(comp.weight / weights), target: comp.slo.target, referenced: comp.referenced }));
}

export class SeriesService {
  private readonly digits: number;
  private readonly shared = new Map<string, { at: number; value: Promise<StatusSeries> }>();

  constructor(private readonly src: SeriesSources) {
    this.digits = reportingDigits(src.reportingCurrency);
  }

  /** Concurrent and close requests for the same query share one read (`cacheMs`); a failed read is not kept. */
  statusSeries(q: SeriesQuery): Promise<StatusSeries> {
    const now = Date.now();
    const key = `${q.points}:${q.days}`;
    const hit = this.shared.get(key);
    if (hit && now - hit.at < this.src.cacheMs) return hit.value;
    for (const [k, e] of this.shared) if (now - e.at >= this.src.cacheMs) this.shared.delete(k);
    const value = this.read(q);
    if (this.src.cacheMs > 0) {
      this.shared.set(key, { at: now, value });
      value.catch(() => this.shared.delete(key));
    }
    return value;
  }

  private async read(q: SeriesQuery): Promise<StatusSeries> {
    const slos = this.src.definitions();
    const composites = this.src.composites?.() ?? [];
    const at = await this.src.evaluationTime();
    const series = await this.sloSeries([...slos, ...composites.map((c) => c.definition)], q.points);
    // A composite's curve is its board rows, as any SLO's; its components come with it.
    const byId = new Map(series.map((s) => [s.slo_id, s]));
    for (const c of composites) {
      const s = byId.get(c.definition.id);
      if (s) Object.assign(s, { kind: 'composite', components: componentsOf(c) });
    }
    const cost = await this.costByDay(at, q.days);
    const age = await this.dataAge();
    return { generated_at: new Date().toISOString(), evaluated_at: at.toISOString(), data_age: age, slos: series, cost };
  }

  /**
   * Each SLO's curve: its window ending at the board's newest minute, in at most `points`
   * evaluations: the first minute shown (the window's start once the board holds it), every
   * whole multiple of the step between, and the newest minute.
   */
  async sloSeries(slos: readonly SloDefinition[], points: number): Promise<SloSeries[]> {
    const spans = await this.src.wh.query<{ slo_id: string; first_s: string | number; last_s: string | number }>(
      `SELECT slo_id, toUnixTimestamp(min(minute)) AS first_s, toUnixTimestamp(max(minute)) AS last_s
       FROM slo_board_minute WHERE slo_id IN {ids:Array(String)} GROUP BY slo_id`,
      { ids: slos.map((s) => s.id) },
    );
    const bySlo = new Map(spans.map((s) => [s.slo_id, { first: Number(s.first_s), last: Number(s.last_s) }]));
    const ranges: SampleRange[] = [];
    const out = slos.map((slo): SloSeries => {
      const base = {
        slo_id: slo.id,
        display_name: slo.displayName,
        service: slo.service,
        group: slo.group ? { template: slo.group.template, values: { ...slo.group.values } } : null,
        target: slo.target,
        time_window: slo.window.text,
        alert_rules: slo.alerting.rules.map((r) => ({ severity: r.severity, threshold: r.threshold, long_window: r.longWindow, short_window: r.shortWindow })),
      };
      const span = bySlo.get(slo.id);
      if (!span) return { ...base, window_start: null, from: null, to: null, step_minutes: 1, points: [] };
      const windowFrom = sloWindow(slo, span.last * 1000).fromMinute * MINUTE_S;
      const from = Math.max(windowFrom, span.first);
      const stepMinutes = sampleStepMinutes((span.last - from) / MINUTE_S, points);
      ranges.push({ id: slo.id, from, to: span.last, step: points > 2 ? stepMinutes * MINUTE_S : 0 });
      return { ...base, window_start: iso(windowFrom * 1000), from: iso(from * 1000), to: iso(span.last * 1000), step_minutes: stepMinutes, points: [] };
    });
    const curves = await this.sampled(ranges);
    for (const s of out) s.points = curves.get(s.slo_id) ?? [];
    return out;
  }

  /**
   * The board rows at each SLO's sample minutes, in one read. An evaluation already covers
   * its windows, so sampling is exact where averaging is not; the interior minutes sit on
   * whole multiples of the step, so a refresh draws the same points again. The figures
   * travel in one tuple so a minute without traffic (SLI null) is not skipped.
   */
  private async sampled(ranges: readonly SampleRange[]): Promise<Map<string, SloPoint[]>> {
    const out = new Map<string, SloPoint[]>();
    if (ranges.length === 0) return out;
    const rows = await this.src.wh.query<{ slo_id: string; at_s: string | number; sli: number | null; budget: number; burn: Record<string, number> }>(
      `SELECT slo_id, toUnixTimestamp(minute) AS at_s, sli, error_budget_remaining AS budget, burn_rates AS burn
       FROM slo_board_minute FINAL
       WHERE slo_id IN {ids:Array(String)}
         AND minute >= toDateTime({earliest:UInt32}, 'UTC')
         AND toUnixTimestamp(minute) >= {froms:Array(UInt32)}[indexOf({ids:Array(String)}, slo_id)]
         AND toUnixTimestamp(minute) <= {tos:Array(UInt32)}[indexOf({ids:Array(String)}, slo_id)]
         AND (toUnixTimestamp(minute) = {froms:Array(UInt32)}[indexOf({ids:Array(String)}, slo_id)]
              OR toUnixTimestamp(minute) = {tos:Array(UInt32)}[indexOf({ids:Array(String)}, slo_id)]
              OR ({steps:Array(UInt32)}[indexOf({ids:Array(String)}, slo_id)] > 0
                  AND moduloOrZero(toUnixTimestamp(minute), {steps:Array(UInt32)}[indexOf({ids:Array(String)}, slo_id)]) = 0))
       ORDER BY slo_id, minute`,
      {
        ids: ranges.map((r) => r.id),
        froms: ranges.map((r) => r.from),
        tos: ranges.map((r) => r.to),
        steps: ranges.map((r) => r.step),
        earliest: Math.min(...ranges.map((r) => r.from)),
      },
    );
    for (const r of rows) {
      const list = out.get(r.slo_id) ?? [];
      list.push({
        at: new Date(Number(r.at_s) * 1000).toISOString(),
        sli: r.sli === null ? null : Number(r.sli),
        error_budget_remaining: Number(r.budget),
        burn_rates: Object.fromEntries(Object.entries(r.burn).map(([w, v]) => [w, Number(v)])),
      });
      out.set(r.slo_id, list);
    }
    return out;
  }

  /**
   * Cost per UTC day of the money events (the P&L's `occurred_at` dating), every day of the
   * range listed (zero when nothing was spent), ending with the later of the evaluation day
   * and the newest money event's day.
   */
  async costByDay(at: Date, days: number): Promise<CostByDay> {
    const rc = this.src.reportingCurrency;
    const [newest] = await this.src.wh.query<{ ms: string | number }>(
      `SELECT toUnixTimestamp64Milli(max(occurred_at)) AS ms FROM incident_cost_facts WHERE reporting_currency = {rc:String}`,
      { rc },
    );
    const endDay = Math.floor(Math.max(at.getTime() - 1, Number(newest?.ms ?? 0)) / DAY_MS) * DAY_MS;
    const startDay = endDay - (days - 1) * DAY_MS;
    const rows = await this.src.wh.query<{ day: string; c: string; rf: string; lr: string; n: string | number; u: string | number }>(
      `SELECT toString(toDate(occurred_at, 'UTC')) AS day, toString(sum(toInt128(compensation_minor))) AS c,
              toString(sum(toInt128(refund_minor))) AS rf, toString(sum(toInt128(lost_revenue_minor))) AS lr,
              uniqExact(incident_id) AS n, countIf(unconverted = 1) AS u
       FROM incident_cost_facts FINAL
       WHERE reporting_currency = {rc:String}
         AND occurred_at >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND occurred_at < fromUnixTimestamp64Milli({end:Int64}, 'UTC')
       GROUP BY day`,
      { rc, from: startDay, end: endDay + DAY_MS },
    );
    const byDay = new Map(rows.map((r) => [r.day, r]));
    const money = (minor: bigint): string => formatMinor(minor, this.digits);
    const out: CostDay[] = [];
    for (let d = startDay; d <= endDay; d += DAY_MS) {
      const r = byDay.get(isoDay(d));
      const c = BigInt(r?.c ?? 0);
      const rf = BigInt(r?.rf ?? 0);
      const lr = BigInt(r?.lr ?? 0);
      out.push({
        day: isoDay(d),
        compensation_cost: money(c),
        refund_cost: money(rf),
        lost_revenue: money(lr),
        total_cost: money(c + rf + lr),
        incidents: Number(r?.n ?? 0),
        unconverted: Number(r?.u ?? 0),
      });
    }
    return { currency: rc, from: isoDay(startDay), to: isoDay(endDay), days: out };
  }

  /** The newest fact row written and the newest event time, over every fact table, and the pipeline's own report. */
  async dataAge(): Promise<DataAge> {
    // Table names come from the contracts' constant map, never from a request.
    const union = Object.values(FACT_TABLE)
      .map((t) => `SELECT toUnixTimestamp64Milli(max(_ingested_at)) AS ingested_ms, toUnixTimestamp64Milli(max(occurred_at)) AS event_ms FROM ${t}`)
      .join(' UNION ALL ');
    const [row] = await this.src.wh.query<{ ingested_ms: string | number; event_ms: string | number }>(
      `SELECT max(ingested_ms) AS ingested_ms, max(event_ms) AS event_ms FROM (${union})`,
    );
    const pipeline = this.src.health ? await this.src.health() : undefined;
    const now = Date.now();
    const ingested = Number(row?.ingested_ms ?? 0);
    const event = Number(row?.event_ms ?? 0);
    return {
      checked_at: new Date(now).toISOString(),
      newest_ingested_at: iso(ingested),
      ingest_age_seconds: ageSeconds(now, ingested),
      newest_event_at: iso(event),
      event_age_seconds: ageSeconds(now, event),
      pipeline: pipeline ? { status: pipeline.status, watermark: pipeline.watermark ?? null, notes: pipeline.notes ?? [] } : null,
    };
  }
}
