import { familyOfTopic } from '../../contracts/topics.js';
import { FACT_TABLE } from '../../ingest/normalize.js';
import type { Warehouse } from '../../../sinks/warehouse/types.js';

/**
 * The newest event time (epoch ms) the warehouse holds for the given input topics, or null
 * when it holds none. `max(occurred_at)` over a partition-key column is answered from the
 * parts' min/max index, so it stays cheap on large fact tables.
 */
export async function newestStoredEvent(wh: Warehouse, topics: readonly string[]): Promise<number | null> {
  const tables = [...new Set(topics.flatMap((t) => {
    const family = familyOfTopic(t);
    return family ? [FACT_TABLE[family]] : [];
  }))];
  if (tables.length === 0) return null;
  const parts = tables.map((t) => `SELECT count() AS n, toUnixTimestamp64Milli(max(occurred_at)) AS t FROM ${t}`);
  const rows = await wh.query<{ n: string | number; t: string | number }>(`SELECT sum(n) AS n, max(t) AS t FROM (${parts.join(' UNION ALL ')})`);
  const row = rows[0];
  return row && Number(row.n) > 0 ? Number(row.t) : null;
}

/** The latest event time the warehouse holds for the SLI families (a default for "now" in replays). */
export async function latestEventTime(wh: Warehouse): Promise<number | null> {
  const rows = await wh.query<{ m: string | number | null }>(
    `SELECT toUInt64(greatest(
       (SELECT toUnixTimestamp(max(minute)) FROM sli_journey_minute),
       (SELECT toUnixTimestamp(max(minute)) FROM sli_lem_minute))) AS m`,
  );
  const m = Number(rows[0]?.m ?? 0);
  return m > 0 ? (m + 60) * 1000 : null;
}
