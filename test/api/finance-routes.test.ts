import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { parse as parseCsv } from './csv-parse.js';
import { expectedPnl, formatMinor } from '../../processors/simulator/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import { surfaceFixture, type SurfaceFixture } from './fixture.js';
import { auth, json, testApi } from './support.js';

type Page<T> = { items: T[]; limit: number; offset: number; total: number };
type Row = Record<string, string | number | null>;

describe('finance routes on simulated traffic (money exact to the cent against the simulator ground truth)', () => {
  let f: SurfaceFixture;
  let app: FastifyInstance;
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers: { ...auth('finance'), ...headers } });

  beforeAll(async () => {
    f = await surfaceFixture();
    app = await testApi(f.t.wh, { sloDir: projectPath('slos') });
  });
  afterAll(async () => {
    await app.close();
    await f.t.drop();
  });

  it.each([[[]], [['month']], [['month', 'vendor_id']], [['fault', 'severity']], [['product_version_id', 'route_id']], [['market_code', 'city_code', 'reason_code']]] as const)(
    'P&L by %j equals the ground truth',
    async (by) => {
      const res = json<Page<Row> & { currency: string; by: string[] }>((await get(`/v1/pnl?by=${by.join(',')}&limit=1000`)).body);
      expect(res.currency).toBe('EUR');
      expect(res.by).toEqual(by);
      expect(res.items).toEqual(expectedPnl(f.sim.truth, by));
      expect(res.total).toBe(res.items.length);
    },
  );

  it('filters by inclusive UTC days, like `slo-pipeline pnl --from --to`', async () => {
    const day = new Date(f.sim.truth.start).toISOString().slice(0, 10);
    const res = json<Page<Row>>((await get(`/v1/pnl?by=fault&from=${day}&to=${day}`)).body);
    const from = Date.parse(`${day}T00:00:00Z`);
    expect(res.items).toEqual(expectedPnl(f.sim.truth, ['fault'], { from, to: from + 86_400_000 }));
  });

  it('answers CSV with format=csv or Accept: text/csv, the same figures as JSON', async () => {
    const jsonRows = json<Page<Row>>((await get('/v1/pnl?by=month,vendor_id')).body).items;
    for (const res of [await get('/v1/pnl?by=month,vendor_id&format=csv'), await get('/v1/pnl?by=month,vendor_id', { accept: 'text/csv' })]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('attachment; filename="pnl-by-month-vendor_id.csv"');
      const [header, ...rows] = parseCsv(res.body);
      expect(header).toEqual(['month', 'vendor_id', 'compensation_cost', 'compensation_redeemed', 'refund_cost', 'lost_revenue', 'total_cost', 'incidents', 'unconverted', 'currency']);
      expect(rows).toEqual(
        jsonRows.map((r) => [r['month'], r['vendor_id'] ?? '', r['compensation_cost'], r['compensation_redeemed'], r['refund_cost'], r['lost_revenue'], r['total_cost'], String(r['incidents']), String(r['unconverted']), 'EUR']),
      );
    }
  });

  it('paginates P&L rows', async () => {
    const all = json<Page<Row>>((await get('/v1/pnl?by=vendor_id')).body);
    const second = json<Page<Row>>((await get('/v1/pnl?by=vendor_id&limit=1&offset=1')).body);
    expect(second).toMatchObject({ total: all.total, limit: 1, offset: 1, items: all.items.slice(1, 2) });
  });

  it('lists incidents most expensive first, with their ground-truth cost, and filters them', async () => {
    const res = json<Page<{ incident_id: string; total_cost: string; severity: string; fault: string; state: string }>>((await get('/v1/incidents?limit=1000')).body);
    const truth = [...f.sim.truth.incidents].sort((a, b) => b.reporting.total_cost - a.reporting.total_cost || a.incident_id.localeCompare(b.incident_id));
    expect(res.total).toBe(truth.length);
    expect(res.items.map((i) => [i.incident_id, i.total_cost, i.severity, i.fault, i.state])).toEqual(
      truth.map((i) => [i.incident_id, formatMinor(i.reporting.total_cost), i.severity, i.fault, 'RESOLVED']),
    );
    const sev = truth[0]?.severity ?? 'SEV1';
    const only = json<Page<{ severity: string }>>((await get(`/v1/incidents?severity=${sev}`)).body);
    expect(only.total).toBe(truth.filter((i) => i.severity === sev).length);
    expect(only.items.every((i) => i.severity === sev)).toBe(true);
  });

  it('filters incidents by the UTC day they opened on', async () => {
    const day = new Date(f.sim.truth.start + 86_400_000).toISOString().slice(0, 10);
    const res = json<Page<{ incident_id: string }>>((await get(`/v1/incidents?from=${day}&to=${day}&limit=1000`)).body);
    const expected = f.sim.truth.incidents.filter((i) => new Date(i.opened_at).toISOString().slice(0, 10) === day).map((i) => i.incident_id);
    expect(expected.length).toBeGreaterThan(0);
    expect(res.items.map((i) => i.incident_id).sort()).toEqual(expected.sort());
  });

  it('drills into an incident: costs, journeys, compensations, refunds and every conversion', async () => {
    for (const inc of f.sim.truth.incidents) {
      const res = await get(`/v1/incidents/${inc.incident_id}`);
      expect(res.statusCode).toBe(200);
      const d = json<{
        incident: { incident_id: string };
        costs: Row;
        journeys: Array<{ journey_instance_id: string }>;
        compensations: unknown[];
        refunds: unknown[];
        conversions: Array<{ converted: string | null }>;
      }>(res.body);
      expect(d.costs).toEqual({
        compensation_cost: formatMinor(inc.reporting.compensation_cost),
        compensation_redeemed: formatMinor(inc.reporting.compensation_redeemed),
        refund_cost: formatMinor(inc.reporting.refund_cost),
        lost_revenue: formatMinor(inc.reporting.lost_revenue),
        total_cost: formatMinor(inc.reporting.total_cost),
        incidents: 1,
        unconverted: inc.reporting.unconverted,
      });
      expect(d.journeys.map((j) => j.journey_instance_id).sort()).toEqual([...inc.journey_instance_ids].sort());
      expect(d.conversions.length).toBe(inc.money.length);
      expect(d.conversions.filter((c) => c.converted === null).length).toBe(inc.reporting.unconverted);
    }
  });

  it('answers 404 for an unknown incident', async () => {
    const res = await get('/v1/incidents/OPS-INC-does-not-exist');
    expect(res.statusCode).toBe(404);
    expect(json(res.body)).toEqual({ error: { code: 'NOT_FOUND', message: 'No incident "OPS-INC-does-not-exist".', field: 'params.id' } });
  });
});
