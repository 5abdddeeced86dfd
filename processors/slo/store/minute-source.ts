import type { Params, Warehouse } from '../../../sinks/warehouse/types.js';
import { CellRouter } from './cell-match.js';
import { levelCounts, updateOrder, type LevelUpdate } from '../core/levels.js';
import type { Selector, SloDefinition } from '../definitions/model.js';
import { matchesDims, SLI_FAMILIES, type Dims } from '../definitions/selector.js';
import { indicatorSource } from './sql.js';
import { toLevelUpdate } from './series-reader.js';

/**
 * Raw per-minute good/total of many SLOs at once, for the incremental evaluator. Instead
 * of one query per SLO, it reads the cells of the requested minutes once per source (the
 * journey and LEM minute aggregates; the journey facts with exact durations for latency
 * cuts between the aggregate's bounds) and routes each cell to the SLOs that select it.
 * LEM levels come from an in-memory history of updates.
 */
export type MinuteRange = readonly [from: number, to: number];

/** Per minute: [good, total]. */
export type RawMinutes = Map<number, [number, number]>;

/** Where cells come from: the two minute aggregates, or the journey facts (exact durations). */
type CellSource = 'journey' | 'lem' | 'facts';

interface CellQuery {
  table: string;
  minute: string;
  time: string;
  dims: readonly string[];
  /** Expression of each dimension (facts hold NULL where the aggregate holds ''). */
  exprs: readonly string[];
  latency: string | null;
  count: string;
}

const CELLS: Record<CellSource, CellQuery> = {
  journey: {
    table: 'sli_journey_minute',
    minute: 'intDiv(toUnixTimestamp(minute), 60)',
    time: 'minute',
    dims: SLI_FAMILIES.journey.whereKeys,
    exprs: SLI_FAMILIES.journey.whereKeys,
    latency: 'latency_le',
    count: 'sum(events)',
  },
  lem: {
    table: 'sli_lem_minute',
    minute: 'intDiv(toUnixTimestamp(minute), 60)',
    time: 'minute',
    dims: SLI_FAMILIES.lem.whereKeys,
    exprs: SLI_FAMILIES.lem.whereKeys,
    latency: null,
    count: 'sum(events)',
  },
  // A latency cut between the aggregate's bounds needs each event's own duration_ms.
  facts: {
    table: 'journey_events',
    minute: 'intDiv(toUnixTimestamp(occurred_at), 60)',
    time: 'occurred_at',
    dims: SLI_FAMILIES.journey.whereKeys,
    exprs: SLI_FAMILIES.journey.whereKeys.map((k) => `ifNull(${k}, '')`),
    latency: 'ifNull(duration_ms, -1)',
    count: 'uniqExact(event_id)',
  },
};

function rangesCondition(time: string, ranges: readonly MinuteRange[], params: Params): string {
  return ranges
    .map(([from, to], i) => {
      params[`f${i}`] = from * 60;
      params[`t${i}`] = to * 60;
      return `(${time} >= toDateTime({f${i}:UInt32}, 'UTC') AND ${time} < toDateTime({t${i}:UInt32}, 'UTC'))`;
    })
    .join(' OR ');
}


export class MinuteSource {
  private readonly cellSlos: Record<CellSource, number[]> = { journey: [], lem: [], facts: [] };
  private readonly levelSlos: number[] = [];
  private readonly routers: Partial<Record<CellSource, CellRouter>> = {};
  /** Event types any facts-backed SLO selects (the facts read is limited to them). */
  private readonly factTypes = new Set<string>();
  /** Level history per level SLO: updates per scope_id+metric, sorted. */
  private readonly history = new Map<number, Map<string, LevelUpdate[]>>();

  constructor(
    private readonly wh: Warehouse,
    private readonly slos: readonly SloDefinition[],
  ) {
    slos.forEach((slo, i) => {
      const ind = slo.indicator;
      if (ind.kind === 'level') {
        this.levelSlos.push(i);
        this.history.set(i, new Map());
      } else if (indicatorSource(ind) === 'facts') {
        this.cellSlos.facts.push(i);
        for (const sel of ind.kind === 'ratio' ? [ind.total, ind.good] : [ind.events]) for (const t of sel.eventTypes) this.factTypes.add(t);
      } else this.cellSlos[ind.kind === 'ratio' ? ind.total.family : ind.events.family].push(i);
    });
  }

  get hasLevels(): boolean {
    return this.levelSlos.length > 0;
  }

  /** Raw counts of every SLO for the given minute ranges (complete minutes). */
  async read(ranges: readonly MinuteRange[]): Promise<RawMinutes[]> {
    const parts: Array<Map<number, [number, number]>> = this.slos.map(() => new Map());
    const totals: Array<Map<number, number>> = this.slos.map(() => new Map());
    const live = ranges.filter(([a, b]) => b > a);
    if (live.length === 0) return this.slos.map(() => new Map());
    for (const source of ['journey', 'lem', 'facts'] as const) {
      if (this.cellSlos[source].length > 0) await this.readCells(source, live, parts, totals);
    }
    const out: RawMinutes[] = this.slos.map((slo, i) => {
      const ind = slo.indicator;
      const m: RawMinutes = new Map();
      if (ind.kind === 'level') return m;
      const goodIsBad = ind.kind === 'ratio' && ind.goodIsBad;
      for (const [minute, total] of totals[i] ?? []) {
        const part = Math.min(parts[i]?.get(minute)?.[0] ?? 0, total);
        m.set(minute, [goodIsBad ? total - part : part, total]);
      }
      return m;
    });
    for (const i of this.levelSlos) out[i] = this.levelMinutes(i, live);
    return out;
  }

