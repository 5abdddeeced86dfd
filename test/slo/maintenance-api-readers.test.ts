import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyEvent } from '../../processors/contracts/events.js';
import type { BacktestResult, BacktestRun, SweepSlo } from '../../processors/slo/index.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import { SloBoardFeed } from '../../processors/slo/runtime/board-feed.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { migrate } from '../../sinks/warehouse/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { auth, json, testApi } from '../api/support.js';
import { runCli } from '../support/cli.js';
import { randomName } from '../support/warehouse.js';
import { insertFacts } from './sim-events.js';
import { journey, sloYaml } from './support.js';

/**
 * A maintenance window declared through the API after the data is in counts for every reader
 * that evaluates figures, not only for the status: the board feed (status page curves,
 * Grafana), the backtest (API and CLI), the sweep (API and CLI) and the history. Deleting
 * it restores what they showed before.
 */

const T0 = Date.parse('2026-01-05T00:00:00Z');
const END = T0 + 4 * 3_600_000;
const FROM_ISO = new Date(T0).toISOString();
const TO_ISO = new Date(END).toISOString();
const iso = (hhmm: string): string => `2026-01-05T${hhmm}:00.000Z`;

/** 20 journeys a minute for 4 hours; 01:10-01:25 every journey fails. */
function traffic(): JourneyEvent[] {
  const out: JourneyEvent[] = [];
  for (let t = T0; t < END; t += 60_000) {
    const bad = t >= Date.parse(iso('01:10')) && t < Date.parse(iso('01:25'));
    for (let k = 0; k < 20; k++) out.push(journey(bad ? 'JOURNEY_FAILED' : 'JOURNEY_COMPLETED', t + k * 2_000));
  }
  return out;
}

/** An SLO document with labels (both SLOs read the same journeys). */
const labelled = (name: string, target: number, labels: string): string =>
  sloYaml({ name, target, window: '30d' }).replace(`  name: ${name}\n`, `  name: ${name}\n  labels: ${labels}\n`);

const DEPLOYED = `${labelled('vien-coffee', 0.99, '{team: payments}')}---\n${sloYaml({ name: 'prague-tram', target: 0.99, window: '30d' })}`;
/** The proposal: the deployed SLO stricter, a new SLO of the same team, and prague-tram as deployed. */
const PROPOSED = `${labelled('vien-coffee', 0.995, '{team: payments}')}---\n${labelled('vien-coffee-new', 0.99, '{team: payments}')}---\n${sloYaml({ name: 'prague-tram', target: 0.99, window: '30d' })}`;

/** 01:00-01:30Z holds the whole breach; it selects by label, so a proposal's SLO of that team is covered too. */
const DRILL = { name: 'failover-drill', selector: { labels: { team: 'payments' } }, start: '2026-01-05T01:00', duration: '30m', time_zone: 'UTC', reason: 'planned failover drill' };

type BoardRow = { minute: string; version: string; good: number; total: number; sli: number | null; error_budget_remaining: number; burn_rates: Record<string, number>; firing_page: number };
type Status = { slo_id: string; sli: number | null; error_budget_remaining: number; burn_rates: Record<string, number> };
type Variant = { target: number; pages: number; tickets: number; page_times: string[] };

const pages = (run: BacktestRun | null | undefined): string[] => (run?.alerts ?? []).filter((a) => a.status === 'FIRING' && a.severity === 'PAGE').map((a) => a.at);

