-- SLI data: per-minute event-time aggregates the SLO engine reads (processors/slo/store).
--
-- Exactly-once without relying on insert tokens: each cell keeps the *set* of event_ids
-- (uniqExactState), so a replayed batch, a duplicate event at another offset, or a row
-- the fact table has not merged away yet adds ids already in the set and changes
-- nothing. Late and out-of-order events land in the minute of their own occurred_at.
--
-- Every string dimension an SLO `where` may name is part of the key ('' for null), so
-- a new or changed SLO is answered from history without re-ingesting. Latency is kept as
-- a distribution: `latency_le` is the smallest bound >= duration_ms (-1: no duration,
-- 9223372036854775807: above the last bound), so `duration_ms <= X` is exact for every
-- bound X below; thresholds between bounds are read from the facts instead.
-- The bound list must equal LATENCY_BOUNDS_MS in processors/slo/store/latency-bounds.ts.
--
-- Scale-out: ReplicatedAggregatingMergeTree + Distributed sharded by the same key as the
-- facts works unchanged (sets merge across shards).

CREATE TABLE IF NOT EXISTS sli_journey_minute (
  minute DateTime('UTC'),
  event_type LowCardinality(String),
  journey_blueprint_id LowCardinality(String),
  product_version_id LowCardinality(String),
  market_code LowCardinality(String),
  city_code LowCardinality(String),
  route_id LowCardinality(String),
  vendor_id LowCardinality(String),
  service_point_id LowCardinality(String),
  error_code LowCardinality(String),
  preflight_status LowCardinality(String),
  preflight_reason LowCardinality(String),
  latency_le Int64,
  events AggregateFunction(uniqExact, String)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, event_type, product_version_id, city_code, route_id, vendor_id, market_code, journey_blueprint_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le);

CREATE MATERIALIZED VIEW IF NOT EXISTS sli_journey_minute_mv TO sli_journey_minute AS
SELECT
  toDateTime(toStartOfMinute(occurred_at), 'UTC') AS minute,
  event_type,
  journey_blueprint_id,
  product_version_id,
  market_code,
  city_code,
  ifNull(route_id, '') AS route_id,
  ifNull(vendor_id, '') AS vendor_id,
  ifNull(service_point_id, '') AS service_point_id,
  ifNull(error_code, '') AS error_code,
  ifNull(preflight_status, '') AS preflight_status,
  ifNull(preflight_reason, '') AS preflight_reason,
  multiIf(
    isNull(duration_ms), toInt64(-1),
    assumeNotNull(duration_ms) > 86400000, toInt64(9223372036854775807),
    toInt64(arrayFirst(b -> b >= assumeNotNull(duration_ms), [0, 50, 100, 150, 200, 250, 300, 400, 500, 600, 700, 750, 800, 900, 1000, 1200, 1250, 1500, 1750, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 6000, 7000, 7500, 8000, 9000, 10000, 12000, 15000, 20000, 25000, 30000, 40000, 45000, 60000, 90000, 120000, 180000, 240000, 300000, 450000, 600000, 900000, 1200000, 1500000, 1800000, 2400000, 2700000, 3600000, 5400000, 7200000, 10800000, 14400000, 21600000, 28800000, 43200000, 86400000]))
  ) AS latency_le,
  uniqExactState(event_id) AS events
FROM journey_events
GROUP BY minute, event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le;

-- LEM: event counts per cell, and the last update of each minute (by occurred_at, then
-- event_id) so scores can be held as levels from one minute to the next.
CREATE TABLE IF NOT EXISTS sli_lem_minute (
  minute DateTime('UTC'),
  event_type LowCardinality(String),
  city_code LowCardinality(String),
  scope LowCardinality(String),
  scope_id String,
  metric LowCardinality(String),
  events AggregateFunction(uniqExact, String),
  last_update AggregateFunction(max, Tuple(DateTime64(3, 'UTC'), String, Float64))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, scope_id, metric, event_type, city_code, scope);

CREATE MATERIALIZED VIEW IF NOT EXISTS sli_lem_minute_mv TO sli_lem_minute AS
SELECT
  toDateTime(toStartOfMinute(occurred_at), 'UTC') AS minute,
  event_type,
  city_code,
  scope,
  scope_id,
  metric,
  uniqExactState(event_id) AS events,
  maxState(tuple(occurred_at, event_id, current_score)) AS last_update
FROM lem_signals
GROUP BY minute, event_type, city_code, scope, scope_id, metric;

-- Backfill for warehouses that held facts before this migration (sets: harmless to repeat).
INSERT INTO sli_journey_minute
SELECT
  toDateTime(toStartOfMinute(occurred_at), 'UTC') AS minute,
  event_type,
  journey_blueprint_id,
  product_version_id,
  market_code,
  city_code,
  ifNull(route_id, '') AS route_id,
  ifNull(vendor_id, '') AS vendor_id,
  ifNull(service_point_id, '') AS service_point_id,
  ifNull(error_code, '') AS error_code,
  ifNull(preflight_status, '') AS preflight_status,
  ifNull(preflight_reason, '') AS preflight_reason,
  multiIf(
    isNull(duration_ms), toInt64(-1),
    assumeNotNull(duration_ms) > 86400000, toInt64(9223372036854775807),
    toInt64(arrayFirst(b -> b >= assumeNotNull(duration_ms), [0, 50, 100, 150, 200, 250, 300, 400, 500, 600, 700, 750, 800, 900, 1000, 1200, 1250, 1500, 1750, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 6000, 7000, 7500, 8000, 9000, 10000, 12000, 15000, 20000, 25000, 30000, 40000, 45000, 60000, 90000, 120000, 180000, 240000, 300000, 450000, 600000, 900000, 1200000, 1500000, 1800000, 2400000, 2700000, 3600000, 5400000, 7200000, 10800000, 14400000, 21600000, 28800000, 43200000, 86400000]))
  ) AS latency_le,
  uniqExactState(event_id) AS events
FROM journey_events
GROUP BY minute, event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le;

INSERT INTO sli_lem_minute
SELECT
  toDateTime(toStartOfMinute(occurred_at), 'UTC') AS minute,
  event_type,
  city_code,
  scope,
  scope_id,
  metric,
  uniqExactState(event_id) AS events,
  maxState(tuple(occurred_at, event_id, current_score)) AS last_update
FROM lem_signals
GROUP BY minute, event_type, city_code, scope, scope_id, metric;
