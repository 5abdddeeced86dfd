import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { queryPnl } from '../../processors/economics/warehouse/index.js';
import { evaluateSlos, latestEventTime } from '../../processors/slo/index.js';
import { formatMinor } from '../../processors/simulator/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import { hashApiKey, startApi, type RunningApi } from '../../query-api/index.js';
import type { StatusSeries } from '../../query-api/services/series-service.js';
import type { OutboxSummary } from '../../sinks/signals/outbox-report.js';
import { surfaceFixture, type SurfaceFixture } from '../api/fixture.js';
import { exhaustionText } from './page-text.js';
import { boxesOf, launchStatusBrowser, loadedAt, openStatusPage, SCREENSHOTS, signIn } from './status-browser.js';

const VIEWER_KEY = 'status-viewer-key-0123456789abcdef';
const WIDE = { width: 1400, height: 1000 };
const PHONE = { width: 400, height: 860 };
/** A full-page picture of every SLO's curves is tall; a busy machine needs a while to paint it. */
const SCREENSHOT_MS = 180_000;

/** What a chart holds: its series' labels and the data arrays uPlot draws. */
type Drawn = Record<string, { labels: string[]; data: Array<Array<number | null>>; left: number; right: number; width: number }>;

/*
 * The page's globals as far as the test reads them (the project compiles without the DOM
 * library; the casts are erased, so the functions run as written in the page).
 */
type Box = { left: number; right: number; width: number; height: number };
type Node = { getBoundingClientRect(): Box; contains(other: unknown): boolean; querySelector(selector: string): Node | null };
type Plot = { series: Array<{ label?: string }>; data: Array<ArrayLike<number | null>>; root: Node; mark?: string };
type PageGlobals = { statusCharts: Record<string, Plot>; document: { documentElement: { scrollWidth: number }; getElementById(id: string): Node | null } };

