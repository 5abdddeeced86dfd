import { minorUnits } from '../contracts/currencies.js';
import { FxTable } from './fx.js';
import { convertMinor, INT64_MAX, MAX_AMOUNT_MINOR } from './money.js';
import { groupUnique, journeyState, latestIncidentEvent, latestRefundEvent, type JourneyState } from './state.js';
import type {
  CostFact,
  CostInputs,
  CostKind,
  CostTotals,
  IncidentDims,
  IncidentEventIn,
  JourneyEventIn,
  RefundEventIn,
  UnconvertedReason,
} from './types.js';

export interface CostOptions {
  /** ISO 4217 code every amount is converted into. @default 'EUR' */
  reportingCurrency?: string;
}

export const DEFAULT_REPORTING_CURRENCY = 'EUR';

const LOST_STATES = new Set(['JOURNEY_FAILED', 'JOURNEY_ABANDONED']);
const COMPENSATION_KIND: Readonly<Record<string, CostKind>> = {
  ISSUED: 'COMPENSATION_ISSUED',
  REVOKED: 'COMPENSATION_REVOKED',
  REDEEMED: 'COMPENSATION_REDEEMED',
};

const NO_DIMS: IncidentDims = {
  product_version_id: null,
  market_code: null,
  city_code: null,
  vendor_id: null,
  route_id: null,
  fault: null,
  severity: null,
  reason_code: null,
};

function dimsOf(e: IncidentEventIn | null): IncidentDims {
  if (!e) return NO_DIMS;
  return {
    product_version_id: e.product_version_id,
    market_code: e.market_code,
    city_code: e.city_code,
    vendor_id: e.vendor_id,
    route_id: e.route_id,
    fault: e.fault,
    severity: e.severity,
    reason_code: e.reason_code,
  };
}

/** Amounts are validated upstream (>= 0, <= 2^53 - 1); anything else stays visible as unconverted. */
function amountOf(x: number): { amount: bigint; valid: boolean } {
  if (Number.isSafeInteger(x)) return { amount: BigInt(x), valid: x >= 0 && BigInt(x) <= MAX_AMOUNT_MINOR };
  return { amount: Number.isFinite(x) ? BigInt(Math.trunc(x)) : 0n, valid: false };
}

type Unconverted = Omit<
  CostFact,
  'reporting_currency' | 'rate' | 'rate_effective_at' | 'rate_event_id' | 'converted_minor' | 'unconverted_reason'
> & { invalid: boolean };

/**
 * Incident costs as money facts (docs/interfaces.md "Incident cost"). Pure: the result
 * depends only on the *sets* of events given (duplicates and arrival order do not matter).
 *
 * `incidentIds` selects the incidents to cost (default: every incident any event names).
 * The inputs must hold every event those incidents depend on: their incident and
 * compensation events, the events of the journeys they list, the refunds naming them or
 * those journeys' orders, and the FX rates of the currencies involved.
 */
export function computeIncidentCosts(inputs: CostInputs, options: CostOptions = {}, incidentIds?: Iterable<string>): CostFact[] {
  const reporting = options.reportingCurrency ?? DEFAULT_REPORTING_CURRENCY;
  const reportingDigits = minorUnits(reporting);
  if (reportingDigits === undefined) throw new RangeError(`reporting currency ${reporting} is not an ISO 4217 money currency`);

  const incidentEvents = groupUnique(inputs.incidents, (e) => e.incident_id);
  const journeyEvents = groupUnique(inputs.journeys, (e) => e.journey_instance_id);
  const compensations = groupUnique(inputs.compensations, (e) => e.incident_id);
  const refunds = [...groupUnique(inputs.refunds, (e) => e.refund_id).values()]
    .map((evs) => latestRefundEvent(evs))
    .filter((r): r is RefundEventIn => r !== null && r.event_type === 'SUCCEEDED');
  const refundsByOrder = groupUnique(refunds, (r) => r.order_id);
  const refundsByIncident = groupUnique(
    refunds.filter((r) => r.incident_id != null),
    (r) => r.incident_id ?? '',
  );
  const journeys = new Map<string, JourneyState>();
  const journeyOf = (id: string): JourneyState => {
    let s = journeys.get(id);
    if (!s) journeys.set(id, (s = journeyState(id, journeyEvents.get(id) ?? [])));
    return s;
  };

  const ids = new Set(
    incidentIds ?? [...incidentEvents.keys(), ...compensations.keys(), ...refundsByIncident.keys()],
  );
  const fx = new FxTable(inputs.fx);
  const out: CostFact[] = [];
  for (const incidentId of [...ids].sort()) {
    const state = latestIncidentEvent(incidentEvents.get(incidentId) ?? []);
    const raw = costIncident(incidentId, state, compensations.get(incidentId) ?? [], refundsByIncident, refundsByOrder, journeyOf);
    for (const f of raw) out.push(convert(f, fx, reporting, reportingDigits));
  }
  return out;
}

