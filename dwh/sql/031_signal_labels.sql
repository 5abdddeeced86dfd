-- The SLO's labels on every breach signal (`metadata.labels`, and the group keys of a grouped
-- SLO), as the signal carries them on ops.slo.breach.v1: boards filter and group by them, the
-- API answers with them. Rows written before this column read as an empty map.
ALTER TABLE slo_signals ADD COLUMN IF NOT EXISTS labels Map(String, String) AFTER recommended_actions;

-- The view names its columns at creation: made again so it shows the new one.
CREATE OR REPLACE VIEW slo_signals_v AS
SELECT s.*
FROM slo_signals AS s FINAL
LEFT JOIN (SELECT signal_id, max(retracted_at) AS retracted_at FROM slo_signal_retractions GROUP BY signal_id) AS r
  ON r.signal_id = s.signal_id
WHERE r.retracted_at < s.inserted_at;
