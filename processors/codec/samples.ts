import type {
  CompensationEvent,
  FxRate,
  JourneyEvent,
  LemSignal,
  OpsIncidentEvent,
  QualityScoreUpdate,
  RefundEvent,
  SloBreachSignal,
} from '../contracts/index.js';
import type { DeadLetterRecord } from './dead-letter.js';

/**
 * One valid value of every record, with every field set (optionals included), typed by the
 * contract interfaces so a field added to one side and not the other fails to compile.
 * Used by tests across the project as a known-good starting point.
 */
export const SAMPLE_TIME = Date.UTC(2025, 0, 15, 10, 30, 0);

export const SAMPLE_JOURNEY: JourneyEvent = {
  event_id: 'evt-j-1',
  event_type: 'JOURNEY_STARTED',
  occurred_at: SAMPLE_TIME,
  journey_instance_id: 'JRNY-VIEN-COFFEE-0001',
  journey_blueprint_id: 'JRNY-VIEN-COFFEE',
  product_version_id: 'PRDV-VIEN-COFFEE',
  market_code: 'AT-VIE',
  city_code: 'VIE',
  product_runtime_session_id: 'PRS-1',
  route_id: 'ROUTE-VIEN-COFFEE-01',
  vendor_id: 'VEN-123',
  service_point_id: 'SP-7',
  journey_node_id: 'NODE-1',
  preflight_status: null,
  preflight_reason: null,
  duration_ms: 1250,
  error_code: null,
  order_id: 'ORD-1',
  order_value_minor: 2490,
  currency: 'EUR',
  user_id: 'USR-9',
};

export const SAMPLE_LEM: LemSignal = {
  event_id: 'evt-l-1',
  event_type: 'SAFETY_DEGRADED',
  occurred_at: SAMPLE_TIME,
  city_code: 'VIE',
  scope: 'ROUTE',
  scope_id: 'ROUTE-VIEN-COFFEE-01',
  metric: 'SAFETY_SCORE',
  current_score: 0.42,
  previous_score: 0.91,
  threshold: 0.6,
  risk_tags: ['night', 'construction'],
};

export const SAMPLE_INCIDENT: OpsIncidentEvent = {
  event_id: 'evt-i-1',
  event_type: 'OPENED',
  occurred_at: SAMPLE_TIME,
  incident_id: 'OPS-INC-42',
  severity: 'SEV2',
  source: 'TJM',
  reason_code: 'VENDOR_NO_SHOW',
  fault: 'VENDOR',
  product_version_id: 'PRDV-VIEN-COFFEE',
  market_code: 'AT-VIE',
  city_code: 'VIE',
  vendor_id: 'VEN-123',
  route_id: 'ROUTE-VIEN-COFFEE-01',
  journey_instance_ids: ['JRNY-VIEN-COFFEE-0001', 'JRNY-VIEN-COFFEE-0002'],
};

export const SAMPLE_COMPENSATION: CompensationEvent = {
  event_id: 'evt-c-1',
  event_type: 'ISSUED',
  occurred_at: SAMPLE_TIME,
  compensation_id: 'CMP-1',
  incident_id: 'OPS-INC-42',
  user_id: 'USR-9',
  compensation_profile_id: 'PROFILE-STD',
  reason_code: 'VENDOR_NO_SHOW',
  channel: 'TRUTTA_TOKEN',
  amount_minor: 500,
  currency: 'EUR',
};

export const SAMPLE_REFUND: RefundEvent = {
  event_id: 'evt-r-1',
  event_type: 'SUCCEEDED',
  occurred_at: SAMPLE_TIME,
  refund_id: 'RF-1',
  order_id: 'ORD-1',
  incident_id: 'OPS-INC-42',
  compensation_id: 'CMP-1',
  user_id: 'USR-9',
  psp: 'stripe',
  failure_reason: null,
  amount_minor: 2490,
  currency: 'EUR',
};

export const SAMPLE_FX: FxRate = {
  event_id: 'evt-f-1',
  event_type: 'RATE',
  occurred_at: SAMPLE_TIME,
  currency: 'USD',
  rate_to_reporting: 0.9123,
};

export const SAMPLE_BREACH: SloBreachSignal = {
  signal_id: 'sig-1',
  status: 'FIRING',
  severity: 'PAGE',
  slo_id: 'vien-coffee-journey-success',
  service: 'tjm',
  reason: 'SLO_BREACH',
  product_version_id: 'PRDV-VIEN-COFFEE',
  market_code: null,
  city_code: 'VIE',
  route_id: null,
  vendor_id: null,
  target: 0.99,
  sli: 0.95,
  error_budget_remaining: -0.25,
  long_window: '1h',
  short_window: '5m',
  burn_rate_long: 15.2,
  burn_rate_short: 16,
  burn_rate_threshold: 14.4,
  evaluated_at: SAMPLE_TIME,
  recommended_actions: ['use_degraded_mode', 'fallback_routes_only'],
  labels: { team: 'coffee', tier: '1' },
};

export const SAMPLE_QUALITY: QualityScoreUpdate = {
  scope: 'VENDOR',
  scope_id: 'VEN-123',
  score_type: 'JOURNEY_SUCCESS_RATE',
  value: 0.97,
  window: '1d',
  computed_at: SAMPLE_TIME,
};

export const SAMPLE_DEAD_LETTER: DeadLetterRecord = {
  source_topic: 'billing.refunds.v1',
  source_partition: 3,
  source_offset: '9007199254740993',
  source_file: null,
  source_line: null,
  original_key: Buffer.from('ORD-1'),
  original_value: Buffer.from([0xc3, 0x01, 0xde, 0xad]),
  reason_code: 'UNKNOWN_SCHEMA',
  message: 'writer schema fingerprint adde000000000000 is not known',
  field: null,
  field_value: null,
  dead_lettered_at: SAMPLE_TIME,
  original_value_form: 'original',
  original_value_sha256: '8540c726dd60168ff4ac3f0d0a7b882880c83ff2fd45a31cf76638f63db53194',
  original_value_size: 4,
};

/** Every record name with its sample value. */
export const SAMPLE_RECORDS: Readonly<Record<string, unknown>> = {
  JourneyEvent: SAMPLE_JOURNEY,
  LemSignal: SAMPLE_LEM,
  OpsIncidentEvent: SAMPLE_INCIDENT,
  CompensationEvent: SAMPLE_COMPENSATION,
  RefundEvent: SAMPLE_REFUND,
  FxRate: SAMPLE_FX,
  SloBreachSignal: SAMPLE_BREACH,
  QualityScoreUpdate: SAMPLE_QUALITY,
  DeadLetter: SAMPLE_DEAD_LETTER,
};
