-- Incident economics, step 1: the input events the cost join reads, re-keyed by what the
-- join looks them up by. The fact tables are sorted by (day, event_id), which makes
-- "all events of incident X" a full scan; these copies make every lookup of the join a
-- primary-key range read, so costing one incident touches a few granules, whatever the
-- size of the history.
--
-- Why copies and not aggregate states (argMaxState): the join keeps the full, auditable
-- event history per key and does "latest wins" in one place (processors/economics/state.ts),
-- with a tie-break a SQL argMax over a tuple could express but the unit tests could not reach.
--
-- Exactness: every table is a ReplacingMergeTree whose sorting key ends in event_id (or
-- is the whole link), so a duplicated event, a replayed block and the backfill below all
-- collapse; readers also tolerate not-yet-merged duplicates (the core dedups by event_id).
-- Arrival order is irrelevant: these are sets.
--
-- Scale-out: shard each by its first sorting-key column (incident_id, journey_instance_id,
-- order_id), like the fact tables.

CREATE TABLE IF NOT EXISTS econ_incident_events (
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
) ENGINE = ReplacingMergeTree
ORDER BY (incident_id, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS econ_incident_events_mv TO econ_incident_events AS
SELECT incident_id, event_id, event_type, occurred_at, severity, source, reason_code, fault,
       product_version_id, market_code, city_code, vendor_id, route_id, journey_instance_ids
FROM incident_events;

-- journey -> incidents that ever listed it (a superset of the current lists: the refresher
-- uses it to find incidents to re-cost, and re-costing an unaffected incident is a no-op).
CREATE TABLE IF NOT EXISTS econ_journey_incidents (
  journey_instance_id String,
  incident_id String
) ENGINE = ReplacingMergeTree
ORDER BY (journey_instance_id, incident_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS econ_journey_incidents_mv TO econ_journey_incidents AS
SELECT arrayJoin(journey_instance_ids) AS journey_instance_id, incident_id
FROM incident_events;

-- Only the events that decide cost: the booking (order, value) and the terminal state.
-- Node telemetry, the bulk of the journey topic, is not copied. Every materialized view on
-- journey_events costs the hot path a part per insert, so there are two (this and the
-- mark); the order lookup is a skip index here, not a third table.
CREATE TABLE IF NOT EXISTS econ_journey_events (
  journey_instance_id String,
  event_id String,
  event_type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  order_id Nullable(String),
  order_value_minor Nullable(Int64),
  currency LowCardinality(Nullable(String)),
  -- order -> journey (a refund without incident_id reaches incidents through its order)
  INDEX ix_order order_id TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = ReplacingMergeTree
ORDER BY (journey_instance_id, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS econ_journey_events_mv TO econ_journey_events AS
SELECT journey_instance_id, event_id, event_type, occurred_at, order_id, order_value_minor, currency
FROM journey_events
WHERE event_type IN ('JOURNEY_STARTED', 'JOURNEY_COMPLETED', 'JOURNEY_FAILED', 'JOURNEY_ABANDONED')
   OR order_id IS NOT NULL;

-- PROPOSED never changes cost, so it is not copied.
CREATE TABLE IF NOT EXISTS econ_compensation_events (
  incident_id String,
  event_id String,
  event_type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  compensation_id String,
  amount_minor Int64,
  currency LowCardinality(String)
) ENGINE = ReplacingMergeTree
ORDER BY (incident_id, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS econ_compensation_events_mv TO econ_compensation_events AS
SELECT incident_id, event_id, event_type, occurred_at, compensation_id, amount_minor, currency
FROM compensation_events
WHERE event_type IN ('ISSUED', 'REVOKED', 'REDEEMED');

-- All refund events (the latest decides whether it succeeded), by order then refund.
CREATE TABLE IF NOT EXISTS econ_refund_events (
  order_id String,
  refund_id String,
  event_id String,
  event_type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  incident_id Nullable(String),
  amount_minor Int64,
  currency LowCardinality(String)
) ENGINE = ReplacingMergeTree
ORDER BY (order_id, refund_id, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS econ_refund_events_mv TO econ_refund_events AS
SELECT order_id, refund_id, event_id, event_type, occurred_at, incident_id, amount_minor, currency
FROM refund_events;

CREATE TABLE IF NOT EXISTS econ_incident_refunds (
  incident_id String,
  order_id String,
  refund_id String
) ENGINE = ReplacingMergeTree
ORDER BY (incident_id, order_id, refund_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS econ_incident_refunds_mv TO econ_incident_refunds AS
SELECT assumeNotNull(incident_id) AS incident_id, order_id, refund_id
FROM refund_events
WHERE incident_id IS NOT NULL;

-- Backfill what the fact tables held before the views existed (a no-op on a new
-- warehouse; re-running it only adds rows that collapse).
INSERT INTO econ_incident_events
SELECT incident_id, event_id, event_type, occurred_at, severity, source, reason_code, fault,
       product_version_id, market_code, city_code, vendor_id, route_id, journey_instance_ids
FROM incident_events;

INSERT INTO econ_journey_incidents
SELECT arrayJoin(journey_instance_ids) AS journey_instance_id, incident_id FROM incident_events;

INSERT INTO econ_journey_events
SELECT journey_instance_id, event_id, event_type, occurred_at, order_id, order_value_minor, currency
FROM journey_events
WHERE event_type IN ('JOURNEY_STARTED', 'JOURNEY_COMPLETED', 'JOURNEY_FAILED', 'JOURNEY_ABANDONED')
   OR order_id IS NOT NULL;

INSERT INTO econ_compensation_events
SELECT incident_id, event_id, event_type, occurred_at, compensation_id, amount_minor, currency
FROM compensation_events
WHERE event_type IN ('ISSUED', 'REVOKED', 'REDEEMED');

INSERT INTO econ_refund_events
SELECT order_id, refund_id, event_id, event_type, occurred_at, incident_id, amount_minor, currency
FROM refund_events;

INSERT INTO econ_incident_refunds
SELECT assumeNotNull(incident_id) AS incident_id, order_id, refund_id FROM refund_events WHERE incident_id IS NOT NULL;
