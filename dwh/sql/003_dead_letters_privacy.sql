-- The warehouse copy of a dead letter never holds personal data in clear (docs/interfaces.md,
-- Privacy). `payload_base64` holds the payload only as far as it could be decoded and its
-- `user_id` replaced by the keyed hash ('redacted-json'); a payload that cannot be decoded
-- is not copied ('omitted'): its SHA-256 and size identify it, and the `<topic>.dlq` topic
-- (or the input file, named in `reason`) keeps the original bytes.
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS payload_format LowCardinality(String) DEFAULT 'original';
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS payload_sha256 String DEFAULT '';
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS payload_size UInt32 DEFAULT 0;
