import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { minorUnits } from '../../contracts/currencies.js';
import { PipelineError } from '../../errors/index.js';
import { formatMinor } from '../money.js';
import {
  compareRows,
  dayRange,
  PNL_DIMENSIONS,
  reportingDigits,
  toPnlRow,
  type PnlDimension,
  type PnlQuery,
  type PnlRow,
} from '../pnl.js';

/*
 * The P&L read path. Dimensions are allow-listed (an identifier can never come from the
 * caller) and every value is a bound parameter. Two exact sources:
 *  - incident_cost_monthly when the date bounds are whole months (or absent): one row per
 *    incident and month, so grouping by month counts incidents with count();
 *  - incident_cost_facts for any other day range, one row per money event.
 * Both are tested to give identical rows.
 */

const DIM_SQL: Readonly<Record<PnlDimension, string>> = {
  month: "formatDateTime(cost_month, '%Y-%m')",
  incident_id: 'incident_id',
  product_version_id: 'product_version_id',
  market_code: 'market_code',
  city_code: 'city_code',
  vendor_id: 'vendor_id',
  route_id: 'route_id',
  fault: 'fault',
  severity: 'severity',
  reason_code: 'reason_code',
};

interface RawRow {
  [dim: string]: unknown;
  compensation_cost: string;
  compensation_redeemed: string;
  refund_cost: string;
  lost_revenue: string;
  incidents: string | number;
  unconverted: string | number;
}

function checkDimensions(by: readonly string[]): PnlDimension[] {
  for (const d of by) {
    if (!(PNL_DIMENSIONS as readonly string[]).includes(d)) {
      throw new PipelineError('BAD_ARGUMENT', `unknown P&L dimension "${d}" (known: ${PNL_DIMENSIONS.join(', ')})`, {
        field: 'by',
        value: d,
      });
    }
  }
  return [...new Set(by)] as PnlDimension[];
}

const isMonthStart = (t: number | null): boolean => t === null || new Date(t).getUTCDate() === 1;
const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** The P&L in the reporting currency, grouped by `by`, over money dated within the day bounds. */
export async function queryPnl(wh: Warehouse, q: PnlQuery = {}): Promise<PnlRow[]> {
  const by = checkDimensions(q.by ?? []);
  const currency = q.reportingCurrency ?? 'EUR';
  const digits = reportingDigits(currency);
  const { start, end } = dayRange(q);
  const monthly = isMonthStart(start) && isMonthStart(end);
  const params: Record<string, string | number> = { rc: currency };
  const where = ['reporting_currency = {rc:String}'];
  const bound = (cond: string, name: string, value: string | number): void => {
    where.push(cond);
    params[name] = value;
  };
  if (monthly) {
    if (start !== null) bound('cost_month >= toDate({from:String})', 'from', isoDay(start));
    if (end !== null) bound('cost_month < toDate({end:String})', 'end', isoDay(end));
  } else {
    if (start !== null) bound("occurred_at >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')", 'from', start);
    if (end !== null) bound("occurred_at < fromUnixTimestamp64Milli({end:Int64}, 'UTC')", 'end', end);
  }
  const sum = (col: string): string => (monthly ? `toString(sum(${col}))` : `toString(sum(toInt128(${col})))`);
  const incidents = monthly && by.includes('month') ? 'count()' : 'uniqExact(incident_id)';
  const unconverted = monthly ? 'sum(unconverted)' : 'countIf(unconverted = 1)';
  const select = [
    ...by.map((d) => `${DIM_SQL[d]} AS ${d}`),
    `${sum('compensation_minor')} AS compensation_cost`,
    `${sum('redeemed_minor')} AS compensation_redeemed`,
    `${sum('refund_minor')} AS refund_cost`,
    `${sum('lost_revenue_minor')} AS lost_revenue`,
    `${incidents} AS incidents`,
    `${unconverted} AS unconverted`,
  ];
  const sql = `SELECT ${select.join(', ')}
    FROM ${monthly ? 'incident_cost_monthly' : 'incident_cost_facts'} FINAL
    WHERE ${where.join(' AND ')}
    ${by.length > 0 ? `GROUP BY ${by.join(', ')}` : ''}`;
  const rows = await wh.query<RawRow>(sql, params);
  return rows
    .map((r) => {
      const dims: Partial<Record<PnlDimension, string | null>> = {};
      for (const d of by) dims[d] = r[d] == null ? null : String(r[d]);
      const t = {
        compensation_cost: BigInt(r.compensation_cost),
        compensation_redeemed: BigInt(r.compensation_redeemed),
        refund_cost: BigInt(r.refund_cost),
        lost_revenue: BigInt(r.lost_revenue),
        total_cost: BigInt(r.compensation_cost) + BigInt(r.refund_cost) + BigInt(r.lost_revenue),
        unconverted: Number(r.unconverted),
      };
      return toPnlRow(dims, t, Number(r.incidents), digits);
    })
    .sort(compareRows(by));
}

