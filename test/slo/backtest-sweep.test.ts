import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweep, sweepText, type SweepResult } from '../../processors/slo/replay/sweep.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { migrate } from '../../sinks/warehouse/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { runCli } from '../support/cli.js';
import { randomName } from '../support/warehouse.js';
import { insertFacts } from './sim-events.js';
import { slosFromYaml } from './support.js';
import { SWEEP_FROM, SWEEP_TO, SWEEP_YAML, sweepAt, sweepEvents } from './sweep-fixture.js';

const FROM = SWEEP_FROM;
const TO = SWEEP_TO;
const YAML = SWEEP_YAML;
const slos = slosFromYaml(YAML);
const at = sweepAt;
const events = sweepEvents;

describe('backtest sweeps: targets x thresholds in one run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slo-sweep-'));
  const data = join(dir, 'data');
  const database = randomName('sweep');
  let wh: Warehouse;
  let result: SweepResult;

  beforeAll(async () => {
    wh = await ChdbWarehouse.open({ dataDir: data, database });
    await migrate(wh);
    await insertFacts(wh, { journey: events(), lem: [] });
    result = await sweep(wh, slos, FROM, TO, { targets: [0.99, 0.9], thresholdsMs: [3000, 2500, 2550, 2750] });
  });
  afterAll(async () => {
    await wh.exec(`DROP DATABASE IF EXISTS ${database}`);
    await wh.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pages per variant and when: only a threshold the slow half hour breaks pages, and only at the strict target', () => {
    const [latency] = result.slos;
    const table = latency?.variants.map((v) => [v.target, v.threshold_ms, v.as_defined, v.page_times, v.ticket_times, v.page_minutes]);
    // 99% and 2500 ms: every event of 02:00-02:29 is bad. The 6h/30m PAGE rule (6x) holds from
    // 02:08, when 80 of the 1280 events since 00:00 are bad (6.25%); the 3d/6h TICKET rule (1x)
    // from 02:02 (20 of 1220, 1.6%). At 90% no PAGE rule can hold (60% of 6h would have to be
    // bad, at most 10% is); the 3d/6h TICKET rule holds from 02:14 (140 of 1340, 10.4%).
    // 2550 ms lies between the stored bounds (read from the facts) and still judges 2600 ms slow;
    // 2750 ms does not.
    const strict = [[at(128)], [at(122)], 66];
    const loose = [[], [at(134)], 0];
    expect(table).toEqual([
      [0.99, 3000, true, [], [], 0],
      [0.99, 2500, false, ...strict],
      [0.99, 2550, false, ...strict],
      [0.99, 2750, false, [], [], 0],
      [0.9, 3000, false, [], [], 0],
      [0.9, 2500, false, ...loose],
      [0.9, 2550, false, ...loose],
      [0.9, 2750, false, [], [], 0],
    ]);
    // Paged from 02:08 until the RESOLVED at 03:14 (66 minutes), once the 30m window is clear of the slow minutes.
    expect(latency?.variants[1]).toMatchObject({ pages: 1, tickets: 1 });
  });

  it('the latency distribution over the span, with each threshold marked', () => {
    const d = result.slos[0]?.distribution;
    expect(d?.events).toBe(3600);
    expect(d?.buckets).toEqual([
      { le_ms: 100, count: 3300 },
      { le_ms: 3000, count: 300 },
    ]);
    // 2550 and 2750 lie inside the (2500, 3000] bucket: their shares come from the facts.
    expect(d?.thresholds).toEqual([
      { threshold_ms: 2500, share_at_most: 3300 / 3600 },
      { threshold_ms: 2550, share_at_most: 3300 / 3600 },
      { threshold_ms: 2750, share_at_most: 1 },
      { threshold_ms: 3000, share_at_most: 1 },
    ]);
  });

  it('warns when the history is shorter than the window, and when thresholds do not apply or the data is sparse', () => {
    const [latency, ratio] = result.slos;
    expect(latency?.history).toEqual({ first_data_at: at(0), minutes: 360, minutes_with_data: 360, units: 3600 });
    expect(latency?.warnings.map((w) => w.message)).toEqual([
      'vie-node-latency: 6 hours of history for a 30d window; budgets and slow-burn alerts read a partly empty window',
      'vie-node-latency: the span (6 hours) is shorter than its longest alert window (3 days)',
    ]);
    expect(latency?.warnings.map((w) => w.code)).toEqual(['HISTORY_SHORTER_THAN_WINDOW', 'SPAN_SHORTER_THAN_ALERT_WINDOW']);
    // The ratio SLO selects journeys of another product: no data at all; targets still varied, thresholds not.
    expect(ratio?.variants.map((v) => [v.target, v.threshold_ms])).toEqual([
      [0.99, null],
      [0.9, null],
    ]);
    expect(ratio?.distribution).toBeNull();
    expect(ratio?.warnings.map((w) => w.code)).toEqual(['THRESHOLDS_NOT_APPLICABLE', 'NO_DATA']);
  });

  it('a span shorter than the alert windows with data in few of its minutes is sparse', async () => {
    const [slo] = slos;
    if (!slo) throw new Error('no SLO');
    // 03:00-03:30 holds 300 events, but the 1d/2h and 3d/6h rules look much further back.
    const short = await sweep(wh, [slo], FROM + 180 * 60_000, FROM + 210 * 60_000, { minUnits: 1000 });
    expect(short.slos[0]?.warnings.map((w) => w.code)).toEqual(['HISTORY_SHORTER_THAN_WINDOW', 'SPAN_SHORTER_THAN_ALERT_WINDOW', 'SPARSE_HISTORY']);
    expect(short.slos[0]?.warnings[2]?.message).toBe("vie-node-latency: data in 100% of the span's minutes, 300 events; too sparse to tell the variants apart reliably");
  });

  it('as text: a table per SLO with the definition as written starred, then warnings and the distribution', () => {
    const text = sweepText(result);
    expect(text).toContain(
      [
        'vie-node-latency (latency, 30d window, target 99%, threshold 3000 ms)',
        '  target  threshold  pages  tickets  paged min  pages at',
        `  99% *   3000 ms    0      0        0          -`,
      ].join('\n'),
    );
    expect(text).toContain('  99%     2500 ms    1      1        66         2026-03-10 02:08Z\n');
    expect(text).toContain('  warning HISTORY_SHORTER_THAN_WINDOW: vie-node-latency: 6 hours of history');
    expect(text).toMatch(/<= {4}3000 ms {6}300 {6}100% #+ <- threshold 2500 ms \(91\.6667% at most\) <- threshold 2550 ms \(91\.6667% at most\) <- threshold 2750 ms \(100% at most\)/);
  });

  it('slo backtest --targets --thresholds: the sweep from the command line, JSON and text; bad lists named', async () => {
    const sloDir = join(dir, 'slos');
    mkdirSync(sloDir, { recursive: true });
    writeFileSync(join(sloDir, 'sweep.yaml'), YAML);
    const base = ['slo', 'backtest', '--slos', sloDir, '--from', new Date(FROM).toISOString(), '--to', new Date(TO).toISOString(), '--data', data, '--database', database];
    const json = await runCli([...base, '--targets', '0.99,0.9', '--thresholds', '3000,2500,2550,2750', '--json']);
    expect(json.err).toBe('');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual(JSON.parse(JSON.stringify(result)));
    const text = await runCli([...base, '--thresholds', '2500']);
    expect(text.code).toBe(0);
    expect(text.out).toContain('  99%     2500 ms    1      1        66         2026-03-10 02:08Z\n');
    const bad = await runCli([...base, '--targets', '0.99,1.5']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('--targets: expected objectives between 0 and 1, got "1.5"');
  });
});
