import type { Params, Warehouse } from '../../../sinks/warehouse/types.js';
import { levelCounts, type LevelUpdate } from '../core/levels.js';
import type { WindowSource } from '../core/evaluate.js';
import { emptyCounts, mod, sliceUnit, type MinuteCounts, type Sums } from '../core/series.js';
import { excludeCounts } from '../core/maintenance.js';
import type { Indicator, Selector, SloDefinition } from '../definitions/model.js';
import { matchesDims, selectorKey, SLI_FAMILIES, type Dims } from '../definitions/selector.js';
import { isLatencyBound, LATENCY_BOUNDS_MS } from '../store/latency-bounds.js';
import { indicatorSource } from '../store/sql.js';
import { readPlan, type CoarseSpan, type Range, type ReadPlan, type SloNeed } from './read-plan.js';

/**
 * Per-minute good/total of many SLOs from one read per source, for stateless status: the
 * numbers `readCounts` (store/series-reader.ts) gives one SLO at a time, for all of them.
 *
 * Like the evaluator's MinuteSource it reads the cells of the SLI rollups once and routes
 * each cell to the SLOs that select it, but it asks the warehouse for one row per cell key
 * with that key's minutes and counts as two arrays (a few thousand rows for a month instead
 * of one row per cell and minute), routes each key once per indicator, and builds an
 * indicator's dense minutes only when its SLOs are evaluated, so memory holds the cells and
 * one indicator's minutes at a time.
 *
 * Sources: the journey and LEM minute rollups; the journey facts of the rollup buckets a
 * latency cut between the rollup's bounds splits, each duration reduced in SQL to the
 * smallest cut or bound >= it (so every `duration <= cut` stays exact); the LEM facts'
 * updates for level SLOs.
 *
 * Given each SLO's needs, long histories are read at three resolutions (read-plan.ts): minute
 * cells where windows may start at any minute (the alert replay's span, the ragged head of a
 * budget window), hour and day cells (sli_*_hour, sli_*_day; for facts-backed SLOs their
 * split buckets counted per hour and day) for the rest of the budget window, which is only
 * ever summed whole. The number of those cells stops growing once every key has data in
 * every hour and day.
 */
type CellSource = 'journey' | 'lem' | 'facts';

/** Resolution of a read: cells of one minute, one hour, one UTC day. */
type Res = 'minute' | 'hour' | 'day';
const RESOLUTIONS: readonly Res[] = ['minute', 'hour', 'day'];

/** Cells of one key at one resolution: each cell's start (epoch minute) and count. */
interface Cells {
  at: Uint32Array;
  counts: Float64Array;
}

const NO_CELLS: Cells = { at: new Uint32Array(0), counts: new Float64Array(0) };

/** One read of a source at one resolution: the event types wanted in each range. */
class ReadSet {
  private readonly byRange = new Map<string, { range: Range; types: Set<string> }>();

  add(range: Range, types: readonly string[]): void {
    if (range[1] <= range[0]) return;
    const k = `${range[0]}:${range[1]}`;
    let c = this.byRange.get(k);
    if (!c) this.byRange.set(k, (c = { range, types: new Set() }));
    for (const t of types) c.types.add(t);
  }

  get empty(): boolean {
    return this.byRange.size === 0;
  }

  /** `(has(types, event_type) AND col in range) OR ...`, values bound in `params`. */
  where(col: string, params: Params): string {
    return [...this.byRange.values()]
      .map((c, k) => {
        params[`t${k}`] = [...c.types];
        params[`f${k}`] = c.range[0] * 60;
        params[`e${k}`] = c.range[1] * 60;
        return `(has({t${k}:Array(String)}, event_type) AND ${col} >= toDateTime({f${k}:UInt32}, 'UTC') AND ${col} < toDateTime({e${k}:UInt32}, 'UTC'))`;
      })
      .join(' OR ');
  }
}

/** The rollup tables and their time column per resolution. */
const ROLLUPS: Record<'journey' | 'lem', Record<Res, { table: string; col: string }>> = {
  journey: { minute: { table: 'sli_journey_minute', col: 'minute' }, hour: { table: 'sli_journey_hour', col: 'hour' }, day: { table: 'sli_journey_day', col: 'day' } },
  lem: { minute: { table: 'sli_lem_minute', col: 'minute' }, hour: { table: 'sli_lem_hour', col: 'hour' }, day: { table: 'sli_lem_day', col: 'day' } },
};

/** Seconds per cell of a resolution (a fact's cell start is its time rounded down to it). */
const RES_SECONDS: Record<Res, number> = { minute: 60, hour: 3600, day: 86_400 };

