-- Incident economics: the order -> journey lookup moved into econ_journey_events (a skip
-- index) to keep one materialized view fewer on the journey hot path. For warehouses
-- migrated before: add the index, drop the old view and table (all idempotent).
ALTER TABLE econ_journey_events ADD INDEX IF NOT EXISTS ix_order order_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE econ_journey_events MATERIALIZE INDEX ix_order;
DROP VIEW IF EXISTS econ_order_journeys_mv;
DROP TABLE IF EXISTS econ_order_journeys;
