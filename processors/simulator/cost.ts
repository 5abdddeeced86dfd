import type { CompensationEvent, RefundEvent } from '../contracts/events.js';
import type { JourneyEventType } from '../contracts/enums.js';
import { convertMinor, type FxTable } from './money.js';
import type { CostFigures, MoneyItem, MoneyKind, ReportingFigures } from './types.js';

/**
 * Incident cost exactly as docs/interfaces.md "Incident cost" defines it, over plain
 * data (no I/O), so it can be checked by hand on tiny cases. The simulator feeds it what it
 * constructed; it never calls the pipeline's economics code.
 *
 * Where the contract leaves room, the choices are (also written into the ground truth):
 *  - lost revenue per order = max(0, order value - succeeded refunds on that order counted
 *    in refund_cost), in the order's currency, converted at the rate in force at the
 *    journey's final event; an order whose lost revenue is 0 is not a money event;
 *  - `unconverted` counts money events without a rate: ISSUED, REVOKED and REDEEMED
 *    compensations, counted SUCCEEDED refunds and non-zero lost revenue.
 */
export interface ListedJourney {
  journey_instance_id: string;
  order_id: string | null;
  order_value_minor: number | null;
  currency: string | null;
  final_event_type: JourneyEventType;
  final_event_id: string;
  final_at: number;
}

export interface CostInput {
  incident_id: string;
  /** Journeys in the incident's final `journey_instance_ids`, with their final event. */
  journeys: readonly ListedJourney[];
  /** Compensation events (deduplicated) whose incident_id is this incident. */
  compensations: readonly CompensationEvent[];
  /** Refund events (deduplicated) that may relate: linked by incident_id or on any order. */
  refunds: readonly RefundEvent[];
  fx: FxTable;
}

export interface IncidentCost {
  original: Record<string, CostFigures>;
  reporting: ReportingFigures;
  by_month: Record<string, ReportingFigures>;
  money: MoneyItem[];
}

export function emptyFigures(): CostFigures {
  return { compensation_cost: 0, compensation_redeemed: 0, refund_cost: 0, lost_revenue: 0, total_cost: 0 };
}

export function emptyReporting(): ReportingFigures {
  return { ...emptyFigures(), unconverted: 0 };
}

export function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

const FINAL_LOST: ReadonlySet<string> = new Set(['JOURNEY_FAILED', 'JOURNEY_ABANDONED']);

export function incidentCost(input: CostInput): IncidentCost {
  const items: MoneyItem[] = [];
  const item = (kind: MoneyKind, ref: string, event_id: string, occurred_at: number, amount_minor: number, currency: string): void => {
    const rate = input.fx.rateAt(currency, occurred_at);
    const converted_minor = rate === null ? null : convertMinor(amount_minor, currency, rate);
    items.push({ kind, ref, event_id, occurred_at, amount_minor, currency, rate, converted_minor });
  };

  for (const c of input.compensations) {
    if (c.incident_id !== input.incident_id) continue;
    if (c.event_type === 'ISSUED') item('compensation_issued', c.compensation_id, c.event_id, c.occurred_at, c.amount_minor, c.currency);
    else if (c.event_type === 'REVOKED') item('compensation_revoked', c.compensation_id, c.event_id, c.occurred_at, c.amount_minor, c.currency);
    else if (c.event_type === 'REDEEMED') item('compensation_redeemed', c.compensation_id, c.event_id, c.occurred_at, c.amount_minor, c.currency);
  }

  const listedOrders = new Set<string>();
  for (const j of input.journeys) if (j.order_id !== null) listedOrders.add(j.order_id);
  const counted = new Set<string>();
  const refundedByOrder = new Map<string, number>();
  for (const r of [...input.refunds].sort((a, b) => a.occurred_at - b.occurred_at || cmp(a.event_id, b.event_id))) {
    if (r.event_type !== 'SUCCEEDED' || counted.has(r.refund_id)) continue;
    if (r.incident_id !== input.incident_id && !listedOrders.has(r.order_id)) continue;
    counted.add(r.refund_id);
    item('refund', r.refund_id, r.event_id, r.occurred_at, r.amount_minor, r.currency);
    refundedByOrder.set(r.order_id, (refundedByOrder.get(r.order_id) ?? 0) + r.amount_minor);
  }

  for (const j of input.journeys) {
    if (!FINAL_LOST.has(j.final_event_type) || j.order_id === null || j.order_value_minor === null || j.currency === null) continue;
    const lost = Math.max(0, j.order_value_minor - (refundedByOrder.get(j.order_id) ?? 0));
    if (lost > 0) item('lost_revenue', j.order_id, j.final_event_id, j.final_at, lost, j.currency);
  }

  items.sort((a, b) => a.occurred_at - b.occurred_at || cmp(a.kind, b.kind) || cmp(a.ref, b.ref));
  const original: Record<string, CostFigures> = {};
  const reporting = emptyReporting();
  const by_month: Record<string, ReportingFigures> = {};
  for (const it of items) {
    add((original[it.currency] ??= emptyFigures()), it.kind, it.amount_minor);
    const month = (by_month[monthOf(it.occurred_at)] ??= emptyReporting());
    for (const target of [reporting, month]) {
      if (it.converted_minor === null) target.unconverted++;
      else add(target, it.kind, it.converted_minor);
    }
  }
  return { original: sortKeys(original), reporting, by_month: sortKeys(by_month), money: items };
}

function add(f: CostFigures, kind: MoneyKind, amount: number): void {
  switch (kind) {
    case 'compensation_issued':
      f.compensation_cost += amount;
      f.total_cost += amount;
      break;
    case 'compensation_revoked':
      f.compensation_cost -= amount;
      f.total_cost -= amount;
      break;
    case 'compensation_redeemed':
      f.compensation_redeemed += amount;
      break;
    case 'refund':
      f.refund_cost += amount;
      f.total_cost += amount;
      break;
    case 'lost_revenue':
      f.lost_revenue += amount;
      f.total_cost += amount;
      break;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k] as T;
  return out;
}
