import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { JourneyEvent } from '../../processors/contracts/events.js';
import { hashApiKey, type RunningApi } from '../../query-api/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { insertFacts } from '../slo/sim-events.js';
import { journey, sloYaml } from '../slo/support.js';
import { closeStatusPage, loadedAt, openStatusPage, SCREENSHOTS, serveStatusPage } from './status-browser.js';

const SRE_KEY = 'status-maintenance-sre-key-0123456789abcdef';

const T0 = Date.parse('2026-01-05T00:00:00Z');
const END = T0 + 4 * 3_600_000;

const SLOS = `${sloYaml({ name: 'vien-coffee', target: 0.99, window: '30d' }).replace('  name: vien-coffee\n', '  name: vien-coffee\n  labels: {team: payments}\n')}---
${sloYaml({ name: 'prague-tram', target: 0.99, window: '30d' })}---
apiVersion: openslo/v1
kind: MaintenanceWindow
metadata:
  name: sunday-patching
spec:
  selector: {labels: {team: payments}}
  start: "2026-01-04T02:00"
  duration: 1h
  rrule: FREQ=WEEKLY;BYDAY=SU
  timeZone: Europe/Vienna
  reason: weekly OS patching
`;

/** The maintenance section's rows as the page shows them. */
async function rows(page: Page): Promise<string[][]> {
  return page.$$eval('[data-testid=maintenance-list] tr[data-window]', (trs) =>
    trs.map((tr) => [
      tr.getAttribute('data-window') ?? '',
      tr.getAttribute('data-state') ?? '',
      tr.querySelector('[data-field=from]')?.textContent ?? '',
      tr.querySelector('[data-field=to]')?.textContent ?? '',
      tr.querySelector('[data-field=slos]')?.textContent ?? '',
    ]),
  );
}

describe('status page: maintenance windows in headless Chromium', { timeout: 300_000 }, () => {
  let tw: TestWarehouse;
  let dir: string;
  let api: RunningApi;
  let browser: Browser;
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${SRE_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slo-maint-page-'));
    writeFileSync(join(dir, 'slos.yaml'), SLOS);
    tw = await openTestWarehouse();
    const events: JourneyEvent[] = [];
    for (let t = T0; t < END; t += 60_000) for (let k = 0; k < 20; k++) events.push(journey('JOURNEY_COMPLETED', t + k * 2_000));
    await insertFacts(tw.wh, { journey: events });
    ({ api, browser } = await serveStatusPage({ warehouse: tw.wh, sloDir: dir, port: 0, boardFeed: false, auth: { keys: [{ role: 'sre', sha256: hashApiKey(SRE_KEY) }], publicStatus: true } }));
  }, 300_000);
  afterAll(async () => {
    await closeStatusPage({ browser, api });
    await tw?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(): Promise<Page> {
    const page = await openStatusPage(browser, api.statusUrl);
    await page.waitForSelector('[data-testid=maintenance-list] tr[data-window]', { timeout: 30_000 });
    return page;
  }

  it('lists the window in force and the next occurrence of a weekly one, and drops a deleted window', async () => {
    // The status page evaluates at 03:59 UTC (the last complete minute of stored data).
    const posted = await call('POST', '/v1/maintenance-windows', {
      name: 'failover-drill',
      selector: { slos: ['vien-coffee'] },
      start: '2026-01-05T03:30',
      duration: '1h',
      reason: 'planned failover drill',
    });
    expect(posted.status).toBe(200);
    const page = await open();
    expect(await rows(page)).toEqual([
      ['failover-drill', 'active', '2026-01-05 03:30', '2026-01-05 04:30', 'vien-coffee'],
      // Sunday 02:00 in Vienna is 01:00 UTC in winter.
      ['sunday-patching', 'upcoming', '2026-01-11 01:00', '2026-01-11 02:00', 'vien-coffee'],
    ]);
    expect(await page.isHidden('[data-testid=maintenance-none]')).toBe(true);
    await page.locator('[data-testid=maintenance-section]').screenshot({ path: join(SCREENSHOTS, 'maintenance.png') });

    expect((await call('DELETE', '/v1/maintenance-windows/failover-drill')).status).toBe(200);
    await page.reload();
    await loadedAt(page);
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('[data-testid=maintenance-list] tr[data-window]').length === 1, undefined, { timeout: 30_000 });
    expect(await rows(page)).toEqual([['sunday-patching', 'upcoming', '2026-01-11 01:00', '2026-01-11 02:00', 'vien-coffee']]);
  });
});
