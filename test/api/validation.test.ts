import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { projectPath } from '../../processors/util/project-path.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { loadSimulated } from './simulated.js';
import { auth, json, testApi } from './support.js';

type ErrorBody = { error: { code: string; message: string; field?: string } };

const FACT_TABLES = ['journey_events', 'lem_signals', 'incident_events', 'compensation_events', 'refund_events', 'fx_rates', 'slo_signals', 'dead_letters'];

describe('bad parameters get a 400 naming the field; injection attempts change nothing', () => {
  let t: TestWarehouse;
  let app: FastifyInstance;
  let counts: Record<string, string>;

  const tableCounts = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const table of FACT_TABLES) out[table] = (await t.wh.query<{ n: string }>(`SELECT count() AS n FROM ${table}`))[0]?.n ?? '';
    return out;
  };

  beforeAll(async () => {
    t = await openTestWarehouse();
    await loadSimulated(t.wh, { seed: 9, days: 1, journeysPerDay: 300 });
    app = await testApi(t.wh, { sloDir: projectPath('slos') });
    counts = await tableCounts();
  });
  afterAll(async () => {
    await app.close();
    await t.drop();
  });

  it.each([
    ['/v1/slos?limit=0', 'query.limit', /query\.limit: must be at least 1/],
    ['/v1/slos?limit=5000', 'query.limit', /query\.limit: must be at most 1000/],
    ['/v1/slos?limit=ten', 'query.limit', /query\.limit: must be a whole number/],
    ['/v1/slos?offset=-1', 'query.offset', /query\.offset: must be at least 0/],
    ['/v1/slos?sort=name', 'query', /query: Unrecognized key: "sort"/],
    ['/v1/slos/status?at=yesterday', 'query.at', /query\.at: must be a date \(YYYY-MM-DD\) or an ISO 8601 instant/],
    ['/v1/slos/status?at=2026-11-02T10:00:00', 'query.at', /with a zone/],
    ['/v1/slos/x/status?at=2026-02-30', 'query.at', /query\.at/],
    ['/v1/slos/x/history?to=2026-11-02', 'query.from', /query\.from: /],
    ['/v1/slos/x/history?from=2026-11-03&to=2026-11-02', 'query.from', /query\.from: must be before query\.to/],
    ['/v1/slos/x/history?from=2026-01-01&to=2026-11-02&step_minutes=1', 'query.step_minutes', /needs \d+ points; at most 5000/],
    ['/v1/slos/x/history?from=2026-11-01&to=2026-11-02&step_minutes=0', 'query.step_minutes', /must be at least 1/],
    ['/v1/alerts?status=OPEN', 'query.status', /query\.status: /],
    ['/v1/alerts?severity=page', 'query.severity', /query\.severity: /],
    ['/v1/pnl?by=month,product', 'query.by', /query\.by: unknown dimension "product" \(allowed: month, product_version_id, /],
    ['/v1/pnl?by=month,month', 'query.by', /a dimension is named twice/],
    ['/v1/pnl?from=2026-13-01', 'query.from', /must be a date YYYY-MM-DD|real calendar date/],
    ['/v1/pnl?from=2026-11-02&to=2026-11-01', 'query.from', /must not be after query\.to/],
    ['/v1/pnl?format=xlsx', 'query.format', /query\.format: /],
    ['/v1/incidents?severity=SEV9', 'query.severity', /query\.severity: /],
    ['/v1/incidents?fault=NOBODY', 'query.fault', /query\.fault: /],
  ])('GET %s', async (url, field, message) => {
    const res = await app.inject({ url, headers: auth('admin') });
    expect(res.statusCode).toBe(400);
    const body = json<ErrorBody>(res.body);
    expect(body.error.code).toBe('BAD_ARGUMENT');
    expect(body.error.field).toBe(field);
    expect(body.error.message).toMatch(message);
  });

  it.each([
    ['empty body', 'application/yaml', ''],
    ['JSON instead of YAML', 'application/json', '{"apiVersion":"openslo/v1"}'],
  ])('POST /v1/backtest with %s', async (_what, type, payload) => {
    const res = await app.inject({ method: 'POST', url: '/v1/backtest?from=2026-11-01&to=2026-11-02', headers: { ...auth('admin'), 'content-type': type }, payload });
    expect(res.statusCode).toBe(400);
    expect(json<ErrorBody>(res.body).error.code).toBe('BAD_ARGUMENT');
  });

  it('POST /v1/backtest over more than 92 days', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/backtest?from=2026-01-01&to=2026-11-02', headers: { ...auth('admin'), 'content-type': 'application/yaml' }, payload: 'x: 1' });
    expect(json<ErrorBody>(res.body).error).toMatchObject({ code: 'BAD_ARGUMENT', field: 'query.to', message: 'query.to: a backtest covers at most 92 days' });
  });

  const INJECTIONS = [
    "x' OR '1'='1",
    "x'; DROP TABLE journey_events; --",
    'x) UNION ALL SELECT * FROM system.users --',
    '{id:String}',
    'x\\\' OR 1=1 --',
    'VEN-123 OR 1=1',
  ];

  it.each(INJECTIONS)('filter values are validated or bound, never SQL: %s', async (evil) => {
    const q = encodeURIComponent(evil);
    const urls = [
      `/v1/alerts?slo_id=${q}`,
      `/v1/incidents?vendor_id=${q}`,
      `/v1/incidents?route_id=${q}`,
      `/v1/incidents?city_code=${q}`,
      `/v1/incidents/${q}`,
      `/v1/slos/${q}/status`,
      `/v1/slos/${q}/history?from=2026-11-01&to=2026-11-02`,
      `/v1/pnl?by=${q}`,
      `/v1/pnl?from=${q}`,
      `/v1/slos/status?at=${q}`,
    ];
    for (const url of urls) {
      const res = await app.inject({ url, headers: auth('admin') });
      // Either refused as malformed, or (for values that are valid identifiers) matched as plain text: nothing found.
      if (res.statusCode === 200) expect(json<{ total: number }>(res.body).total, url).toBe(0);
      else expect([400, 404], url).toContain(res.statusCode);
    }
    expect(await tableCounts()).toEqual(counts);
  });

  it('a value that is a valid identifier is matched literally', async () => {
    const res = await app.inject({ url: '/v1/alerts?slo_id=x--1', headers: auth('sre') });
    expect(res.statusCode).toBe(200);
    expect(json<{ total: number }>(res.body).total).toBe(0);
    const inc = await app.inject({ url: '/v1/incidents?vendor_id=VEN-123:1', headers: auth('finance') });
    expect(json<{ total: number }>(inc.body).total).toBe(0);
  });

  it('rejects a body over the limit before reading it', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/backtest?from=2026-11-01&to=2026-11-02',
      headers: { ...auth('admin'), 'content-type': 'application/yaml' },
      payload: 'a'.repeat(300 * 1024),
    });
    expect(res.statusCode).toBe(413);
  });
});

