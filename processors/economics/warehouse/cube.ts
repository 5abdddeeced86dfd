import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { inArrayParam, queryByIds } from '../../../sinks/warehouse/sql-util.js';
import { nextVersion } from './recost-version.js';

/*
 * The P&L cube (dwh/sql/013_economics_cube.sql): whole months recomputed from
 * incident_cost_monthly, never patched with deltas, so overlapping recomputations of a
 * month converge on the latest one.
 */

const DIMS = 'product_version_id, market_code, city_code, vendor_id, route_id, fault, severity, reason_code';

/** Months (YYYY-MM-DD, first day) holding any row, current or retired, of the given incidents. */
export async function monthsOf(wh: Warehouse, incidentIds: readonly string[]): Promise<string[]> {
  if (incidentIds.length === 0) return [];
  const rows = await queryByIds<{ m: string }>(wh, `SELECT DISTINCT toString(cost_month) AS m FROM incident_cost_monthly WHERE incident_id ${inArrayParam('ids')}`, incidentIds);
  return [...new Set(rows.map((r) => r.m))].sort();
}

/**
 * Recomputes the cube cells of `months` (default: every month with data), then retires
 * cells of those months that the recomputation no longer has.
 */
export async function rebuildCube(wh: Warehouse, months?: readonly string[]): Promise<void> {
  const list =
    months ??
    (
      await wh.query<{ m: string }>(
        `SELECT DISTINCT toString(cost_month) AS m FROM
           (SELECT cost_month FROM incident_cost_monthly UNION ALL SELECT cost_month FROM incident_cost_cube)`,
      )
    ).map((r) => r.m);
  if (list.length === 0) return;
  const version = await nextVersion(wh);
  const params = { months: [...list], version };
  // first/last: whether the cell's month is the incident's first/last cost month, over all
  // of the incident's months (not only the recomputed ones).
  await wh.exec(
    `INSERT INTO incident_cost_cube (cost_month, reporting_currency, ${DIMS}, version, is_deleted,
       compensation_minor, redeemed_minor, refund_minor, lost_revenue_minor, unconverted, incidents, incidents_first, incidents_last)
     SELECT cost_month, reporting_currency, ${DIMS}, {version:UInt64}, 0,
       sum(compensation_minor), sum(redeemed_minor), sum(refund_minor), sum(lost_revenue_minor), sum(unconverted), count(),
       countIf(cost_month = first_month), countIf(cost_month = last_month)
     FROM (
       SELECT cost_month, reporting_currency, ${DIMS}, compensation_minor, redeemed_minor, refund_minor, lost_revenue_minor,
         unconverted, min(cost_month) OVER w AS first_month, max(cost_month) OVER w AS last_month
       FROM incident_cost_monthly FINAL
       WHERE incident_id IN (SELECT incident_id FROM incident_cost_monthly FINAL WHERE cost_month IN {months:Array(Date)})
       WINDOW w AS (PARTITION BY incident_id, reporting_currency)
     )
     WHERE cost_month IN {months:Array(Date)}
     GROUP BY cost_month, reporting_currency, ${DIMS}`,
    params,
  );
  await wh.exec(
    'INSERT INTO econ_cube_versions (cost_month, version) SELECT arrayJoin({months:Array(Date)}), {version:UInt64}',
    params,
  );
  const t = DIMS.split(', ')
    .map((d) => `c.${d}`)
    .join(', ');
  await wh.exec(
    `INSERT INTO incident_cost_cube (cost_month, reporting_currency, ${DIMS}, version, is_deleted)
     SELECT c.cost_month, c.reporting_currency, ${t}, v.version, 1
     FROM (SELECT cost_month, reporting_currency, ${DIMS}, version FROM incident_cost_cube FINAL
           WHERE cost_month IN {months:Array(Date)}) AS c
     INNER JOIN (SELECT cost_month, max(version) AS version FROM econ_cube_versions
                 WHERE cost_month IN {months:Array(Date)} GROUP BY cost_month) AS v
       ON c.cost_month = v.cost_month
     WHERE c.version < v.version`,
    { months: [...list] },
  );
}
