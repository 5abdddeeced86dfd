-- Signals a re-evaluation took back. When data lands in minutes the evaluator has already
-- evaluated (a partition that was idle wakes up with older events), it evaluates those
-- minutes again: signals the new evaluation does not give are retracted here, and the history
-- view shows what one pass over the complete data gives. A signal emitted again after its
-- retraction (a later correction brought it back) is visible again: a retraction hides only
-- rows inserted before it.
CREATE TABLE IF NOT EXISTS slo_signal_retractions (
  signal_id String,
  slo_id String,
  reason LowCardinality(String),
  retracted_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
ORDER BY (slo_id, signal_id);

CREATE OR REPLACE VIEW slo_signals_v AS
SELECT s.*
FROM slo_signals AS s FINAL
LEFT JOIN (SELECT signal_id, max(retracted_at) AS retracted_at FROM slo_signal_retractions GROUP BY signal_id) AS r
  ON r.signal_id = s.signal_id
WHERE r.retracted_at < s.inserted_at;
