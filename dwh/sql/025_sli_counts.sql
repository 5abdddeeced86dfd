-- SLI rollups sized by cells, not events: exact event counts per (minute, labels), and the
-- same per hour and per day for long windows. Replaces the per-minute sets of event ids of
-- 020_sli_minute.sql, whose size and merge cost grew with the events themselves.
--
-- Exactness rests on ingest, not on the rollup: a fact table receives each (day, event_id)
-- once. The ingest drops an event already stored (it looks the batch's (day, event_id) keys
-- up in the fact table before inserting, and keeps the first of repeats inside a batch),
-- and a batch replayed with the same bytes and offsets is also dropped by its insert token.
-- So a count in these tables is a count of distinct events; `slo-pipeline verify` compares
-- every minute cell with the distinct facts (FINAL) and reports any difference by day.
--
-- A batch replayed after a crash carries its first attempt's insert token: the fact table drops
-- it when its part landed, and each rollup keeps its own window of tokens (the setting below,
-- as on the facts), so a rollup whose part landed drops it too and one whose part was lost in
-- the crash takes it.
--
-- Reading: cells of one key may sit in several parts until merged, so readers always
-- aggregate: sum(events), maxMerge(last_update). Hour and day rollups are filled from the
-- minute rollup's inserted rows (a chain of views), so the three always agree.
--
-- Same dimensions and latency distribution as before (020 documents them; LATENCY_BOUNDS_MS in
-- processors/slo/store/latency-bounds.ts equals the list below, a test keeps them equal).

DROP VIEW IF EXISTS sli_journey_minute_mv;
DROP VIEW IF EXISTS sli_lem_minute_mv;
DROP TABLE IF EXISTS sli_journey_minute;
DROP TABLE IF EXISTS sli_lem_minute;

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
  events SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, event_type, product_version_id, city_code, route_id, vendor_id, market_code, journey_blueprint_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS sli_lem_minute (
  minute DateTime('UTC'),
  event_type LowCardinality(String),
  city_code LowCardinality(String),
  scope LowCardinality(String),
  scope_id String,
  metric LowCardinality(String),
  events SimpleAggregateFunction(sum, UInt64),
  last_update AggregateFunction(max, Tuple(DateTime64(3, 'UTC'), String, Float64))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, scope_id, metric, event_type, city_code, scope)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS sli_journey_hour (
  hour DateTime('UTC'),
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
  events SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYear(hour)
ORDER BY (hour, event_type, product_version_id, city_code, route_id, vendor_id, market_code, journey_blueprint_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS sli_journey_hour_mv TO sli_journey_hour AS
SELECT
  toStartOfHour(minute) AS hour,
  event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le,
  sum(events) AS events
FROM sli_journey_minute
GROUP BY hour, event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le;

CREATE TABLE IF NOT EXISTS sli_journey_day (
  day DateTime('UTC'),
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
  events SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYear(day)
ORDER BY (day, event_type, product_version_id, city_code, route_id, vendor_id, market_code, journey_blueprint_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS sli_journey_day_mv TO sli_journey_day AS
SELECT
  toStartOfDay(minute) AS day,
  event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le,
  sum(events) AS events
FROM sli_journey_minute
GROUP BY day, event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le;

CREATE TABLE IF NOT EXISTS sli_lem_hour (
  hour DateTime('UTC'),
  event_type LowCardinality(String),
  city_code LowCardinality(String),
  scope LowCardinality(String),
  scope_id String,
  metric LowCardinality(String),
  events SimpleAggregateFunction(sum, UInt64),
  last_update AggregateFunction(max, Tuple(DateTime64(3, 'UTC'), String, Float64))
) ENGINE = AggregatingMergeTree
PARTITION BY toYear(hour)
ORDER BY (hour, scope_id, metric, event_type, city_code, scope)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS sli_lem_hour_mv TO sli_lem_hour AS
SELECT
  toStartOfHour(minute) AS hour,
  event_type, city_code, scope, scope_id, metric,
  sum(events) AS events,
  maxMergeState(last_update) AS last_update
FROM sli_lem_minute
GROUP BY hour, event_type, city_code, scope, scope_id, metric;

CREATE TABLE IF NOT EXISTS sli_lem_day (
  day DateTime('UTC'),
  event_type LowCardinality(String),
  city_code LowCardinality(String),
  scope LowCardinality(String),
  scope_id String,
  metric LowCardinality(String),
  events SimpleAggregateFunction(sum, UInt64),
  last_update AggregateFunction(max, Tuple(DateTime64(3, 'UTC'), String, Float64))
) ENGINE = AggregatingMergeTree
PARTITION BY toYear(day)
ORDER BY (day, scope_id, metric, event_type, city_code, scope)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS sli_lem_day_mv TO sli_lem_day AS
SELECT
  toStartOfDay(minute) AS day,
  event_type, city_code, scope, scope_id, metric,
  sum(events) AS events,
  maxMergeState(last_update) AS last_update
FROM sli_lem_minute
GROUP BY day, event_type, city_code, scope, scope_id, metric;

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
  count() AS events
FROM journey_events
GROUP BY minute, event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le;

CREATE MATERIALIZED VIEW IF NOT EXISTS sli_lem_minute_mv TO sli_lem_minute AS
SELECT
  toDateTime(toStartOfMinute(occurred_at), 'UTC') AS minute,
  event_type,
  city_code,
  scope,
  scope_id,
  metric,
  count() AS events,
  maxState(tuple(occurred_at, event_id, current_score)) AS last_update
FROM lem_signals
GROUP BY minute, event_type, city_code, scope, scope_id, metric;

-- Backfill from the distinct facts (FINAL), through the views above into hours and days too.
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
  count() AS events
FROM journey_events FINAL
GROUP BY minute, event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le;

INSERT INTO sli_lem_minute
SELECT
  toDateTime(toStartOfMinute(occurred_at), 'UTC') AS minute,
  event_type,
  city_code,
  scope,
  scope_id,
  metric,
  count() AS events,
  maxState(tuple(occurred_at, event_id, current_score)) AS last_update
FROM lem_signals FINAL
GROUP BY minute, event_type, city_code, scope, scope_id, metric;
