import type { Indicator } from '../definitions/model.js';

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
