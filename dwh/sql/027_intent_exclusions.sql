-- A batch's intent also records the events left out of its insert (their (day, event_id) keys,
-- processors/ingest/event-keys.ts): stored before, or held by another batch in flight. A batch
-- re-formed after a crash is then inserted exactly as the first attempt was, with the same
-- insert token, whatever the warehouse holds by then: the fact table drops it as a replay when
-- its part landed, and each view's table takes what it lost if the crash came between the fact
-- table's part and the views' parts.
-- The batch's digest (batch.ts) says whether a re-formed range holds the same records: a range
-- recorded on an earlier log under the same name (a re-created topic, a restarted in-process
-- transport) is looked up afresh instead.
ALTER TABLE ingest_state ADD COLUMN IF NOT EXISTS excluded Array(String), ADD COLUMN IF NOT EXISTS digest String;