describe('health and status data', () => {
  let t: TestWarehouse;

  beforeAll(async () => {
    t = await openTestWarehouse();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('health reports the pipeline figures given and the warehouse facts counted', async () => {
    const sim = await loadSimulated(t.wh, { seed: 4, days: 1, journeysPerDay: 200 });
    const figures = { status: 'ok' as const, topics: [{ topic: 'tjm.journey.v1', lag: 7, events_per_second: 12.5, last_event_at: null, dead_lettered: 1 }], started_at: '2026-11-01T00:00:00.000Z' };
    const app = await testApi(t.wh, { health: () => figures });
    const body = json<{ status: string; pipeline: unknown; warehouse: { reachable: boolean; facts: Array<{ topic: string; rows: number }>; dead_letters: Array<{ count: number }> } }>(
      (await app.inject({ url: '/v1/health', headers: auth('sre') })).body,
    );
    await app.close();
    expect(body.status).toBe('ok');
    expect(body.pipeline).toEqual({ topics: figures.topics, started_at: figures.started_at });
    expect(body.warehouse.reachable).toBe(true);
    // Stored rows: every distinct event, plus duplicate deliveries not merged away yet.
    const stored = Object.fromEntries(body.warehouse.facts.map((f) => [f.topic, f.rows]));
    for (const [topic, n] of Object.entries(sim.truth.events.by_topic)) {
      expect(stored[topic], topic).toBeGreaterThanOrEqual(n);
      expect(stored[topic], topic).toBeLessThanOrEqual(n + (sim.truth.duplicates.by_topic[topic] ?? 0));
    }
    expect(body.warehouse.dead_letters.reduce((a, d) => a + d.count, 0)).toBe(sim.truth.dead_letters.jsonl.total);
  });

  it('answers 503 naming the problem when the SLO folder cannot be read', async () => {
    const app = await testApi(t.wh, { sloDir: '/nonexistent/slos' });
    const res = await app.inject({ url: '/v1/slos/status', headers: auth('sre') });
    await app.close();
    expect(res.statusCode).toBe(503);
    expect(json(res.body)).toEqual({ error: { code: 'UNAVAILABLE', message: 'The SLO folder /nonexistent/slos cannot be read.' } });
  });

  it('status data is public on loopback, and needs a key of any role otherwise', async () => {
    const pub = await testApi(t.wh, { sloDir: projectPath('slos') });
    expect((await pub.inject({ url: '/status/data' })).statusCode).toBe(200);
    await pub.close();
    const locked = await testApi(t.wh, { sloDir: projectPath('slos'), host: '0.0.0.0' });
    expect((await locked.inject({ url: '/status/data' })).statusCode).toBe(401);
    for (const role of ['viewer', 'finance', 'sre', 'product', 'admin'] as const) {
      expect((await locked.inject({ url: '/status/data', headers: auth(role) })).statusCode, role).toBe(200);
    }
    expect((await locked.inject({ url: '/v1/slos', headers: auth('viewer') })).statusCode).toBe(403);
    await locked.close();
  });
});
