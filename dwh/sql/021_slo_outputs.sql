-- What the SLO engine emitted: breach signals and quality scores (history for the API and
-- the boards), and the evaluator's progress so a restart continues where it stopped.
--
-- Signals are keyed by their deterministic signal_id: recording the same signal again
-- (a replay, a restart between emit and checkpoint) collapses to one row.

CREATE TABLE IF NOT EXISTS slo_signals (
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
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(evaluated_at)
ORDER BY (slo_id, evaluated_at, signal_id);

CREATE VIEW IF NOT EXISTS slo_signals_v AS SELECT * FROM slo_signals FINAL;

CREATE TABLE IF NOT EXISTS slo_quality_scores (
  scope LowCardinality(String),
  scope_id String,
  score_type LowCardinality(String),
  window LowCardinality(String),
  computed_at DateTime64(3, 'UTC'),
  value Float64,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(computed_at)
ORDER BY (scope, scope_id, score_type, window, computed_at);

CREATE VIEW IF NOT EXISTS slo_quality_scores_v AS SELECT * FROM slo_quality_scores FINAL;

-- One row per evaluator (name): the next minute to evaluate and the alert states there.
CREATE TABLE IF NOT EXISTS slo_evaluator_state (
  evaluator String,
  cursor_minute UInt64,
  slo_set String,
  state String,
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(cursor_minute)
ORDER BY evaluator;
