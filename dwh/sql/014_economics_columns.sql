-- Incident economics, additive changes to tables of 012 and 013 (ADD COLUMN IF NOT EXISTS: idempotent).

-- The refresher records which reporting currency the stored costs are in, so a change of
-- configuration (EUR -> JPY, or back) re-costs everything once instead of reading rows of
-- another currency as if they were current.
ALTER TABLE econ_refresh_state ADD COLUMN IF NOT EXISTS reporting_currency LowCardinality(String) DEFAULT '';

-- Cube cells also count the incidents whose first (last) cost month they are: summed over
-- any months, each incident counts once, so a P&L without a month grouping but with an open
-- start (end) reads the cube too, instead of counting distinct incidents month by month.
ALTER TABLE incident_cost_cube ADD COLUMN IF NOT EXISTS incidents_first UInt64 DEFAULT 0;
ALTER TABLE incident_cost_cube ADD COLUMN IF NOT EXISTS incidents_last UInt64 DEFAULT 0;
