/**
 * Enum symbols fixed by docs/interfaces.md. Each list is `as const` so the union type and the
 * runtime list (used by validation, Avro schemas and the simulator) can never drift apart.
 */
export const JOURNEY_EVENT_TYPES = [
  'PREFLIGHT_CHECKED',
  'JOURNEY_STARTED',
  'NODE_COMPLETED',
  'NODE_FAILED',
  'JOURNEY_COMPLETED',
  'JOURNEY_FAILED',
  'JOURNEY_ABANDONED',
] as const;
export type JourneyEventType = (typeof JOURNEY_EVENT_TYPES)[number];

export const PREFLIGHT_STATUSES = ['OK', 'DEGRADED', 'BLOCKED'] as const;
export type PreflightStatus = (typeof PREFLIGHT_STATUSES)[number];

export const PREFLIGHT_REASONS = ['NONE', 'SLO_BREACH', 'SAFETY_RISK', 'QUALITY_LOW'] as const;
export type PreflightReason = (typeof PREFLIGHT_REASONS)[number];

export const LEM_EVENT_TYPES = [
  'SCORE_UPDATED',
  'SAFETY_DEGRADED',
  'SAFETY_RESTORED',
  'COVERAGE_DEGRADED',
  'COVERAGE_RESTORED',
] as const;
export type LemEventType = (typeof LEM_EVENT_TYPES)[number];

export const LEM_SCOPES = ['SERVICE_POINT', 'ROUTE', 'CLUSTER'] as const;
export type LemScope = (typeof LEM_SCOPES)[number];

export const LEM_METRICS = ['SAFETY_SCORE', 'NIGHT_RISK_SCORE', 'COVERAGE_SCORE'] as const;
export type LemMetric = (typeof LEM_METRICS)[number];

export const INCIDENT_EVENT_TYPES = ['OPENED', 'UPDATED', 'RESOLVED'] as const;
export type IncidentEventType = (typeof INCIDENT_EVENT_TYPES)[number];

export const SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const INCIDENT_SOURCES = ['PRG', 'TJM', 'LEM', 'TRUTTA', 'MONITORING'] as const;
export type IncidentSource = (typeof INCIDENT_SOURCES)[number];

export const FAULTS = ['VENDOR', 'PLATFORM', 'MIXED', 'UNKNOWN'] as const;
export type Fault = (typeof FAULTS)[number];

export const COMPENSATION_EVENT_TYPES = ['PROPOSED', 'ISSUED', 'REDEEMED', 'REVOKED'] as const;
export type CompensationEventType = (typeof COMPENSATION_EVENT_TYPES)[number];

export const COMPENSATION_CHANNELS = ['TRUTTA_TOKEN', 'REFUND', 'MIXED'] as const;
export type CompensationChannel = (typeof COMPENSATION_CHANNELS)[number];

export const REFUND_EVENT_TYPES = ['REQUESTED', 'SUCCEEDED', 'FAILED'] as const;
export type RefundEventType = (typeof REFUND_EVENT_TYPES)[number];

export const FX_EVENT_TYPES = ['RATE'] as const;
export type FxEventType = (typeof FX_EVENT_TYPES)[number];

export const BREACH_STATUSES = ['FIRING', 'RESOLVED'] as const;
export type BreachStatus = (typeof BREACH_STATUSES)[number];

export const ALERT_SEVERITIES = ['PAGE', 'TICKET'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const BREACH_REASONS = ['SLO_BREACH', 'SAFETY_RISK', 'QUALITY_LOW'] as const;
export type BreachReason = (typeof BREACH_REASONS)[number];

export const QUALITY_SCOPES = ['VENDOR', 'ROUTE', 'PRODUCT_VERSION'] as const;
export type QualityScope = (typeof QUALITY_SCOPES)[number];

export const QUALITY_SCORE_TYPES = ['JOURNEY_SUCCESS_RATE', 'INCIDENT_RATE', 'COMPENSATION_RATE'] as const;
export type QualityScoreType = (typeof QUALITY_SCORE_TYPES)[number];
