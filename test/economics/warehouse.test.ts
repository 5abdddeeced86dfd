import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateFacts, computeIncidentCosts, type CostInputs, type PnlQuery } from '../../processors/economics/index.js';
import {
  IncidentCostRefresher,
  pnlSource,
  queryIncidentFacts,
  queryPnl,
  recostAll,
  type PnlSource,
} from '../../processors/economics/warehouse/index.js';
import { dayRange } from '../../processors/economics/pnl.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { at, comp, fx, incident, inputs, journey, refund, shuffled } from './fixtures.js';
import { flatten, insertEvents, regroup } from './warehouse-support.js';
import { EDGE_WORLD_BY_MONTH, EDGE_WORLD_TOTAL, edgeWorld } from './world.js';

// End to end on the embedded warehouse: facts inserted as the ingest would, marks picked
// up by the refresher, P&L read back. Every case compares with hand-computed figures or
// with the pure core over the same events.

const GROUPINGS: PnlQuery[] = [
  {},
  { by: ['month'] },
  { by: ['incident_id'] },
  { by: ['month', 'vendor_id'] },
  { by: ['fault', 'severity', 'reason_code'] },
  { by: ['market_code', 'city_code', 'product_version_id', 'route_id'] },
  { by: ['month'], from: '2024-03-01', to: '2024-03-31' },
  { by: ['incident_id'], from: '2024-03-02', to: '2024-04-01' }, // not month-aligned: the facts path
  { by: ['month', 'incident_id'], from: '2024-03-10', to: '2024-04-30' },
];

async function pnlOf(wh: Warehouse): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const q of GROUPINGS) out.push(await queryPnl(wh, q));
  return out;
}

function expectedOf(world: CostInputs): unknown[] {
  const facts = computeIncidentCosts(world);
  return GROUPINGS.map((q) => aggregateFacts(facts, q));
}

async function withWarehouse<T>(fn: (wh: Warehouse, refresher: IncidentCostRefresher) => Promise<T>): Promise<T> {
  const t = await openTestWarehouse();
  try {
    return await fn(t.wh, new IncidentCostRefresher(t.wh));
  } finally {
    await t.drop();
  }
}