interface KeyCells {
  eventType: string;
  dims: Dims;
  /** Duration bound of the key: latency_le (-1 without duration), or for facts the smallest cut or bound >= the duration (Infinity above all). */
  lat: number;
  /** Minute cells: minutes and counts. */
  minutes: Uint32Array;
  counts: Float64Array;
  hours: Cells;
  days: Cells;
}

/** One SLO's use of one key: whether its cells count towards total, towards the good (or bad) part. */
interface KeyUse {
  key: KeyCells;
  total: boolean;
  part: boolean;
}

interface LevelKey {
  eventType: string;
  dims: Dims;
  updates: LevelUpdate[];
}

const COLUMN = /^[a-z_]+$/;

function dimColumns(keys: readonly string[], nullable: boolean): string[] {
  return keys.map((k, i) => {
    if (!COLUMN.test(k)) throw new Error(`not an SLI column: ${k}`);
    return nullable ? `ifNull(${k}, '') AS d${i}` : `${k} AS d${i}`;
  });
}

/**
 * The dimensions of a family some selector of `slos` selects on, in the family's order. Cells
 * are keyed by these only: the cells of keys that differ in no selected dimension are read as
 * one key (their counts add up), which no selector can tell apart.
 */
function selectedDims(slos: readonly SloDefinition[], family: 'journey' | 'lem'): string[] {
  const used = new Set<string>();
  for (const slo of slos) {
    const ind = slo.indicator;
    if (ind.kind === 'level') continue;
    for (const s of selectorsOf(ind)) if (s.family === family) for (const k of Object.keys(s.where)) used.add(k);
  }
  return SLI_FAMILIES[family].whereKeys.filter((k) => used.has(k));
}

function rangeParams(params: Params, from: number, to: number): string {
  params['from'] = from * 60;
  params['to'] = to * 60;
  return `toDateTime({from:UInt32}, 'UTC') AND %T < toDateTime({to:UInt32}, 'UTC')`;
}

function selectorsOf(ind: Exclude<Indicator, { kind: 'level' }>): Selector[] {
  return ind.kind === 'ratio' ? [ind.total, ind.good] : [ind.events];
}

/** `latency_le` of events above the last bound. */
const OVERFLOW = Number('9223372036854775807');

/** The rollup bucket (`latency_le`) a duration falls in: the smallest bound at or above it. */
function bucketOf(ms: number): number {
  return LATENCY_BOUNDS_MS.find((b) => b >= ms) ?? OVERFLOW;
}

/** The latency cuts of an indicator that are not rollup bounds (what makes it read facts). */
function cutsOf(ind: Exclude<Indicator, { kind: 'level' }>): number[] {
  const all = ind.kind === 'ratio' ? [ind.total.latencyMaxMs, ind.good.latencyMaxMs] : [ind.cutMs];
  return all.filter((c): c is number => c !== null && !isLatencyBound(c));
}

function latencyOk(max: number | null, lat: number): boolean {
  return max === null || (lat >= 0 && lat <= max);
}

export class StatusCells {
  private readonly keys: Record<CellSource, KeyCells[]> = { journey: [], lem: [], facts: [] };
  private readonly keyIndex: Record<CellSource, Map<string, KeyCells>> = { journey: new Map(), lem: new Map(), facts: new Map() };
  private readonly levelKeys: LevelKey[] = [];
  /** Per rollup family, the dimensions cells are keyed by (`selectedDims`). */
  private readonly dims: Record<'journey' | 'lem', string[]>;
  /** Per SLO, its indicator as text: SLOs with equal indicators select the same units. */
  private readonly indicatorOf: string[];
  /** Per indicator: the keys it uses (cells), or its LEM updates (levels). */
  private readonly uses = new Map<string, KeyUse[]>();
  private readonly levelUses = new Map<string, LevelUpdate[]>();
  /** Buffers of `forEachSeries`, grown to the longest range asked. */
  private scratch = {
    good: new Float64Array(0),
    total: new Float64Array(0),
    part: new Float64Array(0),
    pGood: new Float64Array(0),
    pTotal: new Float64Array(0),
    sGood: new Float64Array(0),
    sTotal: new Float64Array(0),
  };

  private constructor(
    private readonly slos: readonly SloDefinition[],
    readonly from: number,
    readonly to: number,
    private readonly plan: ReadPlan,
  ) {
    this.indicatorOf = slos.map((s) => JSON.stringify(s.indicator));
    this.dims = { journey: selectedDims(slos, 'journey'), lem: selectedDims(slos, 'lem') };
  }

