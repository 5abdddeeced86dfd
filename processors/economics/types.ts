import type {
  CompensationEvent,
  FxRate,
  JourneyEvent,
  OpsIncidentEvent,
  RefundEvent,
} from '../contracts/events.js';

/**
 * The slices of the input events the cost join reads (docs/interfaces.md field names). Amounts
 * are numbers here because that is what decoding yields (validated <= 2^53 - 1); the core
 * moves them into bigint before any arithmetic.
 */
export type IncidentEventIn = Pick<
  OpsIncidentEvent,
  | 'event_id'
  | 'event_type'
  | 'occurred_at'
  | 'incident_id'
  | 'severity'
  | 'source'
  | 'reason_code'
  | 'fault'
  | 'product_version_id'
  | 'market_code'
  | 'city_code'
  | 'vendor_id'
  | 'route_id'
  | 'journey_instance_ids'
>;

export type JourneyEventIn = Pick<
  JourneyEvent,
  'event_id' | 'event_type' | 'occurred_at' | 'journey_instance_id' | 'order_id' | 'order_value_minor' | 'currency'
>;

export type CompensationEventIn = Pick<
  CompensationEvent,
  'event_id' | 'event_type' | 'occurred_at' | 'compensation_id' | 'incident_id' | 'amount_minor' | 'currency'
>;

export type RefundEventIn = Pick<
  RefundEvent,
  'event_id' | 'event_type' | 'occurred_at' | 'refund_id' | 'order_id' | 'incident_id' | 'amount_minor' | 'currency'
>;

export type FxRateIn = Pick<FxRate, 'event_id' | 'occurred_at' | 'currency' | 'rate_to_reporting'>;

/** Every event the cost of some incidents can depend on. Any order, duplicates allowed. */
export interface CostInputs {
  incidents: readonly IncidentEventIn[];
  journeys: readonly JourneyEventIn[];
  compensations: readonly CompensationEventIn[];
  refunds: readonly RefundEventIn[];
  fx: readonly FxRateIn[];
}

/** The P&L dimensions an incident carries (its latest state); null until the incident is seen. */
export interface IncidentDims {
  product_version_id: string | null;
  market_code: string | null;
  city_code: string | null;
  vendor_id: string | null;
  route_id: string | null;
  fault: string | null;
  severity: string | null;
  reason_code: string | null;
}

export const COST_KINDS = [
  'COMPENSATION_ISSUED',
  'COMPENSATION_REVOKED',
  'COMPENSATION_REDEEMED',
  'REFUND',
  'LOST_REVENUE',
] as const;
export type CostKind = (typeof COST_KINDS)[number];

/** Why a money event has no amount in the reporting currency. */
export type UnconvertedReason = 'NO_RATE' | 'UNKNOWN_CURRENCY' | 'INVALID_AMOUNT' | 'OVERFLOW';

/**
 * One money event of one incident, in its original currency and converted: the audit
 * trail finance reads, and the unit the P&L sums. `amount_minor` and `converted_minor`
 * are magnitudes (>= 0); the kind says how the amount enters the P&L.
 */
export interface CostFact extends IncidentDims {
  incident_id: string;
  /** Unique within the incident: `C:<event_id>`, `R:<refund_id>`, `L:<order_id>`. */
  fact_id: string;
  cost_kind: CostKind;
  /** Event time of the money (epoch ms): the cost month and the FX instant. */
  occurred_at: number;
  /** The event the amount and time come from (the compensation/refund event, the journey's final event). */
  source_event_id: string;
  amount_minor: bigint;
  currency: string;
  reporting_currency: string;
  /** The rate used (reporting units per unit of `currency`); 1 for the reporting currency itself. */
  rate: number | null;
  /** Effective instant of the rate used; null for the reporting currency or when unconverted. */
  rate_effective_at: number | null;
  rate_event_id: string | null;
  converted_minor: bigint | null;
  unconverted_reason: UnconvertedReason | null;
  compensation_id: string | null;
  refund_id: string | null;
  order_id: string | null;
  journey_instance_id: string | null;
}

/** Per-measure totals in reporting minor units. */
export interface CostTotals {
  compensation_cost: bigint;
  compensation_redeemed: bigint;
  refund_cost: bigint;
  lost_revenue: bigint;
  total_cost: bigint;
  /** Money events without a reporting-currency amount. */
  unconverted: number;
}
