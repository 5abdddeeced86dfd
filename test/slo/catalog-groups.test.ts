import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SloCatalog } from '../../processors/slo/definitions/catalog.js';
import { warehouseGroupValues } from '../../processors/slo/definitions/group-values.js';
import { loadSloDir } from '../../processors/slo/definitions/load-dir.js';
import { signalId } from '../../processors/slo/core/signal.js';
import { silentLogger } from '../../processors/observability/logger.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { insertFacts } from './sim-events.js';
import { journey } from './support.js';

/** One grouped document: an SLO per route seen in the journey data, new routes picked up by the catalog. */
const GROUPED = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: route-success
  displayName: "{route_id}: journeys complete"
  annotations:
    ops.group.by: route_id
    ops.group.name: "{route_id}-success"
    ops.group.values: ROUTE-VIEN-COFFEE-01
spec:
  service: routes
  indicator:
    metadata: {name: route-success-sli}
    spec:
      ratioMetric:
        good: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED], where: {city_code: VIE}}}}
        total: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED, JOURNEY_FAILED], where: {city_code: VIE}}}}
  timeWindow: [{duration: 1d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.97}]
`;

describe('grouped SLOs from the values in the warehouse', () => {
  let t: TestWarehouse;
  let dir: string;
  beforeAll(async () => {
    t = await openTestWarehouse();
    dir = mkdtempSync(join(tmpdir(), 'slo-groups-'));
    writeFileSync(join(dir, 'routes.yaml'), GROUPED);
    await insertFacts(t.wh, {
      journey: [
        journey('JOURNEY_COMPLETED', '2026-03-02T10:00:00Z', { route_id: 'ROUTE-VIEN-OPERA-01' }),
        journey('JOURNEY_FAILED', '2026-03-02T11:30:00Z', { route_id: 'ROUTE-VIEN-OPERA-02' }),
        // Not counted by the SLO: another city, another event type, no route, older than the window.
        journey('JOURNEY_COMPLETED', '2026-03-02T11:00:00Z', { route_id: 'ROUTE-BERL-WALL-01', city_code: 'BER' }),
        journey('JOURNEY_STARTED', '2026-03-02T11:00:00Z', { route_id: 'ROUTE-VIEN-COFFEE-03' }),
        journey('JOURNEY_COMPLETED', '2026-03-02T11:00:00Z', { route_id: null }),
        journey('JOURNEY_COMPLETED', '2026-02-27T11:00:00Z', { route_id: 'ROUTE-VIEN-COFFEE-02' }),
      ],
      lem: [],
    });
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for the distinct routes the SLO counts, over its window back from the newest minute, newest first, capped', async () => {
    const r = loadSloDir(dir);
    if (!r.ok) throw new Error('invalid');
    expect(r.groups.map((g) => [g.template, g.keys, g.events.where, g.lookbackMinutes])).toEqual([['route-success', ['route_id'], { city_code: 'VIE' }, 1440]]);
    expect((await warehouseGroupValues(t.wh)(r.groups)).get('route-success')).toEqual([{ route_id: 'ROUTE-VIEN-OPERA-02' }, { route_id: 'ROUTE-VIEN-OPERA-01' }]);
    expect((await warehouseGroupValues(t.wh, 1)(r.groups)).get('route-success')).toEqual([{ route_id: 'ROUTE-VIEN-OPERA-02' }]);
  });

  it('one document yields one SLO per route, new routes picked up live with their own ids and signal ids', async () => {
    const catalog = SloCatalog.open({ dir, logger: silentLogger(), checkEveryMs: Infinity, groupValues: warehouseGroupValues(t.wh) });
    const listener = vi.fn();
    catalog.onChange(listener);
    expect(catalog.current().map((s) => s.id)).toEqual(['route-vien-coffee-01-success']);

    expect(await catalog.refreshGroups()).toMatchObject({ status: 'changed' });
    const slos = catalog.current();
    expect(slos.map((s) => [s.id, s.displayName, s.scope.route_id])).toEqual([
      ['route-vien-coffee-01-success', 'ROUTE-VIEN-COFFEE-01: journeys complete', 'ROUTE-VIEN-COFFEE-01'],
      ['route-vien-opera-01-success', 'ROUTE-VIEN-OPERA-01: journeys complete', 'ROUTE-VIEN-OPERA-01'],
      ['route-vien-opera-02-success', 'ROUTE-VIEN-OPERA-02: journeys complete', 'ROUTE-VIEN-OPERA-02'],
    ]);
    expect(slos[2]?.indicator).toMatchObject({ total: { where: { city_code: 'VIE', route_id: 'ROUTE-VIEN-OPERA-02' } } });
    expect(new Set(slos.map((s) => signalId(s.id, 'PAGE', 29_000_000, 'FIRING'))).size).toBe(3);
    expect(listener).toHaveBeenCalledTimes(1);

    // Nothing new: no reload, no listener call.
    expect(await catalog.refreshGroups()).toBeNull();
    // A route appears in the data: its SLO appears at the next look.
    await insertFacts(t.wh, { journey: [journey('JOURNEY_COMPLETED', '2026-03-02T12:00:00Z', { route_id: 'ROUTE-VIEN-COFFEE-03' })], lem: [] }, 2000, 'later-');
    await catalog.refreshGroups();
    expect(catalog.current().map((s) => s.id)).toContain('route-vien-coffee-03-success');
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('a failing lookup keeps the SLOs known so far', async () => {
    const catalog = SloCatalog.open({ dir, logger: silentLogger(), checkEveryMs: Infinity, groupValues: () => Promise.reject(new Error('warehouse down')) });
    expect(await catalog.refreshGroups()).toBeNull();
    expect(catalog.current().map((s) => s.id)).toEqual(['route-vien-coffee-01-success']);
  });
});
