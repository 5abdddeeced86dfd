import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { json, routeCases, testApi } from './support.js';

type Operation = { security?: unknown[]; responses: Record<string, unknown>; parameters?: Array<{ name: string; in: string }> };
type Doc = { paths: Record<string, Record<string, Operation>> };

describe('OpenAPI document', () => {
  let t: TestWarehouse;
  let app: FastifyInstance;
  let doc: Doc;

  beforeAll(async () => {
    t = await openTestWarehouse();
    app = await testApi(t.wh);
    doc = json<Doc>((await app.inject({ url: '/openapi.json' })).body);
  });
  afterAll(async () => {
    await app.close();
    await t.drop();
  });

  it('validates against the OpenAPI 3.0 schema', async () => {
    const copy = structuredClone(doc) as unknown as Parameters<typeof SwaggerParser.validate>[0];
    await expect(SwaggerParser.validate(copy)).resolves.toBeTruthy();
  });

  it('documents every protected route with its security, 401 and 403', () => {
    const cases = routeCases('{id}', '{id}', 'x', 'y');
    for (const c of cases) {
      const path = c.request.url.split('?')[0] ?? '';
      const op = doc.paths[path]?.[c.request.method.toLowerCase()];
      expect(op, `${c.request.method} ${path}`).toBeDefined();
      expect(op?.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
      expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(['200', '401', '403']));
    }
    // Nothing undocumented: every documented path is either in the table above or public.
    const documented = Object.keys(doc.paths).sort();
    expect(documented).toEqual(
      [
        '/livez',
        '/status/data',
        '/status/maintenance',
        '/status/series',
        '/v1/alerts',
        '/v1/backtest',
        '/v1/health',
        '/v1/incidents',
        '/v1/incidents/{id}',
        '/v1/maintenance-windows',
        '/v1/maintenance-windows/{name}',
        '/v1/notifications',
        '/v1/notifications/summary',
        '/v1/pnl',
        '/v1/slos',
        '/v1/slos/status',
        '/v1/slos/{id}/history',
        '/v1/slos/{id}/status',
        '/v1/slos/{id}/sweep',
      ].sort(),
    );
  });

  it('documents pagination on every list route and the rate limit on backtest', () => {
    for (const path of ['/v1/slos', '/v1/slos/status', '/v1/slos/{id}/history', '/v1/alerts', '/v1/pnl', '/v1/incidents']) {
      const names = (doc.paths[path]?.['get']?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      expect(names, path).toEqual(expect.arrayContaining(['limit', 'offset']));
    }
    expect(Object.keys(doc.paths['/v1/backtest']?.['post']?.responses ?? {})).toContain('429');
  });
});