  /**
   * Reads the cells of minutes [from, to) every SLO of `slos` selects. With `needs` (per SLO,
   * same order), the SLOs read-plan.ts allows read whole hours and days before their `fine`
   * minute, and such an SLO's series answers only sums starting at its `from` or at `fine` or
   * later (`forEachSeries`); without, every SLO reads minutes over [from, to) (`countsOf`).
   */
  static async read(wh: Warehouse, slos: readonly SloDefinition[], from: number, to: number, needs?: readonly SloNeed[]): Promise<StatusCells> {
    const plan = readPlan(slos, needs);
    const cells = new StatusCells(slos, from, to, plan);
    const reads = {} as Record<CellSource, Record<Res, ReadSet>>;
    for (const s of ['journey', 'lem', 'facts'] as const) reads[s] = { minute: new ReadSet(), hour: new ReadSet(), day: new ReadSet() };
    const levelTypes = new Set<string>();
    const cuts = new Set<number>();
    slos.forEach((slo, i) => {
      const ind = slo.indicator;
      if (ind.kind === 'level') {
        for (const t of ind.events.eventTypes) levelTypes.add(t);
        return;
      }
      const source = cells.sourceOf(ind);
      const types = selectorsOf(ind).flatMap((s) => s.eventTypes);
      const span = plan.spans[i] ?? null;
      // A facts-backed SLO takes every bucket but those of its cuts from the rollup.
      for (const s of source === 'facts' ? (['journey', 'facts'] as const) : [source]) {
        if (span) {
          reads[s].minute.add([plan.fine, to], types);
          reads[s].minute.add(span.minutes, types);
          for (const r of span.hours) reads[s].hour.add(r, types);
          if (span.days) reads[s].day.add(span.days, types);
        } else reads[s].minute.add([Math.max(from, needs?.[i]?.from ?? from), to], types);
      }
      for (const c of cutsOf(ind)) cuts.add(c);
    });
    if (to > from) {
      const jobs: Array<Promise<void>> = [];
      for (const res of RESOLUTIONS) {
        for (const s of ['journey', 'lem'] as const) if (!reads[s][res].empty) jobs.push(cells.readRollup(wh, s, res, reads[s][res]));
        if (!reads.facts[res].empty) jobs.push(cells.readFacts(wh, res, reads.facts[res], [...cuts]));
      }
      if (levelTypes.size > 0) jobs.push(cells.readLevels(wh, [...levelTypes]));
      await Promise.all(jobs);
    }
    cells.route();
    return cells;
  }

  private sourceOf(ind: Exclude<Indicator, { kind: 'level' }>): CellSource {
    if (indicatorSource(ind) === 'facts') return 'facts';
    return ind.kind === 'ratio' ? ind.total.family : ind.events.family;
  }

  /** The journey or LEM rollup of one resolution: one row per cell key, its cells' starts and counts as arrays. */
  private async readRollup(wh: Warehouse, source: 'journey' | 'lem', res: Res, reads: ReadSet): Promise<void> {
    const dims = this.dims[source];
    const { table, col } = ROLLUPS[source][res];
    const params: Params = { base: this.from };
    const lat = source === 'journey' ? 'latency_le' : 'toInt64(-1)';
    const groups = ['event_type', ...dims.map((_, i) => `d${i}`), 'lat'].join(', ');
    // Cells of one key may sit in several parts until merged: a cell may come twice, and its counts add up.
    // An hour or a day may hold more than 2^32 events: counts of those go as Float64 (exact to 2^53).
    const count = res === 'minute' ? 'toUInt32(events)' : 'toFloat64(events)';
    const sql = `SELECT ${['event_type', ...dimColumns(dims, false)].join(', ')}, ${lat} AS lat,
  groupArray(toInt32(intDiv(toUnixTimestamp(${col}), 60) - {base:UInt32})) AS ms, groupArray(${count}) AS ns
FROM ${table}
WHERE ${reads.where(col, params)}
GROUP BY ${groups}`;
    this.addKeys(source, res, dims, await wh.query<Record<string, unknown>>(sql, params), (v) => Number(v));
  }