describe('maintenance windows declared through the API, in the board, backtests, sweeps and history', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slo-maint-readers-'));
  const data = join(dir, 'data');
  const database = randomName('maintread');
  const deployedDir = join(dir, 'deployed');
  const proposedDir = join(dir, 'proposed');
  let wh: Warehouse;
  let app: FastifyInstance;

  const post = async (): Promise<void> => {
    const r = await app.inject({ method: 'POST', url: '/v1/maintenance-windows', headers: { ...auth('sre'), 'content-type': 'application/json' }, payload: JSON.stringify(DRILL) });
    expect(r.statusCode, r.body).toBe(200);
  };
  const remove = async (): Promise<void> => {
    const r = await app.inject({ method: 'DELETE', url: `/v1/maintenance-windows/${DRILL.name}`, headers: auth('sre') });
    expect(r.statusCode, r.body).toBe(200);
  };
  const status = async (id: string, at: string): Promise<Status> => {
    const r = await app.inject({ url: `/v1/slos/${id}/status?at=${at}`, headers: auth('sre') });
    expect(r.statusCode, r.body).toBe(200);
    return json<Status>(r.body);
  };
  const board = (id: string): Promise<BoardRow[]> =>
    wh.query<BoardRow>(
      `SELECT toString(minute) AS minute, toString(version) AS version, good, total, sli, error_budget_remaining, burn_rates, firing_page
       FROM slo_board_minute FINAL WHERE slo_id = {id:String} ORDER BY minute`,
      { id },
    );
  const backtest = async (): Promise<BacktestResult> => {
    const r = await app.inject({
      method: 'POST',
      url: `/v1/backtest?from=${FROM_ISO}&to=${TO_ISO}`,
      headers: { ...auth('product'), 'content-type': 'application/yaml' },
      payload: PROPOSED,
    });
    expect(r.statusCode, r.body).toBe(200);
    return json<BacktestResult>(r.body);
  };
  const sweep = async (): Promise<{ variants: Variant[] }> => {
    const r = await app.inject({ url: `/v1/slos/vien-coffee/sweep?from=${FROM_ISO}&to=${TO_ISO}&targets=0.99,0.995`, headers: auth('product') });
    expect(r.statusCode, r.body).toBe(200);
    return json<{ variants: Variant[] }>(r.body);
  };
  const cli = async (...extra: string[]): Promise<unknown> => {
    const r = await runCli(['slo', 'backtest', '--slos', proposedDir, '--baseline', deployedDir, '--from', FROM_ISO, '--to', TO_ISO, '--json', '--data', data, '--database', database, ...extra]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.out);
  };

  beforeAll(async () => {
    mkdirSync(deployedDir);
    mkdirSync(proposedDir);
    writeFileSync(join(deployedDir, 'slos.yaml'), DEPLOYED);
    writeFileSync(join(proposedDir, 'slos.yaml'), PROPOSED);
    wh = await ChdbWarehouse.open({ dataDir: data, database });
    await migrate(wh);
    await insertFacts(wh, { journey: traffic() });
    app = await testApi(wh, { sloDir: deployedDir, statusCacheMs: 0, boardFeed: false, auth: { publicStatus: false } });
  });
  afterAll(async () => {
    await app.close();
    await wh.exec(`DROP DATABASE IF EXISTS ${database}`);
    await wh.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the board feed redoes the selected SLO from the window on: its minutes count as no events, as the status says; deleting it restores the rows', async () => {
    const slos = loadSloDirOrThrow(deployedDir);
    const feed = new SloBoardFeed(wh, () => slos);
    const later = (): number => Date.now() + 60_000; // every insert has settled
    await feed.tick({ version: 1, now: later() });
    const before = await board('vien-coffee');
    const tram = await board('prague-tram');
    // T = 00:01 (the minute 00:00) .. 03:59: the newest event is in 03:59.
    expect(before.length).toBe(239);
    expect(before.filter((r) => r.firing_page === 1).length).toBeGreaterThan(0);
    expect(await feed.tick({ version: 2, now: later() })).toBeNull();

    await post();
    const report = await feed.tick({ version: 3, now: later() });
    // Only vien-coffee, from T = 01:01 (its first excluded minute, 01:00, is in the window ending there) to 03:59.
    expect(report).toEqual({ slos: 2, rows: 179, backlogMinutes: 0 });
    const during = await board('vien-coffee');
    expect(during.map((r) => r.minute)).toEqual(before.map((r) => r.minute));
    for (const r of during) expect(r.version, r.minute).toBe(r.minute < '2026-01-05 01:01:00' ? '1' : '3');
    expect(await board('prague-tram')).toEqual(tram);
    // The minutes 01:00-01:29 hold no events; around them 20 a minute.
    const minuteTotals = (rows: BoardRow[], from: string, to: string): number[] => rows.filter((r) => r.minute >= from && r.minute <= to).map((r) => r.total);
    expect(minuteTotals(during, '2026-01-05 01:00:00', '2026-01-05 01:31:00')).toEqual([20, ...Array<number>(30).fill(0), 20]);
    expect(during.every((r) => r.firing_page === 0)).toBe(true);
    // A row is what the API's status says at that minute, with the window.
    for (const hhmm of ['01:00', '01:01', '01:15', '01:30', '01:31', '02:00', '03:59']) {
      const row = during.find((r) => r.minute === `2026-01-05 ${hhmm}:00`);
      const s = await status('vien-coffee', iso(hhmm));
      expect({ sli: row?.sli, budget: row?.error_budget_remaining, burn: row?.burn_rates }, hhmm).toEqual({ sli: s.sli, budget: s.error_budget_remaining, burn: s.burn_rates });
    }
    expect(during.at(-1)?.error_budget_remaining).toBe(1);

    await remove();
    expect((await feed.tick({ version: 4, now: later() }))?.rows).toBe(179);
    const after = await board('vien-coffee');
    const figures = (rows: BoardRow[]) => rows.map(({ version: _v, ...rest }) => rest);
    expect(figures(after)).toEqual(figures(before));
    expect(after.filter((r) => r.version === '4').length).toBe(179);
    const s = await status('vien-coffee', iso('03:59'));
    expect(after.at(-1)?.error_budget_remaining).toBe(s.error_budget_remaining);
    expect(s.error_budget_remaining).toBeLessThan(0);
  });

  it("the API's backtest and sweep, and the history, count the window for the deployed SLO and the proposal's SLOs it selects", async () => {
    const plain = await backtest();
    const plainSweep = await sweep();
    const byId = (r: BacktestResult, id: string) => r.slos.find((s) => s.slo_id === id);
    for (const id of ['vien-coffee', 'vien-coffee-new', 'prague-tram']) expect(pages(byId(plain, id)?.proposed).length, id).toBeGreaterThan(0);
    expect(pages(byId(plain, 'vien-coffee')?.current).length).toBeGreaterThan(0);
    expect(plainSweep.variants.map((v) => [v.target, v.pages > 0])).toEqual([
      [0.99, true],
      [0.995, true],
    ]);

    await post();
    const maintained = await backtest();
    for (const id of ['vien-coffee', 'vien-coffee-new']) {
      const s = byId(maintained, id);
      // No bad event is left: nothing fires, nothing is spent.
      expect(s?.proposed.alerts, id).toEqual([]);
      expect(s?.proposed.final?.error_budget_remaining, id).toBe(1);
    }
    expect(byId(maintained, 'vien-coffee')?.current?.alerts).toEqual([]);
    expect(byId(maintained, 'vien-coffee')?.current?.final?.error_budget_remaining).toBe(1);
    // The window selects team payments only: prague-tram pages as before.
    expect(byId(maintained, 'prague-tram')).toEqual(byId(plain, 'prague-tram'));
    // The curve's minutes inside the window are those of the status.
    const point = byId(maintained, 'vien-coffee')?.current?.curve.find((p) => p.at === iso('01:30'));
    const s = await status('vien-coffee', iso('01:30'));
    expect({ sli: point?.sli, budget: point?.error_budget_remaining }).toEqual({ sli: s.sli, budget: s.error_budget_remaining });
    expect((await sweep()).variants.map((v) => [v.target, v.pages, v.tickets])).toEqual([
      [0.99, 0, 0],
      [0.995, 0, 0],
    ]);
    const history = await app.inject({ url: `/v1/slos/vien-coffee/history?from=${FROM_ISO}&to=${TO_ISO}&step_minutes=30`, headers: auth('sre') });
    const points = json<{ items: Array<{ at: string; error_budget_remaining: number }> }>(history.body).items;
    expect(points.map((p) => p.error_budget_remaining)).toEqual(Array<number>(8).fill(1));

    await remove();
    expect(await backtest()).toEqual(plain);
    expect(await sweep()).toEqual(plainSweep);
  });

  it('slo backtest counts the stored window for the proposal and the baseline, with and without --targets', async () => {
    type Sweep = { slos: SweepSlo[] };
    const plain = (await cli()) as BacktestResult;
    const plainSweep = (await cli('--targets', '0.99,0.995')) as Sweep;
    expect(pages(plain.slos.find((s) => s.slo_id === 'vien-coffee')?.current).length).toBeGreaterThan(0);
    const swept = (r: Sweep, id: string) => r.slos.find((s) => s.slo_id === id)?.variants.map((v) => [v.target, v.pages]);
    expect(swept(plainSweep, 'vien-coffee-new')?.every(([, n]) => (n ?? 0) > 0)).toBe(true);

    await post();
    const maintained = (await cli()) as BacktestResult;
    for (const s of maintained.slos.filter((x) => x.slo_id !== 'prague-tram')) {
      expect(s.proposed.alerts, s.slo_id).toEqual([]);
      expect(s.current?.alerts ?? [], s.slo_id).toEqual([]);
    }
    expect(maintained.slos.find((s) => s.slo_id === 'prague-tram')).toEqual(plain.slos.find((s) => s.slo_id === 'prague-tram'));
    const maintainedSweep = (await cli('--targets', '0.99,0.995')) as Sweep;
    for (const id of ['vien-coffee', 'vien-coffee-new']) {
      expect(swept(maintainedSweep, id), id).toEqual([
        [0.99, 0],
        [0.995, 0],
      ]);
    }
    expect(swept(maintainedSweep, 'prague-tram')).toEqual(swept(plainSweep, 'prague-tram'));

    await remove();
    expect(await cli()).toEqual(plain);
    expect(await cli('--targets', '0.99,0.995')).toEqual(plainSweep);
  });
});
