-- Fact tables: one per input family, column names exactly the docs/interfaces.md field names.
--
-- Idempotency, two layers:
--  * Replayed insert batches: every fact table keeps a deduplication window, so an insert
--    repeated with the same insert_deduplication_token (topic-partition-first-last offset)
--    is a no-op here and in dependent materialized views.
--  * Duplicate events (same event_id delivered twice, at other offsets): ReplacingMergeTree
--    collapses rows with the same sorting key; duplicates are the same event so every
--    sorting-key column is equal. Readers use the `*_v` views (FINAL) for exact counts.
--
-- Scale-out: each table maps 1:1 onto ReplicatedReplacingMergeTree + a Distributed table
-- sharded by cityHash64(<family key>) (journey_instance_id, incident_id, order_id, ...),
-- which keeps a journey's/incident's events on one shard. Nothing here is single-node-only.
-- `_topic/_partition/_offset/_ingested_at` record where a row came from (audit, lag).

CREATE TABLE IF NOT EXISTS journey_events (
  event_id String,
  event_type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  journey_instance_id String,
  journey_blueprint_id LowCardinality(String),
  product_version_id LowCardinality(String),
  market_code LowCardinality(String),
  city_code LowCardinality(String),
  product_runtime_session_id Nullable(String),
  route_id LowCardinality(Nullable(String)),
  vendor_id LowCardinality(Nullable(String)),
  service_point_id LowCardinality(Nullable(String)),
  journey_node_id Nullable(String),
  preflight_status LowCardinality(Nullable(String)),
  preflight_reason LowCardinality(Nullable(String)),
  duration_ms Nullable(Int64),
  error_code LowCardinality(Nullable(String)),
  order_id Nullable(String),
  order_value_minor Nullable(Int64),
  currency LowCardinality(Nullable(String)),
  user_hash Nullable(String),
  _topic LowCardinality(String),
  _partition UInt32,
  _offset UInt64,
  _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (toDate(occurred_at), event_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS lem_signals (
  event_id String,
  event_type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  city_code LowCardinality(String),
  scope LowCardinality(String),
  scope_id String,
  metric LowCardinality(String),
  current_score Float64,
  previous_score Nullable(Float64),
  threshold Nullable(Float64),
  risk_tags Array(String),
  _topic LowCardinality(String),
  _partition UInt32,
  _offset UInt64,
  _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (toDate(occurred_at), event_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS incident_events (
  event_id String,
  event_type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  incident_id String,
  severity LowCardinality(String),
  source LowCardinality(String),
  reason_code LowCardinality(String),
  fault LowCardinality(String),
  product_version_id LowCardinality(Nullable(String)),
  market_code LowCardinality(Nullable(String)),
  city_code LowCardinality(Nullable(String)),
  vendor_id LowCardinality(Nullable(String)),
  route_id LowCardinality(Nullable(String)),
  journey_instance_ids Array(String),
  _topic LowCardinality(String),
  _partition UInt32,
  _offset UInt64,
  _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (toDate(occurred_at), event_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS compensation_events (
  event_id String,
  event_type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  compensation_id String,
  incident_id String,
  user_hash Nullable(String),
  compensation_profile_id LowCardinality(Nullable(String)),
  reason_code LowCardinality(Nullable(String)),
  channel LowCardinality(String),
  amount_minor Int64,
  currency LowCardinality(String),
  _topic LowCardinality(String),
  _partition UInt32,
  _offset UInt64,
  _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (toDate(occurred_at), event_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS refund_events (
  event_id String,
  event_type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  refund_id String,
  order_id String,
  incident_id Nullable(String),
  compensation_id Nullable(String),
  user_hash Nullable(String),
  psp LowCardinality(Nullable(String)),
  failure_reason LowCardinality(Nullable(String)),
  amount_minor Int64,
  currency LowCardinality(String),
  _topic LowCardinality(String),
  _partition UInt32,
  _offset UInt64,
  _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (toDate(occurred_at), event_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS fx_rates (
  event_id String,
  event_type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  currency LowCardinality(String),
  rate_to_reporting Float64,
  _topic LowCardinality(String),
  _partition UInt32,
  _offset UInt64,
  _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
ORDER BY (currency, occurred_at, event_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- Everything that could not be decoded or failed validation, with its reason. The DLQ
-- topic is the system of record; this table makes dead letters queryable (health board).
CREATE TABLE IF NOT EXISTS dead_letters (
  source_topic LowCardinality(String),
  source_partition Int32,
  source_offset Int64,
  reason_code LowCardinality(String),
  reason String,
  field Nullable(String),
  payload_base64 String,
  dead_lettered_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
ORDER BY (source_topic, source_partition, source_offset, reason_code)
SETTINGS non_replicated_deduplication_window = 1000;

-- Exact readers: one row per event_id.
CREATE VIEW IF NOT EXISTS journey_events_v AS SELECT * FROM journey_events FINAL;
CREATE VIEW IF NOT EXISTS lem_signals_v AS SELECT * FROM lem_signals FINAL;
CREATE VIEW IF NOT EXISTS incident_events_v AS SELECT * FROM incident_events FINAL;
CREATE VIEW IF NOT EXISTS compensation_events_v AS SELECT * FROM compensation_events FINAL;
CREATE VIEW IF NOT EXISTS refund_events_v AS SELECT * FROM refund_events FINAL;
CREATE VIEW IF NOT EXISTS fx_rates_v AS SELECT * FROM fx_rates FINAL;
