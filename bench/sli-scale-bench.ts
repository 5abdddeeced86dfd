import { loadavg } from 'node:os';
import { CATALOG } from '../processors/simulator/index.js';
import { evaluateSlos, loadSloFiles } from '../processors/slo/index.js';
import { StatusCells } from '../processors/slo/replay/cells.js';
import { historyNeeded } from '../processors/slo/replay/status.js';
import { ChdbWarehouse } from '../sinks/chdb/index.js';
import { migrate, type Warehouse } from '../sinks/warehouse/index.js';
import { benchSloYaml } from './slo-bench-slos.js';
import { releaseScratch, scratchDir } from './scratch.js';
import type { PhaseResult } from './spine-phases.js';

/**
 * What the SLI rollups cost as events grow: for 1M and 10M journey events over 30 days (in
 * the simulator's catalog of product versions, routes, vendors and cities, so the benchmark's
 * SLOs select them), the bytes the SLI tables hold per event beside the facts' bytes per
 * event, and the time of one 30-day stateless evaluation of 100 SLOs at the end of the
 * window. Rollups sized by cells make the 10M evaluation cost a small multiple of the 1M one,
 * not ten times it. Beside it, the baseline: the read of minute cells over the whole window
 * (what the stateless reader did before it read hours and days), and the read it does now. The events are written in the engine (INSERT ... SELECT FROM numbers()),
 * through the same views as ingested facts. Sizes: BENCH_SLI_EVENTS (default 1000000,10000000).
 */
const DAY = 86_400_000;
const START = Date.UTC(2026, 9, 1);
const SPAN = 30 * DAY;

function routes(): { pv: string[]; bp: string[]; city: string[]; market: string[]; route: string[]; vendor: string[] } {
  const out = { pv: [] as string[], bp: [] as string[], city: [] as string[], market: [] as string[], route: [] as string[], vendor: [] as string[] };
  for (const pv of CATALOG.productVersions) {
    for (const r of pv.routes) {
      out.pv.push(pv.product_version_id);
      out.bp.push(pv.journey_blueprint_id);
      out.city.push(pv.city_code);
      out.market.push(pv.market_code);
      out.route.push(r.route_id);
      out.vendor.push(r.vendor_id);
    }
  }
  return out;
}

async function writeEvents(wh: Warehouse, n: number): Promise<void> {
  const r = routes();
  await wh.exec(
    `INSERT INTO journey_events (event_id, event_type, occurred_at, journey_instance_id, journey_blueprint_id, product_version_id,
       market_code, city_code, route_id, vendor_id, duration_ms, error_code, _topic, _partition, _offset)
     SELECT concat('e-', toString(number)) AS event_id,
       ['JOURNEY_COMPLETED', 'JOURNEY_COMPLETED', 'JOURNEY_COMPLETED', 'JOURNEY_FAILED', 'NODE_COMPLETED', 'JOURNEY_ABANDONED'][number % 6 + 1] AS event_type,
       fromUnixTimestamp64Milli(toInt64({start:Int64} + intDiv(number * {span:UInt64}, {n:UInt64})), 'UTC') AS occurred_at,
       concat('j-', toString(intDiv(number, 6))) AS journey_instance_id,
       {bp:Array(String)}[i] AS journey_blueprint_id, {pv:Array(String)}[i] AS product_version_id,
       {market:Array(String)}[i] AS market_code, {city:Array(String)}[i] AS city_code,
       {route:Array(String)}[i] AS route_id, {vendor:Array(String)}[i] AS vendor_id,
       toInt64((number * 7919) % 6000) AS duration_ms,
       if(number % 6 = 3, ['VENDOR_NO_SHOW', 'PLATFORM_BUG', 'TIMEOUT', 'PAYMENT_DECLINED'][intDiv(number, 6) % 4 + 1], NULL) AS error_code,
       'tjm.journey.v1' AS _topic, toUInt32(0) AS _partition, number AS _offset
     FROM (SELECT number, toUInt32(intDiv(number, 7) % {routes:UInt32} + 1) AS i FROM numbers({n:UInt64}))`,
    { start: START, span: SPAN, n, routes: r.route.length, ...r },
  );
}

async function bytesOf(wh: Warehouse, like: string): Promise<number> {
  const [row] = await wh.query<{ b: string }>(
    'SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE database = currentDatabase() AND active AND table LIKE {t:String}',
    { t: like },
  );
  return Number(row?.b ?? 0);
}

export async function phaseSliScale(): Promise<PhaseResult[]> {
  const sizes = (process.env['BENCH_SLI_EVENTS'] ?? '1000000,10000000').split(',').map(Number);
  const loaded = loadSloFiles([{ file: 'bench.yaml', text: benchSloYaml(100) }]);
  if (!loaded.ok) throw new Error(`bench SLOs invalid: ${loaded.problems[0]?.message ?? ''}`);
  const out: PhaseResult[] = [];
  for (const n of sizes) {
    const dir = scratchDir('sli-scale');
    const wh = await ChdbWarehouse.open({ dataDir: dir, database: 'bench' });
    try {
      await migrate(wh);
      const t0 = performance.now();
      await writeEvents(wh, n);
      const insertS = (performance.now() - t0) / 1000;
      await wh.exec('OPTIMIZE TABLE sli_journey_minute FINAL');
      await wh.exec('OPTIMIZE TABLE sli_journey_hour FINAL');
      await wh.exec('OPTIMIZE TABLE sli_journey_day FINAL');
      const sli = await bytesOf(wh, 'sli_journey_%');
      const facts = await bytesOf(wh, 'journey_events');
      const [cells] = await wh.query<{ m: string; h: string; d: string }>(
        'SELECT (SELECT count() FROM sli_journey_minute) AS m, (SELECT count() FROM sli_journey_hour) AS h, (SELECT count() FROM sli_journey_day) AS d',
      );
      const at = START + SPAN;
      const needs = loaded.slos.map((slo) => historyNeeded(slo, at));
      const from = Math.min(...needs.map((h) => h.from));
      const to = Math.max(...needs.map((h) => h.to));
      const times: number[] = [];
      const minuteReads: number[] = [];
      for (let i = 0; i < 3; i++) {
        let s = performance.now();
        await evaluateSlos(wh, loaded.slos, at);
        times.push(performance.now() - s);
        s = performance.now();
        await StatusCells.read(wh, loaded.slos, from, to);
        minuteReads.push(performance.now() - s);
      }
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
      const evalMs = median(times);
      const [load] = loadavg();
      out.push({
        phase: `SLI rollups, ${(n / 1e6).toLocaleString('en-US')}M journey events over 30 days`,
        events: n,
        seconds: evalMs / 1000,
        eventsPerSec: n / insertS,
        extra: {
          sliBytesPerEvent: Number((sli / n).toFixed(2)),
          factBytesPerEvent: Number((facts / n).toFixed(2)),
          minuteCells: Number(cells?.m ?? 0),
          hourCells: Number(cells?.h ?? 0),
          dayCells: Number(cells?.d ?? 0),
          eval100SlosMs: Math.round(evalMs),
          baselineWholeWindowMinuteReadMs: Math.round(median(minuteReads)),
          loadAverage: Number((load ?? 0).toFixed(1)),
        },
      });
    } finally {
      await wh.close();
      releaseScratch(dir);
    }
  }
  return out;
}
