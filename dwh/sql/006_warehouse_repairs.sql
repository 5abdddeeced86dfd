-- What `slo-pipeline verify --repair` did to a damaged warehouse, one row per action, so an
-- operator can always tell which rows were given up and where they came back from:
--  * dropped-part: a detached broken part (or an active part failing its checksums) removed,
--    with the rows it held when its `count.txt` was readable;
--  * readmission-opened / readmission-closed: a table's insert deduplication switched off while
--    its source is ingested again, and back on. Its insert-dedup log still holds the hashes of
--    the lost blocks, so a replay of the same bytes would be dropped as a duplicate; without
--    the log, the replay lands and collapses by event_id (004_batch_identity.sql: no figure
--    rests on the log). `dedup_window` keeps the table's window to put back;
--  * rebuilt: a table filled by materialized views refilled from its source table;
--  * recosted: the incident-cost tables re-costed from the facts.
CREATE TABLE IF NOT EXISTS warehouse_repairs (
  repair_id String,
  at DateTime64(3, 'UTC') DEFAULT now64(3),
  table String,
  action LowCardinality(String),
  part String DEFAULT '',
  reason String DEFAULT '',
  rows Nullable(UInt64),
  dedup_window UInt64 DEFAULT 0
) ENGINE = MergeTree
ORDER BY (at, table);
