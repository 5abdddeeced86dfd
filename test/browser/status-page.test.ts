import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { queryPnl } from '../../processors/economics/warehouse/index.js';
import { evaluateSlos, latestEventTime } from '../../processors/slo/index.js';
import { formatMinor } from '../../processors/simulator/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import { hashApiKey, startApi, type RunningApi } from '../../query-api/index.js';
import { surfaceFixture, type SurfaceFixture } from '../api/fixture.js';

/** Debian's chromium (apt-get install chromium); playwright-core downloads no browser. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const VIEWER_KEY = 'status-viewer-key-0123456789abcdef';
const OUT = projectPath('test-output');

describe('built-in status page in headless Chromium', () => {
  let f: SurfaceFixture;
  let browser: Browser;
  let open: RunningApi;
  let locked: RunningApi;

  beforeAll(async () => {
    f = await surfaceFixture();
    const common = { warehouse: f.t.wh, sloDir: projectPath('slos'), port: 0, boardFeed: false as const };
    open = await startApi({ ...common, statusRefreshMs: 1000 });
    locked = await startApi({ ...common, auth: { keys: [{ role: 'viewer', sha256: hashApiKey(VIEWER_KEY) }], publicStatus: false } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    mkdirSync(OUT, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await open?.close();
    await locked?.close();
    await f?.t.drop();
  });

  async function loaded(page: Page): Promise<string> {
    await page.waitForSelector('body[data-loaded]', { timeout: 30_000 });
    return (await page.getAttribute('body', 'data-loaded')) ?? '';
  }

  it('shows every SLO with the numbers the SLO engine computes from the warehouse', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
    await page.goto(open.statusUrl);
    await loaded(page);
    const at = (await latestEventTime(f.t.wh)) ?? 0;
    const engine = await evaluateSlos(f.t.wh, f.slos, at);
    expect(await page.textContent('[data-testid=evaluated-at]')).toBe(new Date(at).toISOString());

    const shown = await page.$$eval('tr[data-slo-id]', (rows) =>
      rows.map((r) => ({
        id: r.getAttribute('data-slo-id'),
        sli: r.querySelector('[data-field=sli]')?.getAttribute('data-value'),
        budget: r.querySelector('[data-field=budget]')?.getAttribute('data-value'),
        bar: r.querySelector('[role=meter]')?.getAttribute('aria-valuenow'),
        burns: Object.fromEntries([...r.querySelectorAll('[data-window]')].map((b) => [b.getAttribute('data-window'), b.getAttribute('data-value')])),
        alerts: [...r.querySelectorAll('[data-severity]')].map((a) => a.getAttribute('data-severity')),
      })),
    );
    expect(shown).toEqual(
      engine.map((e) => ({
        id: e.slo_id,
        sli: e.sli === null ? '' : String(e.sli),
        budget: String(e.error_budget_remaining),
        bar: String(Math.round(Math.max(0, Math.min(1, e.error_budget_remaining)) * 100)),
        burns: Object.fromEntries(Object.entries(e.burn_rates).map(([w, v]) => [w, String(v)])),
        alerts: e.alerts.map((a) => a.severity),
      })),
    );
    const firing = engine.reduce((n, e) => n + e.alerts.length, 0);
    expect(await page.textContent('[data-testid=tile-firing] .value')).toBe(String(firing));
    expect(await page.textContent('[data-testid=overall]')).toBe(firing ? `${firing} alert${firing > 1 ? 's' : ''} firing` : 'No alerts firing');
    await page.screenshot({ path: `${OUT}/status-page.png`, fullPage: true });
    await page.close();
  });

  it('shows the finance summary the P&L query gives, with the most expensive incidents first', async () => {
    const page = await browser.newPage();
    await page.goto(open.statusUrl);
    await loaded(page);
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
    await page.close();
  });

  it('refreshes itself', async () => {
    const page = await browser.newPage();
    await page.goto(open.statusUrl);
    const first = await loaded(page);
    await page.waitForSelector(`body:not([data-loaded=${JSON.stringify(first)}])`, { timeout: 30_000 });
    expect(await page.getAttribute('body', 'data-loaded')).not.toBe(first);
    expect(await page.textContent('[data-testid=refresh]')).toBe('refreshes every 1s');
    await page.close();
  });

  it('asks for a key when the data is not public, and shows it with a read-only viewer key', async () => {
    const page = await browser.newPage();
    await page.goto(locked.statusUrl);
    await page.waitForSelector('#login:not([hidden])');
    expect(await page.$$('tr[data-slo-id]')).toHaveLength(0);
    await page.fill('#key', 'wrong-key');
    await page.click('button[type=submit]');
    await page.waitForSelector('#login-error:text-is("That key was not accepted.")');
    await page.fill('#key', VIEWER_KEY);
    await page.click('button[type=submit]');
    await loaded(page);
    expect(await page.$$('tr[data-slo-id]')).toHaveLength(f.slos.length);
    expect(await page.isHidden('#login')).toBe(true);
    await page.screenshot({ path: `${OUT}/status-page-viewer.png` });
    await page.close();
  });
});
