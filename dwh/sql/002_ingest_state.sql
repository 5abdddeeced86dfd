-- Exactly-once bookkeeping per consumer group and topic-partition.
--
-- Before a batch is inserted its offset range is recorded here (the "intent"). The fact
-- insert carries insert_deduplication_token = '<topic>-<partition>-<first>-<last>'. After
-- a crash between insert and offset commit, the restarted processor finds the intent
-- whose last offset is >= the committed offset and re-forms exactly that range, so the
-- retry carries the same token and the warehouse drops it if the first attempt landed.
-- (The same idea as the ClickHouse Kafka Connect sink's per-partition BEFORE/AFTER state.)
-- The dedup window (non_replicated_deduplication_window on the fact tables) must hold
-- more blocks than can be inserted between a crash and its replay: 1000 blocks.
CREATE TABLE IF NOT EXISTS ingest_state (
  consumer_group String,
  topic String,
  partition UInt32,
  first_offset UInt64,
  last_offset UInt64,
  version UInt64,
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY (consumer_group, topic, partition);
