import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { levelCounts, type LevelUpdate } from '../core/levels.js';
import type { SloDefinition } from '../definitions/model.js';
import { emptyCounts, type MinuteCounts } from '../core/series.js';
import { excludeCounts } from '../core/maintenance.js';
import { countsQuery, levelUpdatesQuery } from './sql.js';

/** `2024-03-01 00:00:10.000` (UTC, as the warehouse prints DateTime64) -> epoch ms. */
export function parseWarehouseTime(s: string): number {
  return Date.parse(`${s.replace(' ', 'T')}Z`);
}

type UpdateTuple = [string, string, number];

export function toLevelUpdate(scopeId: string, metric: string, u: UpdateTuple): LevelUpdate {
  return { key: `${scopeId}\u0000${metric}`, occurredAt: parseWarehouseTime(u[0]), eventId: u[1], score: Number(u[2]) };
}

/**
 * Per-minute good/total of one SLO over [from, to) from the warehouse: the same numbers
 * `referenceCounts` computes from raw events. One query per SLO; the incremental
 * evaluator batches its reads differently (store/minute-source.ts).
 */
export async function readCounts(wh: Warehouse, slo: SloDefinition, fromMinute: number, toMinute: number): Promise<MinuteCounts> {
  const n = Math.max(0, toMinute - fromMinute);
  const ind = slo.indicator;
  if (ind.kind === 'level') {
    const q = levelUpdatesQuery(ind.events, fromMinute, toMinute);
    const rows = await wh.query<{ scope_id: string; metric: string; u: UpdateTuple }>(q.sql, q.params);
    return excludeCounts(
      slo,
      levelCounts(
        rows.map((r) => toLevelUpdate(r.scope_id, r.metric, r.u)),
        ind.op,
        ind.value,
        fromMinute,
        n,
      ),
    );
  }
  const q = countsQuery(ind, fromMinute, toMinute);
  const rows = await wh.query<{ m: number | string; part: number | string; total: number | string }>(q.sql, q.params);
  const out = emptyCounts(fromMinute, n);
  const goodIsBad = ind.kind === 'ratio' && ind.goodIsBad;
  for (const r of rows) {
    const i = Number(r.m) - fromMinute;
    if (i < 0 || i >= n) continue;
    const total = Number(r.total);
    const part = Math.min(Number(r.part), total);
    out.total[i] = total;
    out.good[i] = goodIsBad ? total - part : part;
  }
  // Maintenance windows: their minutes count as no events (core/maintenance.ts).
  return excludeCounts(slo, out);
}
