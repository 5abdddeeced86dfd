import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signalId } from '../../processors/slo/core/signal.js';
import { SloCatalog } from '../../processors/slo/definitions/catalog.js';
import { SloBoardFeed } from '../../processors/slo/runtime/board-feed.js';
import type { BacktestResult } from '../../processors/slo/replay/backtest.js';
import type { SweepResult, SweepSlo } from '../../processors/slo/replay/sweep.js';
import type { StatusSeries } from '../../query-api/services/series-service.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { auth, json, testApi } from '../api/support.js';
import { runCli } from '../support/cli.js';
import { cliWarehouse } from './cli-warehouse.js';
import { AVAILABILITY_SLO, coffeeWalkLines, compositeYaml, LATENCY_SLO, writeCoffeeSlos } from './composite-support.js';

// The fixture of composite-status.test.ts: two hours of Vienna coffee walks, 10 a minute; the
// first hour all complete in 1 s; in the second, one of every 10 fails and one completes in
// 3 s. After k bad minutes a window of the last hour holds, for the latency SLO (0.95, weight
// 2), k slow of 600 - k completed and, for the availability SLO (0.99, weight 1), k failed of
// 600; the composite burns the weighted average of those burns (core/composite.ts).
const store = cliWarehouse('slo-composite-bt-', 'slocompbt');
const { data, database, wh } = store;
const deployed = join(store.dir, 'deployed');
const proposed = join(store.dir, 'proposed');
const BASE = Date.parse('2026-03-02T00:00:00Z');
const T = BASE + 120 * 60_000;
const ID = 'vien-coffee-experience';
const MIN = 60_000;

/** The composite's burn over the last hour after k bad minutes, from the components' own figures. */
const hourBurn = (k: number): number => (2 * (k / (600 - k) / 0.05) + k / 600 / 0.01) / 3;

/** The proposal: the composite pages at 2x over 1h and 5m, no tickets. */
const PROPOSED_COMPOSITE = compositeYaml({ annotations: { 'ops.alert.page': '2x 1h/5m', 'ops.alert.ticket': 'none' } });

