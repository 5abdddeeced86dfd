import { minorUnits } from '../contracts/currencies.js';
import { PipelineError } from '../errors/index.js';
import { addToTotals, emptyTotals } from './costs.js';
import { formatMinor } from './money.js';
import type { CostFact, CostTotals } from './types.js';

/** Dimensions the P&L can be sliced by (docs/interfaces.md), plus `incident_id` for per-incident rows. */
export const PNL_DIMENSIONS = [
  'month',
  'incident_id',
  'product_version_id',
  'market_code',
  'city_code',
  'vendor_id',
  'route_id',
  'fault',
  'severity',
  'reason_code',
] as const;
export type PnlDimension = (typeof PNL_DIMENSIONS)[number];

export const PNL_MEASURES = [
  'compensation_cost',
  'compensation_redeemed',
  'refund_cost',
  'lost_revenue',
  'total_cost',
  'incidents',
  'unconverted',
] as const;

/**
 * One P&L row: the grouping dimensions (null where an incident has no value, or is not
 * seen yet) and the measures. Money is a decimal string with the reporting currency's
 * places ("12.50"; JPY "1250"; BHD "1.250").
 */
export type PnlRow = Partial<Record<PnlDimension, string | null>> & {
  compensation_cost: string;
  compensation_redeemed: string;
  refund_cost: string;
  lost_revenue: string;
  total_cost: string;
  incidents: number;
  unconverted: number;
};

export interface PnlQuery {
  /** Dimensions to group by, in output order. @default [] (one total row) */
  by?: readonly PnlDimension[];
  /** First UTC day included, `YYYY-MM-DD`. @default no lower bound */
  from?: string;
  /** Last UTC day included, `YYYY-MM-DD`. @default no upper bound */
  to?: string;
  /** @default 'EUR' */
  reportingCurrency?: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Checks dimensions against the allow-list (deduplicated, in order); an unknown one is an error naming it. */
export function checkDimensions(list: readonly string[]): PnlDimension[] {
  const out: PnlDimension[] = [];
  for (const d of list) {
    if (!(PNL_DIMENSIONS as readonly string[]).includes(d)) {
      throw new PipelineError('BAD_ARGUMENT', `unknown P&L dimension "${d}" (known: ${PNL_DIMENSIONS.join(', ')})`, {
        field: 'by',
        value: d,
      });
    }
    if (!out.includes(d as PnlDimension)) out.push(d as PnlDimension);
  }
  return out;
}

/** Parses `--by a,b` into known dimensions. */
export function parseDimensions(list: string): PnlDimension[] {
  return checkDimensions(
    list
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d !== ''),
  );
}

/** Epoch ms of a `YYYY-MM-DD` UTC day's start; a malformed or impossible date is an error naming the flag. */
export function parseDay(value: string, flag: string): number {
  const m = DATE.exec(value);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== value) {
    throw new PipelineError('BAD_ARGUMENT', `${flag} must be a date YYYY-MM-DD, got "${value}"`, { field: flag, value });
  }
  return t;
}

/** The half-open event-time range [start, end) of a query's inclusive day bounds. */
export function dayRange(q: Pick<PnlQuery, 'from' | 'to'>): { start: number | null; end: number | null } {
  const start = q.from !== undefined ? parseDay(q.from, '--from') : null;
  const end = q.to !== undefined ? parseDay(q.to, '--to') + DAY_MS : null;
  if (start !== null && end !== null && start >= end) {
    throw new PipelineError('BAD_ARGUMENT', `--from ${q.from} is after --to ${q.to}`, { field: 'from', value: q.from });
  }
  return { start, end };
}

export function monthOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 7);
}

export function reportingDigits(currency: string): number {
  const d = minorUnits(currency);
  if (d === undefined) {
    throw new PipelineError('INVALID_CONFIG', `reporting currency "${currency}" is not an ISO 4217 money currency`, {
      field: 'reportingCurrency',
      value: currency,
    });
  }
  return d;
}

/** Builds an output row from totals in minor units. */
export function toPnlRow(
  dims: Partial<Record<PnlDimension, string | null>>,
  t: CostTotals,
  incidents: number,
  digits: number,
): PnlRow {
  return {
    ...dims,
    compensation_cost: formatMinor(t.compensation_cost, digits),
    compensation_redeemed: formatMinor(t.compensation_redeemed, digits),
    refund_cost: formatMinor(t.refund_cost, digits),
    lost_revenue: formatMinor(t.lost_revenue, digits),
    total_cost: formatMinor(t.total_cost, digits),
    incidents,
    unconverted: t.unconverted,
  };
}

/** Deterministic row order: by each dimension in turn, nulls last. */
export function compareRows(by: readonly PnlDimension[]): (a: PnlRow, b: PnlRow) => number {
  return (a, b) => {
    for (const d of by) {
      const x = a[d] ?? null;
      const y = b[d] ?? null;
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      return x < y ? -1 : 1;
    }
    return 0;
  };
}

/**
 * The P&L of a set of money facts, computed in memory: the reference the warehouse query
 * is tested against, and what the simulator's ground truth is compared with. An incident
 * counts once per row it has money in.
 */
export function aggregateFacts(facts: Iterable<CostFact>, q: PnlQuery = {}): PnlRow[] {
  const by = q.by ?? [];
  const digits = reportingDigits(q.reportingCurrency ?? 'EUR');
  const { start, end } = dayRange(q);
  const groups = new Map<string, { dims: Partial<Record<PnlDimension, string | null>>; t: CostTotals; incidents: Set<string> }>();
  for (const f of facts) {
    if ((start !== null && f.occurred_at < start) || (end !== null && f.occurred_at >= end)) continue;
    const dims: Partial<Record<PnlDimension, string | null>> = {};
    for (const d of by) dims[d] = d === 'month' ? monthOf(f.occurred_at) : f[d];
    const key = JSON.stringify(by.map((d) => dims[d] ?? null));
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { dims, t: emptyTotals(), incidents: new Set() }));
    addToTotals(g.t, f);
    g.incidents.add(f.incident_id);
  }
  // Without dimensions there is always exactly one (possibly zero) total row.
  if (by.length === 0 && groups.size === 0) return [toPnlRow({}, emptyTotals(), 0, digits)];
  return [...groups.values()].map((g) => toPnlRow(g.dims, g.t, g.incidents.size, digits)).sort(compareRows(by));
}