/** Each test draws some 90 charts and photographs the whole page: minutes on a busy machine. */
describe('built-in status page in headless Chromium', { timeout: 300_000 }, () => {
  let f: SurfaceFixture;
  let browser: Browser;
  let open: RunningApi;
  let refreshing: RunningApi;
  let locked: RunningApi;
  let stale: RunningApi;
  let series: StatusSeries;

  beforeAll(async () => {
    f = await surfaceFixture();
    const common = { warehouse: f.t.wh, sloDir: projectPath('slos'), port: 0, boardFeed: false as const };
    // The page refreshes every 15 s by default: a layout read cannot meet a refresh that
    // replaces the rows it measures. The refresh test has a page of its own, every second.
    open = await startApi(common);
    refreshing = await startApi({ ...common, statusRefreshMs: 1000 });
    locked = await startApi({ ...common, auth: { keys: [{ role: 'viewer', sha256: hashApiKey(VIEWER_KEY) }], publicStatus: false } });
    const notes = ['stale: the newest event ingested occurred at 2026-11-02T23:59:52.128Z'];
    stale = await startApi({ ...common, health: () => ({ status: 'degraded', topics: [], watermark: '2026-11-02T23:59:00.000Z', notes }) });
    browser = await launchStatusBrowser();
    series = (await (await fetch(`${open.url}/status/series`)).json()) as StatusSeries;
  });
  afterAll(async () => {
    await browser?.close();
    await open?.close();
    await refreshing?.close();
    await locked?.close();
    await stale?.close();
    await f?.t.drop();
  });

  async function drawn(page: Page): Promise<Drawn> {
    return page.evaluate(() => {
      const charts = (globalThis as unknown as PageGlobals).statusCharts;
      return Object.fromEntries(
        Object.entries(charts).map(([k, u]) => {
          const box = u.root.querySelector('canvas')?.getBoundingClientRect() ?? { left: 0, right: 0, width: 0 };
          return [k, { labels: u.series.map((s) => s.label ?? ''), data: u.data.map((d) => Array.from(d)), left: box.left, right: box.right, width: box.width }];
        }),
      );
    });
  }

  /** What each chart must hold, from the API's answer. */
  function expectedCharts(): Record<string, { labels: string[]; data: Array<Array<number | null>> }> {
    const out: Record<string, { labels: string[]; data: Array<Array<number | null>> }> = {};
    for (const s of series.slos) {
      const xs = s.points.map((p) => Date.parse(p.at) / 1000);
      out[`sli:${s.slo_id}`] = {
        labels: ['time (UTC)', 'SLI', 'target', 'budget left'],
        data: [xs, s.points.map((p) => p.sli), xs.map(() => s.target), s.points.map((p) => p.error_budget_remaining)],
      };
      const windows = Object.keys(s.points[0]?.burn_rates ?? {});
      const byLength = (w: string): number => Number(w.slice(0, -1)) * ({ m: 60, h: 3600, d: 86400 }[w.slice(-1)] ?? 0);
      windows.sort((a, b) => byLength(a) - byLength(b));
      const thresholds = [...new Map(s.alert_rules.map((r) => [`${r.severity} at ${r.threshold}x`, r.threshold])).entries()];
      out[`burn:${s.slo_id}`] = {
        labels: ['time (UTC)', ...windows, 'sustainable (1x)', ...thresholds.map(([label]) => label)],
        data: [xs, ...windows.map((w) => s.points.map((p) => p.burn_rates[w] ?? null)), xs.map(() => 1), ...thresholds.map(([, t]) => xs.map(() => t))],
      };
    }
    out['cost'] = {
      labels: ['day (UTC)', 'total cost'],
      data: [series.cost.days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000), series.cost.days.map((d) => Number(d.total_cost))],
    };
    return out;
  }

  /** Nothing wider than the viewport: no sideways scrolling, every figure and chart inside it. */
  async function fitsWidth(page: Page, width: number): Promise<void> {
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    const measured = '[data-slo-id] [data-field], [data-slo-id] figure, [data-slo-id] canvas, #cost-chart canvas, tr[data-month] [data-field=total_cost], tr[data-incident-id] [data-field=total_cost], tr[data-alert-slo] td:not(.opt)';
    const boxes = await boxesOf(page, measured, { row: '[data-slo-id], [data-month], [data-incident-id], [data-alert-slo]' });
    expect(boxes.length).toBeGreaterThan(f.slos.length * 6 + 6);
    for (const b of boxes) {
      const id = b.row?.['data-slo-id'] ?? b.row?.['data-month'] ?? b.row?.['data-incident-id'] ?? b.row?.['data-alert-slo'] ?? 'cost';
      // Where a box is empty, say why: an element hidden above it, and what the cell holds.
      const why = b.width * b.height > 0 ? '' : ` (inside hidden #${b.hiddenIn ?? '-'}, text "${b.text}", display ${b.display})`;
      const what = `${id} ${b.attributes['data-field'] ?? b.tag}${why}`;
      expect(b.left, what).toBeGreaterThanOrEqual(0);
      expect(b.right, what).toBeLessThanOrEqual(width);
      expect(b.width * b.height, what).toBeGreaterThan(0);
    }
  }

  /** How many pixels are drawn on each chart's canvas (uPlot drew the series, not an empty frame). */
  async function painted(page: Page): Promise<number[]> {
    return (await boxesOf(page, '.chart canvas', { painted: true })).map((c) => c.painted ?? 0);
  }

  it('at 1400 px: every SLO with the engine\'s numbers, its curves as the API gives them, nothing cut off', async () => {
    const page = await openStatusPage(browser, open.statusUrl, { viewport: WIDE });
    // The SLO status's evaluation time (the event-time watermark), the same for the figures and the curves.
    const at = Date.parse(series.evaluated_at);
    expect(Math.abs(at - ((await latestEventTime(f.t.wh)) ?? 0))).toBeLessThanOrEqual(60_000);
    expect(await page.textContent('[data-testid=evaluated-at]')).toBe(series.evaluated_at);
    const engine = await evaluateSlos(f.t.wh, f.slos, at);

    const shown = await page.$$eval('article[data-slo-id]', (cards) =>
      cards.map((r) => ({
        id: r.getAttribute('data-slo-id'),
        sli: r.querySelector('[data-field=sli]')?.getAttribute('data-value'),
        budget: r.querySelector('[data-field=budget]')?.getAttribute('data-value'),
        bar: r.querySelector('[role=meter]')?.getAttribute('aria-valuenow'),
        burns: Object.fromEntries([...r.querySelectorAll('[data-window]')].map((b) => [b.getAttribute('data-window'), b.getAttribute('data-value')])),
        alerts: [...r.querySelectorAll('[data-severity]')].map((a) => a.getAttribute('data-severity')),
        exhaustion: r.querySelector('[data-field=exhaustion]')?.getAttribute('data-value'),
        exhaustionText: r.querySelector('[data-field=exhaustion]')?.textContent,
      })),
    );
    // Worst first: paging, a ticket open, below target; then the least budget left, then the id.
    const rank = (e: (typeof engine)[number]): number =>
      e.alerts.some((a) => a.status === 'FIRING' && a.severity === 'PAGE') ? 0 : e.alerts.some((a) => a.status === 'FIRING') ? 1 : e.sli !== null && e.sli < e.target ? 2 : 3;
    const worstFirst = [...engine].sort(
      (a, b) => rank(a) - rank(b) || a.error_budget_remaining - b.error_budget_remaining || (a.slo_id < b.slo_id ? -1 : a.slo_id > b.slo_id ? 1 : 0),
    );
    expect(rank(worstFirst[0]!), 'the simulated incidents page at least one SLO').toBe(0);
    expect(shown).toEqual(
      worstFirst.map((e) => ({
        id: e.slo_id,
        sli: e.sli === null ? '' : String(e.sli),
        budget: String(e.error_budget_remaining),
        bar: String(Math.round(Math.max(0, Math.min(1, e.error_budget_remaining)) * 100)),
        burns: Object.fromEntries(Object.entries(e.burn_rates).map(([w, v]) => [w, String(v)])),
        alerts: e.alerts.map((a) => a.severity),
        exhaustion: e.time_to_exhaustion_ms === null ? '' : String(Math.round(e.time_to_exhaustion_ms / 1000)),
        exhaustionText: exhaustionText({
          error_budget_remaining: e.error_budget_remaining,
          time_to_exhaustion_seconds: e.time_to_exhaustion_ms === null ? null : Math.round(e.time_to_exhaustion_ms / 1000),
        }),
      })),
    );
    // Every firing rule once, as `slo status` lists them: pages first, then worst SLO first.
    const firingRows = worstFirst
      .flatMap((e) => e.alerts.filter((a) => a.status === 'FIRING').map((a) => [e.slo_id, a.severity, a.long_window, a.short_window, String(e.burn_rates[a.long_window])]))
      .sort((x, y) => (x[1] === 'PAGE' ? 0 : 1) - (y[1] === 'PAGE' ? 0 : 1));
    expect(firingRows.length).toBeGreaterThan(0);
    expect(
      await page.$$eval('[data-testid=firing-list] tr[data-alert-slo]', (rows) =>
        rows.map((r) => [
          r.getAttribute('data-alert-slo'),
          r.getAttribute('data-severity'),
          r.getAttribute('data-long'),
          r.getAttribute('data-short'),
          r.querySelector('[data-field=burn-long]')?.getAttribute('data-value'),
        ]),
      ),
    ).toEqual(firingRows);
    // Grouped SLOs: one chip per document with its SLOs and those needing attention, and each card names its group.
    const groups = new Map<string, { count: number; attention: number }>();
    for (const e of engine) {
      const template = f.slos.find((d) => d.id === e.slo_id)?.group?.template;
      if (!template) continue;
      const g = groups.get(template) ?? { count: 0, attention: 0 };
      groups.set(template, { count: g.count + 1, attention: g.attention + (rank(e) < 3 ? 1 : 0) });
    }
    expect(groups.get('route-success')?.count).toBeGreaterThanOrEqual(21);
    const chips = await page.$$eval('[data-testid=groups] [data-group]', (els) =>
      els.map((c) => [c.getAttribute('data-group'), { count: Number(c.getAttribute('data-count')), attention: Number(c.getAttribute('data-attention')) }] as const),
    );
    expect(new Map(chips)).toEqual(groups);
    const labelled = await page.$$eval('article[data-slo-id] [data-field=group]', (els) => els.map((g) => g.getAttribute('data-group')));
    expect(labelled).toHaveLength([...groups.values()].reduce((n, g) => n + g.count, 0));
    // The notification outbox in figures, also where the status data is public: as /v1/notifications/summary gives it.
    const outbox = (await (await fetch(`${open.url}/v1/notifications/summary`, { headers: { authorization: `Bearer ${open.ephemeralAdminKey}` } })).json()) as OutboxSummary;
    const tileOutbox = page.locator('[data-testid=tile-notifications]');
    expect([await tileOutbox.getAttribute('data-failed'), await tileOutbox.getAttribute('data-pending')]).toEqual([String(outbox.failed), String(outbox.pending)]);
    expect(await page.$$eval('[data-testid=outbox] tr[data-receiver]', (rows) => rows.map((r) => r.getAttribute('data-receiver')))).toEqual(
      outbox.receivers.map((r) => r.receiver),
    );

    const firing = engine.reduce((n, e) => n + e.alerts.length, 0);
    expect(await page.textContent('[data-testid=tile-firing] .value')).toBe(String(firing));
    expect(await page.textContent('[data-testid=overall]')).toBe(firing ? `${firing} alert${firing > 1 ? 's' : ''} firing` : 'No alerts firing');

    // The charts draw exactly the API's series: two per SLO and the daily cost.
    const charts = await drawn(page);
    const expected = expectedCharts();
    expect(Object.keys(charts).sort()).toEqual(Object.keys(expected).sort());
    expect(Object.keys(expected)).toHaveLength(2 * f.slos.length + 1);
    for (const [key, e] of Object.entries(expected)) {
      expect({ labels: charts[key]?.labels, data: charts[key]?.data }, key).toEqual(e);
      expect(e.data[0]?.length, key).toBeGreaterThan(key === 'cost' ? 20 : 100);
    }
    // Two SLO cards side by side at this width, each chart as wide as its card allows.
    const sliWidths = f.slos.map((s) => charts[`sli:${s.id}`]?.width ?? 0);
    for (const w of sliWidths) expect(w).toBeGreaterThan(550);
    for (const w of sliWidths) expect(w).toBeLessThan(700);
    const pixels = await painted(page);
    expect(pixels).toHaveLength(2 * f.slos.length + 1);
    expect(pixels.every((n) => n > 500)).toBe(true);
    await fitsWidth(page, WIDE.width);

    // The data age the API reports, and the cost bars summing to the P&L total.
    expect(await page.getAttribute('[data-testid=data-age]', 'data-newest-event')).toBe(series.data_age.newest_event_at);
    expect(await page.textContent('[data-testid=data-age]')).toContain(`(event time ${series.data_age.newest_event_at})`);
    const [total] = await queryPnl(f.t.wh, {});
    const bars = (charts['cost']?.data[1] ?? []).reduce((s: number, v) => s + (v ?? 0), 0);
    expect(bars).toBeCloseTo(Number(total?.total_cost), 2);
    await page.screenshot({ path: `${SCREENSHOTS}/status-1400.png`, fullPage: true, timeout: SCREENSHOT_MS });
    await page.screenshot({ path: `${SCREENSHOTS}/status-1400-first-screen.png`, timeout: SCREENSHOT_MS });

    // Narrowed to a phone's width, the same charts shrink to fit.
    await page.setViewportSize(PHONE);
    await page.waitForFunction((w) => {
      const charts = (globalThis as unknown as PageGlobals).statusCharts;
      return Object.values(charts).every((u) => (u.root.querySelector('canvas')?.getBoundingClientRect().right ?? w + 1) <= w);
    }, PHONE.width);
    await fitsWidth(page, PHONE.width);
    await page.context().close();
  });

  it('at 400 px (a phone): the SLO cards with their figures and curves, one column, nothing wider than the screen', async () => {
    const page = await openStatusPage(browser, open.statusUrl, { viewport: PHONE, mobile: true });
    expect(await page.$$('article[data-slo-id]')).toHaveLength(f.slos.length);
    await fitsWidth(page, PHONE.width);
    const charts = await drawn(page);
    expect({ ...charts['cost'], left: 0, right: 0, width: 0 }).toEqual({ ...expectedCharts()['cost'], left: 0, right: 0, width: 0 });
    for (const s of f.slos) {
      for (const kind of ['sli', 'burn']) {
        const c = charts[`${kind}:${s.id}`];
        expect(c?.data, `${kind}:${s.id}`).toEqual(expectedCharts()[`${kind}:${s.id}`]?.data);
        expect(c?.width, `${kind}:${s.id}`).toBeGreaterThan(300);
      }
    }
    // One column: every card starts at the same left edge.
    const cards = await boxesOf(page, 'article[data-slo-id]');
    expect(cards).toHaveLength(f.slos.length);
    expect(new Set(cards.map((c) => Math.round(c.left))).size).toBe(1);
    const pixels = await painted(page);
    expect(pixels).toHaveLength(2 * f.slos.length + 1);
    expect(pixels.every((n) => n > 300)).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/status-400.png`, fullPage: true, timeout: SCREENSHOT_MS });
    await page.screenshot({ path: `${SCREENSHOTS}/status-400-first-screen.png`, timeout: SCREENSHOT_MS });
    await page.context().close();
  });

  it('says how old the data is, and what the pipeline reports when it is not ok', async () => {
    const page = await openStatusPage(browser, open.statusUrl);
    expect(await page.isHidden('[data-testid=pipeline-notes]')).toBe(true);
    expect(await page.textContent('[data-testid=tile-data-age] .value')).toMatch(/^\d+[smhd]$/);
    expect(await page.getAttribute('[data-testid=tile-data-age] .value', 'class')).toBe('value');
    await page.goto(stale.statusUrl);
    await loadedAt(page);
    expect(await page.textContent('[data-testid=pipeline-notes]')).toBe(
      'pipeline degraded, watermark 2026-11-02T23:59:00.000Z: stale: the newest event ingested occurred at 2026-11-02T23:59:52.128Z',
    );
    expect(await page.isVisible('[data-testid=pipeline-notes]')).toBe(true);
    expect(await page.getAttribute('[data-testid=tile-data-age] .value', 'class')).toBe('value warn');
    await page.context().close();
  });

  it('shows the finance summary the P&L query gives, with the most expensive incidents first', async () => {
    const page = await openStatusPage(browser, open.statusUrl);
    const [total] = await queryPnl(f.t.wh, {});
    const months = await queryPnl(f.t.wh, { by: ['month'] });
    const tile = await page.textContent('[data-testid=tile-cost] .value');
    expect(tile).toBe(`${Number(total?.total_cost).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} EUR`);
    const shownMonths = await page.$$eval('tr[data-month]', (rows) =>
      rows.map((r) => [r.getAttribute('data-month'), r.querySelector('[data-field=total_cost]')?.getAttribute('data-value')]),
    );
    expect(shownMonths).toEqual(months.map((m) => [m.month, m.total_cost]).reverse());
    const top = await page.$$eval('tr[data-incident-id]', (rows) =>
      rows.map((r) => [r.getAttribute('data-incident-id'), r.querySelector('[data-field=total_cost]')?.getAttribute('data-value')]),
    );
    const expected = [...f.sim.truth.incidents]
      .sort((a, b) => b.reporting.total_cost - a.reporting.total_cost || a.incident_id.localeCompare(b.incident_id))
      .slice(0, 5)
      .map((i) => [i.incident_id, formatMinor(i.reporting.total_cost)]);
    expect(top).toEqual(expected);
    await page.context().close();
  });

  it('refreshes itself, keeping its charts and giving them the new data', async () => {
    const page = await openStatusPage(browser, refreshing.statusUrl);
    const first = await loadedAt(page);
    await page.evaluate(() => {
      const u = (globalThis as unknown as PageGlobals).statusCharts['cost'];
      if (u) u.mark = 'before';
    });
    await page.waitForSelector(`body:not([data-loaded=${JSON.stringify(first)}])`, { timeout: 30_000 });
    expect(await page.getAttribute('body', 'data-loaded')).not.toBe(first);
    expect(await page.textContent('[data-testid=refresh]')).toBe('refreshes every 1s');
    const kept = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      const u = g.statusCharts['cost'];
      return { mark: u?.mark, attached: g.document.getElementById('cost-chart')?.contains(u?.root ?? null) };
    });
    expect(kept).toEqual({ mark: 'before', attached: true });
    expect((await drawn(page))['cost']?.data).toEqual(expectedCharts()['cost']?.data);
    await page.context().close();
  });

  it('asks for a key when the data is not public, and shows it with a read-only viewer key, failed notifications included', async () => {
    // One notification the receiver refused, one waiting.
    await f.t.wh.insert('slo_webhook_outbox', [
      { target: 'slack-ops', signal_id: 'sig-refused', evaluated_at: '2026-01-01 00:00:00.000', body: '{}' },
      { target: 'slack-ops', signal_id: 'sig-waiting', evaluated_at: '2026-01-01 00:01:00.000', body: '{}' },
    ]);
    await f.t.wh.insert('slo_webhook_deliveries', [{ target: 'slack-ops', signal_id: 'sig-refused', outcome: 'REJECTED', attempts: 1, detail: 'HTTP 400' }]);
    const page = await openStatusPage(browser, locked.statusUrl, { until: 'login' });
    expect(await page.$$('article[data-slo-id]')).toHaveLength(0);
    await page.fill('#key', 'wrong-key');
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#login-error:text-is("That key was not accepted.")');
    await signIn(page, VIEWER_KEY);
    expect(await page.$$('article[data-slo-id]')).toHaveLength(f.slos.length);
    expect(Object.keys(await drawn(page))).toHaveLength(2 * f.slos.length + 1);
    expect(await page.isHidden('#login')).toBe(true);
    const summary = (await (await fetch(`${locked.url}/v1/notifications/summary`, { headers: { authorization: `Bearer ${VIEWER_KEY}` } })).json()) as {
      failed: number;
      pending: number;
    };
    expect([summary.failed, summary.pending]).toEqual([1, 1]);
    const tile = page.locator('[data-testid=tile-notifications]');
    expect([await tile.getAttribute('data-failed'), await tile.getAttribute('data-pending'), await tile.locator('.value').textContent()]).toEqual(['1', '1', '1']);
    expect(await tile.locator('.sub').textContent()).toMatch(/^1 waiting, oldest \d+[smhd]$/);
    // And per receiver in the Notifications section.
    const row = page.locator('[data-testid=outbox] tr[data-receiver=slack-ops]');
    expect(await row.locator('td').allTextContents()).toEqual(['slack-ops', '1', expect.stringMatching(/ UTC$/), '1', '0']);
    await page.screenshot({ path: `${SCREENSHOTS}/status-viewer.png` });
    await page.context().close();
  });
});
