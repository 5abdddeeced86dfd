import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ACCESS, KeyStore, ROLES, allowed, hashApiKey, parseApiKeys, presentedKey, type Role } from '../../query-api/auth.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { KEYS, auth, json, routeCases, testApi, withHeaders } from './support.js';

describe('API keys', () => {
  it('parses role:hash and role:name:hash entries and names the bad one', () => {
    const h = hashApiKey('secret-1');
    expect(parseApiKeys(` finance:${h}, sre:oncall:${h.toUpperCase()} `)).toEqual([
      { role: 'finance', sha256: h, name: 'finance-1' },
      { role: 'sre', sha256: h, name: 'oncall' },
    ]);
    expect(() => parseApiKeys(`boss:${h}`)).toThrow(/entry 1: unknown role "boss"/);
    expect(() => parseApiKeys(`sre:${h},sre:abc`)).toThrow(/entry 2: the hash must be 64 hex digits/);
    expect(() => parseApiKeys('sre')).toThrow(/entry 1: expected role:sha256/);
  });

  it('verifies a presented key against the stored hashes only', () => {
    const store = new KeyStore([
      { role: 'finance', sha256: hashApiKey('k1'), name: 'fin' },
      { role: 'admin', sha256: hashApiKey('k2') },
    ]);
    expect(store.verify('k1')).toEqual({ role: 'finance', name: 'fin', id: hashApiKey('k1').slice(0, 12) });
    expect(store.verify('k2')?.role).toBe('admin');
    expect(store.verify('k3')).toBeUndefined();
    expect(store.verify('')).toBeUndefined();
  });

  it('reads Bearer and X-API-Key headers', () => {
    expect(presentedKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedKey({ authorization: 'bearer  abc ' })).toBe('abc');
    expect(presentedKey({ authorization: 'Basic abc' })).toBeUndefined();
    expect(presentedKey({ 'x-api-key': ' xyz ' })).toBe('xyz');
    expect(presentedKey({})).toBeUndefined();
  });

  it('grants admin everything, viewer only the status page', () => {
    for (const area of Object.keys(ACCESS) as Array<keyof typeof ACCESS>) {
      expect(allowed(area, 'admin')).toBe(true);
      expect(allowed(area, 'viewer')).toBe(area === 'status');
    }
    expect(allowed('finance', 'sre')).toBe(false);
    expect(allowed('backtest', 'sre')).toBe(false);
    expect(allowed('health', 'product')).toBe(false);
  });
});

describe('every protected route', () => {
  let t: TestWarehouse;
  let app: FastifyInstance;
  const cases = routeCases('any-slo', 'OPS-INC-1', '2024-01-01', '2024-01-02');

  beforeAll(async () => {
    t = await openTestWarehouse();
    app = await testApi(t.wh);
  });
  afterAll(async () => {
    await app.close();
    await t.drop();
  });

  it.each(cases.map((c) => [c.request.method, c.request.url, c]))('%s %s: 401 without a key or with an unknown one', async (_m, _u, c) => {
    const none = await app.inject(c.request);
    expect(none.statusCode).toBe(401);
    expect(json(none.body)).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.stringMatching(/Missing API key/) } });
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrong = await app.inject(withHeaders(c.request, { authorization: 'Bearer not-a-configured-key' }));
    expect(wrong.statusCode).toBe(401);
    const wrongHeader = await app.inject(withHeaders(c.request, { 'x-api-key': `${KEYS.admin}x` }));
    expect(wrongHeader.statusCode).toBe(401);
  });

  it.each(cases.map((c) => [c.request.method, c.request.url, c]))('%s %s: 403 for every role outside its area', async (_m, _u, c) => {
    const denied = ROLES.filter((r: Role) => !(ACCESS[c.area] as readonly Role[]).includes(r));
    expect(denied.length).toBeGreaterThan(0);
    for (const role of denied) {
      const res = await app.inject(withHeaders(c.request, auth(role)));
      expect(res.statusCode, role).toBe(403);
      expect(json<{ error: { code: string } }>(res.body).error.code).toBe('FORBIDDEN');
    }
    for (const role of ACCESS[c.area]) {
      const res = await app.inject(withHeaders(c.request, auth(role)));
      expect([401, 403]).not.toContain(res.statusCode);
    }
  });

  it('accepts the key in X-API-Key as well', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/health', headers: { 'x-api-key': KEYS.sre } });
    expect(res.statusCode).toBe(200);
  });

  it('answers 401 before looking at parameters', async () => {
    const res = await app.inject({ method: 'GET', url: "/v1/pnl?by=month';DROP TABLE journey_events--" });
    expect(res.statusCode).toBe(401);
  });

  it('keeps liveness, docs and the status page shell public, and they carry no data', async () => {
    expect((await app.inject({ url: '/livez' })).body).toBe('{"ok":true}');
    expect((await app.inject({ url: '/openapi.json' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/docs/' })).statusCode).toBe(200);
    const page = await app.inject({ url: '/status' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
  });

  it('answers unknown routes with a 404 in the error shape', async () => {
    const res = await app.inject({ url: '/v1/nope', headers: auth('admin') });
    expect(res.statusCode).toBe(404);
    expect(json(res.body)).toEqual({ error: { code: 'NOT_FOUND', message: 'No route GET /v1/nope' } });
  });
});
