import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { inArrayParam, queryByIds } from '../../../sinks/warehouse/sql-util.js';
import { latestIncidentEvent, groupUnique, journeyState } from '../state.js';
import type {
  CompensationEventIn,
  CostInputs,
  FxRateIn,
  IncidentEventIn,
  JourneyEventIn,
  RefundEventIn,
} from '../types.js';

/*
 * Reads, by primary key, every stored event the cost of some incidents depends on
 * (dwh/sql/010_economics_keyed.sql). Duplicates are returned as stored; the core dedups.
 * Timestamps come back as epoch ms and 64-bit integers as strings (exact), converted here.
 */

type Row = Record<string, unknown>;
const str = (v: unknown): string => String(v);
const optStr = (v: unknown): string | null => (v == null ? null : String(v));
const num = (v: unknown): number => Number(v);
const optNum = (v: unknown): number | null => (v == null ? null : Number(v));

export async function loadCostInputs(wh: Warehouse, incidentIds: readonly string[], reportingCurrency: string): Promise<CostInputs> {
  const ids = [...incidentIds];
  const [incRows, compRows, linkRows] = await Promise.all([
    queryByIds<Row>(
      wh,
      `SELECT incident_id, event_id, event_type, toUnixTimestamp64Milli(occurred_at) AS occurred_ms, severity, source,
              reason_code, fault, product_version_id, market_code, city_code, vendor_id, route_id, journey_instance_ids
       FROM econ_incident_events WHERE incident_id ${inArrayParam('ids')}`,
      ids,
    ),
    queryByIds<Row>(
      wh,
      `SELECT incident_id, event_id, event_type, toUnixTimestamp64Milli(occurred_at) AS occurred_ms, compensation_id,
              amount_minor, currency
       FROM econ_compensation_events WHERE incident_id ${inArrayParam('ids')}`,
      ids,
    ),
    queryByIds<{ order_id: string }>(wh, `SELECT DISTINCT order_id FROM econ_incident_refunds WHERE incident_id ${inArrayParam('ids')}`, ids),
  ]);
  const incidents: IncidentEventIn[] = incRows.map((r) => ({
    incident_id: str(r['incident_id']),
    event_id: str(r['event_id']),
    event_type: str(r['event_type']) as IncidentEventIn['event_type'],
    occurred_at: num(r['occurred_ms']),
    severity: str(r['severity']) as IncidentEventIn['severity'],
    source: str(r['source']) as IncidentEventIn['source'],
    reason_code: str(r['reason_code']),
    fault: str(r['fault']) as IncidentEventIn['fault'],
    product_version_id: optStr(r['product_version_id']),
    market_code: optStr(r['market_code']),
    city_code: optStr(r['city_code']),
    vendor_id: optStr(r['vendor_id']),
    route_id: optStr(r['route_id']),
    journey_instance_ids: Array.isArray(r['journey_instance_ids']) ? r['journey_instance_ids'].map(str) : [],
  }));
  const compensations: CompensationEventIn[] = compRows.map((r) => ({
    incident_id: str(r['incident_id']),
    event_id: str(r['event_id']),
    event_type: str(r['event_type']) as CompensationEventIn['event_type'],
    occurred_at: num(r['occurred_ms']),
    compensation_id: str(r['compensation_id']),
    amount_minor: num(r['amount_minor']),
    currency: str(r['currency']),
  }));

  // Only the journeys of each incident's *current* list can cost it money.
  const journeyIds = new Set<string>();
  for (const evs of groupUnique(incidents, (e) => e.incident_id).values()) {
    for (const j of latestIncidentEvent(evs)?.journey_instance_ids ?? []) journeyIds.add(j);
  }
  const journeys: JourneyEventIn[] =
    journeyIds.size === 0
      ? []
      : (
          await queryByIds<Row>(
            wh,
            `SELECT journey_instance_id, event_id, event_type, toUnixTimestamp64Milli(occurred_at) AS occurred_ms, order_id,
                    order_value_minor, currency
             FROM econ_journey_events WHERE journey_instance_id ${inArrayParam('ids')}`,
            [...journeyIds],
          )
        ).map((r) => ({
          journey_instance_id: str(r['journey_instance_id']),
          event_id: str(r['event_id']),
          event_type: str(r['event_type']) as JourneyEventIn['event_type'],
          occurred_at: num(r['occurred_ms']),
          order_id: optStr(r['order_id']),
          order_value_minor: optNum(r['order_value_minor']),
          currency: optStr(r['currency']),
        }));

  const orders = new Set(linkRows.map((r) => r.order_id));
  for (const [id, evs] of groupUnique(journeys, (e) => e.journey_instance_id)) {
    const o = journeyState(id, evs).order;
    if (o) orders.add(o.order_id);
  }
  const refunds: RefundEventIn[] =
    orders.size === 0
      ? []
      : (
          await queryByIds<Row>(
            wh,
            `SELECT order_id, refund_id, event_id, event_type, toUnixTimestamp64Milli(occurred_at) AS occurred_ms, incident_id,
                    amount_minor, currency
             FROM econ_refund_events WHERE order_id ${inArrayParam('ids')}`,
            [...orders],
          )
        ).map((r) => ({
          order_id: str(r['order_id']),
          refund_id: str(r['refund_id']),
          event_id: str(r['event_id']),
          event_type: str(r['event_type']) as RefundEventIn['event_type'],
          occurred_at: num(r['occurred_ms']),
          incident_id: optStr(r['incident_id']),
          amount_minor: num(r['amount_minor']),
          currency: str(r['currency']),
        }));

  const fx = await loadRates(wh, { compensations, refunds, journeys }, reportingCurrency);
  return { incidents, journeys, compensations, refunds, fx };
}

