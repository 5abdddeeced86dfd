import type { Params, Warehouse } from '../../../sinks/warehouse/types.js';
import { CellRouter } from './cell-match.js';
import type { Indicator, SloDefinition } from '../definitions/model.js';
import { SLI_FAMILIES } from '../definitions/selector.js';

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

type Family = 'journey' | 'lem';

const FACTS: Record<Family, { table: string; latency: string | null }> = {
  journey: { table: 'journey_events', latency: 'ifNull(duration_ms, -1)' },
  lem: { table: 'lem_signals', latency: null },
};


export class OpenMinuteReader {
  private readonly slosOf: Record<Family, number[]> = { journey: [], lem: [] };
  private readonly types: Record<Family, Set<string>> = { journey: new Set(), lem: new Set() };
  private readonly routers: Partial<Record<Family, CellRouter>> = {};

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
    const router = (this.routers[family] ??= new CellRouter(this.slos, this.slosOf[family], keys));
    const partsOf = (slo: number): Map<number, [number, number]> => {
      let p = parts.get(slo);
      if (!p) parts.set(slo, (p = new Map()));
      return p;
    };
    for (const row of rows) router.add(row, Number(row['b']), Number(row['n']), q.latency ? Number(row['lat']) : -1, totals, partsOf);
  }
}