  private async readCells(
    source: CellSource,
    ranges: readonly MinuteRange[],
    parts: Array<Map<number, [number, number]>>,
    totals: Array<Map<number, number>>,
  ): Promise<void> {
    const q = CELLS[source];
    const params: Params = {};
    const cols = q.exprs.map((e, i) => `${e} AS d${i}`);
    if (q.latency) cols.push(`${q.latency} AS lat`);
    let where = `(${rangesCondition(q.time, ranges, params)})`;
    if (source === 'facts') {
      params['types'] = [...this.factTypes];
      where += ' AND has({types:Array(String)}, event_type)';
    }
    const groups = ['m', 'event_type', ...q.exprs.map((_, i) => `d${i}`), ...(q.latency ? ['lat'] : [])];
    const sql = `SELECT ${q.minute} AS m, event_type, ${cols.join(', ')}, ${q.count} AS n
FROM ${q.table} WHERE ${where}
GROUP BY ${groups.join(', ')}`;
    const rows = await this.wh.query<Record<string, string | number>>(sql, params);
    const router = (this.routers[source] ??= new CellRouter(this.slos, this.cellSlos[source], q.dims));
    const partsOf = (slo: number): Map<number, [number, number]> => parts[slo] as Map<number, [number, number]>;
    for (const row of rows) router.add(row, Number(row['m']), Number(row['n']), q.latency ? Number(row['lat']) : -1, totals, partsOf);
  }

  /**
   * Loads LEM updates of the level SLOs with minute in [from, to); with `before`, also the
   * last update of every cell before `from` (the levels in force when tracking starts).
   */
  async loadLevels(from: number, to: number, before = false): Promise<void> {
    if (this.levelSlos.length === 0 || (to <= from && !before)) return;
    const params: Params = { f: from * 60, t: to * 60 };
    const cols = `scope_id, metric, event_type, city_code, scope`;
    const sql = `SELECT ${cols}, maxMerge(last_update) AS u FROM sli_lem_minute
WHERE minute >= toDateTime({f:UInt32}, 'UTC') AND minute < toDateTime({t:UInt32}, 'UTC')
GROUP BY minute, ${cols}${
      before
        ? `
UNION ALL
SELECT ${cols}, maxMerge(last_update) AS u FROM sli_lem_minute
WHERE minute < toDateTime({f:UInt32}, 'UTC')
GROUP BY ${cols}`
        : ''
    }`;
    const rows = await this.wh.query<{ scope_id: string; metric: string; event_type: string; city_code: string; scope: string; u: [string, string, number] }>(sql, params);
    for (const r of rows) {
      const update = toLevelUpdate(r.scope_id, r.metric, r.u);
      const dims: Dims = { scope_id: r.scope_id, metric: r.metric, city_code: r.city_code, scope: r.scope };
      for (const i of this.levelSlos) {
        const ind = this.slos[i]?.indicator;
        if (ind?.kind !== 'level' || !matchesDims(ind.events as Selector, r.event_type, dims)) continue;
        const byKey = this.history.get(i) as Map<string, LevelUpdate[]>;
        let list = byKey.get(update.key);
        if (!list) byKey.set(update.key, (list = []));
        insertSorted(list, update);
      }
    }
  }

  /** Forgets level updates older than `minute`, keeping the one in force at it. */
  pruneLevels(minute: number): void {
    for (const byKey of this.history.values()) {
      for (const list of byKey.values()) {
        const idx = lastBefore(list, (minute + 1) * 60_000);
        if (idx > 0) list.splice(0, idx);
      }
    }
  }

  private levelMinutes(i: number, ranges: readonly MinuteRange[]): RawMinutes {
    const ind = this.slos[i]?.indicator;
    const out: RawMinutes = new Map();
    if (ind?.kind !== 'level') return out;
    const byKey = this.history.get(i) as Map<string, LevelUpdate[]>;
    for (const [from, to] of ranges) {
      const relevant: LevelUpdate[] = [];
      for (const list of byKey.values()) {
        const startIdx = Math.max(0, lastBefore(list, from * 60_000));
        for (let k = startIdx; k < list.length; k++) {
          const u = list[k] as LevelUpdate;
          if (u.occurredAt >= to * 60_000) break;
          relevant.push(u);
        }
      }
      const c = levelCounts(relevant, ind.op, ind.value, from, to - from);
      for (let k = 0; k < to - from; k++) {
        const t = c.total[k] ?? 0;
        if (t > 0) out.set(from + k, [c.good[k] ?? 0, t]);
      }
    }
    return out;
  }
}

/** Index of the last update with occurredAt < ms (-1 when none). */
function lastBefore(list: readonly LevelUpdate[], ms: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as LevelUpdate).occurredAt < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function insertSorted(list: LevelUpdate[], u: LevelUpdate): void {
  let i = list.length;
  while (i > 0 && updateOrder(list[i - 1] as LevelUpdate, u) > 0) i--;
  const prev = list[i - 1];
  if (prev && prev.eventId === u.eventId && prev.occurredAt === u.occurredAt) return;
  list.splice(i, 0, u);
}
