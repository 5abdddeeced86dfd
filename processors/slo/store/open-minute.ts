import type { Params, Warehouse } from '../../../sinks/warehouse/types.js';
import { cellCounts, type CellRoute } from './cell-match.js';
import type { Indicator, SloDefinition } from '../definitions/model.js';
import { matchesDims, SLI_FAMILIES, type Dims } from '../definitions/selector.js';

/**
 * Good/total of the part of a minute that has not closed yet, in buckets of a few seconds,
 * read from the fact tables themselves (`journey_events`, `lem_signals`): the minute rollups
 * hold whole minutes only. Counts are distinct events, with each event's own duration, so
 * the buckets of a whole minute add up to exactly what the minute rollup holds for it.
 *
 * Only Occurrences SLOs of the journey and LEM event families have an open part: a level
 * (a LEM score held per minute) and a Timeslices unit are judged when their minute or slice
 * closes, so between whole minutes they keep the figures of the last whole minute.
 */

/** Per SLO index: bucket (epoch ms / bucket length) -> [good, total]. */
export type OpenBuckets = Map<number, Map<number, [number, number]>>;

type Route = CellRoute;

type Family = 'journey' | 'lem';

const FACTS: Record<Family, { table: string; latency: string | null }> = {
  journey: { table: 'journey_events', latency: 'ifNull(duration_ms, -1)' },
  lem: { table: 'lem_signals', latency: null },
};


export class OpenMinuteReader {
  private readonly slosOf: Record<Family, number[]> = { journey: [], lem: [] };
  private readonly types: Record<Family, Set<string>> = { journey: new Set(), lem: new Set() };
  private readonly routes: Record<Family, Map<string, Route[]>> = { journey: new Map(), lem: new Map() };

  /** @param bucketMs length of a bucket; divides a minute */
  constructor(
    private readonly wh: Warehouse,
    private readonly slos: readonly SloDefinition[],
    readonly bucketMs: number,
  ) {
    slos.forEach((slo, i) => {
      const ind = slo.indicator;
      if (ind.kind === 'level' || slo.budgeting.method !== 'Occurrences') return;
      const family = ind.kind === 'ratio' ? ind.total.family : ind.events.family;
      this.slosOf[family].push(i);
      for (const sel of ind.kind === 'ratio' ? [ind.total, ind.good] : [ind.events]) for (const t of sel.eventTypes) this.types[family].add(t);
    });
  }

  /** True when some SLO has an open part (otherwise `read` answers without a query). */
  get needed(): boolean {
    return this.slosOf.journey.length > 0 || this.slosOf.lem.length > 0;
  }

  /** Counts of events with fromMs <= occurred_at < toMs, per SLO and bucket. */
  async read(fromMs: number, toMs: number): Promise<OpenBuckets> {
    const parts: OpenBuckets = new Map();
    const totals: Array<Map<number, number>> = this.slos.map(() => new Map());
    if (toMs > fromMs) {
      for (const family of ['journey', 'lem'] as const) {
        if (this.slosOf[family].length > 0) await this.readFamily(family, fromMs, toMs, parts, totals);
      }
    }
    const out: OpenBuckets = new Map();
    for (const i of [...this.slosOf.journey, ...this.slosOf.lem]) {
      const ind = this.slos[i]?.indicator as Exclude<Indicator, { kind: 'level' }>;
      const goodIsBad = ind.kind === 'ratio' && ind.goodIsBad;
      const m = new Map<number, [number, number]>();
      for (const [bucket, total] of totals[i] ?? []) {
        const part = Math.min(parts.get(i)?.get(bucket)?.[0] ?? 0, total);
        m.set(bucket, [goodIsBad ? total - part : part, total]);
      }
      out.set(i, m);
    }
    return out;
  }

  private async readFamily(family: Family, fromMs: number, toMs: number, parts: OpenBuckets, totals: Array<Map<number, number>>): Promise<void> {
    const q = FACTS[family];
    const keys = SLI_FAMILIES[family].whereKeys;
    const params: Params = { f: fromMs, t: toMs, step: this.bucketMs, types: [...this.types[family]] };
    const cols = keys.map((k, i) => `toString(ifNull(${k}, '')) AS d${i}`);
    if (q.latency) cols.push(`${q.latency} AS lat`);
    const groups = ['b', 'event_type', ...keys.map((_, i) => `d${i}`), ...(q.latency ? ['lat'] : [])];
    // Table and column names come from the constants above, never from a definition.
    const sql = `SELECT intDiv(toUnixTimestamp64Milli(occurred_at), {step:UInt32}) AS b, event_type, ${cols.join(', ')}, uniqExact(event_id) AS n
FROM ${q.table}
WHERE occurred_at >= fromUnixTimestamp64Milli({f:Int64}, 'UTC') AND occurred_at < fromUnixTimestamp64Milli({t:Int64}, 'UTC')
  AND has({types:Array(String)}, event_type)
GROUP BY ${groups.join(', ')}`;
    const rows = await this.wh.query<Record<string, string | number>>(sql, params);
    const routes = this.routes[family];
    for (const row of rows) {
      const eventType = String(row['event_type']);
      let key = eventType;
      for (let i = 0; i < keys.length; i++) key += `\u0000${row[`d${i}`]}`;
      let hit = routes.get(key);
      if (!hit) {
        const d: Record<string, string | null> = {};
        keys.forEach((k, i) => (d[k] = String(row[`d${i}`] ?? '')));
        hit = this.route(family, eventType, d);
        routes.set(key, hit);
      }
      if (hit.length === 0) continue;
      const bucket = Number(row['b']);
      const n = Number(row['n']);
      const lat = q.latency ? Number(row['lat']) : -1;
      for (const r of hit) {
        const ind = this.slos[r.slo]?.indicator as Exclude<Indicator, { kind: 'level' }>;
        const { inTotal, inPart } = cellCounts(ind, r, lat);
        if (inTotal) {
          const t = totals[r.slo] as Map<number, number>;
          t.set(bucket, (t.get(bucket) ?? 0) + n);
        }
        if (inPart) {
          let p = parts.get(r.slo);
          if (!p) parts.set(r.slo, (p = new Map()));
          const cur = p.get(bucket);
          if (cur) cur[0] += n;
          else p.set(bucket, [n, 0]);
        }
      }
    }
  }

  private route(family: Family, eventType: string, dims: Dims): Route[] {
    const out: Route[] = [];
    for (const i of this.slosOf[family]) {
      const ind = this.slos[i]?.indicator;
      if (!ind || ind.kind === 'level') continue;
      const total = matchesDims(ind.kind === 'ratio' ? ind.total : ind.events, eventType, dims);
      const part = ind.kind === 'ratio' ? matchesDims(ind.good, eventType, dims) : total;
      if (total || part) out.push({ slo: i, total, part });
    }
    return out;
  }
}
