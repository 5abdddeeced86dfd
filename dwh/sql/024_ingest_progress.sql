-- Committed batches, one row each, written after the batch's offsets were committed: the
-- event-time progress of every topic-partition as the warehouse durably holds it. An
-- evaluator in any process derives its watermark from these rows and the group's committed
-- offsets (IngestProgressFeed), whichever process ingested what. A row lost in a crash
-- between the commit and its write only holds the watermark back until the partition's next
-- batch. Kept for two days.
CREATE TABLE IF NOT EXISTS ingest_progress (
  consumer_group String,
  topic LowCardinality(String),
  partition UInt32,
  first_offset UInt64,
  last_offset UInt64,
  min_event_time Nullable(Int64),
  max_event_time Nullable(Int64),
  committed_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
ORDER BY (consumer_group, topic, partition, last_offset)
TTL toDateTime(committed_at) + INTERVAL 2 DAY;
