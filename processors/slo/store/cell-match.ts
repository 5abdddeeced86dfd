import type { Indicator, SloDefinition } from '../definitions/model.js';
import { matchesDims, type Dims } from '../definitions/selector.js';

/** How a cell is routed to one SLO: it may count in the SLO's total and in its good (or bad) part. */
export interface CellRoute {
  slo: number;
  total: boolean;
  part: boolean;
}

/** `duration_ms <= max` for a cell of latency bucket `le` (-1: no duration); no cut always holds. */
export function latencyOk(max: number | null, le: number): boolean {
  return max === null || (le >= 0 && le <= max);
}

/**
 * Whether a cell of latency bucket `lat` counts in the total and in the part of a ratio or
 * latency indicator it was routed to. One rule for every reader of cells (whole minutes, the
 * open minute), so they never disagree.
 */
export function cellCounts(ind: Exclude<Indicator, { kind: 'level' }>, route: CellRoute, lat: number): { inTotal: boolean; inPart: boolean } {
  if (ind.kind === 'ratio') {
    return { inTotal: route.total && latencyOk(ind.total.latencyMaxMs, lat), inPart: route.part && latencyOk(ind.good.latencyMaxMs, lat) };
  }
  const inTotal = route.total && lat >= 0;
  return { inTotal, inPart: inTotal && lat <= ind.cutMs !== ind.goodWhenAbove };
}

/**
 * Routes the cells of a read (rows with `event_type` and dimensions `d0`, `d1`, ... in the
 * order of `dims`) to the SLOs among `candidates` that select them, matching each key once
 * and remembering its routes for the next reads, and adds each cell's count where
 * `cellCounts` says it counts: into the SLO's totals and into its parts (first element).
 */
export class CellRouter {
  private readonly routes = new Map<string, CellRoute[]>();

  constructor(
    private readonly slos: readonly SloDefinition[],
    private readonly candidates: readonly number[],
    private readonly dims: readonly string[],
  ) {}

  /** The SLOs a row's key routes to (none: the cell counts nowhere). */
  routesOf(row: Readonly<Record<string, unknown>>): CellRoute[] {
    const eventType = String(row['event_type']);
    let key = eventType;
    for (let i = 0; i < this.dims.length; i++) key += `\u0000${String(row[`d${i}`])}`;
    let hit = this.routes.get(key);
    if (!hit) {
      const d: Record<string, string | null> = {};
      this.dims.forEach((k, i) => (d[k] = String(row[`d${i}`] ?? '')));
      hit = this.route(eventType, d);
      this.routes.set(key, hit);
    }
    return hit;
  }

  /** Adds `n` events of latency bucket `lat` (-1: none) at `at` to every SLO `row` routes to. */
  add(
    row: Readonly<Record<string, unknown>>,
    at: number,
    n: number,
    lat: number,
    totals: ReadonlyArray<Map<number, number>>,
    partsOf: (slo: number) => Map<number, [number, number]>,
  ): void {
    for (const r of this.routesOf(row)) {
      const ind = this.slos[r.slo]?.indicator as Exclude<Indicator, { kind: 'level' }>;
      const { inTotal, inPart } = cellCounts(ind, r, lat);
      if (inTotal) {
        const t = totals[r.slo] as Map<number, number>;
        t.set(at, (t.get(at) ?? 0) + n);
      }
      if (inPart) {
        const p = partsOf(r.slo);
        const cur = p.get(at);
        if (cur) cur[0] += n;
        else p.set(at, [n, 0]);
      }
    }
  }

  private route(eventType: string, dims: Dims): CellRoute[] {
    const out: CellRoute[] = [];
    for (const i of this.candidates) {
      const ind = this.slos[i]?.indicator;
      if (!ind || ind.kind === 'level') continue;
      const total = matchesDims(ind.kind === 'ratio' ? ind.total : ind.events, eventType, dims);
      const part = ind.kind === 'ratio' ? matchesDims(ind.good, eventType, dims) : total;
      if (total || part) out.push({ slo: i, total, part });
    }
    return out;
  }
}