function costIncident(
  incidentId: string,
  state: IncidentEventIn | null,
  compensations: readonly CostInputs['compensations'][number][],
  refundsByIncident: ReadonlyMap<string, RefundEventIn[]>,
  refundsByOrder: ReadonlyMap<string, RefundEventIn[]>,
  journeyOf: (id: string) => JourneyState,
): Unconverted[] {
  const dims = dimsOf(state);
  const base = { incident_id: incidentId, ...dims };
  const facts: Unconverted[] = [];

  for (const c of compensations) {
    const kind = COMPENSATION_KIND[c.event_type];
    if (!kind) continue; // PROPOSED does not change cost
    const { amount, valid } = amountOf(c.amount_minor);
    facts.push({
      ...base,
      fact_id: `C:${c.event_id}`,
      cost_kind: kind,
      occurred_at: c.occurred_at,
      source_event_id: c.event_id,
      amount_minor: amount,
      currency: c.currency,
      invalid: !valid,
      compensation_id: c.compensation_id,
      refund_id: null,
      order_id: null,
      journey_instance_id: null,
    });
  }

  // Orders of the affected journeys, and the failed ones' booked value per order.
  const orders = new Set<string>();
  const lost = new Map<string, { order_id: string; currency: string; value: bigint; final: JourneyEventIn }>();
  for (const jid of new Set(state?.journey_instance_ids ?? [])) {
    const j = journeyOf(jid);
    if (!j.order) continue;
    orders.add(j.order.order_id);
    const { order_value_minor: v, currency } = j.order;
    if (!j.final || !LOST_STATES.has(j.final.event_type) || v == null || currency == null) continue;
    const { amount, valid } = amountOf(v);
    if (!valid) continue;
    const k = `${j.order.order_id}:${currency}`;
    const prev = lost.get(k);
    if (!prev) lost.set(k, { order_id: j.order.order_id, currency, value: amount, final: j.final });
    else {
      prev.value += amount;
      // Several failed journeys on one order: the loss is dated at the last of them.
      if (j.final.occurred_at > prev.final.occurred_at || (j.final.occurred_at === prev.final.occurred_at && j.final.event_id > prev.final.event_id)) {
        prev.final = j.final;
      }
    }
  }

  // A refund linked directly and through an order is one refund: key by refund_id.
  const linked = new Map<string, RefundEventIn>();
  for (const r of refundsByIncident.get(incidentId) ?? []) linked.set(r.refund_id, r);
  for (const o of orders) for (const r of refundsByOrder.get(o) ?? []) linked.set(r.refund_id, r);
  for (const r of linked.values()) {
    const { amount, valid } = amountOf(r.amount_minor);
    facts.push({
      ...base,
      fact_id: `R:${r.refund_id}`,
      cost_kind: 'REFUND',
      occurred_at: r.occurred_at,
      source_event_id: r.event_id,
      amount_minor: amount,
      currency: r.currency,
      invalid: !valid,
      compensation_id: null,
      refund_id: r.refund_id,
      order_id: r.order_id,
      journey_instance_id: null,
    });
  }

  for (const [k, l] of lost) {
    // Netting happens in the order's currency, before conversion: only refunds in that
    // currency can be subtracted exactly (no cross rate is ever invented).
    let refunded = 0n;
    for (const r of refundsByOrder.get(l.order_id) ?? []) {
      const { amount, valid } = amountOf(r.amount_minor);
      if (valid && r.currency === l.currency) refunded += amount;
    }
    const remaining = l.value - refunded;
    if (remaining <= 0n) continue;
    facts.push({
      ...base,
      fact_id: `L:${k}`,
      cost_kind: 'LOST_REVENUE',
      occurred_at: l.final.occurred_at,
      source_event_id: l.final.event_id,
      amount_minor: remaining,
      currency: l.currency,
      invalid: false,
      compensation_id: null,
      refund_id: null,
      order_id: l.order_id,
      journey_instance_id: l.final.journey_instance_id,
    });
  }
  return facts.sort((a, b) => (a.fact_id < b.fact_id ? -1 : a.fact_id > b.fact_id ? 1 : 0));
}

