import { computeIncidentCosts } from '../../processors/economics/costs.js';
import { formatMinor } from '../../processors/economics/money.js';
import { aggregateFacts, reportingDigits } from '../../processors/economics/pnl.js';
import { journeyState, latestIncidentEvent, latestRefundEvent, groupUnique } from '../../processors/economics/state.js';
import { loadCostInputs, queryIncidentFacts, queryPnl } from '../../processors/economics/warehouse/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import type { IncidentDetail, IncidentFilter, IncidentSummary, PnlFilter, PnlRow } from '../service-types.js';

const iso = (ms: number | string | null | undefined): string | null => (ms == null || Number(ms) <= 0 ? null : new Date(Number(ms)).toISOString());

/**
 * Incidents with their latest state (the economics module's order: occurred_at, then the
 * lifecycle rank, then event_id) and their stored cost. Filters are bound parameters on
 * fixed column names.
 */
const INCIDENT_LIST_SQL = (where: string) => `
SELECT i.incident_id AS incident_id, i.s.1 AS severity, i.s.2 AS fault, i.s.3 AS reason_code, i.s.4 AS source, i.s.5 AS state,
       i.s.6 AS product_version_id, i.s.7 AS market_code, i.s.8 AS city_code, i.s.9 AS vendor_id, i.s.10 AS route_id,
       toUnixTimestamp64Milli(i.opened) AS opened_ms, i.resolved_ms AS resolved_ms,
       toString(ifNull(c.total_minor, 0)) AS total_minor, ifNull(c.unconverted, 0) AS unconverted
FROM (
  SELECT incident_id,
         argMax(tuple(severity, fault, reason_code, source, event_type, product_version_id, market_code, city_code, vendor_id, route_id),
                tuple(occurred_at, multiIf(event_type = 'OPENED', 0, event_type = 'UPDATED', 1, event_type = 'RESOLVED', 2, -1), event_id)) AS s,
         min(occurred_at) AS opened,
         if(countIf(event_type = 'RESOLVED') > 0, toUnixTimestamp64Milli(maxIf(occurred_at, event_type = 'RESOLVED')), 0) AS resolved_ms
  FROM incident_events_v
  GROUP BY incident_id
) AS i
LEFT JOIN (
  SELECT incident_id, sum(toInt128(compensation_minor) + refund_minor + lost_revenue_minor) AS total_minor, sum(unconverted) AS unconverted
  FROM incident_cost_facts FINAL
  WHERE reporting_currency = {rc:String}
  GROUP BY incident_id
) AS c ON c.incident_id = i.incident_id
${where}`;

export class FinanceService {
  private readonly digits: number;

  constructor(
    private readonly wh: Warehouse,
    readonly reportingCurrency: string,
  ) {
    this.digits = reportingDigits(reportingCurrency);
  }

  async pnl(f: PnlFilter): Promise<PnlRow[]> {
    return queryPnl(this.wh, {
      by: f.by,
      reportingCurrency: this.reportingCurrency,
      ...(f.from ? { from: f.from } : {}),
      ...(f.to ? { to: f.to } : {}),
    });
  }

  private summary(r: Record<string, unknown>): IncidentSummary {
    const s = (k: string): string | null => (r[k] == null || r[k] === '' ? null : String(r[k]));
    return {
      incident_id: String(r['incident_id']),
      severity: String(r['severity']),
      fault: String(r['fault']),
      reason_code: String(r['reason_code']),
      source: String(r['source']),
      state: String(r['state']),
      opened_at: iso(r['opened_ms'] as string),
      resolved_at: iso(r['resolved_ms'] as string),
      product_version_id: s('product_version_id'),
      market_code: s('market_code'),
      city_code: s('city_code'),
      vendor_id: s('vendor_id'),
      route_id: s('route_id'),
      total_cost: formatMinor(BigInt(String(r['total_minor'])), this.digits),
      unconverted: Number(r['unconverted']),
    };
  }

