import type { CompensationEvent, FxRate, JourneyEvent, OpsIncidentEvent, RefundEvent } from '../../processors/contracts/events.js';
import type { EventRecord, SimRecord } from '../../processors/simulator/index.js';

/**
 * A deliberately naive re-derivation of incident costs from the delivered records alone
 * (dedup by event_id, latest incident state, joins by incident_id and order_id), written
 * independently of the simulator's cost code, to check that its ground truth describes
 * what it actually delivered.
 */
export interface ReferenceCost {
  original: Record<string, { compensation_cost: number; compensation_redeemed: number; refund_cost: number; lost_revenue: number }>;
  reporting: { compensation_cost: number; compensation_redeemed: number; refund_cost: number; lost_revenue: number; unconverted: number };
}

const DIGITS: Record<string, number> = { EUR: 2, CZK: 2, HUF: 2, JPY: 0, USD: 2, GBP: 2 };

export function uniqueEvents(records: readonly SimRecord[]): EventRecord[] {
  const seen = new Set<string>();
  const out: EventRecord[] = [];
  for (const r of records) {
    if (r.kind !== 'event' || seen.has(r.value.event_id)) continue;
    seen.add(r.value.event_id);
    out.push(r);
  }
  return out;
}

/** amount * rate in reporting cents, half-to-even, via the rate's decimal text scaled to an integer. */
export function toCents(amount: number, currency: string, rate: number): number {
  const text = rate.toString();
  if (text.includes('e')) throw new Error(`unexpected rate text ${text}`);
  const [i = '0', f = ''] = text.split('.');
  const num = BigInt(amount) * BigInt(i + f) * 100n;
  const den = 10n ** BigInt(f.length + (DIGITS[currency] ?? 2));
  const q = num / den;
  const r2 = (num % den) * 2n;
  return Number(r2 > den || (r2 === den && q % 2n === 1n) ? q + 1n : q);
}

export function referenceCosts(records: readonly SimRecord[]): Map<string, ReferenceCost> {
  const events = uniqueEvents(records);
  const byTopic = <T>(topic: string): T[] => events.filter((e) => e.topic === topic).map((e) => e.value as unknown as T);
  const journeys = byTopic<JourneyEvent>('tjm.journey.v1');
  const incidents = byTopic<OpsIncidentEvent>('ops.incidents.v1');
  const comps = byTopic<CompensationEvent>('trutta.compensations.v1');
  const refunds = byTopic<RefundEvent>('billing.refunds.v1').filter((r) => r.event_type === 'SUCCEEDED');
  const fx = byTopic<FxRate>('finance.fx.v1');

  const rateAt = (currency: string, at: number): number | null => {
    if (currency === 'EUR') return 1;
    let best: FxRate | null = null;
    for (const r of fx) if (r.currency === currency && r.occurred_at <= at && (!best || r.occurred_at > best.occurred_at)) best = r;
    return best ? best.rate_to_reporting : null;
  };
  const order = new Map<string, JourneyEvent>();
  const final = new Map<string, JourneyEvent>();
  for (const j of journeys) {
    if (j.event_type === 'JOURNEY_STARTED') order.set(j.journey_instance_id, j);
    if (j.event_type.startsWith('JOURNEY_') && j.event_type !== 'JOURNEY_STARTED') {
      const prev = final.get(j.journey_instance_id);
      if (!prev || j.occurred_at > prev.occurred_at) final.set(j.journey_instance_id, j);
    }
  }
  const latest = new Map<string, OpsIncidentEvent>();
  for (const i of incidents) {
    const prev = latest.get(i.incident_id);
    if (!prev || i.occurred_at > prev.occurred_at) latest.set(i.incident_id, i);
  }

  const out = new Map<string, ReferenceCost>();
  for (const inc of latest.values()) {
    const cost: ReferenceCost = { original: {}, reporting: { compensation_cost: 0, compensation_redeemed: 0, refund_cost: 0, lost_revenue: 0, unconverted: 0 } };
    const add = (field: 'compensation_cost' | 'compensation_redeemed' | 'refund_cost' | 'lost_revenue', sign: number, amount: number, currency: string, at: number): void => {
      const o = (cost.original[currency] ??= { compensation_cost: 0, compensation_redeemed: 0, refund_cost: 0, lost_revenue: 0 });
      o[field] += sign * amount;
      const rate = rateAt(currency, at);
      if (rate === null) cost.reporting.unconverted++;
      else cost.reporting[field] += sign * toCents(amount, currency, rate);
    };
    for (const c of comps) {
      if (c.incident_id !== inc.incident_id) continue;
      if (c.event_type === 'ISSUED') add('compensation_cost', 1, c.amount_minor, c.currency, c.occurred_at);
      if (c.event_type === 'REVOKED') add('compensation_cost', -1, c.amount_minor, c.currency, c.occurred_at);
      if (c.event_type === 'REDEEMED') add('compensation_redeemed', 1, c.amount_minor, c.currency, c.occurred_at);
    }
    const orders = new Map<string, JourneyEvent>();
    for (const id of inc.journey_instance_ids) {
      const started = order.get(id);
      if (started?.order_id) orders.set(started.order_id, started);
    }
    const refunded = new Map<string, number>();
    const counted = new Set<string>();
    for (const r of refunds) {
      if (counted.has(r.refund_id) || (r.incident_id !== inc.incident_id && !orders.has(r.order_id))) continue;
      counted.add(r.refund_id);
      add('refund_cost', 1, r.amount_minor, r.currency, r.occurred_at);
      refunded.set(r.order_id, (refunded.get(r.order_id) ?? 0) + r.amount_minor);
    }
    for (const [orderId, started] of orders) {
      const end = final.get(started.journey_instance_id);
      if (!end || end.event_type === 'JOURNEY_COMPLETED') continue;
      const lost = Math.max(0, (started.order_value_minor ?? 0) - (refunded.get(orderId) ?? 0));
      if (lost > 0) add('lost_revenue', 1, lost, started.currency ?? '', end.occurred_at);
    }
    out.set(inc.incident_id, cost);
  }
  return out;
}
