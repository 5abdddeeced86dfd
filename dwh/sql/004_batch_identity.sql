-- Identity across sources. Offsets repeat: a second JSON Lines file restarts at offset 0, and
-- so do a re-created topic and another cluster. Fact inserts are therefore identified by
-- their offset range *and* a digest of the batch's bytes (insert_deduplication_token
-- '<topic>-<partition>-<first>-<last>-<digest>'): a replay of the same bytes is dropped, other
-- events at the same offsets are not.
--
-- Dead letters are keyed the same way: `payload_id` (SHA-256 of the payload) joins the key,
-- so a bad record of one file no longer replaces another file's bad record at the same
-- position, while the same record dead-lettered twice stays one row.
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS payload_id String, MODIFY ORDER BY (source_topic, source_partition, source_offset, reason_code, payload_id);
