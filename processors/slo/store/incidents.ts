import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { parseWarehouseTime } from './series-reader.js';

export interface RecordedIncident {
  incident_id: string;
  severity: string;
  opened_at: string;
  resolved_at: string | null;
  product_version_id: string | null;
  market_code: string | null;
  city_code: string | null;
  route_id: string | null;
  vendor_id: string | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Incidents open at some point of [from, to), with their latest dimensions. */
export async function recordedIncidents(wh: Warehouse, fromMs: number, toMs: number): Promise<RecordedIncident[]> {
  const rows = await wh.query<{
    incident_id: string;
    severity: string;
    opened_at: string;
    resolved_at: string;
    resolved: number | string;
    product_version_id: string | null;
    market_code: string | null;
    city_code: string | null;
    route_id: string | null;
    vendor_id: string | null;
  }>(
    `SELECT incident_id,
       argMax(severity, occurred_at) AS severity,
       min(occurred_at) AS opened_at,
       maxIf(occurred_at, event_type = 'RESOLVED') AS resolved_at,
       countIf(event_type = 'RESOLVED') AS resolved,
       argMax(product_version_id, occurred_at) AS product_version_id,
       argMax(market_code, occurred_at) AS market_code,
       argMax(city_code, occurred_at) AS city_code,
       argMax(route_id, occurred_at) AS route_id,
       argMax(vendor_id, occurred_at) AS vendor_id
     FROM incident_events_v
     GROUP BY incident_id
     HAVING opened_at < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
        AND (resolved = 0 OR resolved_at >= fromUnixTimestamp64Milli({from:Int64}, 'UTC'))
     ORDER BY opened_at, incident_id`,
    { from: fromMs, to: toMs },
  );
  return rows.map((r) => ({
    incident_id: r.incident_id,
    severity: r.severity,
    opened_at: iso(parseWarehouseTime(r.opened_at)),
    resolved_at: Number(r.resolved) > 0 ? iso(parseWarehouseTime(r.resolved_at)) : null,
    product_version_id: r.product_version_id,
    market_code: r.market_code,
    city_code: r.city_code,
    route_id: r.route_id,
    vendor_id: r.vendor_id,
  }));
}
