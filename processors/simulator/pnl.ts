import { emptyReporting, monthOf } from './cost.js';
import { formatMinor } from './money.js';
import type { GroundTruth, IncidentTruth, ReportingFigures } from './types.js';

/** docs/interfaces.md P&L dimensions, plus `incident_id` for per-incident rows. */
export const PNL_DIMENSIONS = ['month', 'incident_id', 'product_version_id', 'market_code', 'city_code', 'vendor_id', 'route_id', 'fault', 'severity', 'reason_code'] as const;
export type PnlDimension = (typeof PNL_DIMENSIONS)[number];

/** One expected `slo-pipeline pnl --json` row: the `--by` dimensions, money as decimal strings in the reporting currency, counts. */
export type ExpectedPnlRow = Partial<Record<PnlDimension, string | null>> & {
  compensation_cost: string;
  compensation_redeemed: string;
  refund_cost: string;
  lost_revenue: string;
  total_cost: string;
  incidents: number;
  unconverted: number;
};

export interface PnlRange {
  /** Only money events at or after this instant (epoch ms). @default undefined (no lower bound) */
  from?: number;
  /** Only money events before this instant (epoch ms). @default undefined (no upper bound) */
  to?: number;
}

function dimensionValue(inc: IncidentTruth, dim: PnlDimension, at: number): string | null {
  return dim === 'month' ? monthOf(at) : inc[dim];
}

/**
 * Aggregates the incidents' money events of the ground truth into P&L rows grouped by
 * `by` (in that order), summing the already rounded per-event conversions. An incident
 * counts in a row when it has a money event there. Rows are sorted by each dimension in
 * turn, nulls last; without dimensions there is always exactly one row.
 */
export function expectedPnl(truth: GroundTruth, by: readonly PnlDimension[], range: PnlRange = {}): ExpectedPnlRow[] {
  const groups = new Map<string, { dims: Partial<Record<PnlDimension, string | null>>; figures: ReportingFigures; incidents: Set<string> }>();
  for (const inc of truth.incidents) {
    for (const item of inc.money) {
      if (range.from !== undefined && item.occurred_at < range.from) continue;
      if (range.to !== undefined && item.occurred_at >= range.to) continue;
      const dims: Partial<Record<PnlDimension, string | null>> = {};
      for (const d of by) dims[d] = dimensionValue(inc, d, item.occurred_at);
      const key = JSON.stringify(by.map((d) => dims[d] ?? null));
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { dims, figures: emptyReporting(), incidents: new Set() }));
      g.incidents.add(inc.incident_id);
      const f = g.figures;
      if (item.converted_minor === null) {
        f.unconverted++;
        continue;
      }
      const v = item.converted_minor;
      if (item.kind === 'compensation_issued') f.compensation_cost += v;
      else if (item.kind === 'compensation_revoked') f.compensation_cost -= v;
      else if (item.kind === 'compensation_redeemed') f.compensation_redeemed += v;
      else if (item.kind === 'refund') f.refund_cost += v;
      else f.lost_revenue += v;
    }
  }
  if (by.length === 0 && groups.size === 0) groups.set('[]', { dims: {}, figures: emptyReporting(), incidents: new Set() });
  return [...groups.values()]
    .map((g) => {
      const f = g.figures;
      return {
        ...g.dims,
        compensation_cost: formatMinor(f.compensation_cost),
        compensation_redeemed: formatMinor(f.compensation_redeemed),
        refund_cost: formatMinor(f.refund_cost),
        lost_revenue: formatMinor(f.lost_revenue),
        total_cost: formatMinor(f.compensation_cost + f.refund_cost + f.lost_revenue),
        incidents: g.incidents.size,
        unconverted: f.unconverted,
      };
    })
    .sort((a, b) => {
      for (const d of by) {
        const x = a[d] ?? null;
        const y = b[d] ?? null;
        if (x === y) continue;
        if (x === null) return 1;
        if (y === null) return -1;
        return x < y ? -1 : 1;
      }
      return 0;
    });
}
