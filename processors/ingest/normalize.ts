import { createHmac } from 'node:crypto';
import type { Family } from '../contracts/topics.js';
import type { EventOfFamily } from '../contracts/events.js';

/** Fact table of each input family (dwh/sql/001_facts.sql). */
export const FACT_TABLE: Record<Family, string> = {
  journey: 'journey_events',
  lem: 'lem_signals',
  incident: 'incident_events',
  compensation: 'compensation_events',
  refund: 'refund_events',
  fx: 'fx_rates',
};

/** Where a record came from; stored with each fact row for audit and lag. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Keyed hash of personal data (CONTRACTS.md, Privacy). HMAC-SHA256 so equal user_ids
 * still join and count, while the clear value never reaches the warehouse. The key comes
 * from configuration (SLO_PII_HMAC_KEY); without the key the hash cannot be reversed
 * by guessing user ids.
 */
export type PiiHasher = (value: string) => string;

export function createPiiHasher(key: string | Buffer): PiiHasher {
  return (value) => createHmac('sha256', key).update(value).digest('hex');
}

function hashOpt(h: PiiHasher, v: string | null): string | null {
  return v == null ? null : h(v);
}

type RowBuilder<F extends Family> = (e: EventOfFamily[F], h: PiiHasher) => Record<string, unknown>;

// occurred_at is passed as integer epoch ms: ClickHouse reads an integer into
// DateTime64(3) as ticks, exactly, without date parsing on either side.
const BUILDERS: { [F in Family]: RowBuilder<F> } = {
  journey: (e, h) => ({
    event_id: e.event_id,
    event_type: e.event_type,
    occurred_at: e.occurred_at,
    journey_instance_id: e.journey_instance_id,
    journey_blueprint_id: e.journey_blueprint_id,
    product_version_id: e.product_version_id,
    market_code: e.market_code,
    city_code: e.city_code,
    product_runtime_session_id: e.product_runtime_session_id,
    route_id: e.route_id,
    vendor_id: e.vendor_id,
    service_point_id: e.service_point_id,
    journey_node_id: e.journey_node_id,
    preflight_status: e.preflight_status,
    preflight_reason: e.preflight_reason,
    duration_ms: e.duration_ms,
    error_code: e.error_code,
    order_id: e.order_id,
    order_value_minor: e.order_value_minor,
    currency: e.currency,
    user_hash: hashOpt(h, e.user_id),
  }),
  lem: (e) => ({
    event_id: e.event_id,
    event_type: e.event_type,
    occurred_at: e.occurred_at,
    city_code: e.city_code,
    scope: e.scope,
    scope_id: e.scope_id,
    metric: e.metric,
    current_score: e.current_score,
    previous_score: e.previous_score,
    threshold: e.threshold,
    risk_tags: e.risk_tags,
  }),
  incident: (e) => ({
    event_id: e.event_id,
    event_type: e.event_type,
    occurred_at: e.occurred_at,
    incident_id: e.incident_id,
    severity: e.severity,
    source: e.source,
    reason_code: e.reason_code,
    fault: e.fault,
    product_version_id: e.product_version_id,
    market_code: e.market_code,
    city_code: e.city_code,
    vendor_id: e.vendor_id,
    route_id: e.route_id,
    journey_instance_ids: e.journey_instance_ids,
  }),
  compensation: (e, h) => ({
    event_id: e.event_id,
    event_type: e.event_type,
    occurred_at: e.occurred_at,
    compensation_id: e.compensation_id,
    incident_id: e.incident_id,
    user_hash: hashOpt(h, e.user_id),
    compensation_profile_id: e.compensation_profile_id,
    reason_code: e.reason_code,
    channel: e.channel,
    amount_minor: e.amount_minor,
    currency: e.currency,
  }),
  refund: (e, h) => ({
    event_id: e.event_id,
    event_type: e.event_type,
    occurred_at: e.occurred_at,
    refund_id: e.refund_id,
    order_id: e.order_id,
    incident_id: e.incident_id,
    compensation_id: e.compensation_id,
    user_hash: hashOpt(h, e.user_id),
    psp: e.psp,
    failure_reason: e.failure_reason,
    amount_minor: e.amount_minor,
    currency: e.currency,
  }),
  fx: (e) => ({
    event_id: e.event_id,
    event_type: e.event_type,
    occurred_at: e.occurred_at,
    currency: e.currency,
    rate_to_reporting: e.rate_to_reporting,
  }),
};

/** Maps a validated event to its fact row (personal data hashed, source position attached). */
export function toFactRow<F extends Family>(
  family: F,
  event: EventOfFamily[F],
  hasher: PiiHasher,
  source: SourcePosition,
): Record<string, unknown> {
  const row = (BUILDERS[family] as RowBuilder<F>)(event, hasher);
  row['_topic'] = source.topic;
  row['_partition'] = source.partition;
  row['_offset'] = source.offset;
  return row;
}