  /**
   * Journey facts for latency cuts between the rollup's bounds, only the events of the
   * rollup buckets such a cut splits (durations in (lower bound, upper bound]): every other
   * event of those SLOs is counted from the rollup, which holds each stored event once. A
   * duration is kept as the smallest cut or bound at or above it, so `duration <= cut`
   * stays exact for every cut and bound.
   */
  private async readFacts(wh: Warehouse, res: Res, reads: ReadSet, cuts: number[]): Promise<void> {
    const points = [...new Set([...LATENCY_BOUNDS_MS, ...cuts])].sort((a, b) => a - b);
    const buckets = [...new Set(cuts.map(bucketOf))].sort((a, b) => a - b);
    const params: Params = { points, unit: RES_SECONDS[res], base: this.from };
    const split = buckets
      .map((hi, i) => {
        const lo = [...LATENCY_BOUNDS_MS].reverse().find((b) => b < hi);
        if (lo !== undefined) params[`lo${i}`] = lo;
        if (hi !== OVERFLOW) params[`hi${i}`] = hi;
        const parts = [...(lo !== undefined ? [`duration_ms > {lo${i}:Int64}`] : []), ...(hi !== OVERFLOW ? [`duration_ms <= {hi${i}:Int64}`] : [])];
        return `(${parts.join(' AND ')})`;
      })
      .join(' OR ');
    const dims = this.dims.journey;
    const groups = ['event_type', ...dims.map((_, i) => `d${i}`), 'lat'].join(', ');
    // Facts may hold a duplicate event_id until merged: distinct ids per minute and key.
    const sql = `SELECT ${groups}, groupArray(m) AS ms, groupArray(n) AS ns FROM (
  SELECT toInt32(intDiv(toUnixTimestamp(occurred_at), {unit:UInt32}) * intDiv({unit:UInt32}, 60) - {base:UInt32}) AS m, ${['event_type', ...dimColumns(dims, true)].join(', ')},
    toInt64(arrayFirstIndex(c -> c >= assumeNotNull(duration_ms), {points:Array(Int64)})) AS lat,
    toFloat64(uniqExact(event_id)) AS n
  FROM journey_events
  WHERE (${reads.where('occurred_at', params)}) AND duration_ms IS NOT NULL AND (${split})
  GROUP BY m, ${groups})
GROUP BY ${groups}`;
    // lat: k, at most the k-th point; 0 above every point.
    this.addKeys('facts', res, dims, await wh.query<Record<string, unknown>>(sql, params), (v) => {
      const k = Number(v);
      return k === 0 ? Infinity : (points[k - 1] as number);
    });
  }

  /** Adds the cells of one resolution to their keys (a key read at several resolutions is one key). */
  private addKeys(source: CellSource, res: Res, dims: readonly string[], rows: ReadonlyArray<Record<string, unknown>>, lat: (v: unknown) => number): void {
    const index = this.keyIndex[source];
    for (const row of rows) {
      const eventType = String(row['event_type']);
      const l = lat(row['lat']);
      let id = `${eventType}\u0000${l}`;
      for (let i = 0; i < dims.length; i++) id += `\u0000${String(row[`d${i}`] ?? '')}`;
      let key = index.get(id);
      if (!key) {
        const d: Record<string, string> = {};
        dims.forEach((k, i) => (d[k] = String(row[`d${i}`] ?? '')));
        key = { eventType, dims: d, lat: l, minutes: NO_CELLS.at, counts: NO_CELLS.counts, hours: NO_CELLS, days: NO_CELLS };
        index.set(id, key);
        this.keys[source].push(key);
      }
      // Cell starts come as minutes after the range's start (shorter to send and parse).
      const ms = row['ms'] as number[];
      const at = new Uint32Array(ms.length);
      for (let j = 0; j < ms.length; j++) at[j] = this.from + (ms[j] as number);
      const cells: Cells = { at, counts: Float64Array.from(row['ns'] as number[]) };
      if (res === 'minute') {
        key.minutes = cells.at;
        key.counts = cells.counts;
      } else if (res === 'hour') key.hours = cells;
      else key.days = cells;
    }
  }