describe('incident costs in the warehouse', () => {
  let t: TestWarehouse;
  let refresher: IncidentCostRefresher;
  beforeAll(async () => {
    t = await openTestWarehouse();
    refresher = new IncidentCostRefresher(t.wh);
    await insertEvents(t.wh, edgeWorld());
    await refresher.refresh();
  });
  afterAll(async () => t.drop());

  it('gives the hand-computed figures', async () => {
    expect(await queryPnl(t.wh, { by: ['month'] })).toEqual(EDGE_WORLD_BY_MONTH);
    expect(await queryPnl(t.wh)).toEqual(EDGE_WORLD_TOTAL);
  });

  it('equals the pure core for every grouping', async () => {
    expect(await pnlOf(t.wh)).toEqual(expectedOf(edgeWorld()));
  });

  it('every source that can answer a query gives the same rows (cube, incident-months, facts)', async () => {
    const queries: PnlQuery[] = [
      ...GROUPINGS,
      { by: ['month', 'fault'] },
      { by: ['month', 'severity', 'vendor_id'], from: '2024-04-01' },
      { by: ['vendor_id'], from: '2024-03-01', to: '2024-04-30' },
      { by: ['vendor_id'], from: '2024-04-01' }, // incidents counted in their last month
      { by: ['fault'], to: '2024-03-31' }, // ... in their first month
      { by: ['severity'], from: '2024-03-01' },
      { from: '2024-03-01' },
    ];
    let compared = 0;
    for (const q of queries) {
      const reference = await queryPnl(t.wh, q, { source: 'facts' });
      const { start, end } = dayRange(q);
      for (const source of ['cube', 'monthly'] as PnlSource[]) {
        let usable = true;
        try {
          pnlSource(q.by ?? [], start, end, source);
        } catch {
          usable = false;
        }
        if (!usable) continue;
        expect(await queryPnl(t.wh, q, { source })).toEqual(reference);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(20);
  });

  it('keeps the audit trail per money event', async () => {
    const facts = await queryIncidentFacts(t.wh, 'INC-A');
    expect(facts.find((f) => f.fact_id === 'C:ca2')).toEqual({
      fact_id: 'C:ca2',
      cost_kind: 'COMPENSATION_REVOKED',
      occurred_at: '2024-03-05T10:00:00.000Z',
      source_event_id: 'ca2',
      amount: '1.00',
      currency: 'USD',
      rate: 0.95,
      rate_effective_at: '2024-03-05T10:00:00.000Z',
      converted: '0.95',
      reporting_currency: 'EUR',
      unconverted_reason: null,
      compensation_id: 'CMP-1',
      refund_id: null,
      order_id: null,
      journey_instance_id: null,
    });
    expect(facts.find((f) => f.fact_id === 'L:O2:JPY')).toMatchObject({ amount: '4500', currency: 'JPY', converted: '27.76' });
    const z = await queryIncidentFacts(t.wh, 'INC-Z');
    expect(z.find((f) => f.currency === 'GBP')).toMatchObject({ amount: '9.00', converted: null, unconverted_reason: 'NO_RATE' });
  });

  it('a refresh with nothing new changes nothing; re-costing everything changes nothing', async () => {
    const before = await pnlOf(t.wh);
    expect((await refresher.refresh()).marks).toBe(0);
    await recostAll(t.wh);
    expect(await pnlOf(t.wh)).toEqual(before);
  });

  it('unknown dimension: an error naming it', async () => {
    await expect(queryPnl(t.wh, { by: ['vendor_id', 'colour' as 'vendor_id'] })).rejects.toThrow(/unknown P&L dimension "colour"/);
  });
});

describe('arrival order, duplicates and replays do not matter', () => {
  const world = edgeWorld();
  const expected = expectedOf(world);

  it.each([11, 12, 13])('shuffled into batches with refreshes between, duplicated (seed %i)', async (seed) => {
    const items = flatten(world);
    const delivered = shuffled([...items, ...shuffled(items, seed + 100).slice(0, 15)], seed);
    await withWarehouse(async (wh, refresher) => {
      for (let i = 0; i < delivered.length; i += 7) {
        await insertEvents(wh, regroup(delivered.slice(i, i + 7)));
        if ((i / 7) % 2 === 1) await refresher.refresh();
      }
      await refresher.refresh();
      expect(await pnlOf(wh)).toEqual(expected);
      // Replaying everything (same events again) leaves the figures as they were.
      await insertEvents(wh, world);
      await refresher.refresh();
      expect(await pnlOf(wh)).toEqual(expected);
    });
  });
});

describe('the refresher', () => {
  it('replaying every mark (a crash before they were recorded as done) changes nothing', async () => {
    await withWarehouse(async (wh, refresher) => {
      await insertEvents(wh, edgeWorld());
      await refresher.refresh();
      const before = await pnlOf(wh);
      await wh.exec('TRUNCATE TABLE econ_marks_done');
      await wh.exec('TRUNCATE TABLE econ_refresh_state');
      const again = await refresher.refresh();
      expect(again.marks).toBeGreaterThan(0);
      expect(await pnlOf(wh)).toEqual(before);
    });
  });

  it('two refreshers on one warehouse, racing while events arrive, converge on the same rows', async () => {
    await withWarehouse(async (wh, a) => {
      const t2 = await ChdbWarehouse.open({ dataDir: (wh as ChdbWarehouse).dataDir, database: wh.database });
      try {
        const b = new IncidentCostRefresher(t2);
        const items = shuffled(flatten(edgeWorld()), 21);
        for (let i = 0; i < items.length; i += 9) {
          await insertEvents(wh, regroup(items.slice(i, i + 9)));
          await Promise.all([a.refresh(), b.refresh(), recostAll(t2)]);
        }
        await Promise.all([a.refresh(), b.refresh()]);
        expect(await pnlOf(wh)).toEqual(expectedOf(edgeWorld()));
      } finally {
        await t2.close();
      }
    });
  });

  it('start() keeps costs current until stop()', async () => {
    await withWarehouse(async (wh, refresher) => {
      refresher.start(20);
      await insertEvents(wh, edgeWorld());
      let rows = await queryPnl(wh);
      for (let i = 0; i < 500 && rows[0]?.total_cost !== EDGE_WORLD_TOTAL[0]?.total_cost; i++) {
        await new Promise((r) => setTimeout(r, 20));
        rows = await queryPnl(wh);
      }
      await refresher.stop();
      expect(refresher.error).toBeUndefined();
      expect(rows).toEqual(EDGE_WORLD_TOTAL);
    });
  });
});

describe('late data corrects earlier figures', () => {
  it('an FX rate arriving after the money converts it; a later rate in between re-converts', async () => {
    await withWarehouse(async (wh, refresher) => {
      await insertEvents(wh, {
        incidents: [incident({ incident_id: 'INC-1' })],
        compensations: [comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 1000, currency: 'USD', occurred_at: at('2024-03-02T10:00:00') })],
      });
      await refresher.refresh();
      expect(await queryPnl(wh)).toMatchObject([{ compensation_cost: '0.00', unconverted: 1, incidents: 1 }]);
      await insertEvents(wh, { fx: [fx('USD', 0.9, at('2024-03-01T00:00:00'))] });
      await refresher.refresh();
      expect(await queryPnl(wh)).toMatchObject([{ compensation_cost: '9.00', unconverted: 0 }]);
      await insertEvents(wh, { fx: [fx('USD', 0.8, at('2024-03-02T10:00:00'))] }); // exactly at the money
      await refresher.refresh();
      expect(await queryPnl(wh)).toMatchObject([{ compensation_cost: '8.00', total_cost: '8.00' }]);
    });
  });

  it('a refund before its incident and journeys, an incident before its journeys', async () => {
    await withWarehouse(async (wh, refresher) => {
      await insertEvents(wh, { refunds: [refund({ refund_id: 'R1', order_id: 'O1', amount_minor: 300 })] });
      await refresher.refresh();
      await insertEvents(wh, { incidents: [incident({ incident_id: 'INC-1', journey_instance_ids: ['J1'] })] });
      await refresher.refresh();
      expect(await queryPnl(wh)).toMatchObject([{ total_cost: '0.00', incidents: 0 }]);
      await insertEvents(wh, { journeys: journey({ id: 'J1', order: 'O1', value: 1000, currency: 'EUR', final: 'JOURNEY_FAILED' }) });
      await refresher.refresh();
      expect(await queryPnl(wh)).toMatchObject([{ refund_cost: '3.00', lost_revenue: '7.00', total_cost: '10.00', incidents: 1 }]);
    });
  });

  it('a journey dropped by a later UPDATED and a refund reversed are removed, not double-counted', async () => {
    await withWarehouse(async (wh, refresher) => {
      await insertEvents(wh, {
        incidents: [incident({ incident_id: 'INC-1', occurred_at: at('2024-03-01T10:00:00'), journey_instance_ids: ['J1', 'J2'] })],
        journeys: [...journey({ id: 'J1', order: 'O1', value: 1000, currency: 'EUR', final: 'JOURNEY_FAILED' }), ...journey({ id: 'J2', order: 'O2', value: 2000, currency: 'EUR', final: 'JOURNEY_FAILED' })],
        refunds: [refund({ refund_id: 'R1', order_id: 'O1', amount_minor: 400, occurred_at: at('2024-03-03T10:00:00') })],
      });
      await refresher.refresh();
      expect(await queryPnl(wh)).toMatchObject([{ refund_cost: '4.00', lost_revenue: '26.00', total_cost: '30.00' }]);
      await insertEvents(wh, {
        incidents: [incident({ incident_id: 'INC-1', event_type: 'UPDATED', occurred_at: at('2024-03-01T11:00:00'), journey_instance_ids: ['J1'] })],
        refunds: [refund({ refund_id: 'R1', order_id: 'O1', amount_minor: 400, event_type: 'FAILED', occurred_at: at('2024-03-04T10:00:00') })],
      });
      await refresher.refresh();
      expect(await queryPnl(wh, { by: ['incident_id'] })).toMatchObject([{ incident_id: 'INC-1', refund_cost: '0.00', lost_revenue: '10.00', total_cost: '10.00' }]);
      expect((await queryIncidentFacts(wh, 'INC-1')).map((f) => f.fact_id)).toEqual(['L:O1:EUR']);
      expect(await queryPnl(wh, { by: ['month'], from: '2024-03-01', to: '2024-03-31' })).toMatchObject([{ month: '2024-03', total_cost: '10.00', incidents: 1 }]);
    });
  });

  it('decimal strings from the warehouse: negative months, amounts below one unit, three decimals (BHD)', async () => {
    await withWarehouse(async (wh) => {
      await insertEvents(wh, {
        incidents: [incident({ incident_id: 'INC-1' })],
        compensations: [
          comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 5, occurred_at: at('2024-03-02T10:00:00') }),
          comp({ incident_id: 'INC-1', event_type: 'REVOKED', amount_minor: 5, occurred_at: at('2024-04-02T10:00:00') }),
          comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 1234, occurred_at: at('2024-05-02T10:00:00') }),
        ],
        fx: [fx('EUR', 0.411, at('2024-01-01T00:00:00'))],
      });
      await new IncidentCostRefresher(wh).refresh();
      const eur = await queryPnl(wh, { by: ['month'] });
      expect(eur.map((r) => [r.month, r.compensation_cost, r.total_cost])).toEqual([
        ['2024-03', '0.05', '0.05'],
        ['2024-04', '-0.05', '-0.05'],
        ['2024-05', '12.34', '12.34'],
      ]);
      expect(eur).toEqual(await queryPnl(wh, { by: ['month'] }, { source: 'facts' }));
      // A refresher configured for another currency re-costs everything once.
      expect(await new IncidentCostRefresher(wh, { reportingCurrency: 'BHD' }).refresh()).toMatchObject({ full: true });
      // 0.05 EUR * 0.411 = 0.02055 -> 0.021; 12.34 EUR * 0.411 = 5.07174 -> 5.072
      expect((await queryPnl(wh, { by: ['month'], reportingCurrency: 'BHD' })).map((r) => [r.month, r.total_cost])).toEqual([
        ['2024-03', '0.021'],
        ['2024-04', '-0.021'],
        ['2024-05', '5.072'],
      ]);
    });
  });

  it('reporting currency JPY: whole yen, and only rows of that currency are read', async () => {
    await withWarehouse(async (wh) => {
      const world = inputs({
        incidents: [incident({ incident_id: 'INC-1' })],
        compensations: [comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 300 })],
        fx: [fx('EUR', 160.5, at('2024-01-01T00:00:00'))],
      });
      await insertEvents(wh, world);
      await new IncidentCostRefresher(wh, { reportingCurrency: 'JPY' }).refresh();
      expect(await queryPnl(wh, { reportingCurrency: 'JPY' })).toMatchObject([{ compensation_cost: '482', total_cost: '482' }]);
      expect(await queryPnl(wh)).toMatchObject([{ total_cost: '0.00', incidents: 0 }]);
    });
  });
});
