import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { SloBoardFeed } from '../../processors/slo/runtime/board-feed.js';
import { hashApiKey, type RunningApi } from '../../query-api/index.js';
import type { SloStatus } from '../../query-api/service-types.js';
import type { StatusSeries } from '../../query-api/services/series-service.js';
import type { OutboxSummary } from '../../sinks/signals/outbox-report.js';
import { HISTORY_END, LONG_SLOS, longHistory, type LongHistory } from './long-history.js';
import { exhaustionText } from './page-text.js';
import { boxesOf, closeStatusPage, openStatusPage, SCREENSHOTS, serveStatusPage } from './status-browser.js';

const SRE_KEY = 'status-window-sre-key-0123456789abcdef';
const WIDE = { width: 1400, height: 1000 };
const PHONE = { width: 400, height: 860 };
const DAY_MS = 86_400_000;

type Plot = { series: Array<{ label?: string }>; data: Array<ArrayLike<number | null>> };
type PageGlobals = { statusCharts: Record<string, Plot>; document: { documentElement: { scrollWidth: number } } };

/** 30-day SLOs over 40 days of history: the curves cover the whole window; every firing rule, time to exhaustion in words, the outbox. */
describe('status page over a whole 30-day window', { timeout: 300_000 }, () => {
  let h: LongHistory;
  let api: RunningApi;
  let browser: Browser;
  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${SRE_KEY}` } })).json()) as T;

  beforeAll(async () => {
    h = await longHistory();
    // The board feed as the running pipeline keeps it: ticks until the backfill is done.
    const feed = new SloBoardFeed(h.t.wh, () => h.slos);
    for (let i = 0; i < 50 && ((await feed.tick({ now: Date.now() + 60_000 }))?.backlogMinutes ?? 0) > 0; i++);
    expect(feed.backlogMinutes()).toBe(0);
    // Two receivers: one delivered and one refused on the first, one waiting on the second.
    await h.t.wh.insert('slo_webhook_outbox', [
      { target: 'pagerduty-ops', signal_id: 'sig-delivered', evaluated_at: '2026-11-20 10:00:00.000', body: '{}' },
      { target: 'pagerduty-ops', signal_id: 'sig-refused', evaluated_at: '2026-11-20 10:01:00.000', body: '{}' },
      { target: 'slack-ops', signal_id: 'sig-waiting', evaluated_at: '2026-11-20 10:02:00.000', body: '{}' },
    ]);
    await h.t.wh.insert('slo_webhook_deliveries', [
      { target: 'pagerduty-ops', signal_id: 'sig-delivered', outcome: 'DELIVERED', attempts: 1, detail: 'HTTP 202' },
      { target: 'pagerduty-ops', signal_id: 'sig-refused', outcome: 'REJECTED', attempts: 1, detail: 'HTTP 400' },
    ]);
    ({ api, browser } = await serveStatusPage({
      warehouse: h.t.wh,
      sloDir: h.sloDir,
      port: 0,
      boardFeed: false,
      auth: { keys: [{ role: 'sre', sha256: hashApiKey(SRE_KEY) }], publicStatus: true },
    }));
  }, 300_000);
  afterAll(async () => {
    await closeStatusPage({ browser, api });
    await h?.close();
  });

  const open = (viewport: { width: number; height: number }, mobile: boolean): Promise<Page> => openStatusPage(browser, api.statusUrl, { viewport, mobile });

  /** What the page shows, read from its elements. */
  async function shown(page: Page) {
    return {
      firing: await page.$$eval('[data-testid=firing-list] tr[data-alert-slo]', (rows) =>
        rows.map((r) => ({
          slo_id: r.getAttribute('data-alert-slo'),
          severity: r.getAttribute('data-severity'),
          long_window: r.getAttribute('data-long'),
          short_window: r.getAttribute('data-short'),
          burn_long: r.querySelector('[data-field=burn-long]')?.getAttribute('data-value'),
          burn_short: r.querySelector('[data-field=burn-short]')?.getAttribute('data-value'),
          threshold: r.querySelector('[data-field=threshold]')?.getAttribute('data-value'),
        })),
      ),
      exhaustion: Object.fromEntries(
        await page.$$eval('article[data-slo-id]', (cards) => cards.map((c) => [c.getAttribute('data-slo-id'), c.querySelector('[data-field=exhaustion]')?.textContent])),
      ) as Record<string, string>,
      outbox: await page.$$eval('[data-testid=outbox] tr[data-receiver]', (rows) =>
        rows.map((r) => ({
          receiver: r.getAttribute('data-receiver'),
          pending: Number(r.querySelector('[data-field=pending]')?.textContent),
          delivered: Number(r.querySelector('[data-field=delivered]')?.textContent),
          failed: Number(r.querySelector('[data-field=failed]')?.textContent),
          oldest_pending_at: r.querySelector('[data-field=oldest-pending]')?.getAttribute('data-value') || null,
        })),
      ),
      outboxText: await page.textContent('[data-testid=outbox-summary]'),
      charts: await page.evaluate(() =>
        Object.fromEntries(
          Object.entries((globalThis as unknown as PageGlobals).statusCharts).map(([k, u]) => [k, { labels: u.series.map((s) => s.label ?? ''), data: u.data.map((d) => Array.from(d)) }]),
        ),
      ),
    };
  }

  /** No sideways scrolling; every alert row, outbox row, SLO figure and chart inside the screen. */
  async function fitsWidth(page: Page, width: number): Promise<void> {
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    const boxes = (await boxesOf(page, '[data-alert-slo] td, [data-receiver] td, [data-testid=outbox-summary], [data-slo-id] [data-field], [data-slo-id] canvas', { row: '[data-alert-slo], [data-receiver], [data-slo-id]' })).map((b) => ({
      what: `${b.row ? JSON.stringify(b.row) : b.tag} ${b.attributes['data-field'] ?? b.tag}`,
      left: b.left,
      right: b.right,
      hidden: b.width * b.height === 0,
    }));
    expect(boxes.length).toBeGreaterThan(40);
    for (const b of boxes.filter((x) => !x.hidden)) {
      expect(b.left, b.what).toBeGreaterThanOrEqual(0);
      expect(b.right, b.what).toBeLessThanOrEqual(width);
    }
  }

  it('at 1400 and 400 px: curves from the window start, every firing rule, time to exhaustion in words, the outbox per receiver', async () => {
    const series = await get<StatusSeries>('/status/series');
    const status = await get<{ items: SloStatus[] }>('/v1/slos/status?limit=1000');
    const outbox = await get<OutboxSummary>('/v1/notifications/summary');
    // Each curve starts at its window's start, 30 days before its newest minute.
    for (const s of series.slos) {
      expect([s.window_start, s.from, s.points[0]?.at, s.to], s.slo_id).toEqual([
        new Date(HISTORY_END - 30 * DAY_MS).toISOString(),
        new Date(HISTORY_END - 30 * DAY_MS).toISOString(),
        new Date(HISTORY_END - 30 * DAY_MS).toISOString(),
        new Date(HISTORY_END).toISOString(),
      ]);
    }
    // The burning SLO fires both PAGE rules (and both TICKET rules): four entries, as `slo status` gives them.
    const burning = status.items.find((s) => s.slo_id === LONG_SLOS.burning);
    expect(burning?.alerts.filter((a) => a.severity === 'PAGE')).toHaveLength(2);
    const rules = new Map(series.slos.map((s) => [s.slo_id, s.alert_rules]));
    const firing = status.items
      .flatMap((s) => s.alerts.filter((a) => a.status === 'FIRING').map((a) => ({ s, a })))
      .sort((x, y) => (x.a.severity === 'PAGE' ? 0 : 1) - (y.a.severity === 'PAGE' ? 0 : 1))
      .map(({ s, a }) => ({
        slo_id: s.slo_id,
        severity: a.severity,
        long_window: a.long_window,
        short_window: a.short_window,
        burn_long: String(s.burn_rates[a.long_window]),
        burn_short: String(s.burn_rates[a.short_window]),
        threshold: String(rules.get(s.slo_id)?.find((r) => r.severity === a.severity && r.long_window === a.long_window && r.short_window === a.short_window)?.threshold),
      }));
    expect(firing.length).toBeGreaterThanOrEqual(3);
    const words = Object.fromEntries(status.items.map((s) => [s.slo_id, exhaustionText(s)]));
    expect(words[LONG_SLOS.burning]).toBe('spent');
    expect(words[LONG_SLOS.quiet]).toBe('not burning');
    expect(words[LONG_SLOS.steady]).toMatch(/^in \d+ days?( \d+ hours?)?$/);
    expect(outbox.receivers.map((r) => [r.receiver, r.pending, r.failed, r.delivered])).toEqual([
      ['pagerduty-ops', 0, 1, 1],
      ['slack-ops', 1, 0, 0],
    ]);

    for (const [name, viewport, mobile] of [['1400', WIDE, false], ['400', PHONE, true]] as const) {
      const page = await open(viewport, mobile);
      const seen = await shown(page);
      expect(seen.firing, name).toEqual(firing);
      expect(seen.exhaustion, name).toEqual(words);
      expect(seen.outbox, name).toEqual(outbox.receivers);
      expect(seen.outboxText, name).toMatch(/^1 waiting \(oldest \d+[smhd]\), 1 failed/);
      expect(await page.getAttribute('[data-testid=tile-notifications]', 'data-failed'), name).toBe(String(outbox.failed));
      for (const s of series.slos) {
        const xs = s.points.map((p) => Date.parse(p.at) / 1000);
        expect(seen.charts[`sli:${s.slo_id}`]?.data, `${name} sli:${s.slo_id}`).toEqual([xs, s.points.map((p) => p.sli), xs.map(() => s.target), s.points.map((p) => p.error_budget_remaining)]);
        // The chart's first point is the window's start.
        expect(seen.charts[`burn:${s.slo_id}`]?.data[0]?.[0], `${name} burn:${s.slo_id}`).toBe(Date.parse(s.window_start ?? '') / 1000);
      }
      await fitsWidth(page, viewport.width);
      await page.screenshot({ path: `${SCREENSHOTS}/window-${name}.png`, fullPage: true, timeout: 120_000 });
      await page.context().close();
    }
  });
});
