import type * as E from './enums.js';

/**
 * Decoded input events, exactly the docs/interfaces.md field names. `occurred_at` is epoch
 * milliseconds (Avro timestamp-millis). Optionals are `null` when absent, never undefined.
 */
interface Base {
  event_id: string;
  occurred_at: number;
}

export interface JourneyEvent extends Base {
  event_type: E.JourneyEventType;
  journey_instance_id: string;
  journey_blueprint_id: string;
  product_version_id: string;
  market_code: string;
  city_code: string;
  product_runtime_session_id: string | null;
  route_id: string | null;
  vendor_id: string | null;
  service_point_id: string | null;
  journey_node_id: string | null;
  preflight_status: E.PreflightStatus | null;
  preflight_reason: E.PreflightReason | null;
  duration_ms: number | null;
  error_code: string | null;
  order_id: string | null;
  order_value_minor: number | null;
  currency: string | null;
  user_id: string | null;
}

export interface LemSignal extends Base {
  event_type: E.LemEventType;
  city_code: string;
  scope: E.LemScope;
  scope_id: string;
  metric: E.LemMetric;
  current_score: number;
  previous_score: number | null;
  threshold: number | null;
  risk_tags: string[];
}

export interface OpsIncidentEvent extends Base {
  event_type: E.IncidentEventType;
  incident_id: string;
  severity: E.Severity;
  source: E.IncidentSource;
  reason_code: string;
  fault: E.Fault;
  product_version_id: string | null;
  market_code: string | null;
  city_code: string | null;
  vendor_id: string | null;
  route_id: string | null;
  journey_instance_ids: string[];
}

export interface CompensationEvent extends Base {
  event_type: E.CompensationEventType;
  compensation_id: string;
  incident_id: string;
  user_id: string | null;
  compensation_profile_id: string | null;
  reason_code: string | null;
  channel: E.CompensationChannel;
  amount_minor: number;
  currency: string;
}

export interface RefundEvent extends Base {
  event_type: E.RefundEventType;
  refund_id: string;
  order_id: string;
  incident_id: string | null;
  compensation_id: string | null;
  user_id: string | null;
  psp: string | null;
  failure_reason: string | null;
  amount_minor: number;
  currency: string;
}

export interface FxRate extends Base {
  event_type: E.FxEventType;
  currency: string;
  rate_to_reporting: number;
}

export interface EventOfFamily {
  journey: JourneyEvent;
  lem: LemSignal;
  incident: OpsIncidentEvent;
  compensation: CompensationEvent;
  refund: RefundEvent;
  fx: FxRate;
}

export type AnyInputEvent = EventOfFamily[keyof EventOfFamily];

/** Output record: `ops.slo.breach.v1`. */
export interface SloBreachSignal {
  signal_id: string;
  status: E.BreachStatus;
  severity: E.AlertSeverity;
  slo_id: string;
  service: string;
  reason: E.BreachReason;
  product_version_id: string | null;
  market_code: string | null;
  city_code: string | null;
  route_id: string | null;
  vendor_id: string | null;
  target: number;
  sli: number;
  error_budget_remaining: number;
  long_window: string;
  short_window: string;
  burn_rate_long: number;
  burn_rate_short: number;
  burn_rate_threshold: number;
  evaluated_at: number;
  recommended_actions: string[];
  /**
   * The SLO's `metadata.labels` (list values joined with ","), plus the group keys of a grouped
   * SLO. A later addition to the record: an optional map (Avro default `{}`), so readers of the
   * older schema skip it and records of older writers read as `{}`.
   */
  labels?: Record<string, string>;
}

/** Output record: `ops.quality.scores.v1`. */
export interface QualityScoreUpdate {
  scope: E.QualityScope;
  scope_id: string;
  score_type: E.QualityScoreType;
  value: number;
  window: string;
  computed_at: number;
}
