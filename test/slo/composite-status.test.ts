import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SloCatalog } from '../../processors/slo/definitions/catalog.js';
import type { ContractStatus } from '../../processors/slo/replay/status.js';
import { compositeSignals, evaluateComposite } from '../../processors/slo/replay/composite-status.js';
import { formatProblem, loadSloFiles } from '../../processors/slo/definitions/load.js';
import { signalId } from '../../processors/slo/core/signal.js';
import { SloService } from '../../query-api/services/slo-service.js';
import { refreshSloBoard, SloBoardFeed } from '../../processors/slo/runtime/board-feed.js';
import { CompositeSignalFeed } from '../../processors/slo/runtime/composite-feed.js';
import { SloEvaluator } from '../../processors/slo/runtime/evaluator.js';
import { budgetSignals } from '../../processors/slo/replay/budget-status.js';
import { budgetAlertId } from '../../processors/slo/core/budget-alerts.js';
import type { SloBreachSignal } from '../../processors/contracts/events.js';
import type { SignalSink } from '../../sinks/signals/types.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { runCli } from '../support/cli.js';
import { randomName } from '../support/warehouse.js';
import { cliWarehouse } from './cli-warehouse.js';
import { AVAILABILITY_SLO, coffeeWalkLines, writeCoffeeSlos } from './composite-support.js';

// Two hours of Vienna coffee walks stored through `ingest` into an embedded warehouse, 10 a
// minute: the first hour all complete in 1 s; in the second, one of every 10 fails and one
// completes in 3 s. `slo status` at the end: the latency SLO (0.95, weight 2) has 60 slow of
// 1140 completed (burn 1.0526...), the availability SLO (0.99, weight 1) 60 failed of 1200
// (burn 5), the composite (target 0.98) burns (2 * 1.0526... + 5) / 3 = 45/19.
const store = cliWarehouse('slo-composite-', 'slocomp');
const { data, database, wh } = store;
const slos = join(store.dir, 'slos');
const BASE = Date.parse('2026-03-02T00:00:00Z');
const T = BASE + 120 * 60_000;
const BUDGETED = AVAILABILITY_SLO.replace('  name: vien-coffee-availability\n', '  name: vien-coffee-availability\n  annotations:\n    ops.alert.budget: "TICKET below 50%"\n');

type Row = ContractStatus & { kind?: string; components?: Array<Record<string, unknown>> };

