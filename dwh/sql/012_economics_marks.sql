-- Incident economics, step 3: what needs re-costing. Every insert into a fact table that
-- can change some incident's cost leaves a mark (by materialized view, so any writer -
-- the Kafka ingest, `slo-pipeline ingest`, a backfill - is covered without calling the
-- economics code). The refresher turns marks into incidents, re-costs them, then records
-- the marks as done. A crash before "done" re-costs again: harmless, re-costing is
-- idempotent. Marks expire after 30 days; after a longer outage, re-cost everything.
CREATE TABLE IF NOT EXISTS econ_marks (
  marked_at DateTime64(6, 'UTC') DEFAULT now64(6),
  mark_id UUID DEFAULT generateUUIDv4(),
  kind LowCardinality(String),
  key String,
  at Nullable(DateTime64(3, 'UTC'))
) ENGINE = MergeTree
ORDER BY (marked_at, mark_id)
TTL toDateTime(marked_at) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS econ_marks_done (
  marked_at DateTime64(6, 'UTC'),
  mark_id UUID
) ENGINE = ReplacingMergeTree
ORDER BY (marked_at, mark_id)
TTL toDateTime(marked_at) + INTERVAL 30 DAY;

-- The refresher's low-water mark: every mark older than it (minus a grace period for
-- inserts still in flight) has been handled.
CREATE TABLE IF NOT EXISTS econ_refresh_state (
  id UInt8,
  watermark DateTime64(6, 'UTC'),
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id;

CREATE MATERIALIZED VIEW IF NOT EXISTS econ_marks_incident_mv TO econ_marks AS
SELECT 'incident' AS kind, incident_id AS key FROM incident_events;

CREATE MATERIALIZED VIEW IF NOT EXISTS econ_marks_compensation_mv TO econ_marks AS
SELECT 'incident' AS kind, incident_id AS key FROM compensation_events
WHERE event_type IN ('ISSUED', 'REVOKED', 'REDEEMED');

CREATE MATERIALIZED VIEW IF NOT EXISTS econ_marks_refund_order_mv TO econ_marks AS
SELECT 'order' AS kind, order_id AS key FROM refund_events;

CREATE MATERIALIZED VIEW IF NOT EXISTS econ_marks_refund_incident_mv TO econ_marks AS
SELECT 'incident' AS kind, assumeNotNull(incident_id) AS key FROM refund_events WHERE incident_id IS NOT NULL;

CREATE MATERIALIZED VIEW IF NOT EXISTS econ_marks_journey_mv TO econ_marks AS
SELECT 'journey' AS kind, journey_instance_id AS key FROM journey_events
WHERE event_type IN ('JOURNEY_STARTED', 'JOURNEY_COMPLETED', 'JOURNEY_FAILED', 'JOURNEY_ABANDONED')
   OR order_id IS NOT NULL;

CREATE MATERIALIZED VIEW IF NOT EXISTS econ_marks_fx_mv TO econ_marks AS
SELECT 'fx' AS kind, currency AS key, occurred_at AS at FROM fx_rates;
