-- What the Grafana SLO boards read: one evaluation per SLO and minute, written by
-- dashboards/feed.ts from the SLO engine's own functions (the same SLI math, windows,
-- budgeting and alert rules as `slo status`), so a board and the API never disagree.
--
-- `minute` is the evaluation time T (a minute boundary; every window ends at T, exclusive).
-- `good`/`total` are the SLO's units (events, or time slices) in the minute ending at T,
-- so sums over minutes give traffic; the windowed figures are already evaluated.
-- Re-evaluating a minute (late events, a restart) writes a row with a higher `version`;
-- readers use FINAL, so a minute counts once with its latest figures.
CREATE TABLE IF NOT EXISTS slo_board_minute (
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
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(minute)
ORDER BY (slo_id, minute);
