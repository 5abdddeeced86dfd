-- Incident economics, step 2: the results. Written only by processors/economics/warehouse
-- (re-costing an incident), read by the P&L query and finance audits.
--
-- Why materialized by re-costing incidents, not by SQL views or a keyed stream processor:
--  * A view joining the fact tables at query time is order-independent for free but costs
--    a multi-way join with FX as-of lookups on every P&L query; the P&L over 10M money
--    facts must answer in ~100 ms.
--  * A stream processor holding join state in memory needs its own state store and
--    changelog to survive restarts; the warehouse already is that store, exact and
--    deduplicated (010_economics_keyed.sql).
--  * So: when an event arrives, the incidents it can affect are re-costed from scratch
--    from the stored events (a pure function of the *set* of events, hence independent of
--    arrival order, duplicates and replays), and its rows are written here at a new
--    version. A correction replaces a figure (same key, higher version) or removes it
--    (tombstone, see econ_incident_versions): nothing is double-counted. Readers use FINAL.
--
-- Money: amounts are integer minor units. `amount_minor` is the original amount in
-- `currency`; `converted_minor` the amount in `reporting_currency` (rounded half-to-even,
-- once, per money event); NULL when no rate was in force (`unconverted_reason`). The four
-- signed measure columns are the converted amount placed where it counts (a REVOKED
-- compensation is negative), so the P&L is a plain sum.
--
-- `version` is the warehouse clock (microseconds) when the re-costing started: a later
-- re-costing has read at least as much, so the highest version is the most complete.
CREATE TABLE IF NOT EXISTS incident_cost_facts (
  incident_id String,
  fact_id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  cost_kind LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  cost_month Date DEFAULT toStartOfMonth(occurred_at),
  source_event_id String,
  amount_minor Int64,
  currency LowCardinality(String),
  reporting_currency LowCardinality(String),
  rate Nullable(Float64),
  rate_effective_at Nullable(DateTime64(3, 'UTC')),
  rate_event_id Nullable(String),
  converted_minor Nullable(Int64),
  unconverted_reason LowCardinality(Nullable(String)),
  compensation_minor Int64,
  redeemed_minor Int64,
  refund_minor Int64,
  lost_revenue_minor Int64,
  unconverted UInt8,
  product_version_id LowCardinality(Nullable(String)),
  market_code LowCardinality(Nullable(String)),
  city_code LowCardinality(Nullable(String)),
  vendor_id LowCardinality(Nullable(String)),
  route_id LowCardinality(Nullable(String)),
  fault LowCardinality(Nullable(String)),
  severity LowCardinality(Nullable(String)),
  reason_code LowCardinality(Nullable(String)),
  compensation_id Nullable(String),
  refund_id Nullable(String),
  order_id Nullable(String),
  journey_instance_id Nullable(String),
  costed_at DateTime64(3, 'UTC') DEFAULT now64(3),
  INDEX ix_currency currency TYPE set(64) GRANULARITY 4,
  INDEX ix_occurred occurred_at TYPE minmax GRANULARITY 4
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (incident_id, fact_id);

-- One row per incident and cost month: what the P&L reads when its date bounds are whole
-- months (the usual finance view). An incident has one set of dimensions, so within a
-- month-grouped result each row is one incident (incidents = count()). It is maintained
-- by the same re-costing, in the same way, and tested to agree with the facts.
CREATE TABLE IF NOT EXISTS incident_cost_monthly (
  incident_id String,
  cost_month Date,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  reporting_currency LowCardinality(String),
  compensation_minor Int128,
  redeemed_minor Int128,
  refund_minor Int128,
  lost_revenue_minor Int128,
  unconverted UInt32,
  facts UInt32,
  product_version_id LowCardinality(Nullable(String)),
  market_code LowCardinality(Nullable(String)),
  city_code LowCardinality(Nullable(String)),
  vendor_id LowCardinality(Nullable(String)),
  route_id LowCardinality(Nullable(String)),
  fault LowCardinality(Nullable(String)),
  severity LowCardinality(Nullable(String)),
  reason_code LowCardinality(Nullable(String))
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (incident_id, cost_month);

-- The version of each incident's latest re-costing. Every re-costing writes the
-- incident's complete set of rows at its version, then retires (tombstones) any row of the
-- incident older than the version recorded here. Two re-costings of one incident running
-- at once therefore converge on the newer one's rows, whichever finishes last, and a
-- figure that no longer exists (a journey dropped from the incident, a refund reversed)
-- is removed rather than left behind.
CREATE TABLE IF NOT EXISTS econ_incident_versions (
  incident_id String,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY incident_id;