describe('composite SLOs and budget alerts in slo status and the API', () => {
  beforeAll(async () => {
    writeCoffeeSlos(slos, { availability: BUDGETED });
    await store.ingest('events.jsonl', coffeeWalkLines(BASE, 'C'));
  });
  afterAll(() => store.drop());

  it('slo validate lists the composites after the SLOs', async () => {
    const j = await runCli(['slo', 'validate', slos, '--json']);
    expect(JSON.parse(j.out)).toEqual({ ok: true, slos: ['vien-coffee-latency', 'vien-coffee-availability'], composites: ['vien-coffee-experience'] });
    const t = await runCli(['slo', 'validate', slos]);
    expect(t.out.trim()).toBe(`${slos}: 2 SLOs valid (vien-coffee-latency, vien-coffee-availability); 1 composite SLO (vien-coffee-experience)`);
  });

  it('slo status --json: the SLOs, then the composite with its own figures and components', async () => {
    const r = await runCli(['slo', 'status', '--slos', slos, '--at', new Date(T).toISOString(), '--json', ...wh]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Row[];
    expect(rows.map((x) => x.slo_id)).toEqual(['vien-coffee-latency', 'vien-coffee-availability', 'vien-coffee-experience']);
    const [latency, availability, composite] = rows;
    // An SLO without budget alerts keeps exactly the contract keys.
    expect(Object.keys(latency ?? {}).sort()).toEqual(['alerts', 'burn_rates', 'error_budget_remaining', 'evaluated_at', 'sli', 'slo_id', 'target', 'time_to_exhaustion_seconds']);
    expect(latency).toMatchObject({ sli: 0.947368421053, error_budget_remaining: -0.052631578947 });
    // 60 failed of 1200: budget 1 - 60 / 12 = -4; the TICKET budget alert fired at +64 min, when 4 of 640 failed (1 - 4 / 6.4 = 0.375 < 0.5).
    expect(availability).toMatchObject({
      sli: 0.95,
      error_budget_remaining: -4,
      time_to_exhaustion_seconds: 0,
      budget_alerts: [{ severity: 'TICKET', status: 'FIRING', remaining_below: 0.5, firing_since: new Date(BASE + 64 * 60_000).toISOString() }],
      budget_exhausted_at: new Date(T).toISOString(),
    });
    expect(composite).toEqual({
      slo_id: 'vien-coffee-experience',
      kind: 'composite',
      sli: 0.952631578947,
      target: 0.98,
      error_budget_remaining: -1.368421052632,
      // 1h, 5m, 30m: latency 60 of 540 (2.2222...), availability 60 of 600 (10): (2 * 2.2222... + 10) / 3.
      burn_rates: { '1h': 4.814814814815, '5m': 4.814814814815, '6h': 2.368421052632, '30m': 4.814814814815, '1d': 2.368421052632, '2h': 2.368421052632, '3d': 2.368421052632 },
      // The TICKET 3d/6h rule (x1) holds since +77 (below).
      alerts: [{ severity: 'TICKET', status: 'FIRING', long_window: '3d', short_window: '6h' }],
      time_to_exhaustion_seconds: 0,
      budget_exhausted_at: new Date(T).toISOString(),
      evaluated_at: new Date(T).toISOString(),
      components: [
        { slo_id: 'vien-coffee-latency', weight: 2, share: 0.666666666667, target: 0.95, sli: 0.947368421053, burn_rate: 1.052631578947, error_budget_remaining: -0.052631578947, referenced: true },
        { slo_id: 'vien-coffee-availability', weight: 1, share: 0.333333333333, target: 0.99, sli: 0.95, burn_rate: 5, error_budget_remaining: -4, referenced: true },
      ],
    });
  });

  it('the API answers the same rows (plus service and labels), and the composite history', async () => {
    const cli = JSON.parse((await runCli(['slo', 'status', '--slos', slos, '--at', new Date(T).toISOString(), '--json', ...wh])).out) as Row[];
    const w = await ChdbWarehouse.open({ dataDir: data, database });
    try {
      const service = new SloService(w, SloCatalog.open({ dir: slos, checkEveryMs: Infinity }), undefined, 0);
      expect(service.list().map((x) => [x.slo_id, x.indicator, x.target])).toEqual([
        ['vien-coffee-latency', 'threshold', 0.95],
        ['vien-coffee-availability', 'ratio', 0.99],
        ['vien-coffee-experience', 'composite', 0.98],
      ]);
      const rows = await service.status(new Date(T));
      expect(rows.map(({ service: _s, labels: _l, ...rest }) => rest)).toEqual(cli);
      const history = await service.history('vien-coffee-experience', new Date(T - 60 * 60_000), new Date(T + 60_000), 60);
      expect(history?.map((p) => [p.at, p.error_budget_remaining])).toEqual([
        [new Date(T - 60 * 60_000).toISOString(), 1],
        [new Date(T).toISOString(), -1.368421052632],
      ]);
      // The composite pages at no minute (its 1h burn stays below 14.4). Its TICKET 3d/6h rule (x1) fires at the
      // first minute both windows burn at least 1: after 17 bad minutes, latency 17 / 753 / 0.05 and availability
      // 17 / 770 / 0.01 give (2 * 0.45153... + 2.20779...) / 3 = 1.03695 (16 minutes: 0.988).
      const c = SloCatalog.open({ dir: slos, checkEveryMs: Infinity }).composites()[0];
      if (!c) throw new Error('no composite');
      const { signals } = await compositeSignals(w, c, BASE, T);
      expect(signals.map((s) => [s.severity, s.status, (s.evaluated_at - BASE) / 60_000, s.long_window, s.burn_rate_long])).toEqual([['TICKET', 'FIRING', 77, '3d', 1.036948885554]]);
      expect(signals[0]?.signal_id).toBe(signalId('vien-coffee-experience', 'TICKET', (BASE + 77 * 60_000) / 60_000, 'FIRING'));
    } finally {
      await w.close();
    }
  });

  it('the board feed writes the composite\'s rows beside the SLOs\' (the boards list it, with its forecast)', async () => {
    const w = await ChdbWarehouse.open({ dataDir: data, database });
    try {
      const catalog = SloCatalog.open({ dir: slos, checkEveryMs: Infinity });
      const c = catalog.composites()[0];
      if (!c) throw new Error('no composite');
      await refreshSloBoard(w, [c.definition], T, T, 1, new Map([[c.definition.id, c]]));
      const [row] = await w.query<{ sli: number; error_budget_remaining: number; time_to_exhaustion_seconds: number | null; total: number; firing_ticket: number }>(
        "SELECT sli, error_budget_remaining, time_to_exhaustion_seconds, total, firing_ticket FROM slo_board_minute FINAL WHERE slo_id = 'vien-coffee-experience' AND minute = toDateTime({t:UInt32}, 'UTC')",
        { t: T / 1000 },
      );
      // The minute ending at T: 9 completed and 10 journeys, 19 units; the TICKET 3d/6h alert fires since +77.
      expect(row).toEqual({ sli: 0.952631578947, error_budget_remaining: -1.368421052632, time_to_exhaustion_seconds: 0, total: 19, firing_ticket: 1 });
      const feed = new SloBoardFeed(w, () => catalog.current(), {}, () => catalog.composites());
      await feed.tick({ version: 2, now: T + 3_600_000 });
      const ids = await w.query<{ slo_id: string; n: string }>('SELECT slo_id, toString(count()) AS n FROM slo_board_minute FINAL GROUP BY slo_id ORDER BY slo_id');
      // A tick of the running feed puts the composite on the boards beside its components.
      expect(ids.map((r) => r.slo_id)).toEqual(['vien-coffee-availability', 'vien-coffee-experience', 'vien-coffee-latency']);
    } finally {
      await w.close();
    }
  });

  it('the signal feed sends the composite\'s alerts and the budget alerts once the evaluator has evaluated their minute', async () => {
    const w = await ChdbWarehouse.open({ dataDir: data, database });
    try {
      const catalog = SloCatalog.open({ dir: slos, checkEveryMs: Infinity });
      const sent: SloBreachSignal[] = [];
      const sink: SignalSink = { name: 'collect', sendBreaches: async (x) => void sent.push(...x), sendScores: async () => {}, close: async () => {} };
      const clock = { evaluatedUpTo: null as number | null };
      const feed = new CompositeSignalFeed(w, () => catalog.composites(), () => catalog.current(), [sink], clock, { catchUpMinutes: 0 });
      expect(await feed.tick()).toEqual([]);
      clock.evaluatedUpTo = BASE + 30_000;
      await feed.tick();
      clock.evaluatedUpTo = BASE + 70 * 60_000 + 2_000;
      await feed.tick();
      clock.evaluatedUpTo = T;
      await feed.tick();
      await feed.tick();
      expect(sent.map((x) => [x.slo_id, x.severity, x.status, (x.evaluated_at - BASE) / 60_000, x.long_window, x.short_window, x.burn_rate_threshold])).toEqual([
        ['vien-coffee-availability', 'TICKET', 'FIRING', 64, '30d', '30d', 0.5],
        ['vien-coffee-experience', 'TICKET', 'FIRING', 77, '3d', '6h', 1],
      ]);
      // The budget alert as a breach signal: remaining 0.375 is a burn of 0.625 over the SLO's 30-day window.
      expect(sent[0]).toMatchObject({
        signal_id: budgetAlertId('vien-coffee-availability', { severity: 'TICKET', remainingBelow: 0.5, text: '50%' }, (BASE + 64 * 60_000) / 60_000, 'FIRING'),
        error_budget_remaining: 0.375,
        burn_rate_long: 0.625,
        sli: 0.99375,
      });
      expect(feed.doneMinute).toBe(T / 60_000);
    } finally {
      await w.close();
    }
  });

  it('following a running evaluator minute by minute, the feed sends exactly what a replay of the whole range gives', async () => {
    const w = await ChdbWarehouse.open({ dataDir: data, database });
    try {
      const catalog = SloCatalog.open({ dir: slos, checkEveryMs: Infinity });
      const sent: SloBreachSignal[] = [];
      const sink: SignalSink = { name: 'collect', sendBreaches: async (x) => void sent.push(...x), sendScores: async () => {}, close: async () => {} };
      const ev = new SloEvaluator({ warehouse: w, slos: catalog.current(), sinks: [], name: randomName('composite-follow') });
      const feed = new CompositeSignalFeed(w, () => catalog.composites(), () => catalog.current(), [sink], ev, { catchUpMinutes: 0 });
      for (let m = 1; m <= 125; m += 4) {
        await ev.advanceTo(BASE + m * 60_000);
        await feed.tick();
      }
      await ev.stop();
      const end = feed.doneMinute ?? 0;
      const c = catalog.composites()[0];
      const availability = catalog.current().find((x) => x.id === 'vien-coffee-availability');
      if (!c || !availability) throw new Error('definitions missing');
      const replay = [
        ...(await compositeSignals(w, c, BASE + 60_000, end * 60_000)).signals,
        ...(await budgetSignals(w, availability, BASE / 60_000 + 1, end)),
      ].sort((a, b) => a.evaluated_at - b.evaluated_at);
      expect(end).toBe(BASE / 60_000 + 125);
      expect(sent.map((x) => x.signal_id)).toEqual(replay.map((x) => x.signal_id));
      expect(sent).toEqual(replay);
      expect(sent.map((x) => [x.slo_id, x.status, (x.evaluated_at - BASE) / 60_000])).toEqual([
        ['vien-coffee-availability', 'FIRING', 64],
        ['vien-coffee-experience', 'FIRING', 77],
      ]);
    } finally {
      await w.close();
    }
  });

  it('an OpenSLO composite (objectives with their own indicators and compositeWeight) reads its components from the warehouse alike', async () => {
    const text = `apiVersion: openslo/v1
kind: SLO
metadata: {name: coffee-inline}
spec:
  service: journeys
  timeWindow: [{duration: 30d, isRolling: true}]
  composite: {target: 0.98}
  objectives:
    - displayName: fast
      op: lte
      value: 2000
      target: 0.95
      compositeWeight: 2
      indicator:
        metadata: {name: coffee-inline-latency}
        spec: {thresholdMetric: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED], where: {product_version_id: PRDV-VIEN-COFFEE}}}}}
    - displayName: available
      target: 0.99
      indicator:
        metadata: {name: coffee-inline-availability}
        spec:
          ratioMetric:
            good: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED], where: {product_version_id: PRDV-VIEN-COFFEE}}}}
            total: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED, JOURNEY_FAILED, JOURNEY_ABANDONED], where: {product_version_id: PRDV-VIEN-COFFEE}}}}
`;
    const r = loadSloFiles([{ file: 'inline.yaml', text }]);
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    const c = r.composites[0];
    if (!c) throw new Error('no composite');
    const w = await ChdbWarehouse.open({ dataDir: data, database });
    try {
      const d = await evaluateComposite(w, c, T);
      // The same indicators, targets and weights as vien-coffee-experience: the same figures.
      expect([d.sli, d.error_budget_remaining, d.burn_rates['1h'], d.alerts.map((a) => `${a.severity} ${a.long_window}/${a.short_window}`)]).toEqual([
        0.952631578947,
        -1.368421052632,
        4.814814814815,
        ['TICKET 3d/6h'],
      ]);
      expect(d.components.map((x) => [x.slo_id, x.burn_rate, x.referenced])).toEqual([
        ['coffee-inline/fast', 1.052631578947, false],
        ['coffee-inline/available', 5, false],
      ]);
    } finally {
      await w.close();
    }
  });
});
