import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyEvent } from '../../processors/contracts/events.js';
import { listStoredWindows } from '../../processors/slo/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { insertFacts } from '../slo/sim-events.js';
import { journey, sloYaml } from '../slo/support.js';
import { auth, json, testApi } from './support.js';

type ErrorBody = { error: { code: string; message: string; field?: string } };
type View = {
  name: string;
  origin: string;
  declared_in: string | null;
  slo_ids: string[];
  start: string;
  rrule: string | null;
  time_zone: string;
  active: { from: string; to: string } | null;
  next: { from: string; to: string } | null;
  changed_by: string | null;
};
type Status = { slo_id: string; sli: number | null; error_budget_remaining: number };
type Page<T> = { items: T[] };

const T0 = Date.parse('2026-01-05T00:00:00Z');
const END = T0 + 4 * 3_600_000;
const AT = new Date(END).toISOString();

/** 20 journeys a minute for 4 hours; 01:10-01:25 every journey fails. */
function traffic(): JourneyEvent[] {
  const out: JourneyEvent[] = [];
  for (let t = T0; t < END; t += 60_000) {
    const bad = t >= Date.parse('2026-01-05T01:10:00Z') && t < Date.parse('2026-01-05T01:25:00Z');
    for (let k = 0; k < 20; k++) out.push(journey(bad ? 'JOURNEY_FAILED' : 'JOURNEY_COMPLETED', t + k * 2_000));
  }
  return out;
}

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

const DRILL = { name: 'failover-drill', selector: { slos: ['vien-coffee'] }, start: '2026-01-05T02:00', duration: '30m', time_zone: 'Europe/Vienna', reason: 'planned failover drill' };

