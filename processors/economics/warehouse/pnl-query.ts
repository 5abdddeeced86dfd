import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { minorUnits } from '../../contracts/currencies.js';
import { PipelineError } from '../../errors/index.js';
import { formatMinor } from '../money.js';
import {
  checkDimensions,
  dayRange,
  reportingDigits,
  type PnlDimension,
  type PnlQuery,
  type PnlRow,
} from '../pnl.js';

/*
 * The P&L read path. Dimensions are allow-listed (an identifier can never come from the
 * caller) and every value is a bound parameter. Three exact sources, the smallest that can
 * answer the query:
 *  - incident_cost_cube: whole-month bounds, grouped by month or open at one end; one row
 *    per month and combination of dimensions;
 *  - incident_cost_monthly: whole-month bounds otherwise; one row per incident and month,
 *    incidents counted distinct;
 *  - incident_cost_facts: any other day range; one row per money event.
 * The tests run every grouping on every source that can answer it and require equal rows.
 */
export type PnlSource = 'cube' | 'monthly' | 'facts';

interface RawRow {
  [dim: string]: unknown;
  compensation_cost: string;
  compensation_redeemed: string;
  refund_cost: string;
  lost_revenue: string;
  total_cost: string;
  incident_count: string | number;
  unconverted_count: string | number;
}

const isMonthStart = (t: number | null): boolean => t === null || new Date(t).getUTCDate() === 1;
const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** Which source answers a query (see above); `forced` must be able to answer it exactly. */
export function pnlSource(by: readonly PnlDimension[], start: number | null, end: number | null, forced?: PnlSource): PnlSource {
  const wholeMonths = isMonthStart(start) && isMonthStart(end);
  const canCube = wholeMonths && !by.includes('incident_id') && (by.includes('month') || start === null || end === null);
  if (forced === 'cube' && !canCube) {
    throw new PipelineError('BAD_ARGUMENT', 'the P&L cube answers whole months, grouped by month or with an open start or end');
  }
  if (forced === 'monthly' && !wholeMonths) throw new PipelineError('BAD_ARGUMENT', 'incident_cost_monthly answers only whole-month bounds');
  return forced ?? (!wholeMonths ? 'facts' : canCube ? 'cube' : 'monthly');
}

/**
 * How the cube counts incidents: per month (grouped by month), else each incident in its
 * first cost month (no lower bound) or its last (no upper bound); see 014_economics_columns.sql.
 */
function cubeIncidents(by: readonly PnlDimension[], start: number | null): string {
  return by.includes('month') ? 'sum(incidents)' : start === null ? 'sum(incidents_first)' : 'sum(incidents_last)';
}

const TABLE: Readonly<Record<PnlSource, string>> = {
  cube: 'incident_cost_cube',
  monthly: 'incident_cost_monthly',
  facts: 'incident_cost_facts',
};

/** The P&L in the reporting currency, grouped by `by`, over money dated within the day bounds. */
export async function queryPnl(wh: Warehouse, q: PnlQuery = {}, options: { source?: PnlSource } = {}): Promise<PnlRow[]> {
  const by = checkDimensions(q.by ?? []);
  const currency = q.reportingCurrency ?? 'EUR';
  const digits = reportingDigits(currency);
  const { start, end } = dayRange(q);
  const source = pnlSource(by, start, end, options.source);
  const params: Record<string, string | number> = { rc: currency };
  const where = ['reporting_currency = {rc:String}'];
  const bound = (cond: string, name: string, value: string | number): void => {
    where.push(cond);
    params[name] = value;
  };
  if (source !== 'facts') {
    if (start !== null) bound('cost_month >= toDate({from:String})', 'from', isoDay(start));
    if (end !== null) bound('cost_month < toDate({end:String})', 'end', isoDay(end));
  } else {
    if (start !== null) bound("occurred_at >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')", 'from', start);
    if (end !== null) bound("occurred_at < fromUnixTimestamp64Milli({end:Int64}, 'UTC')", 'end', end);
  }
  const sum = (col: string): string => (source === 'facts' ? `sum(toInt128(${col}))` : `sum(${col})`);
  const incidents = source === 'cube' ? cubeIncidents(by, start) : 'uniqExact(incident_id)';
  const unconverted = source === 'facts' ? 'countIf(unconverted = 1)' : 'sum(unconverted)';
  const keys = by.map((d) => (d === 'month' ? 'cost_month' : d));
  // Money leaves the warehouse as exact decimal strings: integer division and remainder
  // of the Int128 sums by 10^digits, no float and no per-row work in JavaScript.
  params['scale'] = (10n ** BigInt(digits)).toString();
  params['digits'] = digits;
  const dec = (x: string): string =>
    digits === 0
      ? `toString(${x})`
      : `concat(if(${x} < 0, '-', ''), toString(intDiv(abs(${x}), {scale:Int128})), '.', leftPad(toString(abs(${x}) % {scale:Int128}), {digits:UInt8}, '0'))`;
  const sql = `SELECT ${[
    ...by.map((d) => (d === 'month' ? `formatDateTime(cost_month, '%Y-%m') AS month` : d)),
    `${dec('c')} AS compensation_cost`,
    `${dec('rd')} AS compensation_redeemed`,
    `${dec('rf')} AS refund_cost`,
    `${dec('lr')} AS lost_revenue`,
    `${dec('(c + rf + lr)')} AS total_cost`,
    'n AS incident_count',
    'u AS unconverted_count',
  ].join(', ')}
    FROM (
      SELECT ${[
        ...keys,
        `${sum('compensation_minor')} AS c`,
        `${sum('redeemed_minor')} AS rd`,
        `${sum('refund_minor')} AS rf`,
        `${sum('lost_revenue_minor')} AS lr`,
        `${incidents} AS n`,
        `${unconverted} AS u`,
      ].join(', ')}
      FROM ${TABLE[source]} FINAL
      WHERE ${where.join(' AND ')}
      ${keys.length > 0 ? `GROUP BY ${keys.join(', ')}` : ''}
    )
    ${keys.length > 0 ? `ORDER BY ${keys.map((k) => `${k} ASC NULLS LAST`).join(', ')}` : ''}`;
  const rows = await wh.query<RawRow>(sql, params);
  return rows.map((r) => {
    const row: Record<string, string | number | null> = {};
    for (const d of by) row[d] = r[d] == null ? null : String(r[d]);
    row['compensation_cost'] = r.compensation_cost;
    row['compensation_redeemed'] = r.compensation_redeemed;
    row['refund_cost'] = r.refund_cost;
    row['lost_revenue'] = r.lost_revenue;
    row['total_cost'] = r.total_cost;
    row['incidents'] = Number(r.incident_count);
    row['unconverted'] = Number(r.unconverted_count);
    return row as PnlRow;
  });
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
