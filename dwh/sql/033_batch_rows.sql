-- Which insert batch each fact row came from: `_batch` is cityHash64 of the insert's
-- deduplication token ('<topic>-<partition>-<first>-<last>-<digest>[+exclusions]', 004), which the
-- engine fills from the insert's own settings, so the ingest sends nothing more per row.
--
-- It lets a batch be completed from the warehouse alone. A crash can come after a batch's
-- fact part landed and before every view's part did (the views' tables get their parts in the
-- same insert, one after the other). When the batch's records can be read again from the same
-- log, the ingest re-forms it and inserts it again under the same token (002, 027). When they
-- cannot (an in-process log that started again empty, a re-created topic, another file at the
-- same offsets), the ingest re-inserts the batch's own fact rows, selected by `_batch`, under
-- its token: the fact table drops them, and each view's table drops them as well or takes
-- what the crash kept from it (processors/ingest/orphans.ts).
--
-- Rows stored before this column existed get the hash of the empty token: no batch is
-- completed from them (MATERIALIZE writes it, so no later read evaluates the default again).
ALTER TABLE journey_events ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));
ALTER TABLE journey_events MATERIALIZE COLUMN _batch SETTINGS mutations_sync = 2;
ALTER TABLE lem_signals ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));
ALTER TABLE lem_signals MATERIALIZE COLUMN _batch SETTINGS mutations_sync = 2;
ALTER TABLE incident_events ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));
ALTER TABLE incident_events MATERIALIZE COLUMN _batch SETTINGS mutations_sync = 2;
ALTER TABLE compensation_events ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));
ALTER TABLE compensation_events MATERIALIZE COLUMN _batch SETTINGS mutations_sync = 2;
ALTER TABLE refund_events ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));
ALTER TABLE refund_events MATERIALIZE COLUMN _batch SETTINGS mutations_sync = 2;
ALTER TABLE fx_rates ADD COLUMN IF NOT EXISTS _batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));
ALTER TABLE fx_rates MATERIALIZE COLUMN _batch SETTINGS mutations_sync = 2;

-- The intent's state: 0 while its batch may be in flight, 1 once its offsets were committed
-- (written after the commit, not awaited). A restarted in-process log has no commits to
-- tell the two apart; only an unfinished intent whose records cannot be read again is
-- completed from the fact rows above.
ALTER TABLE ingest_state ADD COLUMN IF NOT EXISTS done UInt8 DEFAULT 0;
