import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectPath } from '../../processors/util/project-path.js';
import { startApi, type ApiOptions, type RunningApi } from '../../query-api/index.js';

/** Debian's chromium (apt-get install chromium); playwright-core downloads no browser. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Where the status page tests leave their screenshots. */
export const SCREENSHOTS = projectPath('test-output/status-page');

export interface ServedStatusPage {
  api: RunningApi;
  browser: Browser;
}

/** The query API on `options` and a headless Chromium to read its status page; the screenshot folder exists after. */
export async function serveStatusPage(options: ApiOptions): Promise<ServedStatusPage> {
  const api = await startApi(options);
  try {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    mkdirSync(SCREENSHOTS, { recursive: true });
    return { api, browser };
  } catch (e) {
    await api.close();
    throw e;
  }
}

/** Closes the browser, then the API, of those that started. */
export async function closeStatusPage(served: Partial<ServedStatusPage>): Promise<void> {
  await served.browser?.close();
  await served.api?.close();
}

/** The status page in a new browser context, once it has loaded its data. */
export async function openStatusPage(browser: Browser, url: string, viewport = { width: 1400, height: 1000 }, mobile = false): Promise<Page> {
  const context = await browser.newContext({ viewport, ...(mobile ? { isMobile: true, hasTouch: true } : {}) });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-loaded]', { timeout: 30_000 });
  return page;
}