  /**
   * LEM updates of the level SLOs: every update in [from, to) and the last one before
   * `from` (the level in force when the range starts), per cell key.
   */
  private async readLevels(wh: Warehouse, types: string[]): Promise<void> {
    const params: Params = { types };
    const range = rangeParams(params, this.from, this.to).replace('%T', 'occurred_at');
    const cols = 'event_type, city_code, scope, scope_id, metric';
    // Every update of the range from the facts (a level needs only the last of each minute, which
    // levelCounts picks; the rollup's per-minute maximum costs more to merge and send than the
    // facts are long), and the last one of each key before it. A repeated event is the same
    // update twice and changes nothing. Sent as plain arrays (epoch ms, event id, score).
    const sql = `SELECT ${cols}, groupArray(toUnixTimestamp64Milli(t)) AS ts, groupArray(id) AS ids, groupArray(score) AS scores FROM (
  SELECT ${cols}, occurred_at AS t, event_id AS id, current_score AS score FROM lem_signals
  WHERE occurred_at >= ${range} AND has({types:Array(String)}, event_type)
  UNION ALL
  SELECT ${cols}, u.1 AS t, u.2 AS id, u.3 AS score FROM (
    SELECT ${cols}, max(tuple(occurred_at, event_id, current_score)) AS u FROM lem_signals
    WHERE occurred_at < toDateTime({from:UInt32}, 'UTC') AND has({types:Array(String)}, event_type)
    GROUP BY ${cols}))
GROUP BY ${cols}`;
    type Row = { event_type: string; city_code: string; scope: string; scope_id: string; metric: string; ts: Array<string | number>; ids: string[]; scores: number[] };
    for (const r of await wh.query<Row>(sql, params)) {
      const key = `${r.scope_id}\u0000${r.metric}`;
      this.levelKeys.push({
        eventType: r.event_type,
        dims: { city_code: r.city_code, scope: r.scope, scope_id: r.scope_id, metric: r.metric },
        updates: r.ts.map((t, k) => ({ key, occurredAt: Number(t), eventId: r.ids[k] as string, score: Number(r.scores[k]) })),
      });
    }
  }

  /**
   * Which keys each indicator uses: selectors are matched once per key and event type, and
   * once for all SLOs sharing an indicator.
   */
  private route(): void {
    const bySource: Record<CellSource, number[]> = { journey: [], lem: [], facts: [] };
    const levelSlos: number[] = [];
    const seen = new Set<string>();
    this.slos.forEach((slo, i) => {
      const ind = slo.indicator;
      const key = this.indicatorOf[i] as string;
      if (seen.has(key)) return;
      seen.add(key);
      if (ind.kind === 'level') levelSlos.push(i);
      else bySource[this.sourceOf(ind)].push(i);
    });
    const split = new Map<number, Set<number>>();
    for (const i of bySource.facts) split.set(i, new Set(cutsOf(this.slos[i]?.indicator as Exclude<Indicator, { kind: 'level' }>).map(bucketOf)));
    for (const source of ['journey', 'lem', 'facts'] as const) {
      const byType = new Map<string, number[]>();
      // Facts-backed SLOs read the rollup too, except the buckets their cuts split (those come from the facts).
      for (const i of source === 'journey' ? [...bySource.journey, ...bySource.facts] : bySource[source]) {
        const ind = this.slos[i]?.indicator as Exclude<Indicator, { kind: 'level' }>;
        const typesOf = new Set(selectorsOf(ind).flatMap((s) => s.eventTypes));
        for (const t of typesOf) {
          let list = byType.get(t);
          if (!list) byType.set(t, (list = []));
          list.push(i);
        }
      }
      // Equal selectors of different indicators are matched once per key.
      const selectors = new SelectorIndex();
      for (const key of this.keys[source]) {
        selectors.next();
        const match = (s: Selector): boolean => selectors.matches(s, key.eventType, key.dims);
        for (const i of byType.get(key.eventType) ?? []) {
          const own = split.get(i);
          if (own && own.has(source === 'facts' ? bucketOf(key.lat) : key.lat) !== (source === 'facts')) continue;
          const ind = this.slos[i]?.indicator as Exclude<Indicator, { kind: 'level' }>;
          let total: boolean;
          let part: boolean;
          if (ind.kind === 'ratio') {
            total = match(ind.total) && latencyOk(ind.total.latencyMaxMs, key.lat);
            part = match(ind.good) && latencyOk(ind.good.latencyMaxMs, key.lat);
          } else {
            total = match(ind.events) && key.lat >= 0;
            part = total && key.lat <= ind.cutMs !== ind.goodWhenAbove;
          }
          if (!total && !part) continue;
          const indKey = this.indicatorOf[i] as string;
          let list = this.uses.get(indKey);
          if (!list) this.uses.set(indKey, (list = []));
          list.push({ key, total, part });
        }
      }
    }
    for (const i of levelSlos) {
      const ind = this.slos[i]?.indicator;
      if (ind?.kind !== 'level') continue;
      const updates: LevelUpdate[] = [];
      for (const k of this.levelKeys) if (matchesDims(ind.events, k.eventType, k.dims)) for (const u of k.updates) updates.push(u);
      this.levelUses.set(this.indicatorOf[i] as string, updates);
    }
  }

