import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyEvent, SloBreachSignal } from '../../processors/contracts/events.js';
import type { BacktestResult } from '../../processors/slo/index.js';
import { signalId } from '../../processors/slo/core/signal.js';
import { SloCatalog } from '../../processors/slo/definitions/catalog.js';
import type { CompositeSlo } from '../../processors/slo/definitions/composite.js';
import { loadSloFiles } from '../../processors/slo/definitions/load.js';
import { withFileMaintenance } from '../../processors/slo/definitions/maintenance-load.js';
import { compositeSignals, evaluateComposite, evaluateCompositeSeries, toCompositeContractStatus } from '../../processors/slo/replay/composite-status.js';
import { refreshSloBoard, SloBoardFeed } from '../../processors/slo/runtime/board-feed.js';
import { CompositeSignalFeed } from '../../processors/slo/runtime/composite-feed.js';
import { listStoredWindows } from '../../processors/slo/store/maintenance-windows.js';
import { budgetSignals } from '../../processors/slo/replay/budget-status.js';
import { withMaintenance } from '../../processors/slo/core/maintenance.js';
import { buildMaintenanceWindow } from '../../processors/slo/definitions/maintenance.js';
import { withCompositeMaintenance } from '../../processors/slo/core/composite-maintenance.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import type { SignalSink } from '../../sinks/signals/types.js';
import { migrate } from '../../sinks/warehouse/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { auth, json, testApi } from '../api/support.js';
import { runCli } from '../support/cli.js';
import { randomName } from '../support/warehouse.js';
import { insertFacts } from './sim-events.js';
import { journey, sloFromYaml, sloYaml } from './support.js';

/**
 * Maintenance windows in a composite SLO: a window on a component takes its minutes out of
 * that component, one on the composite out of every component, and either gives the
 * composite's status, history and board rows of the same data without those events (a second
 * database holding the data with those events removed, evaluated without windows); a window
 * on the composite holds back its signals.
 */

const T0 = Date.parse('2026-01-05T00:00:00Z');
const END = T0 + 4 * 3_600_000;
const iso = (hhmm: string): string => `2026-01-05T${hhmm}:00.000Z`;
const at = (hhmm: string): number => Date.parse(iso(hhmm));
const MIN = 60_000;

/** Coffee: 20 journeys a minute, all failing 01:10-01:40. Tram: 10 a minute, one of ten failing 02:00-02:30. */
function traffic(keep: (j: JourneyEvent) => boolean = () => true): JourneyEvent[] {
  const out: JourneyEvent[] = [];
  for (let t = T0; t < END; t += MIN) {
    const coffeeBad = t >= at('01:10') && t < at('01:40');
    for (let k = 0; k < 20; k++) out.push(journey(coffeeBad ? 'JOURNEY_FAILED' : 'JOURNEY_COMPLETED', t + k * 2_000, { event_id: `EV-COF-${t}-${k}` }));
    const tramBad = t >= at('02:00') && t < at('02:30');
    for (let k = 0; k < 10; k++) {
      out.push(
        journey(tramBad && k === 0 ? 'JOURNEY_FAILED' : 'JOURNEY_COMPLETED', t + k * 3_000, {
          event_id: `EV-TRAM-${t}-${k}`,
          product_version_id: 'PRDV-PRAG-TRAM',
          journey_blueprint_id: 'JRNY-PRAG-TRAM',
        }),
      );
    }
  }
  return out.filter(keep);
}

const inside = (j: JourneyEvent, from: string, to: string): boolean => j.occurred_at >= at(from) && j.occurred_at < at(to);
const isCoffee = (j: JourneyEvent): boolean => j.product_version_id === 'PRDV-VIEN-COFFEE';

const COFFEE = sloYaml({ name: 'vien-coffee', target: 0.99, window: '30d' }).replace('  name: vien-coffee\n', '  name: vien-coffee\n  labels: {team: payments}\n');
const TRAM = sloYaml({ name: 'prague-tram', target: 0.99, window: '30d' }).replaceAll('PRDV-VIEN-COFFEE', 'PRDV-PRAG-TRAM');
const COMPOSITE = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: city-journeys
  labels: {tier: gold}
