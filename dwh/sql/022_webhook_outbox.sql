-- The webhook outbox. The evaluator enqueues each breach signal bound for a webhook before it
-- saves its progress, so a crash between evaluating and delivering loses nothing: on restart
-- the deliverer sends every enqueued signal that has no outcome yet, in evaluation order, with
-- the same body and the same `Idempotency-Key` (the signal_id). A signal enqueued again (a
-- re-evaluated cycle) replaces its own row.
CREATE TABLE IF NOT EXISTS slo_webhook_outbox (
  target LowCardinality(String),
  signal_id String,
  evaluated_at DateTime64(3, 'UTC'),
  body String,
  enqueued_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
ORDER BY (target, signal_id)
TTL toDateTime(enqueued_at) + INTERVAL 30 DAY;

-- One outcome per (target, signal): DELIVERED (a 2xx answer), REJECTED (a 4xx other than 408
-- and 429: sending again cannot help), EXPIRED (no answer accepted it within the give-up time).
CREATE TABLE IF NOT EXISTS slo_webhook_deliveries (
  target LowCardinality(String),
  signal_id String,
  outcome LowCardinality(String),
  attempts UInt32,
  detail String DEFAULT '',
  at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
ORDER BY (target, signal_id)
TTL toDateTime(at) + INTERVAL 30 DAY;
