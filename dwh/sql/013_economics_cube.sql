-- Incident economics, step 4: the P&L cube. One row per cost month and combination of
-- dimensions: what a month-grouped P&L reads (finance's usual view, and the benchmark's
-- month x vendor), so it scans thousands of rows instead of millions.
--
-- Exactness: every incident has one set of dimensions and one row per month in
-- incident_cost_monthly, so the incidents of a (month, dimensions) cell add up across cells
-- of the same month; grouped by month, `sum(incidents)` counts each incident once. (Without
-- month in the grouping an incident spanning two months would count twice: such queries
-- read incident_cost_monthly instead.)
--
-- Maintenance: a re-costing recomputes the cube cells of every month its incidents touch,
-- from incident_cost_monthly, at a new version, then retires the cells of those months
-- older than the month's recorded version (as econ_incident_versions does per incident).
-- Recomputing whole months, never applying deltas, keeps it exact when re-costings
-- overlap: the latest recomputation of a month wins.
CREATE TABLE IF NOT EXISTS incident_cost_cube (
  cost_month Date,
  reporting_currency LowCardinality(String),
  product_version_id LowCardinality(Nullable(String)),
  market_code LowCardinality(Nullable(String)),
  city_code LowCardinality(Nullable(String)),
  vendor_id LowCardinality(Nullable(String)),
  route_id LowCardinality(Nullable(String)),
  fault LowCardinality(Nullable(String)),
  severity LowCardinality(Nullable(String)),
  reason_code LowCardinality(Nullable(String)),
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  compensation_minor Int128,
  redeemed_minor Int128,
  refund_minor Int128,
  lost_revenue_minor Int128,
  unconverted UInt64,
  incidents UInt64
) ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (cost_month, reporting_currency, product_version_id, market_code, city_code, vendor_id, route_id, fault, severity, reason_code)
SETTINGS allow_nullable_key = 1;

CREATE TABLE IF NOT EXISTS econ_cube_versions (
  cost_month Date,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY cost_month;
