import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../cli/commands/ingest.js';
import { formatMinor, type PnlRow } from '../../processors/economics/index.js';
import { IncidentCostRefresher, queryPnl } from '../../processors/economics/warehouse/index.js';
import { expectedPnl, simulate, toJsonLines, type PnlDimension, type SimOutput } from '../../processors/simulator/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { shuffled } from './fixtures.js';

// Simulator traffic through the real ingest (JSON Lines -> in-process transport ->
// decode, validate, exactly-once batches), re-costed by the refresher, read by the P&L
// query: equal to the simulator's ground truth to the cent, in any delivery order.

const KEY = 'economics-test-key';
const DAY = 86_400_000;

interface Grouping {
  by: PnlDimension[];
  from?: string;
  to?: string;
}

const GROUPINGS: Grouping[] = [
  { by: [] },
  { by: ['month'] },
  { by: ['vendor_id'] },
  { by: ['month', 'vendor_id'] },
  { by: ['product_version_id', 'market_code', 'city_code'] },
  { by: ['route_id', 'fault'] },
  { by: ['severity', 'reason_code'] },
  { by: ['month'], from: '2026-11-01' }, // whole months: the monthly rollup
  { by: ['vendor_id'], from: '2026-10-31', to: '2026-10-31' }, // one day: the facts
  { by: ['month', 'product_version_id'], from: '2026-10-31', to: '2026-11-01' },
];

function expected(sim: SimOutput, g: Grouping): PnlRow[] {
  const range = {
    ...(g.from ? { from: Date.parse(`${g.from}T00:00:00Z`) } : {}),
    ...(g.to ? { to: Date.parse(`${g.to}T00:00:00Z`) + DAY } : {}),
  };
  return expectedPnl(sim.truth, g.by, range);
}

async function actual(wh: Warehouse): Promise<PnlRow[][]> {
  const out: PnlRow[][] = [];
  for (const g of GROUPINGS) out.push(await queryPnl(wh, g));
  return out;
}

describe('P&L of simulator traffic equals the ground truth', () => {
  let sim: SimOutput;
  let dir: string;
  const dbs: TestWarehouse[] = [];
  const open = async (): Promise<Warehouse> => {
    const t = await openTestWarehouse();
    dbs.push(t);
    return t.wh;
  };
  let reference: PnlRow[][];

  beforeAll(() => {
    // Two days across a month end (in the past: ingest rejects event times beyond now + 1 day), several currencies (JPY without decimals), money
    // without a rate, duplicates, late and out-of-order delivery, malformed records.
    sim = simulate({ seed: 7, days: 2, start: '2026-10-31T00:00:00Z', journeysPerDay: 1500 });
    dir = mkdtempSync(join(tmpdir(), 'slo-econ-sim-'));
  });
  afterAll(async () => {
    for (const t of dbs) await t.drop();
  });

  it('the run exercises what it should', () => {
    const t = sim.truth;
    const money = t.incidents.flatMap((i) => i.money);
    expect(t.incidents.length).toBeGreaterThanOrEqual(4);
    expect(new Set(money.map((m) => m.kind)).size).toBe(5);
    expect(new Set(money.map((m) => m.currency))).toContain('JPY');
    expect(money.some((m) => m.converted_minor === null)).toBe(true);
    expect(new Set(money.map((m) => new Date(m.occurred_at).toISOString().slice(0, 7))).size).toBe(2);
    expect(t.duplicates.total).toBeGreaterThan(0);
  });

  it('for every grouping, and per incident', async () => {
    const file = join(dir, 'sim.jsonl');
    writeFileSync(file, toJsonLines(sim));
    const wh = await open();
    await ingestFiles([file], wh, { hmacKey: KEY });
    await new IncidentCostRefresher(wh).refresh();
    reference = await actual(wh);
    expect(reference).toEqual(GROUPINGS.map((g) => expected(sim, g)));

    const perIncident = await queryPnl(wh, { by: ['incident_id'] });
    const truth = sim.truth.incidents
      .filter((i) => i.money.length > 0)
      .map((i) => ({
        incident_id: i.incident_id,
        compensation_cost: formatMinor(BigInt(i.reporting.compensation_cost), 2),
        compensation_redeemed: formatMinor(BigInt(i.reporting.compensation_redeemed), 2),
        refund_cost: formatMinor(BigInt(i.reporting.refund_cost), 2),
        lost_revenue: formatMinor(BigInt(i.reporting.lost_revenue), 2),
        total_cost: formatMinor(BigInt(i.reporting.total_cost), 2),
        incidents: 1,
        unconverted: i.reporting.unconverted,
      }))
      .sort((a, b) => (a.incident_id < b.incident_id ? -1 : 1));
    expect(perIncident).toEqual(truth);
  });

  it('shuffled, duplicated and delivered in three parts with refreshes between: the same rows', async () => {
    const lines = toJsonLines(sim).split('\n').filter((l) => l.length > 0);
    const delivered = shuffled([...lines, ...shuffled(lines, 3).slice(0, Math.floor(lines.length / 10))], 9);
    const wh = await open();
    const refresher = new IncidentCostRefresher(wh);
    const third = Math.ceil(delivered.length / 3);
    for (let part = 0; part < 3; part++) {
      const file = join(dir, `part-${part}.jsonl`);
      writeFileSync(file, `${delivered.slice(part * third, (part + 1) * third).join('\n')}\n`);
      await ingestFiles([file], wh, { hmacKey: KEY, maxBatchSize: 113 + part * 50, partitions: 2 + part });
      await refresher.refresh();
    }
    expect(await actual(wh)).toEqual(reference);
  });
});
