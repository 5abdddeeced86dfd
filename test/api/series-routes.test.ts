import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { queryPnl } from '../../processors/economics/warehouse/index.js';
import { evaluateSloSeries, latestEventTime, sloWindow } from '../../processors/slo/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import { warehouseHealth } from '../../query-api/routes/health.js';
import type { StatusSeries } from '../../query-api/services/series-service.js';
import { loadSloDirOrThrow } from '../../processors/slo/index.js';
import { writeBoardRows, type BoardRow } from '../../processors/slo/store/board.js';
import { SloBoardFeed } from '../../processors/slo/runtime/board-feed.js';
import type { SloStatus } from '../../query-api/service-types.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { HISTORY_END, LONG_SLOS, ingestLines, journeyEvent, longHistory, type LongHistory } from '../browser/long-history.js';
import { surfaceFixture, type SurfaceFixture } from './fixture.js';
import { KEYS, auth, json, testApi } from './support.js';

type ErrorBody = { error: { code: string; message: string; field?: string } };
const DAY_MS = 86_400_000;

describe('status page series on simulated traffic', () => {
  let f: SurfaceFixture;
  let app: FastifyInstance;
  let open: FastifyInstance;
  const get = (url: string, role: keyof typeof KEYS = 'viewer') => app.inject({ url, headers: auth(role) });

  beforeAll(async () => {
    f = await surfaceFixture();
    app = await testApi(f.t.wh, { sloDir: projectPath('slos'), auth: { publicStatus: false } });
    open = await testApi(f.t.wh, {
      sloDir: projectPath('slos'),
      auth: { publicStatus: true },
      health: () => ({ status: 'degraded', topics: [], watermark: '2026-01-02T03:04:00.000Z', notes: ['stale: test note'] }),
    });
  });
  afterAll(async () => {
    await app?.close();
    await open?.close();
    await f?.t.drop();
  });

  it('gives every SLO its curve over the window, each point the board row (the engine) at its minute', async () => {
    const res = await get('/status/series?points=50');
    expect(res.statusCode).toBe(200);
    const body = json<StatusSeries>(res.body);
    expect(body.slos.map((s) => s.slo_id)).toEqual(f.slos.map((s) => s.id));
    const [span] = await f.t.wh.query<{ first_s: string; last_s: string }>(
      'SELECT toUnixTimestamp(min(minute)) AS first_s, toUnixTimestamp(max(minute)) AS last_s FROM slo_board_minute',
    );
    const first = Number(span?.first_s) * 1000;
    const last = Number(span?.last_s) * 1000;
    // Grouped SLOs (one document, an SLO per route) carry their document and group values.
    expect(body.slos.map((s) => [s.slo_id, s.display_name, s.group])).toEqual(
      f.slos.map((d) => [d.id, d.displayName, d.group ? { template: d.group.template, values: d.group.values } : null]),
    );
    expect(body.slos.filter((s) => s.group?.template === 'route-success').length).toBeGreaterThanOrEqual(21);
    expect(body.slos.map((s) => s.alert_rules)).toEqual(
      f.slos.map((d) => d.alerting.rules.map((r) => ({ severity: r.severity, threshold: r.threshold, long_window: r.longWindow, short_window: r.shortWindow }))),
    );
    expect(body.slos.every((s) => s.alert_rules.some((r) => r.severity === 'PAGE'))).toBe(true);
    for (const s of body.slos) {
      const slo = f.slos.find((d) => d.id === s.slo_id);
      // Two simulated days are shorter than every window here: the curve starts at the board's first minute.
      expect(s.from, s.slo_id).toBe(new Date(first).toISOString());
      expect(s.to, s.slo_id).toBe(new Date(last).toISOString());
      expect(s.window_start, s.slo_id).toBe(slo ? new Date(sloWindow(slo, last).fromMinute * 60_000).toISOString() : 'no such SLO');
      expect(Date.parse(s.window_start ?? '')).toBeLessThan(first);
      expect(s.step_minutes).toBe(Math.ceil((last - first) / 60_000 / 48));
      // The first and last minute, and every whole multiple of the step between.
      const step = s.step_minutes * 60_000;
      const sampled = [first, ...Array.from({ length: Math.ceil((last - first) / step) + 1 }, (_, k) => (Math.floor(first / step) + k) * step).filter((m) => m > first && m < last), last];
      expect(s.points.map((p) => p.at)).toEqual(sampled.map((m) => new Date(m).toISOString()));
      expect(s.points.length).toBeLessThanOrEqual(50);
      expect(s.points.length).toBeGreaterThanOrEqual(48);
      const board = await f.t.wh.query<{ at_s: string; sli: number | null; budget: number; burn: Record<string, number> }>(
        `SELECT toUnixTimestamp(minute) AS at_s, sli, error_budget_remaining AS budget, burn_rates AS burn
         FROM slo_board_minute FINAL WHERE slo_id = {id:String} AND minute IN {minutes:Array(DateTime)} ORDER BY minute`,
        { id: s.slo_id, minutes: s.points.map((p) => Date.parse(p.at) / 1000) },
      );
      expect(s.points).toEqual(
        board.map((b) => ({ at: new Date(Number(b.at_s) * 1000).toISOString(), sli: b.sli, error_budget_remaining: b.budget, burn_rates: b.burn })),
      );
      // And the board holds what the SLO engine evaluates at those minutes.
      for (const p of [s.points[0], s.points.at(-1)]) {
        const at = Date.parse(p?.at ?? '');
        const [engine] = slo ? await evaluateSloSeries(f.t.wh, slo, at, at) : [];
        expect({ sli: p?.sli, budget: p?.error_budget_remaining, burn: p?.burn_rates }).toEqual({
          sli: engine?.sli,
          budget: engine?.error_budget_remaining,
          burn: engine?.burn_rates,
        });
      }
    }
  });

  it('gives the incident cost of every day, each equal to the P&L of that day, ending at the evaluation day', async () => {
    const body = json<StatusSeries>((await get('/status/series?days=5')).body);
    // The SLO status's evaluation time (the event-time watermark).
    const status = json<{ evaluated_at: string }>((await get('/status/data')).body);
    expect(body.evaluated_at).toBe(status.evaluated_at);
    const at = Date.parse(body.evaluated_at);
    expect(Math.abs(at - ((await latestEventTime(f.t.wh)) ?? 0))).toBeLessThanOrEqual(60_000);
    expect(body.cost.currency).toBe('EUR');
    expect(body.cost.days).toHaveLength(5);
    expect(body.cost.days.map((d) => d.day)).toEqual([4, 3, 2, 1, 0].map((k) => new Date(Math.floor((at - 1) / DAY_MS) * DAY_MS - k * DAY_MS).toISOString().slice(0, 10)));
    expect([body.cost.from, body.cost.to]).toEqual([body.cost.days[0]?.day, body.cost.days[4]?.day]);
    for (const d of body.cost.days) {
      const [pnl] = await queryPnl(f.t.wh, { from: d.day, to: d.day });
      expect(d, d.day).toEqual({
        day: d.day,
        compensation_cost: pnl?.compensation_cost,
        refund_cost: pnl?.refund_cost,
        lost_revenue: pnl?.lost_revenue,
        total_cost: pnl?.total_cost,
        incidents: pnl?.incidents,
        unconverted: pnl?.unconverted,
      });
    }
    // The simulated money falls inside these five days: together they are the whole P&L.
    const [total] = await queryPnl(f.t.wh, {});
    const cents = body.cost.days.reduce((n, d) => n + BigInt(d.total_cost.replace('.', '')), 0n);
    expect(cents).toBe(BigInt(total?.total_cost.replace('.', '') ?? 'x'));
    expect(cents).toBeGreaterThan(0n);
  });

  it('tells the data age: the newest fact written and the newest event time, as health sees them', async () => {
    const body = json<StatusSeries>((await get('/status/series')).body);
    const health = await warehouseHealth(f.t.wh);
    const newest = (k: 'last_event_at' | 'last_ingested_at') => health.facts.map((x) => x[k] ?? '').sort().at(-1);
    expect(body.data_age.newest_event_at).toBe(newest('last_event_at'));
    expect(body.data_age.newest_ingested_at).toBe(newest('last_ingested_at'));
    const checked = Date.parse(body.data_age.checked_at);
    expect(body.data_age.ingest_age_seconds).toBe(Math.round((checked - Date.parse(body.data_age.newest_ingested_at ?? '')) / 1000));
    expect(body.data_age.event_age_seconds).toBe(Math.round((checked - Date.parse(body.data_age.newest_event_at ?? '')) / 1000));
    expect(body.data_age.pipeline).toBeNull();
    const reported = json<StatusSeries>((await open.inject({ url: '/status/series' })).body);
    expect(reported.data_age.pipeline).toEqual({ status: 'degraded', watermark: '2026-01-02T03:04:00.000Z', notes: ['stale: test note'] });
  });

  it('answers any role the status page data answers, nobody without a key unless public', async () => {
    for (const role of Object.keys(KEYS) as Array<keyof typeof KEYS>) expect((await get('/status/series?points=2&days=1', role)).statusCode, role).toBe(200);
    expect((await app.inject({ url: '/status/series' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/status/series', headers: { authorization: 'Bearer not-a-key' } })).statusCode).toBe(401);
    expect((await open.inject({ url: '/status/series?points=2&days=1' })).statusCode).toBe(200);
  });

  it('names the bad parameter', async () => {
    const cases: Array<[string, string]> = [
      ['points=1', 'query.points'],
      ['points=1001', 'query.points'],
      ['days=0', 'query.days'],
      ['days=x', 'query.days'],
      ['slo=a', 'query'],
    ];
    for (const [q, field] of cases) {
      const res = await get(`/status/series?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(json<ErrorBody>(res.body).error, q).toMatchObject({ code: 'BAD_ARGUMENT', field });
    }
  });
});

describe('status page series before any data', () => {
  let t: TestWarehouse;
  let app: FastifyInstance;

  beforeAll(async () => {
    t = await openTestWarehouse();
    app = await testApi(t.wh, { sloDir: projectPath('slos'), now: () => new Date('2026-03-10T12:00:00Z') });
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('lists every SLO with no points, zero cost days and no data age', async () => {
    const body = json<StatusSeries>((await app.inject({ url: '/status/series?days=3', headers: auth('viewer') })).body);
    expect(body.slos.length).toBeGreaterThan(0);
    for (const s of body.slos) expect(s).toMatchObject({ from: null, to: null, points: [] });
    expect(body.cost.days).toEqual(
      ['2026-03-08', '2026-03-09', '2026-03-10'].map((day) => ({
        day,
        compensation_cost: '0.00',
        refund_cost: '0.00',
        lost_revenue: '0.00',
        total_cost: '0.00',
        incidents: 0,
        unconverted: 0,
      })),
    );
    expect(body.data_age).toMatchObject({ newest_ingested_at: null, ingest_age_seconds: null, newest_event_at: null, event_age_seconds: null, pipeline: null });
  });

  it('samples each SLO over its own span: its first and last minute and every whole multiple of the step between', async () => {
    const [a, b] = loadSloDirOrThrow(projectPath('slos'));
    const end = Date.parse('2026-03-10T12:00:00Z') / 1000;
    const row = (id: string, minute: number): BoardRow => ({
      slo_id: id,
      minute,
      service: 'svc',
      target: 0.99,
      time_window: '28d',
      good: 1,
      total: 1,
      sli: minute % 7 === 0 ? null : (minute % 1000) / 1000,
      error_budget_remaining: (minute % 977) / 977,
      burn_rates: { '1h': (minute % 13) / 4, '5m': minute % 5 },
      time_to_exhaustion_seconds: null,
      firing_page: 0,
      firing_ticket: 0,
      version: 1,
    });
    // a: the 100 minutes before `end`; b: 1,000 minutes ending an hour earlier.
    const minutesA = Array.from({ length: 100 }, (_, i) => end - (99 - i) * 60);
    const minutesB = Array.from({ length: 1000 }, (_, i) => end - 3600 - (999 - i) * 60);
    await writeBoardRows(t.wh, [...minutesA.map((m) => row(a!.id, m)), ...minutesB.map((m) => row(b!.id, m))]);
    const body = json<StatusSeries>((await app.inject({ url: '/status/series?points=11', headers: auth('viewer') })).body);
    const point = (id: string, m: number) => {
      const r = row(id, m);
      return { at: new Date(m * 1000).toISOString(), sli: r.sli, error_budget_remaining: r.error_budget_remaining, burn_rates: r.burn_rates };
    };
    // Steps of ceil(99 / 9) = 11 and ceil(999 / 9) = 111 minutes, on whole multiples of the step (UTC).
    const pick = (minutes: number[], step: number) => minutes.filter((m, i) => i === 0 || i === minutes.length - 1 || m % (step * 60) === 0);
    const expectA = pick(minutesA, 11).map((m) => point(a!.id, m));
    const expectB = pick(minutesB, 111).map((m) => point(b!.id, m));
    expect(body.slos.find((s) => s.slo_id === a?.id)).toMatchObject({ step_minutes: 11, from: new Date(minutesA[0]! * 1000).toISOString(), to: new Date(end * 1000).toISOString(), points: expectA });
    expect(body.slos.find((s) => s.slo_id === b?.id)).toMatchObject({ step_minutes: 111, to: new Date((end - 3600) * 1000).toISOString(), points: expectB });
    expect(expectA.length).toBeLessThanOrEqual(11);
    expect(expectB.length).toBeLessThanOrEqual(11);
    expect(expectA.length + expectB.length).toBeGreaterThanOrEqual(20);
    // A second request within the cache period is the same answer.
    expect((await app.inject({ url: '/status/series?points=11', headers: auth('viewer') })).body).toBe(JSON.stringify(body));
    // Two points: the ends only.
    const two = json<StatusSeries>((await app.inject({ url: '/status/series?points=2', headers: auth('viewer') })).body);
    expect(two.slos.find((s) => s.slo_id === a?.id)?.points).toEqual([point(a!.id, minutesA[0]!), point(a!.id, end)]);
  });
});

describe('a 30-day SLO over 40 days of history', () => {
  let h: LongHistory;
  let app: FastifyInstance;
  let feed: SloBoardFeed;

  beforeAll(async () => {
    h = await longHistory();
    // No shared answers between requests: each look at the series must see the board as the feed left it.
    app = await testApi(h.t.wh, { sloDir: h.sloDir, statusCacheMs: 0 });
  }, 240_000);
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  const series = async (): Promise<StatusSeries> => json<StatusSeries>((await app.inject({ url: '/status/series?points=200', headers: auth('viewer') })).body);
  const status = async (id: string, at: string): Promise<SloStatus> =>
    json<SloStatus>((await app.inject({ url: `/v1/slos/${id}/status?at=${at}`, headers: auth('sre') })).body);

  it('the board feed fills the whole window in steps, newest first; then each curve starts at the window start with the API\'s numbers', { timeout: 240_000 }, async () => {
    feed = new SloBoardFeed(h.t.wh, () => h.slos, { stepBudgetMs: 0 });
    const now = Date.now() + 60_000;
    // 30 days and a minute of evaluations per SLO (T from the window's start to the watermark), 7 days a step.
    const perSlo = 30 * 1440 + 1;
    const week = 7 * 1440;
    const backlogs: number[] = [];
    const first = await feed.tick({ version: 1, now });
    backlogs.push(first?.backlogMinutes ?? -1);
    // While the feed is filling, the curves start where the board does: after the window's start.
    const partial = await series();
    for (const s of partial.slos) {
      expect(s.window_start, s.slo_id).toBe(new Date(HISTORY_END - 30 * DAY_MS).toISOString());
      expect(Date.parse(s.from ?? ''), s.slo_id).toBeGreaterThan(Date.parse(s.window_start ?? ''));
    }
    for (let version = 2; backlogs.at(-1) !== 0 && version < 20; version++) backlogs.push((await feed.tick({ version, now }))?.backlogMinutes ?? -1);
    // The first tick: the newest day of each SLO at once, then one step (the next week of the first SLO);
    // every later tick one more step, an SLO's last step the rest of its window: 5 steps per SLO in all.
    expect(backlogs[0]).toBe(3 * (perSlo - 1440) - week);
    expect(backlogs.slice(1).every((b, i) => b < (backlogs[i] ?? 0))).toBe(true);
    expect(backlogs).toHaveLength(15);
    expect(backlogs.at(-1)).toBe(0);
    expect(await feed.tick({ version: 99, now })).toBeNull();
    const [rows] = await h.t.wh.query<{ n: string }>('SELECT count() AS n FROM slo_board_minute FINAL');
    expect(Number(rows?.n)).toBe(3 * perSlo);

    const body = await series();
    expect(body.slos.map((s) => s.slo_id).sort()).toEqual(Object.values(LONG_SLOS).sort());
    for (const s of body.slos) {
      expect(s.to, s.slo_id).toBe(new Date(HISTORY_END).toISOString());
      expect(s.from, s.slo_id).toBe(s.window_start);
      expect(s.points[0]?.at, s.slo_id).toBe(s.window_start);
      expect(s.points.at(-1)?.at, s.slo_id).toBe(s.to);
      expect(s.points.length).toBeGreaterThan(150);
      expect(s.step_minutes).toBe(Math.ceil(30 * 1440 / 198));
      // The first, a middle and the last point: what the API's SLO status says at that minute.
      for (const p of [s.points[0], s.points[Math.floor(s.points.length / 2)], s.points.at(-1)]) {
        const api = await status(s.slo_id, p?.at ?? '');
        expect({ at: p?.at, sli: p?.sli, budget: p?.error_budget_remaining, burn: p?.burn_rates }, `${s.slo_id} ${p?.at}`).toEqual({
          at: api.evaluated_at,
          sli: api.sli,
          budget: api.error_budget_remaining,
          burn: api.burn_rates,
        });
      }
    }
  });

  it('a late event 20 days back: the feed redoes the board from its minute on, in steps, and leaves the minutes before it', { timeout: 240_000 }, async () => {
    const lateAt = HISTORY_END - 20 * DAY_MS + 5 * 60_000 + 30_000; // a minute without other quiet journeys
    const lateMinute = Math.floor(lateAt / 60_000) + 1; // the first evaluation whose window holds it
    const boardRows = () =>
      h.t.wh.query<{ m: string; version: string; total: number; budget: number }>(
        `SELECT toString(toUnixTimestamp(minute) DIV 60) AS m, toString(version) AS version, total, error_budget_remaining AS budget
         FROM slo_board_minute FINAL WHERE slo_id = {id:String} ORDER BY minute`,
        { id: LONG_SLOS.quiet },
      );
    const before = await boardRows();
    await ingestLines(h.t.wh, [journeyEvent(LONG_SLOS.quiet, 999_999, lateAt, true)]);
    const versions: number[] = [];
    for (let version = 100; versions.length === 0 || (feed.backlogMinutes() > 0 && version < 120); version++) {
      await feed.tick({ version, now: Date.now() + 60_000 });
      versions.push(version);
    }
    expect(feed.backlogMinutes()).toBe(0);
    // 20 days of minutes of each SLO (any change redoes every SLO from its minute): the newest day at once, the rest in steps.
    expect(versions.length).toBeGreaterThan(1);
    const after = await boardRows();
    expect(after.map((r) => r.m)).toEqual(before.map((r) => r.m));
    for (const [i, row] of after.entries()) {
      const old = before[i];
      if (Number(row.m) < lateMinute) expect(row, row.m).toEqual(old);
      else expect(Number(row.version), row.m).toBeGreaterThanOrEqual(100);
    }
    expect(after.find((r) => Number(r.m) === lateMinute)?.total).toBe(1);
    // The quiet SLO now has one bad event in its window: its first point and the API agree on the spent budget.
    const quiet = (await series()).slos.find((s) => s.slo_id === LONG_SLOS.quiet);
    const api = await status(LONG_SLOS.quiet, quiet?.to ?? '');
    expect(api.error_budget_remaining).toBeLessThan(1);
    expect(quiet?.points.at(-1)?.error_budget_remaining).toBe(api.error_budget_remaining);
    const mid = await status(LONG_SLOS.quiet, new Date((lateMinute + 60) * 60_000).toISOString());
    expect(after.find((r) => Number(r.m) === lateMinute + 60)?.budget).toBe(mid.error_budget_remaining);
  });
});
