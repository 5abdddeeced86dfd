import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { evaluateSlos, statusInstant, toContractStatus } from '../../processors/slo/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import { surfaceFixture, type SurfaceFixture } from './fixture.js';
import { BACKTEST_YAML, auth, json, testApi } from './support.js';

type Page<T> = { items: T[]; limit: number; offset: number; total: number };
type Status = { slo_id: string; sli: number | null; target: number; error_budget_remaining: number; burn_rates: Record<string, number>; alerts: unknown[]; evaluated_at: string; time_to_exhaustion_seconds: number | null };
type ErrorBody = { error: { code: string; message: string; field?: string } };

describe('SLO routes on simulated traffic', () => {
  let f: SurfaceFixture;
  let app: FastifyInstance;
  const get = (url: string, role: 'sre' | 'product' | 'admin' = 'sre') => app.inject({ url, headers: auth(role) });

  beforeAll(async () => {
    f = await surfaceFixture();
    app = await testApi(f.t.wh, { sloDir: projectPath('slos'), backtestRateLimit: { max: 3, timeWindowMs: 600_000 } });
  });
  afterAll(async () => {
    await app.close();
    await f.t.drop();
  });

  it('lists every definition, paginated', async () => {
    const all = json<Page<{ slo_id: string }>>((await get('/v1/slos?limit=1000')).body);
    expect(all.total).toBe(f.slos.length);
    expect(all.items.map((s) => s.slo_id)).toEqual(f.slos.map((s) => s.id));
    const page = json<Page<{ slo_id: string }>>((await get('/v1/slos?limit=2&offset=3', 'product')).body);
    expect(page).toMatchObject({ limit: 2, offset: 3, total: f.slos.length });
    expect(page.items.map((s) => s.slo_id)).toEqual(f.slos.slice(3, 5).map((s) => s.id));
  });

  it('status by default: at the instant `slo status` uses (the last complete minute of stored data), equal to the SLO engine', async () => {
    const at = await statusInstant(f.t.wh);
    const [newest] = await f.t.wh.query<{ ms: string }>(
      'SELECT toString(greatest((SELECT toUnixTimestamp64Milli(max(occurred_at)) FROM journey_events), (SELECT toUnixTimestamp64Milli(max(occurred_at)) FROM lem_signals))) AS ms',
    );
    expect(at).toBe(Math.floor((Number(newest?.ms) - 30_000) / 60_000) * 60_000);
    const expected = (await evaluateSlos(f.t.wh, f.slos, at)).map(toContractStatus);
    const res = json<Page<Status & { service: string; labels: Record<string, string> }>>((await get('/v1/slos/status?limit=1000')).body);
    expect(res.total).toBe(f.slos.length);
    expect(res.items.map(({ service: _service, labels: _labels, ...rest }) => rest)).toEqual(expected);
    expect(res.items.map((s) => s.service)).toEqual(f.slos.map((s) => s.service));
    expect(res.items.map((s) => s.labels)).toEqual(f.slos.map((s) => ({ ...s.labels })));
    expect(new Set(res.items.map((s) => s.evaluated_at))).toEqual(new Set([new Date(at).toISOString()]));
  });

  it('status at a time inside an incident shows the page firing, exactly as the engine evaluates it', async () => {
    const [first] = await f.t.wh.query<{ slo_id: string; ms: string }>(
      "SELECT slo_id, toUnixTimestamp64Milli(evaluated_at) AS ms FROM slo_signals_v WHERE status = 'FIRING' AND severity = 'PAGE' ORDER BY evaluated_at, slo_id LIMIT 1",
    );
    expect(first, 'the simulated incidents page at least one SLO').toBeDefined();
    const at = new Date(Number(first?.ms) + 60_000).toISOString();
    const one = json<Status>((await get(`/v1/slos/${first?.slo_id}/status?at=${at}`)).body);
    const [engine] = (await evaluateSlos(f.t.wh, f.slos.filter((s) => s.id === first?.slo_id), Date.parse(at))).map(toContractStatus);
    expect(one).toMatchObject(engine ?? {});
    expect(one.alerts).toContainEqual(expect.objectContaining({ severity: 'PAGE', status: 'FIRING' }));
  });

  it('history steps through the range with the engine numbers at each point', async () => {
    const id = f.slos[0]?.id ?? '';
    const from = new Date(f.sim.truth.start + 86_400_000).toISOString();
    const to = new Date(f.sim.truth.start + 86_400_000 + 6 * 3_600_000).toISOString();
    const res = json<Page<{ at: string; sli: number | null; error_budget_remaining: number; burn_rates: Record<string, number> }>>(
      (await get(`/v1/slos/${id}/history?from=${from}&to=${to}&step_minutes=120`)).body,
    );
    expect(res.items.map((p) => p.at)).toEqual([0, 2, 4].map((h) => new Date(Date.parse(from) + h * 3_600_000).toISOString()));
    const at = res.items[1]?.at ?? '';
    const [engine] = await evaluateSlos(f.t.wh, f.slos.slice(0, 1), Date.parse(at));
    expect(res.items[1]).toEqual({ at, sli: engine?.sli, error_budget_remaining: engine?.error_budget_remaining, burn_rates: engine?.burn_rates });
  });

  it('alert history lists the recorded signals newest first, with working filters and pagination', async () => {
    expect(f.signals).toBeGreaterThan(0);
    const all = json<Page<{ signal_id: string; evaluated_at: string; slo_id: string; status: string; severity: string }>>((await get('/v1/alerts?limit=1000')).body);
    expect(all.total).toBe(f.signals);
    const times = all.items.map((s) => s.evaluated_at);
    expect([...times].sort().reverse()).toEqual(times);
    const slo = all.items[0]?.slo_id ?? '';
    const filtered = json<Page<{ slo_id: string; status: string }>>((await get(`/v1/alerts?slo_id=${slo}&status=FIRING&limit=1000`)).body);
    expect(filtered.total).toBe(all.items.filter((s) => s.slo_id === slo && s.status === 'FIRING').length);
    expect(filtered.items.every((s) => s.slo_id === slo && s.status === 'FIRING')).toBe(true);
    const pages = json<Page<{ signal_id: string }>>((await get('/v1/alerts?limit=1&offset=1&severity=PAGE')).body);
    expect(pages.items.map((s) => s.signal_id)).toEqual(all.items.filter((s) => s.severity === 'PAGE').slice(1, 2).map((s) => s.signal_id));
    // Each signal carries its SLO's labels; `label=KEY=VALUE` keeps the signals of SLOs with that label.
    const labelsOf = new Map(f.slos.map((s) => [s.id, { ...s.labels }]));
    const labelled = json<Page<{ slo_id: string; labels: Record<string, string> }>>((await get('/v1/alerts?limit=1000')).body);
    expect(labelled.items.map((s) => s.labels)).toEqual(labelled.items.map((s) => labelsOf.get(s.slo_id)));
    const team = labelled.items.find((s) => s.labels['team'] !== undefined)?.labels['team'] ?? '';
    expect(team, 'a signalled SLO has a team label').not.toBe('');
    const ofTeam = json<Page<{ slo_id: string }>>((await get(`/v1/alerts?label=team%3D${team}&limit=1000`)).body);
    expect(ofTeam.total).toBe(labelled.items.filter((s) => s.labels['team'] === team).length);
    expect(ofTeam.total).toBeLessThan(labelled.total);
    expect((await get('/v1/alerts?label=team')).statusCode).toBe(400);
  });

  it('backtests a proposed definition, compares it with the deployed one of the same id, lists the incidents', async () => {
    const id = f.slos.find((s) => s.indicator.kind === 'ratio')?.id ?? '';
    const deployedYaml = BACKTEST_YAML.replace('name: proposed-journey-success', `name: ${id}`);
    const from = new Date(f.sim.truth.start).toISOString();
    const to = new Date(f.sim.truth.end).toISOString();
    const res = await app.inject({
      method: 'POST',
      url: `/v1/backtest?from=${from}&to=${to}`,
      headers: { ...auth('product'), 'content-type': 'application/yaml' },
      payload: deployedYaml,
    });
    expect(res.statusCode).toBe(200);
    const body = json<{ slos: Array<{ slo_id: string; proposed: { curve: unknown[]; alerts: unknown[]; final: Status }; current: unknown }>; incidents: Array<{ incident_id: string }> }>(res.body);
    expect(body.slos[0]?.slo_id).toBe(id);
    expect(body.slos[0]?.proposed.curve.length).toBeGreaterThan(100);
    expect(body.slos[0]?.current).not.toBeNull();
    expect(body.incidents.map((i) => i.incident_id).sort()).toEqual(f.sim.truth.incidents.map((i) => i.incident_id).sort());
  });

  it('refuses a broken definition with the document and field, and rate limits per key', async () => {
    const post = (payload: string, role: 'product' | 'admin' = 'admin') =>
      app.inject({ method: 'POST', url: '/v1/backtest?from=2026-11-01&to=2026-11-02', headers: { ...auth(role), 'content-type': 'application/yaml' }, payload });
    const bad = await post(BACKTEST_YAML.replace('topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED] }', 'topic: nope.v1, eventTypes: [JOURNEY_COMPLETED] }'));
    expect(bad.statusCode).toBe(400);
    const err = json<ErrorBody>(bad.body).error;
    expect(err.code).toBe('INVALID_SLO');
    expect(err.message).toMatch(/proposed\.yaml: document 1 \(proposed-journey-success\): .*topic.*unknown topic "nope\.v1"/);
    expect((await post('not: [valid')).statusCode).toBe(400);
    // Three requests per key and window: the admin key's 4th is refused; the product key is unaffected.
    expect((await post(BACKTEST_YAML)).statusCode).toBe(200);
    const limited = await post(BACKTEST_YAML);
    expect(limited.statusCode).toBe(429);
    expect(json<ErrorBody>(limited.body).error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/Rate limit of 3 requests/) });
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await post(BACKTEST_YAML, 'product')).statusCode).toBe(200);
  });
});
