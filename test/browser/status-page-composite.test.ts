import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { SloCatalog } from '../../processors/slo/definitions/catalog.js';
import { SloBoardFeed } from '../../processors/slo/runtime/board-feed.js';
import { hashApiKey, type RunningApi } from '../../query-api/index.js';
import type { StatusSeries } from '../../query-api/services/series-service.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { cliWarehouse } from '../slo/cli-warehouse.js';
import { coffeeWalkLines, writeCoffeeSlos } from '../slo/composite-support.js';
import { boxesOf, closeStatusPage, openStatusPage, SCREENSHOTS, serveStatusPage } from './status-browser.js';

const SRE_KEY = 'status-composite-sre-key-0123456789abcdef';
const PRODUCT_KEY = 'status-composite-product-key-0123456789abcdef';
const ID = 'vien-coffee-experience';
const BASE = Date.parse('2026-03-02T00:00:00Z');
const T = BASE + 120 * 60_000;

type Plot = { series: Array<{ label?: string }>; data: Array<ArrayLike<number | null>> };
type PageGlobals = { statusCharts: Record<string, Plot> };
type Component = { slo_id: string; weight: number; share: number; burn_rate: number };
type Row = { slo_id: string; kind?: string; sli: number | null; error_budget_remaining: number; burn_rates: Record<string, number>; components?: Component[] };