  /** Per-minute counts of SLO `i` over [from, to) (inside the range read), as `readCounts` gives them. */
  countsOf(i: number, from: number, to: number = this.to): MinuteCounts {
    const slo = this.slos[i] as SloDefinition;
    if (this.plan.spans[i]) throw new Error(`the minutes of SLO ${slo.id} before minute ${this.plan.fine} were read as hours and days`);
    const ind = slo.indicator;
    const n = Math.max(0, to - from);
    // Maintenance windows: their minutes count as no events (core/maintenance.ts).
    if (ind.kind === 'level') return excludeCounts(slo, levelCounts(this.levelUses.get(this.indicatorOf[i] as string) ?? [], ind.op, ind.value, from, n));
    return excludeCounts(slo, this.fill(i, emptyCounts(from, n), new Float64Array(n)));
  }

  /**
   * Calls `fn` with the units of every SLO `i` of `wanted` over [from, this.to) as window
   * sums, equal to a `UnitSeries` of `countsOf(i, from)`. SLOs with the same indicator
   * (the same SLI under other targets, windows or budgeting) select the same minutes, so
   * those are built once for the group; Occurrences SLOs of a group share one set of prefix
   * sums, each clamped at its own start. A source is valid only during its call.
   */
  forEachSeries(wanted: ReadonlyArray<{ i: number; from: number }>, fn: (i: number, src: WindowSource) => void): void {
    const groups = new Map<string, Array<{ i: number; from: number }>>();
    for (const w of wanted) {
      // SLOs under other maintenance windows exclude other minutes: they share nothing.
      const windows = (this.slos[w.i] as SloDefinition).maintenance;
      const key = `${this.indicatorOf[w.i] as string}${windows ? `\u0000${JSON.stringify(windows.map((x) => `${x.origin}:${x.name}`))}` : ''}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push(w);
    }
    for (const members of groups.values()) {
      const start = Math.min(...members.map((m) => m.from));
      const base = this.baseCounts((members[0] as { i: number }).i, start);
      let shared: { good: Float64Array; total: Float64Array } | null = null;
      // Members with the same start (the same window) have the same coarse sum.
      const coarse = new Map<number, Sums>();
      for (const m of members) {
        const slo = this.slos[m.i] as SloDefinition;
        const skip = m.from - start;
        const span = this.plan.spans[m.i];
        if (slo.budgeting.method === 'Occurrences') {
          shared ??= this.prefix(base);
          const sums = new PrefixSums(start, base.total.length, shared.good, shared.total, m.from);
          if (!span) fn(m.i, sums);
          else {
            let before = coarse.get(span.from);
            if (!before) coarse.set(span.from, (before = this.coarseSum(m.i, span, sums)));
            fn(m.i, new SpanSums(sums, before, this.plan.fine));
          }
        } else {
          const units = this.sliceUnits(base, skip, slo.budgeting.sliceMinutes, slo.budgeting.sliceTarget);
          fn(m.i, new PrefixSums(m.from, units.n, units.good, units.total, m.from));
        }
      }
    }
  }

  /** Per-minute counts of SLO `i` over [from, this.to), in buffers reused by the next group. */
  private baseCounts(i: number, from: number): MinuteCounts {
    const slo = this.slos[i] as SloDefinition;
    const ind = slo.indicator;
    const n = Math.max(0, this.to - from);
    if (ind.kind === 'level') return excludeCounts(slo, levelCounts(this.levelUses.get(this.indicatorOf[i] as string) ?? [], ind.op, ind.value, from, n));
    if (this.scratch.total.length < n) this.scratch = { ...this.scratch, good: new Float64Array(n), total: new Float64Array(n), part: new Float64Array(n) };
    const good = this.scratch.good.subarray(0, n);
    const total = this.scratch.total.subarray(0, n);
    const part = this.scratch.part.subarray(0, n);
    total.fill(0);
    part.fill(0);
    return excludeCounts(slo, this.fill(i, { start: from, good, total }, part));
  }

  /**
   * Prefix sums of the slice units of minutes [base.start + skip, base end), in reused
   * buffers: UnitSeries' slicing (core/series.ts: a slice's unit on its last minute, the
   * first slice from the first minute on) and its left-to-right sums, so the sums are equal.
   */
  private sliceUnits(base: MinuteCounts, skip: number, sliceMinutes: number, sliceTarget: number | null): { n: number; good: Float64Array; total: Float64Array } {
    const n = Math.max(0, base.total.length - skip);
    if (this.scratch.sGood.length < n + 1) this.scratch = { ...this.scratch, sGood: new Float64Array(n + 1), sTotal: new Float64Array(n + 1) };
    const { sGood, sTotal } = this.scratch;
    const start = base.start + skip;
    let g = 0;
    let t = 0;
    let pg = 0;
    let pt = 0;
    sGood[0] = 0;
    sTotal[0] = 0;
    // Minute of the slice (mod(minute, sliceMinutes)), counted along instead of divided out.
    let r = mod(start, sliceMinutes);
    for (let k = 0; k < n; k++) {
      if (r === 0) {
        g = 0;
        t = 0;
      }
      g += base.good[skip + k] as number;
      t += base.total[skip + k] as number;
      if (++r === sliceMinutes) {
        r = 0;
        if (t > 0) {
          const u = sliceUnit(g, t, sliceTarget);
          pg += u.good;
          pt += u.total;
        }
      }
      sGood[k + 1] = pg;
      sTotal[k + 1] = pt;
    }
    return { n, good: sGood, total: sTotal };
  }

  /** Prefix sums of minute counts, summed left to right as UnitSeries does, in reused buffers. */
  private prefix(c: MinuteCounts): { good: Float64Array; total: Float64Array } {
    const n = c.total.length;
    if (this.scratch.pGood.length < n + 1) this.scratch = { ...this.scratch, pGood: new Float64Array(n + 1), pTotal: new Float64Array(n + 1) };
    const { pGood, pTotal } = this.scratch;
    pGood[0] = 0;
    pTotal[0] = 0;
    for (let k = 0; k < n; k++) {
      pGood[k + 1] = (pGood[k] as number) + (c.good[k] as number);
      pTotal[k + 1] = (pTotal[k] as number) + (c.total[k] as number);
    }
    return { good: pGood, total: pTotal };
  }

  /**
   * Units of a coarse SLO over [span.from, fine): its head minutes from the group's prefix sums
   * (`minutes`, whose head was read), then its hour and day cells. The SLO's good (or bad)
   * events are among its total's (read-plan.ts), so the sums need no cap minute by minute.
   */
  private coarseSum(i: number, span: CoarseSpan, minutes: PrefixSums): Sums {
    const ind = (this.slos[i] as SloDefinition).indicator as Exclude<Indicator, { kind: 'level' }>;
    const head = minutes.sum(span.minutes[0], span.minutes[1]);
    let total = head.total;
    let part = head.good;
    const add = (cells: Cells, [a, b]: Range, use: KeyUse): void => {
      for (let j = 0; j < cells.at.length; j++) {
        const at = cells.at[j] as number;
        if (at < a || at >= b) continue;
        const c = cells.counts[j] as number;
        if (use.total) total += c;
        if (use.part) part += c;
      }
    };
    for (const use of this.uses.get(this.indicatorOf[i] as string) ?? []) {
      for (const r of span.hours) add(use.key.hours, r, use);
      if (span.days) add(use.key.days, span.days, use);
    }
    // The head's good is already the part (or total - part for a bad selection): add like to like.
    const goodIsBad = ind.kind === 'ratio' && ind.goodIsBad;
    const rest = { total: total - head.total, part: part - head.good };
    const p = Math.min(rest.part, rest.total);
    return { good: head.good + (goodIsBad ? rest.total - p : p), total };
  }

  /** Adds the cells SLO `i` uses into `out` (total) and `part`, then sets good = the part capped at total (or total - part). */
  private fill(i: number, out: MinuteCounts, part: Float64Array): MinuteCounts {
    const ind = (this.slos[i] as SloDefinition).indicator as Exclude<Indicator, { kind: 'level' }>;
    const from = out.start;
    const n = out.total.length;
    for (const use of this.uses.get(this.indicatorOf[i] as string) ?? []) {
      const { minutes, counts } = use.key;
      for (let j = 0; j < minutes.length; j++) {
        const at = (minutes[j] as number) - from;
        if (at < 0 || at >= n) continue;
        const c = counts[j] as number;
        if (use.total) out.total[at] = (out.total[at] ?? 0) + c;
        if (use.part) part[at] = (part[at] ?? 0) + c;
      }
    }
    const goodIsBad = ind.kind === 'ratio' && ind.goodIsBad;
    for (let k = 0; k < n; k++) {
      const total = out.total[k] ?? 0;
      const p = Math.min(part[k] ?? 0, total);
      out.good[k] = goodIsBad ? total - p : p;
    }
    return out;
  }
}

/**
 * `matchesDims` of selectors for one cell key at a time, each distinct selector (by
 * `selectorKey`) matched once per key.
 */
class SelectorIndex {
  private readonly ids = new Map<Selector, number>();
  private readonly byKey = new Map<string, number>();
  private stamp = new Uint32Array(16);
  private result = new Uint8Array(16);
  private key = 1;

  /** The next cell key: every answer before it is forgotten. */
  next(): void {
    this.key++;
  }

  matches(s: Selector, eventType: string, dims: Dims): boolean {
    let id = this.ids.get(s);
    if (id === undefined) {
      const text = selectorKey(s);
      id = this.byKey.get(text);
      if (id === undefined) this.byKey.set(text, (id = this.byKey.size));
      this.ids.set(s, id);
      if (id >= this.stamp.length) {
        const stamp = new Uint32Array(this.stamp.length * 2);
        const result = new Uint8Array(this.stamp.length * 2);
        stamp.set(this.stamp);
        result.set(this.result);
        this.stamp = stamp;
        this.result = result;
      }
    }
    if (this.stamp[id] === this.key) return this.result[id] === 1;
    const m = matchesDims(s, eventType, dims);
    this.stamp[id] = this.key;
    this.result[id] = m ? 1 : 0;
    return m;
  }
}

/**
 * Window sums over prefix sums of minutes [start, start + n), as a `UnitSeries` of minutes
 * [floor, start + n) sums them: minutes outside hold nothing.
 */
class PrefixSums implements WindowSource {
  constructor(
    private readonly start: number,
    private readonly n: number,
    private readonly pGood: Float64Array,
    private readonly pTotal: Float64Array,
    readonly floor: number,
  ) {}

  sum(from: number, to: number): Sums {
    const a = Math.min(Math.max(Math.max(from, this.floor) - this.start, 0), this.n);
    const b = Math.min(Math.max(Math.max(to, this.floor) - this.start, 0), this.n);
    if (b <= a) return { good: 0, total: 0 };
    return { good: (this.pGood[b] as number) - (this.pGood[a] as number), total: (this.pTotal[b] as number) - (this.pTotal[a] as number) };
  }

  trailing(minutes: number, from: number, n: number, good: Float64Array, total: Float64Array): void {
    const { pGood, pTotal } = this;
    // Windows inside [floor, start + n) are plain differences; the others are clamped as in `sum`.
    const inFrom = minutes > 0 ? Math.min(Math.max(Math.max(this.floor, this.start) + minutes - from, 0), n) : n;
    const inTo = Math.max(Math.min(this.start + this.n - from + 1, n), inFrom);
    const clamped = (k: number): void => {
      const s = this.sum(from + k - minutes, from + k);
      good[k] = s.good;
      total[k] = s.total;
    };
    for (let k = 0; k < inFrom; k++) clamped(k);
    for (let k = inFrom, b = from + inFrom - this.start, a = b - minutes; k < inTo; k++, a++, b++) {
      good[k] = (pGood[b] as number) - (pGood[a] as number);
      total[k] = (pTotal[b] as number) - (pTotal[a] as number);
    }
    for (let k = inTo; k < n; k++) clamped(k);
  }
}

/**
 * Window sums of an SLO read as hours and days before `fine`: sums from its start (the budget
 * window) add the sum of [start, fine) to the minutes after; every other window starts at
 * `fine` or later (read-plan.ts), and one that does not is a mistake, not a figure.
 */
class SpanSums implements WindowSource {
  constructor(
    private readonly minutes: PrefixSums,
    private readonly before: Sums,
    private readonly fine: number,
  ) {}

  sum(from: number, to: number): Sums {
    const start = this.minutes.floor;
    const a = Math.max(from, start);
    const b = Math.max(to, start);
    if (b <= a) return { good: 0, total: 0 };
    if (a >= this.fine) return this.minutes.sum(a, b);
    if (a === start && b >= this.fine) {
      const after = this.minutes.sum(this.fine, b);
      return { good: this.before.good + after.good, total: this.before.total + after.total };
    }
    throw new Error(`no exact sum of minutes [${from}, ${to}): minutes before ${this.fine} were read as hours and days from ${start}`);
  }

  trailing(minutes: number, from: number, n: number, good: Float64Array, total: Float64Array): void {
    // Windows starting at `fine` or later are the minutes' own; any other goes through `sum`.
    if (Math.max(from - minutes, this.minutes.floor) >= this.fine) return this.minutes.trailing(minutes, from, n, good, total);
    for (let k = 0; k < n; k++) {
      const s = this.sum(from + k - minutes, from + k);
      good[k] = s.good;
      total[k] = s.total;
    }
  }
}
