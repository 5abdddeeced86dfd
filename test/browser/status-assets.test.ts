import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { CHART_ASSETS } from '../../query-api/status-page/assets.js';
import { STATUS_JS } from '../../query-api/status-page/app-js.js';
import { STATUS_HTML } from '../../query-api/status-page/page.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { testApi } from '../api/support.js';

const require = createRequire(import.meta.url);

describe('status page assets', () => {
  let t: TestWarehouse;
  let app: FastifyInstance;

  beforeAll(async () => {
    t = await openTestWarehouse('chdb', { migrate: false });
    app = await testApi(t.wh);
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('serves the chart library from the installed package, byte for byte, without a key', async () => {
    expect(CHART_ASSETS.map((a) => a.url)).toEqual(['/status/vendor/uPlot.iife.min.js', '/status/vendor/uPlot.min.css']);
    for (const asset of CHART_ASSETS) {
      const res = await app.inject({ url: asset.url });
      expect(res.statusCode, asset.url).toBe(200);
      expect(res.headers['content-type'], asset.url).toBe(asset.type);
      expect(res.headers['x-content-type-options'], asset.url).toBe('nosniff');
      expect(res.rawPayload.equals(readFileSync(require.resolve(asset.file))), asset.url).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(require.resolve('uplot/package.json'), 'utf8')) as { version: string; license: string };
    expect(pkg.license).toBe('MIT');
    expect(pkg.version).toMatch(/^1\.6\./);
  });

  it('the page loads only what this server serves, and its script parses', async () => {
    const refs = [...STATUS_HTML.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(refs).toEqual(['/status/vendor/uPlot.min.css', '/status/style.css', '/status/vendor/uPlot.iife.min.js', '/status/app.js', '/docs']);
    for (const ref of refs) expect((await app.inject({ url: ref })).statusCode, ref).toBeLessThan(400);
    expect(() => new Script(STATUS_JS, { filename: 'app.js' })).not.toThrow();
  });
});