spec:
  service: journeys
  timeWindow: [{duration: 30d, isRolling: true}]
  composite:
    components:
      - {slo: vien-coffee, weight: 2}
      - {slo: prague-tram, weight: 1}
  objectives:
    - {target: 0.99}
`;
const SET = `${COFFEE}---\n${TRAM}---\n${COMPOSITE}`;

const brief = (list: SloBreachSignal[]): string[][] => list.map((x) => [x.severity, x.status, new Date(x.evaluated_at).toISOString().slice(11, 16)]);

type Status = Record<string, unknown> & { slo_id: string };
type BoardRow = { minute: string; good: number; total: number; sli: number | null; error_budget_remaining: number; burn_rates: Record<string, number>; firing_page: number; firing_ticket: number };

describe('maintenance windows in composite SLOs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slo-maint-composite-'));
  const data = join(dir, 'data');
  const slosDir = join(dir, 'slos');
  const database = randomName('maintcomp');
  /** The same data without coffee's events 01:00-01:30; and without every event 01:00-01:30. */
  const withoutCoffee = randomName('maintcompa');
  const withoutAll = randomName('maintcompb');
  let wh: Warehouse;
  let refCoffee: Warehouse;
  let refAll: Warehouse;
  let app: FastifyInstance;
  let composite: CompositeSlo;

  const post = async (body: Record<string, unknown>): Promise<void> => {
    const r = await app.inject({ method: 'POST', url: '/v1/maintenance-windows', headers: { ...auth('sre'), 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    expect(r.statusCode, r.body).toBe(200);
  };
  const remove = async (name: string): Promise<void> => {
    const r = await app.inject({ method: 'DELETE', url: `/v1/maintenance-windows/${name}`, headers: auth('sre') });
    expect(r.statusCode, r.body).toBe(200);
  };
  const status = async (id: string, hhmm: string): Promise<Status> => {
    const r = await app.inject({ url: `/v1/slos/${id}/status?at=${iso(hhmm)}`, headers: auth('sre') });
    expect(r.statusCode, r.body).toBe(200);
    const { service: _s, labels: _l, ...rest } = json<Status>(r.body);
    return rest as Status;
  };
  const history = async (from: string, to: string): Promise<unknown[]> => {
    const r = await app.inject({ url: `/v1/slos/city-journeys/history?from=${iso(from)}&to=${iso(to)}&step_minutes=1&limit=1000`, headers: auth('sre') });
    expect(r.statusCode, r.body).toBe(200);
    return json<{ items: unknown[] }>(r.body).items;
  };
  /** The composite of the folder, without any window, evaluated on `ref`. */
  const refStatus = async (ref: Warehouse, hhmm: string): Promise<Status> => toCompositeContractStatus(await evaluateComposite(ref, composite, at(hhmm))) as unknown as Status;
  const refHistory = async (ref: Warehouse, from: string, to: string): Promise<unknown[]> =>
    (await evaluateCompositeSeries(ref, composite, at(from), at(to) - 1)).map((e) => ({ at: new Date(e.at).toISOString(), sli: e.sli, error_budget_remaining: e.error_budget_remaining, burn_rates: e.burn_rates }));
  const board = (w: Warehouse, id: string): Promise<BoardRow[]> =>
    w.query<BoardRow>(
      `SELECT toString(minute) AS minute, good, total, sli, error_budget_remaining, burn_rates, firing_page, firing_ticket
       FROM slo_board_minute FINAL WHERE slo_id = {id:String} ORDER BY minute`,
      { id },
    );

  beforeAll(async () => {
    mkdirSync(slosDir);
    writeFileSync(join(slosDir, 'city.yaml'), SET);
    wh = await ChdbWarehouse.open({ dataDir: data, database });
    refCoffee = await ChdbWarehouse.open({ dataDir: data, database: withoutCoffee });
    refAll = await ChdbWarehouse.open({ dataDir: data, database: withoutAll });
    for (const w of [wh, refCoffee, refAll]) await migrate(w);
    await insertFacts(wh, { journey: traffic() });
    await insertFacts(refCoffee, { journey: traffic((j) => !(isCoffee(j) && inside(j, '01:00', '01:30'))) });
    await insertFacts(refAll, { journey: traffic((j) => !inside(j, '01:00', '01:30')) });
    const c = SloCatalog.open({ dir: slosDir, checkEveryMs: Infinity }).composites()[0];
    if (!c) throw new Error('no composite');
    composite = c;
    app = await testApi(wh, { sloDir: slosDir, statusCacheMs: 0, boardFeed: false, auth: { publicStatus: false } });
  });
  afterAll(async () => {
    await app.close();
    for (const [w, db] of [
      [refCoffee, withoutCoffee],
      [refAll, withoutAll],
      [wh, database],
    ] as const) {
      await w.exec(`DROP DATABASE IF EXISTS ${db}`);
      await w.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('a window in the folder may name the composite: each component gets the windows of the composite and its own', () => {
    const text = `${SET}---
