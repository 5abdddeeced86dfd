-- Maintenance windows declared through the API (POST/DELETE /v1/maintenance-windows); those
-- of the SLO folder live in its files. One row per change: the latest `version` of a name is
-- the window in force, `is_deleted = 1` when it was deleted. Readers use FINAL and keep the
-- rows with is_deleted = 0. `rrule` is '' for a one-off window; `start` is a wall-clock time
-- in `time_zone`. `changed_by` is the role of the API key that made the change.
CREATE TABLE IF NOT EXISTS slo_maintenance_windows (
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
) ENGINE = ReplacingMergeTree(version)
ORDER BY name;
