-- Cluster DDL (cluster slo_cluster, database slo): what `slo-pipeline migrate --cluster slo_cluster` runs.
-- Generated from dwh/sql/ by sinks/warehouse/cluster-ddl.ts (sharding keys: cluster-sharding.ts); do not edit.
-- Regenerate: UPDATE_GOLDEN=1 npx vitest run test/contract/cluster-ddl.test.ts

-- schema_migrations

-- [create-database]
CREATE DATABASE IF NOT EXISTS slo ON CLUSTER slo_cluster;

-- [create-local-table]
CREATE TABLE IF NOT EXISTS schema_migrations_local ON CLUSTER slo_cluster (
    file String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
  ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}') ORDER BY file;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS schema_migrations ON CLUSTER slo_cluster AS schema_migrations_local
ENGINE = Distributed(slo_cluster, slo, schema_migrations_local, cityHash64(file));

-- 001_facts.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS journey_events_local ON CLUSTER slo_cluster (
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (toDate(occurred_at), event_id)
SETTINGS replicated_deduplication_window = 1000;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS journey_events ON CLUSTER slo_cluster AS journey_events_local
ENGINE = Distributed(slo_cluster, slo, journey_events_local, cityHash64(toDateTime(toStartOfMinute(occurred_at), 'UTC'), product_version_id, city_code));

-- [create-local-table]
CREATE TABLE IF NOT EXISTS lem_signals_local ON CLUSTER slo_cluster (
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (toDate(occurred_at), event_id)
SETTINGS replicated_deduplication_window = 1000;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS lem_signals ON CLUSTER slo_cluster AS lem_signals_local
ENGINE = Distributed(slo_cluster, slo, lem_signals_local, cityHash64(scope_id));

-- [create-local-table]
CREATE TABLE IF NOT EXISTS incident_events_local ON CLUSTER slo_cluster (
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (toDate(occurred_at), event_id)
SETTINGS replicated_deduplication_window = 1000;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS incident_events ON CLUSTER slo_cluster AS incident_events_local
ENGINE = Distributed(slo_cluster, slo, incident_events_local, cityHash64(incident_id));

-- [create-local-table]
CREATE TABLE IF NOT EXISTS compensation_events_local ON CLUSTER slo_cluster (
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (toDate(occurred_at), event_id)
SETTINGS replicated_deduplication_window = 1000;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS compensation_events ON CLUSTER slo_cluster AS compensation_events_local
ENGINE = Distributed(slo_cluster, slo, compensation_events_local, cityHash64(incident_id));

-- [create-local-table]
CREATE TABLE IF NOT EXISTS refund_events_local ON CLUSTER slo_cluster (
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (toDate(occurred_at), event_id)
SETTINGS replicated_deduplication_window = 1000;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS refund_events ON CLUSTER slo_cluster AS refund_events_local
ENGINE = Distributed(slo_cluster, slo, refund_events_local, cityHash64(order_id));

-- [create-local-table]
CREATE TABLE IF NOT EXISTS fx_rates_local ON CLUSTER slo_cluster (
  event_id String,
  event_type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  currency LowCardinality(String),
  rate_to_reporting Float64,
  _topic LowCardinality(String),
  _partition UInt32,
  _offset UInt64,
  _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (currency, occurred_at, event_id)
SETTINGS replicated_deduplication_window = 1000;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS fx_rates ON CLUSTER slo_cluster AS fx_rates_local
ENGINE = Distributed(slo_cluster, slo, fx_rates_local, cityHash64(event_id));

-- [create-local-table]
CREATE TABLE IF NOT EXISTS dead_letters_local ON CLUSTER slo_cluster (
  source_topic LowCardinality(String),
  source_partition Int32,
  source_offset Int64,
  reason_code LowCardinality(String),
  reason String,
  field Nullable(String),
  payload_base64 String,
  dead_lettered_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (source_topic, source_partition, source_offset, reason_code)
SETTINGS replicated_deduplication_window = 1000;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS dead_letters ON CLUSTER slo_cluster AS dead_letters_local
ENGINE = Distributed(slo_cluster, slo, dead_letters_local, cityHash64(source_topic, source_partition));

-- [create-view]
CREATE VIEW IF NOT EXISTS journey_events_v ON CLUSTER slo_cluster AS SELECT * FROM journey_events FINAL;

-- [create-view]
CREATE VIEW IF NOT EXISTS lem_signals_v ON CLUSTER slo_cluster AS SELECT * FROM lem_signals FINAL;

-- [create-view]
CREATE VIEW IF NOT EXISTS incident_events_v ON CLUSTER slo_cluster AS SELECT * FROM incident_events FINAL;

-- [create-view]
CREATE VIEW IF NOT EXISTS compensation_events_v ON CLUSTER slo_cluster AS SELECT * FROM compensation_events FINAL;

-- [create-view]
CREATE VIEW IF NOT EXISTS refund_events_v ON CLUSTER slo_cluster AS SELECT * FROM refund_events FINAL;

-- [create-view]
CREATE VIEW IF NOT EXISTS fx_rates_v ON CLUSTER slo_cluster AS SELECT * FROM fx_rates FINAL;

-- 002_ingest_state.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS ingest_state_local ON CLUSTER slo_cluster (
  consumer_group String,
  topic String,
  partition UInt32,
  first_offset UInt64,
  last_offset UInt64,
  version UInt64,
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
ORDER BY (consumer_group, topic, partition);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS ingest_state ON CLUSTER slo_cluster AS ingest_state_local
ENGINE = Distributed(slo_cluster, slo, ingest_state_local, cityHash64(consumer_group, topic, partition));

-- 003_dead_letters_privacy.sql

-- [alter-local]
ALTER TABLE dead_letters_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS payload_format LowCardinality(String) DEFAULT 'original';

-- [alter-distributed]
ALTER TABLE dead_letters ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS payload_format LowCardinality(String) DEFAULT 'original';

-- [alter-local]
ALTER TABLE dead_letters_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS payload_sha256 String DEFAULT '';

-- [alter-distributed]
ALTER TABLE dead_letters ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS payload_sha256 String DEFAULT '';

-- [alter-local]
ALTER TABLE dead_letters_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS payload_size UInt32 DEFAULT 0;

-- [alter-distributed]
ALTER TABLE dead_letters ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS payload_size UInt32 DEFAULT 0;

-- 004_batch_identity.sql

-- [alter-local]
ALTER TABLE dead_letters_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS payload_id String, MODIFY ORDER BY (source_topic, source_partition, source_offset, reason_code, payload_id);

-- [alter-distributed]
ALTER TABLE dead_letters ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS payload_id String;

-- 006_warehouse_repairs.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS warehouse_repairs_local ON CLUSTER slo_cluster (
  repair_id String,
  at DateTime64(3, 'UTC') DEFAULT now64(3),
  table String,
  action LowCardinality(String),
  part String DEFAULT '',
  reason String DEFAULT '',
  rows Nullable(UInt64),
  dedup_window UInt64 DEFAULT 0
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (at, table);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS warehouse_repairs ON CLUSTER slo_cluster AS warehouse_repairs_local
ENGINE = Distributed(slo_cluster, slo, warehouse_repairs_local, cityHash64(repair_id));

-- 007_fact_ids.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS compensation_event_ids_local ON CLUSTER slo_cluster (
  event_id String,
  occurred_at DateTime64(3, 'UTC')
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (toDate(occurred_at), event_id);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS compensation_event_ids ON CLUSTER slo_cluster AS compensation_event_ids_local
ENGINE = Distributed(slo_cluster, slo, compensation_event_ids_local, cityHash64(event_id));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS compensation_event_ids_mv ON CLUSTER slo_cluster TO compensation_event_ids_local AS
SELECT event_id, occurred_at FROM compensation_events_local;

-- [create-local-table]
CREATE TABLE IF NOT EXISTS fx_rate_ids_local ON CLUSTER slo_cluster (
  event_id String,
  occurred_at DateTime64(3, 'UTC')
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (toDate(occurred_at), event_id);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS fx_rate_ids ON CLUSTER slo_cluster AS fx_rate_ids_local
ENGINE = Distributed(slo_cluster, slo, fx_rate_ids_local, cityHash64(event_id));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS fx_rate_ids_mv ON CLUSTER slo_cluster TO fx_rate_ids_local AS
SELECT event_id, occurred_at FROM fx_rates_local;

-- [backfill]
INSERT INTO compensation_event_ids SETTINGS parallel_distributed_insert_select = 2
SELECT event_id, occurred_at FROM compensation_events;

-- [backfill]
INSERT INTO fx_rate_ids SETTINGS parallel_distributed_insert_select = 2
SELECT event_id, occurred_at FROM fx_rates;

-- 010_economics_keyed.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS econ_incident_events_local ON CLUSTER slo_cluster (
  incident_id String,
  event_id String,
  event_type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  severity LowCardinality(String),
  source LowCardinality(String),
  reason_code LowCardinality(String),
  fault LowCardinality(String),
  product_version_id LowCardinality(Nullable(String)),
  market_code LowCardinality(Nullable(String)),
  city_code LowCardinality(Nullable(String)),
  vendor_id LowCardinality(Nullable(String)),
  route_id LowCardinality(Nullable(String)),
  journey_instance_ids Array(String)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (incident_id, event_id);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS econ_incident_events ON CLUSTER slo_cluster AS econ_incident_events_local
ENGINE = Distributed(slo_cluster, slo, econ_incident_events_local, cityHash64(incident_id));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS econ_incident_events_mv ON CLUSTER slo_cluster TO econ_incident_events_local AS
SELECT incident_id, event_id, event_type, occurred_at, severity, source, reason_code, fault,
       product_version_id, market_code, city_code, vendor_id, route_id, journey_instance_ids
FROM incident_events_local;

-- [create-local-table]
CREATE TABLE IF NOT EXISTS econ_journey_incidents_local ON CLUSTER slo_cluster (
  journey_instance_id String,
  incident_id String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (journey_instance_id, incident_id);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS econ_journey_incidents ON CLUSTER slo_cluster AS econ_journey_incidents_local
ENGINE = Distributed(slo_cluster, slo, econ_journey_incidents_local, cityHash64(incident_id));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS econ_journey_incidents_mv ON CLUSTER slo_cluster TO econ_journey_incidents_local AS
SELECT arrayJoin(journey_instance_ids) AS journey_instance_id, incident_id
FROM incident_events_local;

-- [create-local-table]
CREATE TABLE IF NOT EXISTS econ_journey_events_local ON CLUSTER slo_cluster (
  journey_instance_id String,
  event_id String,
  event_type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  order_id Nullable(String),
  order_value_minor Nullable(Int64),
  currency LowCardinality(Nullable(String)),
  INDEX ix_order order_id TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (journey_instance_id, event_id);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS econ_journey_events ON CLUSTER slo_cluster AS econ_journey_events_local
ENGINE = Distributed(slo_cluster, slo, econ_journey_events_local, cityHash64(journey_instance_id));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS econ_journey_events_mv ON CLUSTER slo_cluster TO econ_journey_events_local AS
SELECT journey_instance_id, event_id, event_type, occurred_at, order_id, order_value_minor, currency
FROM journey_events_local
WHERE event_type IN ('JOURNEY_STARTED', 'JOURNEY_COMPLETED', 'JOURNEY_FAILED', 'JOURNEY_ABANDONED')
   OR order_id IS NOT NULL;

-- [create-local-table]
CREATE TABLE IF NOT EXISTS econ_compensation_events_local ON CLUSTER slo_cluster (
  incident_id String,
  event_id String,
  event_type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  compensation_id String,
  amount_minor Int64,
  currency LowCardinality(String)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (incident_id, event_id);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS econ_compensation_events ON CLUSTER slo_cluster AS econ_compensation_events_local
ENGINE = Distributed(slo_cluster, slo, econ_compensation_events_local, cityHash64(incident_id));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS econ_compensation_events_mv ON CLUSTER slo_cluster TO econ_compensation_events_local AS
SELECT incident_id, event_id, event_type, occurred_at, compensation_id, amount_minor, currency
FROM compensation_events_local
WHERE event_type IN ('ISSUED', 'REVOKED', 'REDEEMED');

-- [create-local-table]
CREATE TABLE IF NOT EXISTS econ_refund_events_local ON CLUSTER slo_cluster (
  order_id String,
  refund_id String,
  event_id String,
  event_type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  incident_id Nullable(String),
  amount_minor Int64,
  currency LowCardinality(String)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (order_id, refund_id, event_id);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS econ_refund_events ON CLUSTER slo_cluster AS econ_refund_events_local
ENGINE = Distributed(slo_cluster, slo, econ_refund_events_local, cityHash64(order_id));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS econ_refund_events_mv ON CLUSTER slo_cluster TO econ_refund_events_local AS
SELECT order_id, refund_id, event_id, event_type, occurred_at, incident_id, amount_minor, currency
FROM refund_events_local;

-- [create-local-table]
CREATE TABLE IF NOT EXISTS econ_incident_refunds_local ON CLUSTER slo_cluster (
  incident_id String,
  order_id String,
  refund_id String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (incident_id, order_id, refund_id);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS econ_incident_refunds ON CLUSTER slo_cluster AS econ_incident_refunds_local
ENGINE = Distributed(slo_cluster, slo, econ_incident_refunds_local, cityHash64(order_id));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS econ_incident_refunds_mv ON CLUSTER slo_cluster TO econ_incident_refunds_local AS
SELECT assumeNotNull(incident_id) AS incident_id, order_id, refund_id
FROM refund_events_local
WHERE incident_id IS NOT NULL;

-- [backfill]
INSERT INTO econ_incident_events SETTINGS parallel_distributed_insert_select = 2
SELECT incident_id, event_id, event_type, occurred_at, severity, source, reason_code, fault,
       product_version_id, market_code, city_code, vendor_id, route_id, journey_instance_ids
FROM incident_events;

-- [backfill]
INSERT INTO econ_journey_incidents SETTINGS parallel_distributed_insert_select = 2
SELECT arrayJoin(journey_instance_ids) AS journey_instance_id, incident_id FROM incident_events;

-- [backfill]
INSERT INTO econ_journey_events SETTINGS parallel_distributed_insert_select = 2
SELECT journey_instance_id, event_id, event_type, occurred_at, order_id, order_value_minor, currency
FROM journey_events
WHERE event_type IN ('JOURNEY_STARTED', 'JOURNEY_COMPLETED', 'JOURNEY_FAILED', 'JOURNEY_ABANDONED')
   OR order_id IS NOT NULL;

-- [backfill]
INSERT INTO econ_compensation_events SETTINGS parallel_distributed_insert_select = 2
SELECT incident_id, event_id, event_type, occurred_at, compensation_id, amount_minor, currency
FROM compensation_events
WHERE event_type IN ('ISSUED', 'REVOKED', 'REDEEMED');

-- [backfill]
INSERT INTO econ_refund_events SETTINGS parallel_distributed_insert_select = 2
SELECT order_id, refund_id, event_id, event_type, occurred_at, incident_id, amount_minor, currency
FROM refund_events;

-- [backfill]
INSERT INTO econ_incident_refunds SETTINGS parallel_distributed_insert_select = 2
SELECT assumeNotNull(incident_id) AS incident_id, order_id, refund_id FROM refund_events WHERE incident_id IS NOT NULL;

-- 011_economics_costs.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS incident_cost_facts_local ON CLUSTER slo_cluster (
  incident_id String,
  fact_id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  cost_kind LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  cost_month Date DEFAULT toStartOfMonth(occurred_at),
  source_event_id String,
  amount_minor Int64,
  currency LowCardinality(String),
  reporting_currency LowCardinality(String),
  rate Nullable(Float64),
  rate_effective_at Nullable(DateTime64(3, 'UTC')),
  rate_event_id Nullable(String),
  converted_minor Nullable(Int64),
  unconverted_reason LowCardinality(Nullable(String)),
  compensation_minor Int64,
  redeemed_minor Int64,
  refund_minor Int64,
  lost_revenue_minor Int64,
  unconverted UInt8,
  product_version_id LowCardinality(Nullable(String)),
  market_code LowCardinality(Nullable(String)),
  city_code LowCardinality(Nullable(String)),
  vendor_id LowCardinality(Nullable(String)),
  route_id LowCardinality(Nullable(String)),
  fault LowCardinality(Nullable(String)),
  severity LowCardinality(Nullable(String)),
  reason_code LowCardinality(Nullable(String)),
  compensation_id Nullable(String),
  refund_id Nullable(String),
  order_id Nullable(String),
  journey_instance_id Nullable(String),
  costed_at DateTime64(3, 'UTC') DEFAULT now64(3),
  INDEX ix_currency currency TYPE set(64) GRANULARITY 4,
  INDEX ix_occurred occurred_at TYPE minmax GRANULARITY 4
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version, is_deleted)
ORDER BY (incident_id, fact_id);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS incident_cost_facts ON CLUSTER slo_cluster AS incident_cost_facts_local
ENGINE = Distributed(slo_cluster, slo, incident_cost_facts_local, cityHash64(incident_id));

-- [create-local-table]
CREATE TABLE IF NOT EXISTS incident_cost_monthly_local ON CLUSTER slo_cluster (
  incident_id String,
  cost_month Date,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  reporting_currency LowCardinality(String),
  compensation_minor Int128,
  redeemed_minor Int128,
  refund_minor Int128,
  lost_revenue_minor Int128,
  unconverted UInt32,
  facts UInt32,
  product_version_id LowCardinality(Nullable(String)),
  market_code LowCardinality(Nullable(String)),
  city_code LowCardinality(Nullable(String)),
  vendor_id LowCardinality(Nullable(String)),
  route_id LowCardinality(Nullable(String)),
  fault LowCardinality(Nullable(String)),
  severity LowCardinality(Nullable(String)),
  reason_code LowCardinality(Nullable(String))
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version, is_deleted)
ORDER BY (incident_id, cost_month);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS incident_cost_monthly ON CLUSTER slo_cluster AS incident_cost_monthly_local
ENGINE = Distributed(slo_cluster, slo, incident_cost_monthly_local, cityHash64(incident_id));

-- [create-local-table]
CREATE TABLE IF NOT EXISTS econ_incident_versions_local ON CLUSTER slo_cluster (
  incident_id String,
  version UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
ORDER BY incident_id;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS econ_incident_versions ON CLUSTER slo_cluster AS econ_incident_versions_local
ENGINE = Distributed(slo_cluster, slo, econ_incident_versions_local, cityHash64(incident_id));

-- 012_economics_marks.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS econ_marks_local ON CLUSTER slo_cluster (
  marked_at DateTime64(6, 'UTC') DEFAULT now64(6),
  mark_id UUID DEFAULT generateUUIDv4(),
  kind LowCardinality(String),
  key String,
  at Nullable(DateTime64(3, 'UTC'))
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (marked_at, mark_id)
TTL toDateTime(marked_at) + INTERVAL 30 DAY;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS econ_marks ON CLUSTER slo_cluster AS econ_marks_local
ENGINE = Distributed(slo_cluster, slo, econ_marks_local, cityHash64(mark_id));

-- [create-local-table]
CREATE TABLE IF NOT EXISTS econ_marks_done_local ON CLUSTER slo_cluster (
  marked_at DateTime64(6, 'UTC'),
  mark_id UUID
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (marked_at, mark_id)
TTL toDateTime(marked_at) + INTERVAL 30 DAY;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS econ_marks_done ON CLUSTER slo_cluster AS econ_marks_done_local
ENGINE = Distributed(slo_cluster, slo, econ_marks_done_local, cityHash64(mark_id));

-- [create-local-table]
CREATE TABLE IF NOT EXISTS econ_refresh_state_local ON CLUSTER slo_cluster (
  id UInt8,
  watermark DateTime64(6, 'UTC'),
  version UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
ORDER BY id;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS econ_refresh_state ON CLUSTER slo_cluster AS econ_refresh_state_local
ENGINE = Distributed(slo_cluster, slo, econ_refresh_state_local, cityHash64(id));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS econ_marks_incident_mv ON CLUSTER slo_cluster TO econ_marks_local AS
SELECT 'incident' AS kind, incident_id AS key FROM incident_events_local;

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS econ_marks_compensation_mv ON CLUSTER slo_cluster TO econ_marks_local AS
SELECT 'incident' AS kind, incident_id AS key FROM compensation_events_local
WHERE event_type IN ('ISSUED', 'REVOKED', 'REDEEMED');

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS econ_marks_refund_order_mv ON CLUSTER slo_cluster TO econ_marks_local AS
SELECT 'order' AS kind, order_id AS key FROM refund_events_local;

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS econ_marks_refund_incident_mv ON CLUSTER slo_cluster TO econ_marks_local AS
SELECT 'incident' AS kind, assumeNotNull(incident_id) AS key FROM refund_events_local WHERE incident_id IS NOT NULL;

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS econ_marks_journey_mv ON CLUSTER slo_cluster TO econ_marks_local AS
SELECT 'journey' AS kind, journey_instance_id AS key FROM journey_events_local
WHERE event_type IN ('JOURNEY_STARTED', 'JOURNEY_COMPLETED', 'JOURNEY_FAILED', 'JOURNEY_ABANDONED')
   OR order_id IS NOT NULL;

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS econ_marks_fx_mv ON CLUSTER slo_cluster TO econ_marks_local AS
SELECT 'fx' AS kind, currency AS key, occurred_at AS at FROM fx_rates_local;

-- 013_economics_cube.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS incident_cost_cube_local ON CLUSTER slo_cluster (
  cost_month Date,
  reporting_currency LowCardinality(String),
  product_version_id LowCardinality(Nullable(String)),
  market_code LowCardinality(Nullable(String)),
  city_code LowCardinality(Nullable(String)),
  vendor_id LowCardinality(Nullable(String)),
  route_id LowCardinality(Nullable(String)),
  fault LowCardinality(Nullable(String)),
  severity LowCardinality(Nullable(String)),
  reason_code LowCardinality(Nullable(String)),
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  compensation_minor Int128,
  redeemed_minor Int128,
  refund_minor Int128,
  lost_revenue_minor Int128,
  unconverted UInt64,
  incidents UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version, is_deleted)
ORDER BY (cost_month, reporting_currency, product_version_id, market_code, city_code, vendor_id, route_id, fault, severity, reason_code)
SETTINGS allow_nullable_key = 1;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS incident_cost_cube ON CLUSTER slo_cluster AS incident_cost_cube_local
ENGINE = Distributed(slo_cluster, slo, incident_cost_cube_local, cityHash64(cost_month));

-- [create-local-table]
CREATE TABLE IF NOT EXISTS econ_cube_versions_local ON CLUSTER slo_cluster (
  cost_month Date,
  version UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
ORDER BY cost_month;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS econ_cube_versions ON CLUSTER slo_cluster AS econ_cube_versions_local
ENGINE = Distributed(slo_cluster, slo, econ_cube_versions_local, cityHash64(cost_month));

-- 014_economics_columns.sql

-- [alter-local]
ALTER TABLE econ_refresh_state_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS reporting_currency LowCardinality(String) DEFAULT '';

-- [alter-distributed]
ALTER TABLE econ_refresh_state ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS reporting_currency LowCardinality(String) DEFAULT '';

-- [alter-local]
ALTER TABLE incident_cost_cube_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS incidents_first UInt64 DEFAULT 0;

-- [alter-distributed]
ALTER TABLE incident_cost_cube ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS incidents_first UInt64 DEFAULT 0;

-- [alter-local]
ALTER TABLE incident_cost_cube_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS incidents_last UInt64 DEFAULT 0;

-- [alter-distributed]
ALTER TABLE incident_cost_cube ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS incidents_last UInt64 DEFAULT 0;

-- 015_economics_order_index.sql

-- [alter-local]
ALTER TABLE econ_journey_events_local ON CLUSTER slo_cluster ADD INDEX IF NOT EXISTS ix_order order_id TYPE bloom_filter(0.01) GRANULARITY 1;

-- [alter-local]
ALTER TABLE econ_journey_events_local ON CLUSTER slo_cluster MATERIALIZE INDEX ix_order;

-- [drop]
DROP VIEW IF EXISTS econ_order_journeys_mv ON CLUSTER slo_cluster SYNC;

-- [drop]
DROP TABLE IF EXISTS econ_order_journeys ON CLUSTER slo_cluster SYNC;

-- [drop]
DROP TABLE IF EXISTS econ_order_journeys_local ON CLUSTER slo_cluster SYNC;

-- 020_sli_minute.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS sli_journey_minute_local ON CLUSTER slo_cluster (
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
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, event_type, product_version_id, city_code, route_id, vendor_id, market_code, journey_blueprint_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS sli_journey_minute ON CLUSTER slo_cluster AS sli_journey_minute_local
ENGINE = Distributed(slo_cluster, slo, sli_journey_minute_local, cityHash64(minute, product_version_id, city_code));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS sli_journey_minute_mv ON CLUSTER slo_cluster TO sli_journey_minute_local AS
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
FROM journey_events_local
GROUP BY minute, event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le;

-- [create-local-table]
CREATE TABLE IF NOT EXISTS sli_lem_minute_local ON CLUSTER slo_cluster (
  minute DateTime('UTC'),
  event_type LowCardinality(String),
  city_code LowCardinality(String),
  scope LowCardinality(String),
  scope_id String,
  metric LowCardinality(String),
  events AggregateFunction(uniqExact, String),
  last_update AggregateFunction(max, Tuple(DateTime64(3, 'UTC'), String, Float64))
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, scope_id, metric, event_type, city_code, scope);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS sli_lem_minute ON CLUSTER slo_cluster AS sli_lem_minute_local
ENGINE = Distributed(slo_cluster, slo, sli_lem_minute_local, cityHash64(scope_id));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS sli_lem_minute_mv ON CLUSTER slo_cluster TO sli_lem_minute_local AS
SELECT
  toDateTime(toStartOfMinute(occurred_at), 'UTC') AS minute,
  event_type,
  city_code,
  scope,
  scope_id,
  metric,
  uniqExactState(event_id) AS events,
  maxState(tuple(occurred_at, event_id, current_score)) AS last_update
FROM lem_signals_local
GROUP BY minute, event_type, city_code, scope, scope_id, metric;

-- [backfill]
INSERT INTO sli_journey_minute SETTINGS parallel_distributed_insert_select = 2
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

-- [backfill]
INSERT INTO sli_lem_minute SETTINGS parallel_distributed_insert_select = 2
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

-- 021_slo_outputs.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS slo_signals_local ON CLUSTER slo_cluster (
  signal_id String,
  status LowCardinality(String),
  severity LowCardinality(String),
  slo_id String,
  service LowCardinality(String),
  reason LowCardinality(String),
  product_version_id Nullable(String),
  market_code Nullable(String),
  city_code Nullable(String),
  route_id Nullable(String),
  vendor_id Nullable(String),
  target Float64,
  sli Float64,
  error_budget_remaining Float64,
  long_window LowCardinality(String),
  short_window LowCardinality(String),
  burn_rate_long Float64,
  burn_rate_short Float64,
  burn_rate_threshold Float64,
  evaluated_at DateTime64(3, 'UTC'),
  recommended_actions Array(String),
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(evaluated_at)
ORDER BY (slo_id, evaluated_at, signal_id);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS slo_signals ON CLUSTER slo_cluster AS slo_signals_local
ENGINE = Distributed(slo_cluster, slo, slo_signals_local, cityHash64(slo_id));

-- [create-view]
CREATE VIEW IF NOT EXISTS slo_signals_v ON CLUSTER slo_cluster AS SELECT * FROM slo_signals FINAL;

-- [create-local-table]
CREATE TABLE IF NOT EXISTS slo_quality_scores_local ON CLUSTER slo_cluster (
  scope LowCardinality(String),
  scope_id String,
  score_type LowCardinality(String),
  window LowCardinality(String),
  computed_at DateTime64(3, 'UTC'),
  value Float64,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(computed_at)
ORDER BY (scope, scope_id, score_type, window, computed_at);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS slo_quality_scores ON CLUSTER slo_cluster AS slo_quality_scores_local
ENGINE = Distributed(slo_cluster, slo, slo_quality_scores_local, cityHash64(scope, scope_id));

-- [create-view]
CREATE VIEW IF NOT EXISTS slo_quality_scores_v ON CLUSTER slo_cluster AS SELECT * FROM slo_quality_scores FINAL;

-- [create-local-table]
CREATE TABLE IF NOT EXISTS slo_evaluator_state_local ON CLUSTER slo_cluster (
  evaluator String,
  cursor_minute UInt64,
  slo_set String,
  state String,
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', cursor_minute)
ORDER BY evaluator;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS slo_evaluator_state ON CLUSTER slo_cluster AS slo_evaluator_state_local
ENGINE = Distributed(slo_cluster, slo, slo_evaluator_state_local, cityHash64(evaluator));

-- 022_webhook_outbox.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS slo_webhook_outbox_local ON CLUSTER slo_cluster (
  target LowCardinality(String),
  signal_id String,
  evaluated_at DateTime64(3, 'UTC'),
  body String,
  enqueued_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (target, signal_id)
TTL toDateTime(enqueued_at) + INTERVAL 30 DAY;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS slo_webhook_outbox ON CLUSTER slo_cluster AS slo_webhook_outbox_local
ENGINE = Distributed(slo_cluster, slo, slo_webhook_outbox_local, cityHash64(target, signal_id));

-- [create-local-table]
CREATE TABLE IF NOT EXISTS slo_webhook_deliveries_local ON CLUSTER slo_cluster (
  target LowCardinality(String),
  signal_id String,
  outcome LowCardinality(String),
  attempts UInt32,
  detail String DEFAULT '',
  at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (target, signal_id)
TTL toDateTime(at) + INTERVAL 30 DAY;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS slo_webhook_deliveries ON CLUSTER slo_cluster AS slo_webhook_deliveries_local
ENGINE = Distributed(slo_cluster, slo, slo_webhook_deliveries_local, cityHash64(target, signal_id));

-- 023_signal_corrections.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS slo_signal_retractions_local ON CLUSTER slo_cluster (
  signal_id String,
  slo_id String,
  reason LowCardinality(String),
  retracted_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (slo_id, signal_id);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS slo_signal_retractions ON CLUSTER slo_cluster AS slo_signal_retractions_local
ENGINE = Distributed(slo_cluster, slo, slo_signal_retractions_local, cityHash64(slo_id));

-- [create-view]
CREATE OR REPLACE VIEW slo_signals_v ON CLUSTER slo_cluster AS
SELECT s.*
FROM slo_signals AS s FINAL
LEFT JOIN (SELECT signal_id, max(retracted_at) AS retracted_at FROM slo_signal_retractions GROUP BY signal_id) AS r
  ON r.signal_id = s.signal_id
WHERE r.retracted_at < s.inserted_at;

-- 024_ingest_progress.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS ingest_progress_local ON CLUSTER slo_cluster (
  consumer_group String,
  topic LowCardinality(String),
  partition UInt32,
  first_offset UInt64,
  last_offset UInt64,
  min_event_time Nullable(Int64),
  max_event_time Nullable(Int64),
  committed_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (consumer_group, topic, partition, last_offset)
TTL toDateTime(committed_at) + INTERVAL 2 DAY;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS ingest_progress ON CLUSTER slo_cluster AS ingest_progress_local
ENGINE = Distributed(slo_cluster, slo, ingest_progress_local, cityHash64(consumer_group, topic, partition));

-- 025_sli_counts.sql

-- [drop]
DROP VIEW IF EXISTS sli_journey_minute_mv ON CLUSTER slo_cluster SYNC;

-- [drop]
DROP VIEW IF EXISTS sli_lem_minute_mv ON CLUSTER slo_cluster SYNC;

-- [drop]
DROP TABLE IF EXISTS sli_journey_minute ON CLUSTER slo_cluster SYNC;

-- [drop]
DROP TABLE IF EXISTS sli_journey_minute_local ON CLUSTER slo_cluster SYNC;

-- [drop]
DROP TABLE IF EXISTS sli_lem_minute ON CLUSTER slo_cluster SYNC;

-- [drop]
DROP TABLE IF EXISTS sli_lem_minute_local ON CLUSTER slo_cluster SYNC;

-- [create-local-table]
CREATE TABLE IF NOT EXISTS sli_journey_minute_local ON CLUSTER slo_cluster (
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
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, event_type, product_version_id, city_code, route_id, vendor_id, market_code, journey_blueprint_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le)
SETTINGS replicated_deduplication_window = 1000;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS sli_journey_minute ON CLUSTER slo_cluster AS sli_journey_minute_local
ENGINE = Distributed(slo_cluster, slo, sli_journey_minute_local, cityHash64(minute, product_version_id, city_code));

-- [create-local-table]
CREATE TABLE IF NOT EXISTS sli_lem_minute_local ON CLUSTER slo_cluster (
  minute DateTime('UTC'),
  event_type LowCardinality(String),
  city_code LowCardinality(String),
  scope LowCardinality(String),
  scope_id String,
  metric LowCardinality(String),
  events SimpleAggregateFunction(sum, UInt64),
  last_update AggregateFunction(max, Tuple(DateTime64(3, 'UTC'), String, Float64))
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, scope_id, metric, event_type, city_code, scope)
SETTINGS replicated_deduplication_window = 1000;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS sli_lem_minute ON CLUSTER slo_cluster AS sli_lem_minute_local
ENGINE = Distributed(slo_cluster, slo, sli_lem_minute_local, cityHash64(scope_id));

-- [create-local-table]
CREATE TABLE IF NOT EXISTS sli_journey_hour_local ON CLUSTER slo_cluster (
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
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYear(hour)
ORDER BY (hour, event_type, product_version_id, city_code, route_id, vendor_id, market_code, journey_blueprint_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le)
SETTINGS replicated_deduplication_window = 1000;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS sli_journey_hour ON CLUSTER slo_cluster AS sli_journey_hour_local
ENGINE = Distributed(slo_cluster, slo, sli_journey_hour_local, cityHash64(hour, product_version_id, city_code));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS sli_journey_hour_mv ON CLUSTER slo_cluster TO sli_journey_hour_local AS
SELECT
  toStartOfHour(minute) AS hour,
  event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le,
  sum(events) AS events
FROM sli_journey_minute_local
GROUP BY hour, event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le;

-- [create-local-table]
CREATE TABLE IF NOT EXISTS sli_journey_day_local ON CLUSTER slo_cluster (
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
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYear(day)
ORDER BY (day, event_type, product_version_id, city_code, route_id, vendor_id, market_code, journey_blueprint_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le)
SETTINGS replicated_deduplication_window = 1000;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS sli_journey_day ON CLUSTER slo_cluster AS sli_journey_day_local
ENGINE = Distributed(slo_cluster, slo, sli_journey_day_local, cityHash64(day, product_version_id, city_code));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS sli_journey_day_mv ON CLUSTER slo_cluster TO sli_journey_day_local AS
SELECT
  toStartOfDay(minute) AS day,
  event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le,
  sum(events) AS events
FROM sli_journey_minute_local
GROUP BY day, event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le;

-- [create-local-table]
CREATE TABLE IF NOT EXISTS sli_lem_hour_local ON CLUSTER slo_cluster (
  hour DateTime('UTC'),
  event_type LowCardinality(String),
  city_code LowCardinality(String),
  scope LowCardinality(String),
  scope_id String,
  metric LowCardinality(String),
  events SimpleAggregateFunction(sum, UInt64),
  last_update AggregateFunction(max, Tuple(DateTime64(3, 'UTC'), String, Float64))
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYear(hour)
ORDER BY (hour, scope_id, metric, event_type, city_code, scope)
SETTINGS replicated_deduplication_window = 1000;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS sli_lem_hour ON CLUSTER slo_cluster AS sli_lem_hour_local
ENGINE = Distributed(slo_cluster, slo, sli_lem_hour_local, cityHash64(scope_id));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS sli_lem_hour_mv ON CLUSTER slo_cluster TO sli_lem_hour_local AS
SELECT
  toStartOfHour(minute) AS hour,
  event_type, city_code, scope, scope_id, metric,
  sum(events) AS events,
  maxMergeState(last_update) AS last_update
FROM sli_lem_minute_local
GROUP BY hour, event_type, city_code, scope, scope_id, metric;

-- [create-local-table]
CREATE TABLE IF NOT EXISTS sli_lem_day_local ON CLUSTER slo_cluster (
  day DateTime('UTC'),
  event_type LowCardinality(String),
  city_code LowCardinality(String),
  scope LowCardinality(String),
  scope_id String,
  metric LowCardinality(String),
  events SimpleAggregateFunction(sum, UInt64),
  last_update AggregateFunction(max, Tuple(DateTime64(3, 'UTC'), String, Float64))
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYear(day)
ORDER BY (day, scope_id, metric, event_type, city_code, scope)
SETTINGS replicated_deduplication_window = 1000;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS sli_lem_day ON CLUSTER slo_cluster AS sli_lem_day_local
ENGINE = Distributed(slo_cluster, slo, sli_lem_day_local, cityHash64(scope_id));

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS sli_lem_day_mv ON CLUSTER slo_cluster TO sli_lem_day_local AS
SELECT
  toStartOfDay(minute) AS day,
  event_type, city_code, scope, scope_id, metric,
  sum(events) AS events,
  maxMergeState(last_update) AS last_update
FROM sli_lem_minute_local
GROUP BY day, event_type, city_code, scope, scope_id, metric;

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS sli_journey_minute_mv ON CLUSTER slo_cluster TO sli_journey_minute_local AS
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
FROM journey_events_local
GROUP BY minute, event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id, service_point_id, error_code, preflight_status, preflight_reason, latency_le;

-- [create-materialized-view]
CREATE MATERIALIZED VIEW IF NOT EXISTS sli_lem_minute_mv ON CLUSTER slo_cluster TO sli_lem_minute_local AS
SELECT
  toDateTime(toStartOfMinute(occurred_at), 'UTC') AS minute,
  event_type,
  city_code,
  scope,
  scope_id,
  metric,
  count() AS events,
  maxState(tuple(occurred_at, event_id, current_score)) AS last_update
FROM lem_signals_local
GROUP BY minute, event_type, city_code, scope, scope_id, metric;

-- [backfill]
INSERT INTO sli_journey_minute SETTINGS parallel_distributed_insert_select = 2
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

-- [backfill]
INSERT INTO sli_lem_minute SETTINGS parallel_distributed_insert_select = 2
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

-- 026_notification_receivers.sql

-- [backfill]
INSERT INTO slo_webhook_outbox SETTINGS parallel_distributed_insert_select = 2
SELECT if(target = 'PAGE', 'webhook-page', 'webhook-ticket') AS receiver, signal_id, evaluated_at, body, enqueued_at
  FROM slo_webhook_outbox
 WHERE target IN ('PAGE', 'TICKET');

-- [backfill]
INSERT INTO slo_webhook_deliveries SETTINGS parallel_distributed_insert_select = 2
SELECT if(target = 'PAGE', 'webhook-page', 'webhook-ticket') AS receiver, signal_id, outcome, attempts, detail, at
  FROM slo_webhook_deliveries
 WHERE target IN ('PAGE', 'TICKET') AND outcome != 'MOVED';

-- [backfill]
INSERT INTO slo_webhook_deliveries SETTINGS parallel_distributed_insert_select = 2
SELECT target, signal_id, 'MOVED' AS outcome, toUInt32(0) AS attempts, concat('now under webhook-', lower(target)) AS detail, now64(3) AS at
  FROM slo_webhook_outbox
 WHERE target IN ('PAGE', 'TICKET');

-- 027_intent_exclusions.sql

-- [alter-local]
ALTER TABLE ingest_state_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS excluded Array(String), ADD COLUMN IF NOT EXISTS digest String;

-- [alter-distributed]
ALTER TABLE ingest_state ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS excluded Array(String), ADD COLUMN IF NOT EXISTS digest String;

-- 030_slo_board.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS slo_board_minute_local ON CLUSTER slo_cluster (
  slo_id String,
  minute DateTime('UTC'),
  service LowCardinality(String),
  target Float64,
  time_window LowCardinality(String),
  good Float64,
  total Float64,
  sli Nullable(Float64),
  error_budget_remaining Float64,
  burn_rates Map(String, Float64),
  time_to_exhaustion_seconds Nullable(Float64),
  firing_page UInt8,
  firing_ticket UInt8,
  version UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
PARTITION BY toYYYYMM(minute)
ORDER BY (slo_id, minute);

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS slo_board_minute ON CLUSTER slo_cluster AS slo_board_minute_local
ENGINE = Distributed(slo_cluster, slo, slo_board_minute_local, cityHash64(slo_id));

-- 031_signal_labels.sql

-- [alter-local]
ALTER TABLE slo_signals_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS labels Map(String, String) AFTER recommended_actions;

-- [alter-distributed]
ALTER TABLE slo_signals ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS labels Map(String, String) AFTER recommended_actions;

-- [create-view]
CREATE OR REPLACE VIEW slo_signals_v ON CLUSTER slo_cluster AS
SELECT s.*
FROM slo_signals AS s FINAL
LEFT JOIN (SELECT signal_id, max(retracted_at) AS retracted_at FROM slo_signal_retractions GROUP BY signal_id) AS r
  ON r.signal_id = s.signal_id
WHERE r.retracted_at < s.inserted_at;

-- 032_maintenance_windows.sql

-- [create-local-table]
CREATE TABLE IF NOT EXISTS slo_maintenance_windows_local ON CLUSTER slo_cluster (
  name String,
  selector_slos Array(String),
  selector_labels Map(String, String),
  start String,
  duration String,
  rrule String,
  time_zone String,
  reason String,
  changed_by LowCardinality(String),
  changed_at DateTime64(3, 'UTC'),
  is_deleted UInt8 DEFAULT 0,
  version UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
ORDER BY name;

-- [create-distributed-table]
CREATE TABLE IF NOT EXISTS slo_maintenance_windows ON CLUSTER slo_cluster AS slo_maintenance_windows_local
ENGINE = Distributed(slo_cluster, slo, slo_maintenance_windows_local, cityHash64(name));

-- 033_batch_rows.sql

-- [alter-local]
ALTER TABLE journey_events_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));

-- [alter-distributed]
ALTER TABLE journey_events ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));

-- [alter-local]
ALTER TABLE journey_events_local ON CLUSTER slo_cluster MATERIALIZE COLUMN _batch SETTINGS mutations_sync = 2;

-- [alter-local]
ALTER TABLE lem_signals_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));

-- [alter-distributed]
ALTER TABLE lem_signals ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));

-- [alter-local]
ALTER TABLE lem_signals_local ON CLUSTER slo_cluster MATERIALIZE COLUMN _batch SETTINGS mutations_sync = 2;

-- [alter-local]
ALTER TABLE incident_events_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));

-- [alter-distributed]
ALTER TABLE incident_events ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));

-- [alter-local]
ALTER TABLE incident_events_local ON CLUSTER slo_cluster MATERIALIZE COLUMN _batch SETTINGS mutations_sync = 2;

-- [alter-local]
ALTER TABLE compensation_events_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));

-- [alter-distributed]
ALTER TABLE compensation_events ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));

-- [alter-local]
ALTER TABLE compensation_events_local ON CLUSTER slo_cluster MATERIALIZE COLUMN _batch SETTINGS mutations_sync = 2;

-- [alter-local]
ALTER TABLE refund_events_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));

-- [alter-distributed]
ALTER TABLE refund_events ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));

-- [alter-local]
ALTER TABLE refund_events_local ON CLUSTER slo_cluster MATERIALIZE COLUMN _batch SETTINGS mutations_sync = 2;

-- [alter-local]
ALTER TABLE fx_rates_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));

-- [alter-distributed]
ALTER TABLE fx_rates ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));

-- [alter-local]
ALTER TABLE fx_rates_local ON CLUSTER slo_cluster MATERIALIZE COLUMN _batch SETTINGS mutations_sync = 2;

-- [alter-local]
ALTER TABLE ingest_state_local ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS done UInt8 DEFAULT 0;

-- [alter-distributed]
ALTER TABLE ingest_state ON CLUSTER slo_cluster ADD COLUMN IF NOT EXISTS done UInt8 DEFAULT 0;
