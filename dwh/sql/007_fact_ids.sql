-- Second records of the fact tables no other view copies whole: the event ids of every
-- compensation (the cost join's copy, econ_compensation_events, skips PROPOSED) and of every FX
-- rate. `slo-pipeline verify` compares each fact table with the tables its views fill in the
-- same insert but keep in parts of their own; with these two, a part lost from any fact table
-- shows as events missing, and a table re-admitted from its source is seen whole again.
-- Both topics are small: a view each costs the insert path little.
--
-- Keyed like the facts, so a duplicate event, a replayed block and the backfill collapse.

CREATE TABLE IF NOT EXISTS compensation_event_ids (
  event_id String,
  occurred_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree
ORDER BY (toDate(occurred_at), event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS compensation_event_ids_mv TO compensation_event_ids AS
SELECT event_id, occurred_at FROM compensation_events;

CREATE TABLE IF NOT EXISTS fx_rate_ids (
  event_id String,
  occurred_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree
ORDER BY (toDate(occurred_at), event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS fx_rate_ids_mv TO fx_rate_ids AS
SELECT event_id, occurred_at FROM fx_rates;

-- Backfill what the fact tables held before the views existed.
INSERT INTO compensation_event_ids SELECT event_id, occurred_at FROM compensation_events;

INSERT INTO fx_rate_ids SELECT event_id, occurred_at FROM fx_rates;