/** A composite SLO's card: its curves from the SLO board and its components with weight and share, as the API gives them. */
describe('status page: a composite SLO card', { timeout: 300_000 }, () => {
  // Two hours of Vienna coffee walks, 10 a minute; in the second hour one of 10 fails and one is slow (test/slo/composite-status.test.ts).
  const store = cliWarehouse('status-composite-', 'statuscomp');
  const slos = join(store.dir, 'slos');
  let wh: ChdbWarehouse;
  let api: RunningApi;
  let browser: Browser;
  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${SRE_KEY}` } })).json()) as T;

  beforeAll(async () => {
    writeCoffeeSlos(slos);
    await store.ingest('events.jsonl', coffeeWalkLines(BASE, 'SP'));
    wh = await ChdbWarehouse.open({ dataDir: store.data, database: store.database });
    const catalog = SloCatalog.open({ dir: slos, checkEveryMs: Infinity });
    const feed = new SloBoardFeed(wh, () => catalog.current(), {}, () => catalog.composites());
    await feed.tick({ version: 1, now: T + 3_600_000 });
    ({ api, browser } = await serveStatusPage({
      warehouse: wh,
      sloDir: slos,
      port: 0,
      boardFeed: false,
      statusCacheMs: 0,
      now: () => new Date(T),
      auth: {
        keys: [
          { role: 'sre', sha256: hashApiKey(SRE_KEY) },
          { role: 'product', sha256: hashApiKey(PRODUCT_KEY) },
        ],
        publicStatus: true,
      },
    }));
  }, 300_000);
  afterAll(async () => {
    await closeStatusPage({ browser, api });
    await wh?.close();
    await store.drop();
  });

  const open = (viewport?: { width: number; height: number }, mobile?: boolean): Promise<Page> => openStatusPage(browser, api.statusUrl, { viewport, mobile });

  it("draws the composite's SLI, budget and burn curves and lists its components with weight, share and burn", async () => {
    const series = await get<StatusSeries>('/status/series');
    const status = await get<{ items: Row[] }>('/v1/slos/status?limit=100');
    const composite = series.slos.find((s) => s.slo_id === ID);
    const row = status.items.find((s) => s.slo_id === ID);
    expect(composite?.kind).toBe('composite');
    expect(composite?.points.length).toBeGreaterThan(2);
    expect(row?.kind).toBe('composite');
    // 60 slow of 1140 completed (burn 1.0526...) and 60 failed of 1200 (burn 5) by the status instant's window.
    expect(composite?.components?.map((c) => [c.slo_id, c.weight, c.share])).toEqual([
      ['vien-coffee-latency', 2, 0.666666666667],
      ['vien-coffee-availability', 1, 0.333333333333],
    ]);

    const page = await open();
    const charts = await page.evaluate(() =>
      Object.fromEntries(Object.entries((globalThis as unknown as PageGlobals).statusCharts).map(([k, u]) => [k, { labels: u.series.map((s) => s.label ?? ''), data: u.data.map((d) => Array.from(d)) }])),
    );
    const points = composite?.points ?? [];
    const xs = points.map((p) => Date.parse(p.at) / 1000);
    expect(charts[`sli:${ID}`]?.data).toEqual([xs, points.map((p) => p.sli), xs.map(() => 0.98), points.map((p) => p.error_budget_remaining)]);
    // One burn line per window (shortest first), as the series gives them.
    const windows = charts[`burn:${ID}`]?.labels.slice(1, 1 + Object.keys(points[0]?.burn_rates ?? {}).length) ?? [];
    expect([...windows].sort()).toEqual(Object.keys(points[0]?.burn_rates ?? {}).sort());
    windows.forEach((w, i) => expect(charts[`burn:${ID}`]?.data[i + 1], w).toEqual(points.map((p) => p.burn_rates[w] ?? null)));
    expect(points[points.length - 1]?.error_budget_remaining).toBeLessThan(0);

    const card = page.locator(`article[data-slo-id="${ID}"]`);
    expect(await card.locator('[data-field=sli]').getAttribute('data-value')).toBe(String(row?.sli));
    expect(await card.locator('[data-field=budget]').getAttribute('data-value')).toBe(String(row?.error_budget_remaining));
    const shown = await card.locator('[data-field=components] [data-component]').evaluateAll((els) =>
      els.map((e) => ({ slo_id: e.getAttribute('data-component'), weight: Number(e.getAttribute('data-weight')), share: Number(e.getAttribute('data-share')), burn_rate: Number(e.getAttribute('data-burn')), text: e.textContent })),
    );
    expect(shown).toEqual(
      (row?.components ?? []).map((c) => ({
        slo_id: c.slo_id,
        weight: c.weight,
        share: c.share,
        burn_rate: c.burn_rate,
        text: `${c.slo_id} · weight ${c.weight} (${(c.share * 100).toFixed(1)}%) · ${c.burn_rate.toFixed(2)}x`,
      })),
    );
    expect(shown.map((c) => c.text)).toEqual(['vien-coffee-latency · weight 2 (66.7%) · 1.05x', 'vien-coffee-availability · weight 1 (33.3%) · 5.00x']);
    expect(await card.locator('.service').first().textContent()).toBe('journeys · window 30d · composite of 2 SLOs');
    // The components are SLOs of the set: their own cards are there too.
    expect(await page.locator('article[data-slo-id="vien-coffee-latency"] [data-chart=sli]').count()).toBe(1);
    await page.screenshot({ path: `${SCREENSHOTS}/composite-1400.png`, fullPage: true, timeout: 120_000 });
    await page.context().close();
  });

  it('at 400 px the composite card fits the screen: its components, figures and charts', async () => {
    const page = await open({ width: 400, height: 860 }, true);
    const boxes = (await boxesOf(page, `article[data-slo-id="${ID}"] [data-field], article[data-slo-id="${ID}"] [data-component], article[data-slo-id="${ID}"] canvas`)).map((b) => ({
      what: b.attributes['data-component'] ?? b.attributes['data-field'] ?? b.tag,
      left: b.left,
      right: b.right,
    }));
    expect(boxes.filter((b) => b.what.startsWith('vien-coffee-'))).toHaveLength(2);
    for (const b of boxes) {
      expect(b.left, b.what).toBeGreaterThanOrEqual(0);
      expect(b.right, b.what).toBeLessThanOrEqual(400);
    }
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);
    await page.screenshot({ path: `${SCREENSHOTS}/composite-400.png`, fullPage: true, timeout: 120_000 });
    await page.context().close();
  });

  it("the backtest sweep section replays the composite's own target and says why the thresholds do not apply, as the API answers", async () => {
    const page = await openStatusPage(browser, api.statusUrl, { key: PRODUCT_KEY });
    await page.fill('#sweep-slo', ID);
    await page.fill('#sweep-days', '1');
    await page.fill('#sweep-targets', '0.98,0.9');
    await page.fill('#sweep-thresholds', '2500');
    await page.click('#sweep-form button[type=submit]');
    await page.waitForSelector('body[data-sweep]', { timeout: 60_000 });
    expect(await page.getAttribute('body', 'data-sweep')).toBe('done');
    const q = `from=${new Date(T - 86_400_000).toISOString()}&to=${new Date(T).toISOString()}&targets=0.98,0.9&thresholds=2500`;
    const res = await fetch(`${api.url}/v1/slos/${ID}/sweep?${q}`, { headers: { authorization: `Bearer ${PRODUCT_KEY}` } });
    const body = (await res.json()) as { indicator: string; variants: Array<{ target: number; pages: number; tickets: number; page_minutes: number }>; warnings: Array<{ code: string; message: string }> };
    expect(body.indicator).toBe('composite');
    const rows = await page.$$eval('#sweep-table tbody tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-target'), tr.getAttribute('data-threshold'), ...['pages', 'tickets', 'page-minutes'].map((f) => tr.querySelector(`[data-field=${f}]`)?.textContent ?? '')]),
    );
    expect(rows).toEqual(body.variants.map((v) => [String(v.target), '', String(v.pages), String(v.tickets), String(v.page_minutes)]));
    // The deployed composite tickets once (3d/6h at +77) whatever its own target.
    expect(rows.map((r) => r.slice(2, 4))).toEqual([
      ['0', '1'],
      ['0', '1'],
    ]);
    const warnings = await page.$$eval('#sweep-warnings li', (lis) => lis.map((li) => [li.getAttribute('data-code'), li.textContent]));
    expect(warnings).toEqual(body.warnings.map((w) => [w.code, w.message]));
    expect(warnings.map((w) => w[0])).toContain('THRESHOLDS_NOT_APPLICABLE');
    expect(warnings.map((w) => w[0])).toContain('COMPOSITE_TARGET_MOVES_SLI_ONLY');
    // No latency distribution for a composite.
    expect(await page.isHidden('#sweep-dist-figure')).toBe(true);
    await page.context().close();
  });
});
