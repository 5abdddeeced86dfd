import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey, type RunningApi } from '../../query-api/index.js';
import { insertFacts } from '../slo/sim-events.js';
import { SWEEP_YAML, sweepEvents } from '../slo/sweep-fixture.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { closeStatusPage, openStatusPage, SCREENSHOTS, serveStatusPage, signIn } from './status-browser.js';

const PRODUCT_KEY = 'status-product-key-0123456789abcdef';
const VIEWER_KEY = 'status-viewer-key-0123456789abcdef';

/* The page's globals as far as the test reads them (the project compiles without the DOM library). */
type Plot = { series: Array<{ label?: string }>; data: Array<ArrayLike<number | null>>; thresholds?: Array<{ threshold_ms: number; bucket: number }> };
type PageGlobals = { sweepCharts: Record<string, Plot> };
type Row = { getAttribute(name: string): string | null; querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> };
type Drawn = Record<string, { labels: string[]; data: Array<Array<number | null>>; thresholds: Array<{ threshold_ms: number; bucket: number }> }>;

describe('status page: the backtest sweep section in headless Chromium', { timeout: 180_000 }, () => {
  let t: TestWarehouse;
  let api: RunningApi;
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'status-sweep-'));

  beforeAll(async () => {
    t = await openTestWarehouse();
    await insertFacts(t.wh, { journey: sweepEvents(), lem: [] });
    writeFileSync(join(dir, 'sweep.yaml'), SWEEP_YAML);
    const keys = [
      { role: 'product' as const, sha256: hashApiKey(PRODUCT_KEY) },
      { role: 'viewer' as const, sha256: hashApiKey(VIEWER_KEY) },
    ];
    ({ api, browser } = await serveStatusPage({ warehouse: t.wh, sloDir: dir, port: 0, boardFeed: false, auth: { keys, publicStatus: false } }));
  });
  afterAll(async () => {
    await closeStatusPage({ browser, api });
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The page as the holder of `key` sees it, signed in through its login form. */
  async function signedIn(key: string): Promise<Page> {
    const page = await openStatusPage(browser, api.statusUrl, { viewport: { width: 1300, height: 1000 }, until: 'login' });
    await signIn(page, key);
    return page;
  }

  async function sweep(page: Page, fields: Record<string, string>): Promise<string> {
    for (const [id, value] of Object.entries(fields)) await page.fill(`#${id}`, value);
    await page.click('#sweep-form button[type=submit]');
    await page.waitForSelector('body[data-sweep]', { timeout: 60_000 });
    return (await page.getAttribute('body', 'data-sweep')) ?? '';
  }

  it('replays an SLO with other targets and thresholds: a table of pages, the pages over time and the distribution with the thresholds marked', async () => {
    const page = await signedIn(PRODUCT_KEY);
    // The SLO field offers the deployed SLOs.
    await page.focus('#sweep-slo');
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('#sweep-slos option').length === 2);
    expect(await sweep(page, { 'sweep-slo': 'vie-node-latency', 'sweep-days': '1', 'sweep-targets': '0.99,0.9', 'sweep-thresholds': '3000,2500' })).toBe('done');

    const rows = await page.$$eval('#sweep-table tbody tr', (trs) =>
      (trs as unknown as Row[]).map((tr) => [tr.getAttribute('data-target'), tr.getAttribute('data-threshold'), ...Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')]),
    );
    // The slow half hour (02:00-02:29 of 10 March, 2600 ms) pages only at 99% against 2500 ms, from 02:08.
    expect(rows).toEqual([
      ['0.99', '3000', '99% (as defined)', '3000 ms', '0', '0', '0', '–'],
      ['0.99', '2500', '99%', '2500 ms', '1', '1', '66', '03-10 02:08'],
      ['0.9', '3000', '90%', '3000 ms', '0', '0', '0', '–'],
      ['0.9', '2500', '90%', '2500 ms', '0', '1', '0', '–'],
    ]);
    const warnings = await page.$$eval('#sweep-warnings li', (lis) => lis.map((li) => li.getAttribute('data-code')));
    // A day replayed, six hours of it with data: too short for the 30-day window and the 3-day alert window, and sparse.
    expect(warnings).toEqual(['HISTORY_SHORTER_THAN_WINDOW', 'SPAN_SHORTER_THAN_ALERT_WINDOW', 'SPARSE_HISTORY']);

    const drawn = (await page.evaluate(() => {
      const charts = (globalThis as unknown as PageGlobals).sweepCharts;
      return Object.fromEntries(
        Object.entries(charts).map(([k, u]) => [k, { labels: u.series.map((s) => s.label ?? ''), data: u.data.map((a) => Array.from(a)), thresholds: u.thresholds ?? [] }]),
      );
    })) as Drawn;
    expect(Object.keys(drawn).sort()).toEqual(['distribution', 'pages']);
    // One row per variant; the 99% / 2500 ms row has its one point at 02:08.
    const pages = drawn['pages'];
    expect(pages?.labels).toEqual(['time (UTC)', '99% / 3000 ms *', '99% / 2500 ms', '90% / 3000 ms', '90% / 2500 ms']);
    const at0208 = Date.UTC(2026, 2, 10, 2, 8) / 1000;
    const xs = pages?.data[0] ?? [];
    expect(xs.filter((x) => x === at0208)).toHaveLength(1);
    expect(pages?.data.slice(1).map((ys) => ys.filter((y) => y !== null))).toEqual([[], [2], [], []]);
    expect(pages?.data[2]?.[xs.indexOf(at0208)]).toBe(2);
    // The span ends at the page's evaluation time, 05:58 (the last complete minute of data less the
    // lateness): 3280 events at most 100 ms, 300 in (2500, 3000]; both thresholds mark that bucket.
    const dist = drawn['distribution'];
    expect(dist?.data).toEqual([
      [0, 1],
      [3280, 300],
    ]);
    expect(dist?.thresholds.map((m) => [m.threshold_ms, m.bucket])).toEqual([
      [2500, 1],
      [3000, 1],
    ]);
    expect(await page.textContent('#sweep-dist-caption')).toBe('duration_ms of 3580 events, thresholds marked: 2500 ms (91.6201% at most), 3000 ms (100% at most)');
    await page.locator('[data-testid=sweep-section]').screenshot({ path: join(SCREENSHOTS, 'sweep.png') });
    await page.context().close();
  });

  it('a viewer key sees the section but is told a sweep needs a product key; an SLO without latency has no distribution', async () => {
    const viewer = await signedIn(VIEWER_KEY);
    expect(await sweep(viewer, { 'sweep-slo': 'vie-node-latency', 'sweep-days': '1' })).toBe('error');
    expect(await viewer.textContent('#sweep-status')).toBe('A sweep needs a key of the product or admin role.');
    expect(await viewer.isHidden('#sweep-table')).toBe(true);
    await viewer.context().close();
    const page = await signedIn(PRODUCT_KEY);
    expect(await sweep(page, { 'sweep-slo': 'coffee-success', 'sweep-days': '1', 'sweep-targets': '0.99,0.999' })).toBe('done');
    expect(await page.$$eval('#sweep-table tbody tr', (trs) => trs.length)).toBe(2);
    expect(await page.$$eval('#sweep-warnings li', (lis) => lis.map((li) => li.getAttribute('data-code')))).toEqual(['NO_DATA']);
    expect(await page.isHidden('#sweep-dist-figure')).toBe(true);
    await page.context().close();
  });
});