describe('composite SLOs in backtests, sweeps and the status page series', () => {
  beforeAll(async () => {
    writeCoffeeSlos(deployed);
    writeCoffeeSlos(proposed, { composite: PROPOSED_COMPOSITE });
    await store.ingest('events.jsonl', coffeeWalkLines(BASE, 'CB'));
  });
  afterAll(() => store.drop());

  it('slo backtest: the proposed composite pages when its 1h burn reaches 2, beside the deployed composite of the same id', async () => {
    // 25 bad minutes: 1.9686...; 26: 2.0480... (the 5m window is all bad by then: 4.81...).
    expect(hourBurn(25)).toBeLessThan(2);
    expect(hourBurn(26)).toBeGreaterThanOrEqual(2);
    const args = ['slo', 'backtest', '--slos', proposed, '--baseline', deployed, '--from', new Date(BASE).toISOString(), '--to', new Date(T).toISOString(), '--step', '60', ...wh];
    const r = await runCli([...args, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as BacktestResult;
    expect(result.slos.map((s) => [s.slo_id, s.kind ?? 'slo'])).toEqual([
      ['vien-coffee-latency', 'slo'],
      ['vien-coffee-availability', 'slo'],
      [ID, 'composite'],
    ]);
    const c = result.slos[2];
    const pageAt = BASE + 86 * MIN;
    expect(c?.proposed.alerts).toEqual([
      {
        severity: 'PAGE',
        status: 'FIRING',
        at: new Date(pageAt).toISOString(),
        long_window: '1h',
        short_window: '5m',
        burn_rate_long: Number(hourBurn(26).toFixed(12)),
        burn_rate_short: Number(((2 * (5 / 45 / 0.05) + 5 / 50 / 0.01) / 3).toFixed(12)),
        burn_rate_threshold: 2,
        signal_id: signalId(ID, 'PAGE', pageAt / MIN, 'FIRING'),
      },
    ]);
    // The deployed composite (the default rules of a 30-day window) never pages; its TICKET 3d/6h (x1) fires at +77,
    // as slo status and the signal feed give it (composite-status.test.ts).
    expect(c?.current?.alerts.map((a) => [a.severity, a.status, a.at, a.long_window, a.short_window])).toEqual([['TICKET', 'FIRING', new Date(BASE + 77 * MIN).toISOString(), '3d', '6h']]);
    // Both end at the last minute before --to: 59 bad minutes, the composite's window holding both hours.
    const last = BASE + 119 * MIN;
    const burn = (2 * (59 / 1131 / 0.05) + 59 / 1190 / 0.01) / 3;
    for (const run of [c?.proposed, c?.current]) {
      expect(run?.final?.evaluated_at).toBe(new Date(last).toISOString());
      expect(run?.final?.target).toBe(0.98);
      expect(run?.final?.error_budget_remaining).toBeCloseTo(1 - burn, 9);
      expect(run?.final?.sli).toBeCloseTo(1 - burn * 0.02, 9);
    }
    expect(c?.proposed.final?.alerts).toEqual([{ severity: 'PAGE', status: 'FIRING', long_window: '1h', short_window: '5m' }]);
    // The curve every 60 minutes: nothing spent after the clean hour.
    expect(c?.proposed.curve.map((p) => [p.at, p.error_budget_remaining])).toEqual([
      [new Date(BASE).toISOString(), 1],
      [new Date(BASE + 60 * MIN).toISOString(), 1],
    ]);
    const text = await runCli(args);
    expect(text.out).toContain(`${ID} (composite)\n  proposed: 1 page(s), 0 ticket(s);`);
    expect(text.out).toContain('  current : 0 page(s), 1 ticket(s);');
  });

  it('slo backtest --targets: the composite swept on its own target; --thresholds named as not applicable to it', async () => {
    const args = ['slo', 'backtest', '--slos', proposed, '--from', new Date(BASE).toISOString(), '--to', new Date(T).toISOString(), '--targets', '0.98,0.9', '--thresholds', '2500', ...wh];
    const r = await runCli([...args, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as SweepResult;
    const c = result.slos.find((s) => s.slo_id === ID) as SweepSlo;
    expect(result.slos.map((s) => [s.slo_id, s.indicator])).toEqual([
      ['vien-coffee-latency', 'latency'],
      ['vien-coffee-availability', 'ratio'],
      [ID, 'composite'],
    ]);
    const burn = (2 * (59 / 1131 / 0.05) + 59 / 1190 / 0.01) / 3;
    expect(c.variants.map((v) => [v.target, v.threshold_ms, v.as_defined, v.pages, v.page_times])).toEqual([
      [0.98, null, true, 1, [new Date(BASE + 86 * MIN).toISOString()]],
      [0.9, null, false, 1, [new Date(BASE + 86 * MIN).toISOString()]],
    ]);
    // Its burn does not depend on its own target: only the SLI moves (1 - burn x (1 - target)).
    expect(c.variants[0]?.final_sli).toBeCloseTo(1 - burn * 0.02, 9);
    expect(c.variants[1]?.final_sli).toBeCloseTo(1 - burn * 0.1, 9);
    expect(c.variants[0]?.final_error_budget_remaining).toBeCloseTo(1 - burn, 9);
    expect(c.variants[1]?.final_error_budget_remaining).toBeCloseTo(1 - burn, 9);
    expect(c.history).toEqual({ first_data_at: new Date(BASE).toISOString(), minutes: 120, minutes_with_data: 120, units: 1140 + 1200 });
    expect(c.warnings.map((w) => w.code)).toEqual(['THRESHOLDS_NOT_APPLICABLE', 'HISTORY_SHORTER_THAN_WINDOW', 'COMPOSITE_TARGET_MOVES_SLI_ONLY']);
    expect(c.warnings[0]?.message).toBe(`${ID} is a composite SLO: --thresholds were not applied (only its target was varied); sweep its latency components on their own (vien-coffee-latency)`);
    const text = await runCli(args);
    expect(text.out).toContain(`  warning THRESHOLDS_NOT_APPLICABLE: ${ID} is a composite SLO: --thresholds were not applied`);
  });

  it('the API: POST /v1/backtest with a composite, GET /v1/slos/:id/sweep of the deployed composite, /status/series with its curve and components', async () => {
    const w = await ChdbWarehouse.open({ dataDir: data, database });
    let app: FastifyInstance | undefined;
    try {
      const catalog = SloCatalog.open({ dir: deployed, checkEveryMs: Infinity });
      const feed = new SloBoardFeed(w, () => catalog.current(), {}, () => catalog.composites());
      await feed.tick({ version: 1, now: T + 3_600_000 });
      app = await testApi(w, { sloDir: deployed, now: () => new Date(T) });
      const from = new Date(BASE).toISOString();
      const to = new Date(T).toISOString();
      const bt = await app.inject({
        method: 'POST',
        url: `/v1/backtest?from=${from}&to=${to}`,
        headers: { ...auth('product'), 'content-type': 'application/yaml' },
        payload: `${LATENCY_SLO}---\n${AVAILABILITY_SLO}---\n${PROPOSED_COMPOSITE}`,
      });
      expect(bt.statusCode, bt.body).toBe(200);
      const cli = JSON.parse((await runCli(['slo', 'backtest', '--slos', proposed, '--baseline', deployed, '--from', from, '--to', to, '--json', ...wh])).out) as BacktestResult;
      const api = json<BacktestResult>(bt.body);
      expect(api.slos[2]).toMatchObject({ slo_id: ID, kind: 'composite', proposed: { alerts: cli.slos[2]?.proposed.alerts }, current: { alerts: cli.slos[2]?.current?.alerts } });
      expect(api.slos[2]?.proposed.final?.error_budget_remaining).toBe(cli.slos[2]?.proposed.final?.error_budget_remaining);

      const sw = await app.inject({ url: `/v1/slos/${ID}/sweep?from=${from}&to=${to}&targets=0.98,0.9`, headers: auth('product') });
      expect(sw.statusCode, sw.body).toBe(200);
      const sweep = json<SweepSlo>(sw.body);
      expect(sweep).toMatchObject({ slo_id: ID, indicator: 'composite', threshold_ms: null, distribution: null });
      // The deployed composite: its TICKET at +77 for either target.
      expect(sweep.variants.map((v) => [v.target, v.pages, v.tickets, v.ticket_times])).toEqual([
        [0.98, 0, 1, [new Date(BASE + 77 * MIN).toISOString()]],
        [0.9, 0, 1, [new Date(BASE + 77 * MIN).toISOString()]],
      ]);

      const series = json<StatusSeries>((await app.inject({ url: '/status/series?points=3', headers: auth('product') })).body);
      expect(series.slos.map((s) => [s.slo_id, s.kind ?? 'slo'])).toEqual([
        ['vien-coffee-latency', 'slo'],
        ['vien-coffee-availability', 'slo'],
        [ID, 'composite'],
      ]);
      const cs = series.slos[2];
      expect(cs?.components).toEqual([
        { slo_id: 'vien-coffee-latency', weight: 2, share: 0.666666666667, target: 0.95, referenced: true },
        { slo_id: 'vien-coffee-availability', weight: 1, share: 0.333333333333, target: 0.99, referenced: true },
      ]);
      expect(cs?.alert_rules.map((r) => `${r.severity} ${r.threshold}x ${r.long_window}/${r.short_window}`)).toEqual(catalog.composites()[0]?.definition.alerting.rules.map((r) => `${r.severity} ${r.threshold}x ${r.longWindow}/${r.shortWindow}`));
      // The newest point is the composite's status at the board's newest minute, as slo status gives it.
      const newest = cs?.points[cs.points.length - 1];
      expect(cs?.points).toHaveLength(3);
      expect(newest?.at).toBe(cs?.to);
      const status = json<{ items: Array<{ slo_id: string; sli: number; error_budget_remaining: number; burn_rates: Record<string, number> }> }>(
        (await app.inject({ url: `/v1/slos/status?at=${cs?.to ?? ''}&limit=10`, headers: auth('product') })).body,
      ).items.find((s) => s.slo_id === ID);
      expect(newest).toEqual({ at: cs?.to, sli: status?.sli, error_budget_remaining: status?.error_budget_remaining, burn_rates: status?.burn_rates });
      // 59 bad minutes by the board's newest minute (01:59): the figures of the components' counts.
      const burn = (2 * (59 / 1131 / 0.05) + 59 / 1190 / 0.01) / 3;
      expect(cs?.to).toBe(new Date(T - MIN).toISOString());
      expect(newest?.error_budget_remaining).toBeCloseTo(1 - burn, 9);
      expect(newest?.sli).toBeCloseTo(1 - burn * 0.02, 9);
    } finally {
      await app?.close();
      await w.close();
    }
  });
});