/** One money event as finance audits it: original amount and currency, the rate used, the result. */
export interface IncidentCostFactRow {
  fact_id: string;
  cost_kind: string;
  occurred_at: string;
  source_event_id: string;
  amount: string;
  currency: string;
  rate: number | null;
  rate_effective_at: string | null;
  converted: string | null;
  reporting_currency: string;
  unconverted_reason: string | null;
  compensation_id: string | null;
  refund_id: string | null;
  order_id: string | null;
  journey_instance_id: string | null;
}

/** The money facts of one incident, for audit (amounts as decimal strings in their own currency). */
export async function queryIncidentFacts(wh: Warehouse, incidentId: string, reportingCurrency = 'EUR'): Promise<IncidentCostFactRow[]> {
  const digits = reportingDigits(reportingCurrency);
  const rows = await wh.query<Record<string, string | number | null>>(
    `SELECT fact_id, cost_kind, toUnixTimestamp64Milli(occurred_at) AS occurred_ms, source_event_id,
            toString(amount_minor) AS amount_minor, currency, rate,
            toUnixTimestamp64Milli(rate_effective_at) AS rate_effective_ms,
            toString(converted_minor) AS converted_minor, unconverted_reason, compensation_id, refund_id, order_id, journey_instance_id
     FROM incident_cost_facts FINAL
     WHERE incident_id = {id:String} AND reporting_currency = {rc:String}
     ORDER BY occurred_ms, fact_id`,
    { id: incidentId, rc: reportingCurrency },
  );
  const s = (v: string | number | null): string | null => (v == null ? null : String(v));
  const iso = (ms: string | number | null): string | null => (ms == null ? null : new Date(Number(ms)).toISOString());
  return rows.map((r) => {
    const cur = String(r['currency']);
    const d = minorUnits(cur);
    const amount = BigInt(String(r['amount_minor']));
    return {
      fact_id: String(r['fact_id']),
      cost_kind: String(r['cost_kind']),
      occurred_at: iso(r['occurred_ms'] ?? null) ?? '',
      source_event_id: String(r['source_event_id']),
      amount: d === undefined ? amount.toString() : formatMinor(amount, d),
      currency: cur,
      rate: r['rate'] == null ? null : Number(r['rate']),
      rate_effective_at: iso(r['rate_effective_ms'] ?? null),
      converted: r['converted_minor'] == null ? null : formatMinor(BigInt(String(r['converted_minor'])), digits),
      reporting_currency: reportingCurrency,
      unconverted_reason: s(r['unconverted_reason'] ?? null),
      compensation_id: s(r['compensation_id'] ?? null),
      refund_id: s(r['refund_id'] ?? null),
      order_id: s(r['order_id'] ?? null),
      journey_instance_id: s(r['journey_instance_id'] ?? null),
    };
  });
}
