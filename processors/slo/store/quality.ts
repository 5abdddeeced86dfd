import type { QualityScoreUpdate } from '../../contracts/events.js';
import type { QualityScope, QualityScoreType } from '../../contracts/enums.js';
import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { formatMinutes } from '../definitions/duration.js';

/**
 * Quality scores for the Ops engine's quality profiles, per vendor, route and product
 * version, over the event-time window [T - window, T):
 *  - JOURNEY_SUCCESS_RATE: completed / (completed + failed + abandoned) journeys;
 *  - INCIDENT_RATE: incidents opened in the window that name the scope, per finished journey;
 *  - COMPENSATION_RATE: compensations ISSUED in the window for incidents naming the scope,
 *    per finished journey.
 * A scope without finished journeys in the window gets no scores (no denominator).
 * Every count is distinct (event ids, incident ids, compensation ids), so replays and
 * duplicates do not move a score.
 */
const SCOPES = `arrayJoin([('VENDOR', vendor_id), ('ROUTE', route_id), ('PRODUCT_VERSION', product_version_id)])`;

interface Row {
  scope: QualityScope;
  scope_id: string;
  n: number | string;
}

export async function qualityScores(wh: Warehouse, atMinute: number, windowMinutes: number): Promise<QualityScoreUpdate[]> {
  const params = { f: (atMinute - windowMinutes) * 60, t: atMinute * 60, fm: (atMinute - windowMinutes) * 60_000, tm: atMinute * 60_000 };
  const journeys = await wh.query<Row & { completed: number | string }>(
    `SELECT s.1 AS scope, s.2 AS scope_id,
       sum(events) AS n,
       sumIf(events, event_type = 'JOURNEY_COMPLETED') AS completed
     FROM sli_journey_minute
     ARRAY JOIN [('VENDOR', vendor_id), ('ROUTE', route_id), ('PRODUCT_VERSION', product_version_id)] AS s
     WHERE minute >= toDateTime({f:UInt32}, 'UTC') AND minute < toDateTime({t:UInt32}, 'UTC')
       AND event_type IN ('JOURNEY_COMPLETED', 'JOURNEY_FAILED', 'JOURNEY_ABANDONED') AND s.2 != ''
     GROUP BY scope, scope_id`,
    params,
  );
  const incidents = await wh.query<Row>(
    `WITH inc AS (
       SELECT incident_id, min(occurred_at) AS opened,
         argMax(vendor_id, occurred_at) AS vendor_id, argMax(route_id, occurred_at) AS route_id,
         argMax(product_version_id, occurred_at) AS product_version_id
       FROM incident_events_v GROUP BY incident_id)
     SELECT s.1 AS scope, s.2 AS scope_id, uniqExact(incident_id) AS n
     FROM (SELECT incident_id, ${SCOPES} AS s FROM inc
           WHERE opened >= fromUnixTimestamp64Milli({fm:Int64}, 'UTC') AND opened < fromUnixTimestamp64Milli({tm:Int64}, 'UTC'))
     WHERE s.2 IS NOT NULL AND s.2 != ''
     GROUP BY scope, scope_id`,
    params,
  );
  const compensations = await wh.query<Row>(
    `WITH inc AS (
       SELECT incident_id,
         argMax(vendor_id, occurred_at) AS vendor_id, argMax(route_id, occurred_at) AS route_id,
         argMax(product_version_id, occurred_at) AS product_version_id
       FROM incident_events_v GROUP BY incident_id)
     SELECT s.1 AS scope, s.2 AS scope_id, uniqExact(compensation_id) AS n
     FROM (SELECT c.compensation_id AS compensation_id, ${SCOPES} AS s
           FROM compensation_events_v AS c INNER JOIN inc ON inc.incident_id = c.incident_id
           WHERE c.event_type = 'ISSUED'
             AND c.occurred_at >= fromUnixTimestamp64Milli({fm:Int64}, 'UTC') AND c.occurred_at < fromUnixTimestamp64Milli({tm:Int64}, 'UTC'))
     WHERE s.2 IS NOT NULL AND s.2 != ''
     GROUP BY scope, scope_id`,
    params,
  );
  const key = (scope: string, id: string): string => `${scope}\u0000${id}`;
  const incidentsBy = new Map(incidents.map((r) => [key(r.scope, r.scope_id), Number(r.n)]));
  const compensationsBy = new Map(compensations.map((r) => [key(r.scope, r.scope_id), Number(r.n)]));
  const window = formatMinutes(windowMinutes);
  const computed_at = atMinute * 60_000;
  const out: QualityScoreUpdate[] = [];
  const sorted = [...journeys].sort((a, b) => (a.scope === b.scope ? (a.scope_id < b.scope_id ? -1 : 1) : a.scope < b.scope ? -1 : 1));
  for (const r of sorted) {
    const n = Number(r.n);
    if (n <= 0) continue;
    const k = key(r.scope, r.scope_id);
    const score = (score_type: QualityScoreType, value: number): QualityScoreUpdate => ({ scope: r.scope, scope_id: r.scope_id, score_type, value, window, computed_at });
    out.push(
      score('JOURNEY_SUCCESS_RATE', Number(r.completed) / n),
      score('INCIDENT_RATE', (incidentsBy.get(k) ?? 0) / n),
      score('COMPENSATION_RATE', (compensationsBy.get(k) ?? 0) / n),
    );
  }
  return out;
}