/**
 * The FX rates that can be in force for the money found: per currency, the rates between
 * the last one effective at or before the earliest money instant and the latest money
 * instant. Rates that are not finite and > 0 are skipped here as in the core.
 */
async function loadRates(
  wh: Warehouse,
  money: Pick<CostInputs, 'compensations' | 'refunds' | 'journeys'>,
  reportingCurrency: string,
): Promise<FxRateIn[]> {
  const currencies = new Set<string>();
  let lo = Infinity;
  let hi = -Infinity;
  const see = (currency: string | null, t: number): void => {
    if (currency == null || currency === reportingCurrency) return;
    currencies.add(currency);
    lo = Math.min(lo, t);
    hi = Math.max(hi, t);
  };
  for (const c of money.compensations) see(c.currency, c.occurred_at);
  for (const r of money.refunds) see(r.currency, r.occurred_at);
  const orderCurrency = new Map<string, string | null>();
  for (const j of money.journeys) if (j.order_id != null) orderCurrency.set(j.journey_instance_id, j.currency);
  for (const j of money.journeys) {
    if (j.event_type === 'JOURNEY_FAILED' || j.event_type === 'JOURNEY_ABANDONED') see(orderCurrency.get(j.journey_instance_id) ?? null, j.occurred_at);
  }
  if (currencies.size === 0) return [];
  const rows = await wh.query<Row>(
    `SELECT r.currency AS currency, r.event_id AS event_id, toUnixTimestamp64Milli(r.occurred_at) AS occurred_ms,
            r.rate_to_reporting AS rate_to_reporting
     FROM fx_rates AS r
     LEFT JOIN (
       SELECT currency, max(occurred_at) AS floor FROM fx_rates
       WHERE currency IN {cs:Array(String)} AND occurred_at <= fromUnixTimestamp64Milli({lo:Int64}, 'UTC')
         AND isFinite(rate_to_reporting) AND rate_to_reporting > 0
       GROUP BY currency
     ) AS f ON f.currency = r.currency
     WHERE r.currency IN {cs:Array(String)} AND r.occurred_at <= fromUnixTimestamp64Milli({hi:Int64}, 'UTC')
       AND r.occurred_at >= f.floor AND isFinite(r.rate_to_reporting) AND r.rate_to_reporting > 0`,
    { cs: [...currencies], lo, hi },
  );
  return rows.map((r) => ({
    currency: str(r['currency']),
    event_id: str(r['event_id']),
    occurred_at: num(r['occurred_ms']),
    rate_to_reporting: num(r['rate_to_reporting']),
  }));
}