function convert(f: Unconverted, fx: FxTable, reporting: string, reportingDigits: number): CostFact {
  const { invalid, ...fact } = f;
  const unconverted = (reason: UnconvertedReason): CostFact => ({
    ...fact,
    reporting_currency: reporting,
    rate: null,
    rate_effective_at: null,
    rate_event_id: null,
    converted_minor: null,
    unconverted_reason: reason,
  });
  if (invalid) return unconverted('INVALID_AMOUNT');
  const digits = minorUnits(f.currency);
  if (digits === undefined) return unconverted('UNKNOWN_CURRENCY');
  if (f.currency === reporting) {
    return {
      ...fact,
      reporting_currency: reporting,
      rate: 1,
      rate_effective_at: null,
      rate_event_id: null,
      converted_minor: f.amount_minor,
      unconverted_reason: null,
    };
  }
  const r = fx.rateAt(f.currency, f.occurred_at);
  if (!r) return unconverted('NO_RATE');
  const converted = convertMinor(f.amount_minor, digits, r.decimal, reportingDigits);
  if (converted > INT64_MAX) return unconverted('OVERFLOW');
  return {
    ...fact,
    reporting_currency: reporting,
    rate: r.rate,
    rate_effective_at: r.effective_at,
    rate_event_id: r.event_id,
    converted_minor: converted,
    unconverted_reason: null,
  };
}

/** How a fact's converted amount enters the totals (REVOKED subtracts). */
export function addToTotals(t: CostTotals, f: Pick<CostFact, 'cost_kind' | 'converted_minor'>): void {
  if (f.converted_minor === null) {
    t.unconverted += 1;
    return;
  }
  const x = f.converted_minor;
  switch (f.cost_kind) {
    case 'COMPENSATION_ISSUED':
      t.compensation_cost += x;
      break;
    case 'COMPENSATION_REVOKED':
      t.compensation_cost -= x;
      break;
    case 'COMPENSATION_REDEEMED':
      t.compensation_redeemed += x;
      break;
    case 'REFUND':
      t.refund_cost += x;
      break;
    case 'LOST_REVENUE':
      t.lost_revenue += x;
      break;
  }
  t.total_cost = t.compensation_cost + t.refund_cost + t.lost_revenue;
}

export function emptyTotals(): CostTotals {
  return { compensation_cost: 0n, compensation_redeemed: 0n, refund_cost: 0n, lost_revenue: 0n, total_cost: 0n, unconverted: 0 };
}

/** Totals of a set of facts (e.g. one incident's). */
export function totalsOf(facts: Iterable<Pick<CostFact, 'cost_kind' | 'converted_minor'>>): CostTotals {
  const t = emptyTotals();
  for (const f of facts) addToTotals(t, f);
  return t;
}
