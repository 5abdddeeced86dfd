import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWarehouse, WarehouseKind } from '../support/warehouse.js';
import { openTestWarehouse } from '../support/warehouse.js';
import { loadMigrations, migrate } from '../../sinks/warehouse/index.js';

/** The warehouse port's contract: every adapter must pass these, like kysely runs every dialect. */
export function warehouseContract(kind: WarehouseKind): void {
  describe(`warehouse contract: ${kind}`, () => {
    let t: TestWarehouse;
    beforeAll(async () => {
      t = await openTestWarehouse(kind);
    });
    afterAll(async () => {
      await t.drop();
    });

    it('applies every migration once and records it', async () => {
      const files = loadMigrations().map((m) => m.file);
      const rows = await t.wh.query<{ file: string }>('SELECT file FROM schema_migrations FINAL ORDER BY file');
      expect(rows.map((r) => r.file)).toEqual(files);
      const again = await migrate(t.wh);
      expect(again.applied).toEqual([]);
      expect(again.alreadyApplied).toEqual(files);
    });

    it('binds parameters, so quotes and SQL in values are inert', async () => {
      await t.wh.exec('CREATE TABLE kv (k String, v Int64) ENGINE = MergeTree ORDER BY k');
      const evil = "x'); DROP TABLE kv; --";
      await t.wh.insert('kv', [{ k: evil, v: 1 }, { k: 'plain', v: 2 }]);
      const rows = await t.wh.query<{ k: string; v: string }>('SELECT k, v FROM kv WHERE k = {k:String}', { k: evil });
      expect(rows).toEqual([{ k: evil, v: '1' }]);
      const inList = await t.wh.query<{ n: string }>('SELECT count() AS n FROM kv WHERE k IN {ks:Array(String)}', {
        ks: ['plain', evil],
      });
      expect(inList[0]?.n).toBe('2');
    });

    it('returns 64-bit integers as exact strings', async () => {
      const rows = await t.wh.query<{ big: string }>('SELECT toInt64(9007199254740993) AS big');
      expect(rows[0]?.big).toBe('9007199254740993');
    });

    it('a replayed block with the same dedup token changes neither the table nor its materialized view', async () => {
      await t.wh.exec(`CREATE TABLE src (id String, m DateTime, v Int64) ENGINE = MergeTree ORDER BY id
        SETTINGS non_replicated_deduplication_window = 100`);
      await t.wh.exec(`CREATE TABLE agg (m DateTime, c UInt64, s Int64) ENGINE = SummingMergeTree ORDER BY m
        SETTINGS non_replicated_deduplication_window = 100`);
      await t.wh.exec('CREATE MATERIALIZED VIEW agg_mv TO agg AS SELECT m, count() AS c, sum(v) AS s FROM src GROUP BY m');
      const rows = [
        { id: 'a', m: '2026-11-01 10:00:00', v: 5 },
        { id: 'b', m: '2026-11-01 10:00:00', v: 7 },
      ];
      await t.wh.insert('src', rows, { dedupToken: 'src-0-0-1' });
      await t.wh.insert('src', rows, { dedupToken: 'src-0-0-1' });
      await t.wh.insert('src', [{ id: 'c', m: '2026-11-01 10:01:00', v: 1 }], { dedupToken: 'src-0-2-2' });
      expect(await t.wh.query('SELECT count() AS n, sum(v) AS s FROM src')).toEqual([{ n: '3', s: '13' }]);
      expect(await t.wh.query('SELECT sum(c) AS n, sum(s) AS s FROM agg')).toEqual([{ n: '3', s: '13' }]);
    });

    it('reports a failing statement as a typed error naming the problem', async () => {
      await expect(t.wh.query('SELECT * FROM no_such_table')).rejects.toMatchObject({
        code: 'WAREHOUSE_QUERY_FAILED',
        message: expect.stringMatching(/no_such_table/),
      });
    });
  });
}
