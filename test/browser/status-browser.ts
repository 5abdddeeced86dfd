import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectPath } from '../../processors/util/project-path.js';
import { startApi, type ApiOptions, type RunningApi } from '../../query-api/index.js';

/** Debian's chromium (apt-get install chromium); playwright-core downloads no browser. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Where the page's script keeps the key its login form was given (query-api/status-page/app-js.ts). */
const KEY_ITEM = 'slo-status-key';
/** The page fetches its data and draws some 90 charts before it marks itself loaded: a while on a busy machine. */
const LOAD_MS = 30_000;

/** Where the status page tests leave their screenshots (git ignores test-output/). */
export const SCREENSHOTS = projectPath('test-output/status-page');

export interface ServedStatusPage {
  api: RunningApi;
  browser: Browser;
}

/** A headless Chromium to read status pages with; the screenshot folder exists after. */
export async function launchStatusBrowser(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return browser;
}

/**
 * The query API on `options` and a headless Chromium to read its status page. The page
 * refreshes itself every `options.statusRefreshMs` (15 s by default).
 */
export async function serveStatusPage(options: ApiOptions): Promise<ServedStatusPage> {
  const api = await startApi(options);
  try {
    return { api, browser: await launchStatusBrowser() };
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

export interface OpenOptions {
  /** @default { width: 1400, height: 1000 } */
  viewport?: { width: number; height: number };
  /** A phone: a mobile viewport with touch. @default false */
  mobile?: boolean;
  /** An API key the page holds before it loads, as if its login form had been given it earlier. @default none */
  key?: string;
  /** What to wait for: the data drawn (`body[data-loaded]`) or the login form shown. @default 'loaded' */
  until?: 'loaded' | 'login';
}

/** The status page at `url` in a new browser context (close it with `page.context().close()`), once loaded. */
export async function openStatusPage(browser: Browser, url: string, options: OpenOptions = {}): Promise<Page> {
  const { viewport = { width: 1400, height: 1000 }, mobile = false, key, until = 'loaded' } = options;
  const context = await browser.newContext({ viewport, ...(mobile ? { isMobile: true, hasTouch: true } : {}) });
  if (key !== undefined) {
    await context.addInitScript(
      ([item, value]) => (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem(item, value),
      [KEY_ITEM, key] as const,
    );
  }
  const page = await context.newPage();
  await page.goto(url);
  if (until === 'login') await page.waitForSelector('#login:not([hidden])', { timeout: LOAD_MS });
  else await loadedAt(page);
  return page;
}

/** Waits until the page has drawn its data; its `data-loaded` mark (the data's generation time). */
export async function loadedAt(page: Page): Promise<string> {
  await page.waitForSelector('body[data-loaded]', { timeout: LOAD_MS });
  return (await page.getAttribute('body', 'data-loaded')) ?? '';
}

/** Gives the page's login form `key` and waits until the page has drawn the data it opens. */
export async function signIn(page: Page, key: string): Promise<void> {
  await page.fill('#key', key);
  await page.click('#login button[type=submit]');
  await loadedAt(page);
}

/** An element as the page lays it out (CSS pixels from the viewport's top left). */
export interface LaidOut {
  /** The tag name as the DOM gives it, e.g. `CANVAS`. */
  tag: string;
  text: string;
  attributes: Record<string, string>;
  /** The attributes of the element or its nearest ancestor matching `row`; null without a match or a `row`. */
  row: Record<string, string> | null;
  /** The id of the nearest hidden ancestor ('' when it has none); null when none is hidden. */
  hiddenIn: string | null;
  /** The computed `display`. */
  display: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
  /** For a canvas, with `painted`: how many of its pixels are drawn (alpha above 0); null otherwise. */
  painted: number | null;
}

export interface BoxesOptions {
  /** A selector for the row each element belongs to (see `LaidOut.row`). @default none */
  row?: string;
  /** Count the drawn pixels of each canvas. @default false */
  painted?: boolean;
}

/*
 * The page's globals as far as `boxesOf` reads them: the project compiles without the DOM
 * library; the casts are erased, so the function runs as written in the page.
 */
type DomElement = {
  tagName: string;
  textContent: string | null;
  parentElement: DomElement | null;
  getAttributeNames(): string[];
  getAttribute(name: string): string | null;
  closest(selector: string): DomElement | null;
  getBoundingClientRect(): { left: number; right: number; top: number; bottom: number; width: number; height: number };
  width?: number;
  height?: number;
  getContext?(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
};
type DomGlobals = { document: { querySelectorAll(selector: string): ArrayLike<DomElement> }; getComputedStyle(e: DomElement): { display: string } };

/**
 * Every element matching `selector`, queried and measured in one task of the page: a refresh
 * that replaces the rows cannot come between the query and the measurement (`page.$$eval`
 * takes two round trips, and an element detached in between measures 0 x 0).
 */
export function boxesOf(page: Page, selector: string, options: BoxesOptions = {}): Promise<LaidOut[]> {
  const args = { selector, row: options.row ?? null, painted: options.painted ?? false };
  return page.evaluate(({ selector, row, painted }) => {
    const g = globalThis as unknown as DomGlobals;
    const attributesOf = (e: DomElement): Record<string, string> => Object.fromEntries(e.getAttributeNames().map((n) => [n, e.getAttribute(n) ?? '']));
    const pixelsOf = (e: DomElement): number | null => {
      if (!painted || e.tagName !== 'CANVAS' || !e.getContext) return null;
      const px = e.getContext('2d')?.getImageData(0, 0, e.width ?? 0, e.height ?? 0).data ?? [];
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if ((px[i] ?? 0) > 0) n++;
      return n;
    };
    return Array.from(g.document.querySelectorAll(selector)).map((e) => {
      const r = e.getBoundingClientRect();
      const owner = row === null ? null : e.closest(row);
      const hidden = e.parentElement?.closest('[hidden]') ?? null;
      return {
        tag: e.tagName,
        text: e.textContent ?? '',
        attributes: attributesOf(e),
        row: owner ? attributesOf(owner) : null,
        hiddenIn: hidden ? (hidden.getAttribute('id') ?? '') : null,
        display: g.getComputedStyle(e).display,
        left: r.left,
        right: r.right,
        top: r.top,
        bottom: r.bottom,
        width: r.width,
        height: r.height,
        painted: pixelsOf(e),
      };
    });
  }, args);
}
