import { FACT_TABLE, FAMILIES, INPUT_TOPICS } from '../../processors/contracts/topics.js';
import type { Warehouse } from '../../sinks/warehouse/index.js';

/** Distinct events per topic and per topic and event type, as the exact `*_v` readers see them. */
export async function factCounts(wh: Warehouse): Promise<{ byTopic: Record<string, number>; byType: Record<string, Record<string, number>> }> {
  const byTopic: Record<string, number> = {};
  const byType: Record<string, Record<string, number>> = {};
  for (const f of FAMILIES) {
    const rows = await wh.query<{ event_type: string; n: string }>(`SELECT event_type, count() AS n FROM ${FACT_TABLE[f]}_v GROUP BY event_type`);
    const topic = INPUT_TOPICS[f];
    byType[topic] = Object.fromEntries(rows.map((r) => [r.event_type, Number(r.n)]));
    byTopic[topic] = rows.reduce((s, r) => s + Number(r.n), 0);
  }
  return { byTopic, byType };
}

/** Dead-letter rows per reason code. */
export async function deadLettersByCode(wh: Warehouse): Promise<Record<string, number>> {
  const rows = await wh.query<{ reason_code: string; n: string }>('SELECT reason_code, count() AS n FROM dead_letters FINAL GROUP BY reason_code');
  return Object.fromEntries(rows.map((r) => [r.reason_code, Number(r.n)]));
}