  async incidents(f: IncidentFilter): Promise<{ items: IncidentSummary[]; total: number }> {
    const conds: string[] = [];
    const params: Record<string, string | number> = { rc: this.reportingCurrency };
    const eq = (col: string, name: string, value: string | undefined): void => {
      if (value === undefined) return;
      conds.push(`${col} = {${name}:String}`);
      params[name] = value;
    };
    eq('severity', 'severity', f.severity);
    eq('fault', 'fault', f.fault);
    eq('vendor_id', 'vendor', f.vendor_id);
    eq('route_id', 'route', f.route_id);
    eq('city_code', 'city', f.city_code);
    if (f.from) {
      conds.push('toDate(i.opened) >= toDate({from:String})');
      params['from'] = f.from;
    }
    if (f.to) {
      conds.push('toDate(i.opened) <= toDate({to:String})');
      params['to'] = f.to;
    }
    const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
    const [count] = await this.wh.query<{ n: string }>(`SELECT count() AS n FROM (${INCIDENT_LIST_SQL(where)})`, params);
    const rows = await this.wh.query<Record<string, unknown>>(
      `${INCIDENT_LIST_SQL(where)} ORDER BY toInt128(total_minor) DESC, incident_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      { ...params, limit: f.limit, offset: f.offset },
    );
    return { items: rows.map((r) => this.summary(r)), total: Number(count?.n ?? 0) };
  }

  async incident(id: string): Promise<IncidentDetail | undefined> {
    const listed = await this.wh.query<Record<string, unknown>>(INCIDENT_LIST_SQL('WHERE i.incident_id = {id:String}'), {
      rc: this.reportingCurrency,
      id,
    });
    const row = listed[0];
    if (!row) return undefined;
    const inputs = await loadCostInputs(this.wh, [id], this.reportingCurrency);
    const latest = latestIncidentEvent(inputs.incidents);
    const facts = computeIncidentCosts(inputs, { reportingCurrency: this.reportingCurrency }, [id]);
    // Without dimensions aggregateFacts always yields exactly one (possibly zero) row.
    const costs = aggregateFacts(facts, { reportingCurrency: this.reportingCurrency })[0];
    if (!costs) throw new Error('aggregateFacts returned no total row');
    const byJourney = groupUnique(inputs.journeys, (e) => e.journey_instance_id);
    const journeys = (latest?.journey_instance_ids ?? []).map((jid) => {
      const st = journeyState(jid, byJourney.get(jid) ?? []);
      return {
        journey_instance_id: jid,
        final_state: st.final?.event_type ?? null,
        final_at: iso(st.final?.occurred_at),
        order_id: st.order?.order_id ?? null,
        order_value_minor: st.order?.order_value_minor == null ? null : String(st.order.order_value_minor),
        currency: st.order?.currency ?? null,
      };
    });
    const compensations = [...(groupUnique(inputs.compensations, (e) => e.incident_id).get(id) ?? [])]
      .sort((a, b) => a.occurred_at - b.occurred_at || a.event_id.localeCompare(b.event_id))
      .map((c) => ({
        compensation_id: c.compensation_id,
        event_id: c.event_id,
        event_type: c.event_type,
        occurred_at: iso(c.occurred_at) ?? '',
        amount_minor: String(c.amount_minor),
        currency: c.currency,
      }));
    const refunds = [...groupUnique(inputs.refunds, (e) => e.refund_id).values()]
      .map((evs) => latestRefundEvent(evs))
      .filter((r): r is NonNullable<typeof r> => r !== null)
      .sort((a, b) => a.occurred_at - b.occurred_at || a.refund_id.localeCompare(b.refund_id))
      .map((r) => ({
        refund_id: r.refund_id,
        order_id: r.order_id,
        state: r.event_type,
        occurred_at: iso(r.occurred_at) ?? '',
        amount_minor: String(r.amount_minor),
        currency: r.currency,
        incident_id: r.incident_id ?? null,
      }));
    const conversions = (await queryIncidentFacts(this.wh, id, this.reportingCurrency)).map((c) => ({
      fact_id: c.fact_id,
      cost_kind: c.cost_kind,
      occurred_at: c.occurred_at,
      source_event_id: c.source_event_id,
      amount: c.amount,
      currency: c.currency,
      rate: c.rate,
      rate_effective_at: c.rate_effective_at,
      converted: c.converted,
      unconverted_reason: c.unconverted_reason,
    }));
    return {
      incident: this.summary(row),
      costs,
      journeys,
      compensations,
      refunds,
      conversions,
    };
  }
}