describe('maintenance window routes', () => {
  let tw: TestWarehouse;
  let app: FastifyInstance;
  let dir: string;
  const post = (body: unknown, role: 'sre' | 'admin' | 'product' | 'viewer' | 'finance' = 'sre') =>
    app.inject({ method: 'POST', url: '/v1/maintenance-windows', headers: { ...auth(role), 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const list = async (role: 'viewer' | 'sre' = 'viewer') => json<{ evaluated_at: string; windows: View[] }>((await app.inject({ url: `/v1/maintenance-windows?at=${AT}`, headers: auth(role) })).body);
  const status = async () => json<Page<Status>>((await app.inject({ url: `/v1/slos/status?at=${AT}`, headers: auth('sre') })).body).items.find((s) => s.slo_id === 'vien-coffee');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slo-maint-'));
    writeFileSync(join(dir, 'slos.yaml'), SLOS);
    tw = await openTestWarehouse();
    await insertFacts(tw.wh, { journey: traffic() });
    app = await testApi(tw.wh, { sloDir: dir, statusCacheMs: 0, auth: { publicStatus: false } });
  });
  afterAll(async () => {
    await app.close();
    await tw.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('needs a key to read and the sre or admin role to write', async () => {
    expect((await app.inject({ url: '/v1/maintenance-windows' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/v1/maintenance-windows', payload: DRILL })).statusCode).toBe(401);
    for (const role of ['viewer', 'product', 'finance'] as const) {
      const r = await post(DRILL, role);
      expect(r.statusCode, role).toBe(403);
      expect(json<ErrorBody>(r.body).error.code).toBe('FORBIDDEN');
    }
    expect((await app.inject({ method: 'DELETE', url: '/v1/maintenance-windows/failover-drill', headers: auth('viewer') })).statusCode).toBe(403);
    expect(await listStoredWindows(tw.wh)).toEqual([]);
  });

  it('lists the windows of the SLO folder with the occurrence in force and the next one', async () => {
    const r = await list('viewer');
    expect(r.evaluated_at).toBe(AT);
    expect(r.windows).toEqual([
      expect.objectContaining({
        name: 'sunday-patching',
        origin: 'file',
        declared_in: expect.stringMatching(/slos\.yaml#3$/),
        slo_ids: ['vien-coffee'],
        rrule: 'FREQ=WEEKLY;BYDAY=SU',
        time_zone: 'Europe/Vienna',
        active: null,
        // Monday 04:00Z: the next Sunday 02:00 Vienna is 01:00Z.
        next: { from: '2026-01-11T01:00:00.000Z', to: '2026-01-11T02:00:00.000Z' },
        changed_by: null,
      }),
    ]);
    // The status page's list: what is in force or starts within a week of its evaluation time.
    expect((await app.inject({ url: '/status/maintenance' })).statusCode).toBe(401);
    const page = json<{ windows: View[] }>((await app.inject({ url: '/status/maintenance', headers: auth('viewer') })).body);
    expect(page.windows.map((w) => [w.name, w.next?.from])).toEqual([['sunday-patching', '2026-01-11T01:00:00.000Z']]);
  });

  it('a window posted by an SRE is stored, listed and counted by the status at once; deleting it restores the figures', async () => {
    const before = await status();
    expect(before?.error_budget_remaining).toBeCloseTo(1 - 300 / 48, 12); // 300 failures of 4 800 journeys, 1% allowed
    const created = await post({ ...DRILL, start: '2026-01-05T02:00', time_zone: 'Europe/Vienna' });
    expect(created.statusCode).toBe(200);
    // 02:00 Vienna is 01:00Z: the window holds the whole breach (01:10-01:25Z).
    expect(json<View>(created.body)).toMatchObject({ name: 'failover-drill', origin: 'api', slo_ids: ['vien-coffee'], active: null, next: null, changed_by: 'sre' });
    expect((await list()).windows.map((w) => [w.name, w.origin])).toEqual([
      ['failover-drill', 'api'],
      ['sunday-patching', 'file'],
    ]);
    const during = await status();
    expect(during?.error_budget_remaining).toBe(1);
    expect(during?.sli).toBe(1);
    // Replacing by name moves it: a window 02:00-02:30Z holds no failure, only 600 good journeys.
    expect((await post({ ...DRILL, time_zone: 'UTC' }, 'admin')).statusCode).toBe(200);
    expect((await status())?.error_budget_remaining).toBeCloseTo(1 - 300 / 42, 12); // 300 failures of 4 200 journeys counted
    const del = await app.inject({ method: 'DELETE', url: '/v1/maintenance-windows/failover-drill', headers: auth('sre') });
    expect(del.statusCode).toBe(200);
    expect(json(del.body)).toEqual({ deleted: 'failover-drill' });
    expect((await status())?.error_budget_remaining).toBeCloseTo(1 - 300 / 48, 12);
    const again = await app.inject({ method: 'DELETE', url: '/v1/maintenance-windows/failover-drill', headers: auth('sre') });
    expect(again.statusCode).toBe(404);
    expect(json<ErrorBody>(again.body).error.code).toBe('NOT_FOUND');
  });

  it('refuses a bad window with a 400 naming the field', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ ...DRILL, rrule: 'FREQ=SECONDLY' }, 'body.rrule', /FREQ must be one of/],
      [{ ...DRILL, time_zone: 'Mars/Olympus' }, 'body.time_zone', /unknown time zone/],
      [{ ...DRILL, start: "2026-01-05T02:00'; DROP TABLE x" }, 'body.start', /wall-clock time/],
      [{ ...DRILL, duration: '40d' }, 'body.duration', /at most 31d/],
      [{ ...DRILL, selector: { slos: ['nope'] } }, 'body.selector.slos', /no SLO "nope"/],
      [{ ...DRILL, selector: {} }, 'body.selector', /must name slos or labels/],
      [{ ...DRILL, name: 'Bad Name' }, 'body.name', /DNS-style/],
      [{ ...DRILL, owner: 'me' }, 'body', /owner/],
      [{ ...DRILL, name: 'sunday-patching' }, 'body.name', /declared in .*slos\.yaml#3/],
    ];
    for (const [body, field, message] of cases) {
      const r = await post(body);
      expect(r.statusCode, field).toBe(400);
      const e = json<ErrorBody>(r.body).error;
      expect(e.code).toBe('BAD_ARGUMENT');
      expect(e.field, JSON.stringify(body)).toBe(field);
      expect(e.message).toMatch(message);
    }
    const fileDelete = await app.inject({ method: 'DELETE', url: '/v1/maintenance-windows/sunday-patching', headers: auth('admin') });
    expect(fileDelete.statusCode).toBe(400);
    expect(json<ErrorBody>(fileDelete.body).error.message).toMatch(/remove it from that file/);
    expect(await listStoredWindows(tw.wh)).toEqual([]);
  });
});