apiVersion: openslo/v1
kind: MaintenanceWindow
metadata: {name: gold-freeze}
spec: {selector: {slos: [city-journeys]}, start: "2026-01-05T01:00", duration: 30m, reason: release freeze}
---
apiVersion: openslo/v1
kind: MaintenanceWindow
metadata: {name: coffee-drill}
spec: {selector: {labels: {team: payments}}, start: "2026-01-05T02:00", duration: 10m, reason: failover drill}
`;
    const r = withFileMaintenance([{ file: 'city.yaml', text }], loadSloFiles([{ file: 'city.yaml', text }]));
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const c = r.composites[0];
    expect(c?.definition.maintenance?.map((w) => w.name)).toEqual(['gold-freeze']);
    expect(c?.components.map((comp) => [comp.slo.id, comp.slo.maintenance?.map((w) => w.name)])).toEqual([
      ['vien-coffee', ['gold-freeze', 'coffee-drill']],
      ['prague-tram', ['gold-freeze']],
    ]);
    // The SLOs on their own keep only the windows selecting them.
    expect(r.slos.map((s) => [s.id, s.maintenance?.map((w) => w.name)])).toEqual([
      ['vien-coffee', ['coffee-drill']],
      ['prague-tram', undefined],
    ]);
  });

  it('a window on a component, declared through the API after the fact: status, history, board rows and backtest are those of the data without its events', async () => {
    const feed = new SloBoardFeed(wh, () => SloCatalog.open({ dir: slosDir, checkEveryMs: Infinity }).current(), {}, () => [composite]);
    const later = (): number => Date.now() + 60_000;
    await feed.tick({ version: 1, now: later() });
    const before = await board(wh, 'city-journeys');
    // T = 00:01 .. 03:59.
    expect(before.length).toBe(239);
    const plain = await status('city-journeys', '01:45');
    // Without the window the composite is what the stored data gives, not what the data without coffee's outage gives.
    expect(plain).toEqual(await refStatus(wh, '01:45'));
    expect(plain).not.toEqual(await refStatus(refCoffee, '01:45'));

    await post({ name: 'coffee-drill', selector: { slos: ['vien-coffee'] }, start: '2026-01-05T01:00', duration: '30m', time_zone: 'UTC', reason: 'failover drill' });
    for (const hhmm of ['01:00', '01:15', '01:30', '01:45', '02:15', '03:59']) expect(await status('city-journeys', hhmm), hhmm).toEqual(await refStatus(refCoffee, hhmm));
    const s = await status('city-journeys', '01:45');
    // 00:00-01:44 less the 30 minutes out: 1,500 of coffee's events count, of which 01:30-01:39's 200 failed; tram's 1,050 all good.
    expect((s['components'] as Array<Record<string, unknown>>).map((c) => [c['slo_id'], c['sli']])).toEqual([
      ['vien-coffee', 0.866666666667],
      ['prague-tram', 1],
    ]);
    expect(await history('00:50', '02:00')).toEqual(await refHistory(refCoffee, '00:50', '02:00'));
    // The CLI answers the same.
    const cli = await runCli(['slo', 'status', '--slos', slosDir, '--at', iso('01:45'), '--json', '--data', data, '--database', database]);
    expect(cli.err).toBe('');
    expect((JSON.parse(cli.out) as Status[]).find((r) => r.slo_id === 'city-journeys')).toEqual(s);

    // The board feed redoes coffee and the composite from T = 01:01 (the first excluded minute is in the window ending there).
    expect(await feed.tick({ version: 2, now: later() })).toEqual({ slos: 3, rows: 2 * 179, backlogMinutes: 0 });
    await refreshSloBoard(refCoffee, [composite.definition], T0 + MIN, END - MIN, 1, new Map([[composite.definition.id, composite]]));
    const during = await board(wh, 'city-journeys');
    expect(during).toEqual(await board(refCoffee, 'city-journeys'));
    expect(during).not.toEqual(before);

    // The API's backtest counts it for the proposed composite and the deployed one: their curves are the history of the data without those events.
    const r = await app.inject({ method: 'POST', url: `/v1/backtest?from=${iso('00:00')}&to=${new Date(END).toISOString()}`, headers: { ...auth('product'), 'content-type': 'application/yaml' }, payload: SET });
    expect(r.statusCode, r.body).toBe(200);
    const run = json<BacktestResult>(r.body).slos.find((x) => x.slo_id === 'city-journeys');
    const expected = await refHistory(refCoffee, '00:00', '04:00');
    expect(run?.proposed.curve).toEqual(expected);
    expect(run?.current?.curve).toEqual(expected);

    await remove('coffee-drill');
    expect((await feed.tick({ version: 3, now: later() }))?.rows).toBe(2 * 179);
    expect(await board(wh, 'city-journeys')).toEqual(before);
    expect(await status('city-journeys', '01:45')).toEqual(plain);
  });

  it('a window on the composite (by its label) takes the minutes out of every component of it, not out of the component SLOs', async () => {
    const coffee = await status('vien-coffee', '01:45');
    await post({ name: 'gold-freeze', selector: { labels: { tier: 'gold' } }, start: '2026-01-05T01:00', duration: '30m', time_zone: 'UTC', reason: 'release freeze' });
    try {
      for (const hhmm of ['01:15', '01:45', '03:59']) expect(await status('city-journeys', hhmm), hhmm).toEqual(await refStatus(refAll, hhmm));
      expect(await history('00:55', '01:50')).toEqual(await refHistory(refAll, '00:55', '01:50'));
      // The SLOs on their own still count those minutes.
      expect(await status('vien-coffee', '01:45')).toEqual(coffee);
      expect(coffee['error_budget_remaining']).toBeLessThan(0);
    } finally {
      await remove('gold-freeze');
    }
  });

  it("the signal feed holds back the composite's signals inside windows on it (declared through the API) and sends what is owed when they end", async () => {
    const plain = (await compositeSignals(wh, composite, T0, END)).signals;
    // Coffee's outage: TICKET (1d/2h x3) at 01:12; PAGE on its 6h/30m rule (x6) at 01:17, when 140 of 1,540 coffee
    // journeys in 6h failed (2 x 9.09 / 3 = 6.06; at 01:16, 2 x 7.89 / 3 = 5.26); resolved at 02:23.
    expect(brief(plain)).toEqual([
      ['TICKET', 'FIRING', '01:12'],
      ['PAGE', 'FIRING', '01:17'],
      ['PAGE', 'RESOLVED', '02:23'],
    ]);
    // The PAGE fires inside the first window and resolves inside the second.
    await post({ name: 'hold-page', selector: { slos: ['city-journeys'] }, start: '2026-01-05T01:17', duration: '3m', time_zone: 'UTC', reason: 'planned switch-over' });
    await post({ name: 'hold-resolve', selector: { labels: { tier: 'gold' } }, start: '2026-01-05T02:22', duration: '4m', time_zone: 'UTC', reason: 'planned switch-back' });
    try {
      const windows = (await listStoredWindows(wh)).map((x) => x.window);
      // A replay without holding, the windows' minutes out: the same transitions at the same minutes.
      const unheld = (await compositeSignals(wh, withCompositeMaintenance([composite], windows)[0] as CompositeSlo, T0, END)).signals;
      expect(brief(unheld)).toEqual(brief(plain));
      const sent: SloBreachSignal[] = [];
      const sink: SignalSink = { name: 'collect', sendBreaches: async (x) => void sent.push(...x), sendScores: async () => {}, close: async () => {} };
      const feed = new CompositeSignalFeed(wh, () => [composite], () => [], [sink], { evaluatedUpTo: END }, { catchUpMinutes: (END - T0) / MIN - 1 });
      await feed.tick();
      // Each is sent at the first minute after its window, with its id.
      expect(brief(sent)).toEqual([
        ['TICKET', 'FIRING', '01:12'],
        ['PAGE', 'FIRING', '01:20'],
        ['PAGE', 'RESOLVED', '02:26'],
      ]);
      expect(sent.map((x) => x.signal_id)).toEqual(unheld.map((x) => x.signal_id));
      expect(sent[1]?.signal_id).toBe(signalId('city-journeys', 'PAGE', at('01:17') / MIN, 'FIRING'));
      // Following the evaluator minute by minute (ticks inside and at the end of each window) sends the same.
      const stepped: SloBreachSignal[] = [];
      const clock = { evaluatedUpTo: at('01:00') as number | null };
      const follower = new CompositeSignalFeed(wh, () => [composite], () => [], [{ ...sink, sendBreaches: async (x) => void stepped.push(...x) }], clock, { catchUpMinutes: 60 });
      for (let t = at('01:00'); t <= at('02:40'); t += MIN) {
        clock.evaluatedUpTo = t;
        await follower.tick();
      }
      clock.evaluatedUpTo = END;
      await follower.tick();
      expect(stepped).toEqual(sent);
    } finally {
      await remove('hold-page');
      await remove('hold-resolve');
    }
  });

  it("the feed holds back an SLO's budget alert inside a window on that SLO the same way", async () => {
    const budgeted = sloFromYaml(COFFEE.replace('  labels: {team: payments}\n', '  labels: {team: payments}\n  annotations:\n    ops.alert.budget: "TICKET below 50%"\n'));
    const b = buildMaintenanceWindow('coffee-switch', { selector: { slos: ['vien-coffee'] }, start: '2026-01-05T01:11', duration: '3m', reason: 'switch-over' }, 'test');
    if (!b.ok) throw new Error(JSON.stringify(b.problems));
    const [slo] = withMaintenance([budgeted], [b.window]);
    if (!slo) throw new Error('no SLO');
    // Without holding: below 50% at 01:11, when 20 of 1,420 failed (remaining 1 - 1.41 < 0.5), and it stays below.
    const unheld = await budgetSignals(wh, slo, T0 / MIN + 1, END / MIN);
    expect(brief(unheld)).toEqual([['TICKET', 'FIRING', '01:11']]);
    const sent: SloBreachSignal[] = [];
    const sink: SignalSink = { name: 'collect', sendBreaches: async (x) => void sent.push(...x), sendScores: async () => {}, close: async () => {} };
    await new CompositeSignalFeed(wh, () => [], () => [slo], [sink], { evaluatedUpTo: END }, { catchUpMinutes: (END - T0) / MIN - 1 }).tick();
    expect(brief(sent)).toEqual([['TICKET', 'FIRING', '01:14']]);
    expect(sent[0]?.signal_id).toBe(unheld[0]?.signal_id);
  });
});
