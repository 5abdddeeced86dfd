import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inArrayParam } from '../../sinks/warehouse/sql-util.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';

// Long id lists (a batch's event ids, a refresh's journeys) as one array parameter, on the
// real engine: exact answers over a table keyed by the column (sql-util.ts says why the list
// goes through a subquery: as a constant list of this length the engine took minutes).
describe('inArrayParam', () => {
  let t: TestWarehouse;
  beforeAll(async () => {
    t = await openTestWarehouse('chdb', { migrate: false });
    await t.wh.exec('CREATE TABLE ji (journey_instance_id String, incident_id String) ENGINE = ReplacingMergeTree ORDER BY (journey_instance_id, incident_id)');
    await t.wh.exec("INSERT INTO ji SELECT concat('JI-', toString(number)), concat('INC-', toString(number % 5000)) FROM numbers(200000)");
  });
  afterAll(async () => {
    await t.drop();
  });

  it('60,000 ids (every third row, then ids of no row): each row found once', async () => {
    const ids = [...Array.from({ length: 60_000 }, (_, i) => `JI-${i * 3}`), ...Array.from({ length: 20_000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)];
    const rows = await t.wh.query<{ n: string; k: string }>(`SELECT count() AS n, uniqExact(incident_id) AS k FROM ji WHERE journey_instance_id ${inArrayParam('ids')}`, { ids });
    expect(rows).toEqual([{ n: '60000', k: '5000' }]);
  });

  it('an empty list matches nothing; a type other than String works alike', async () => {
    expect(await t.wh.query(`SELECT count() AS n FROM ji WHERE journey_instance_id ${inArrayParam('ids')}`, { ids: [] })).toEqual([{ n: '0' }]);
    expect(await t.wh.query(`SELECT count() AS n FROM numbers(10) WHERE number ${inArrayParam('ns', 'UInt64')}`, { ns: [2, 3, 99] })).toEqual([{ n: '2' }]);
  });

  it('refuses a parameter name or type that is not one', () => {
    expect(() => inArrayParam('ids}) OR 1=1 --')).toThrow(/invalid parameter/);
    expect(() => inArrayParam('ids', 'String)}) OR (1')).toThrow(/invalid parameter type/);
  });
});
