import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKSUM_LOOKUP_IDS, eventKey, storedEventKeys } from '../../processors/ingest/event-keys.js';
import { chunksOf } from '../../sinks/warehouse/sql-util.js';
import { incidentsForMarks, monthsOf } from '../../processors/economics/warehouse/index.js';
import { ColumnBuffer, NativeColumn } from '../../processors/ingest/native.js';
import type { TestWarehouse, WarehouseKind } from '../support/warehouse.js';
import { openTestWarehouse } from '../support/warehouse.js';
import { loadMigrations, migrate } from '../../sinks/warehouse/index.js';
import { batchToken, completeFromFacts, landedWhole, monthToken, type RecordedBatch } from '../../processors/ingest/orphans.js';
import { createNormalizer, createPiiHasher } from '../../processors/ingest/index.js';

/** A warehouse the contract runs on: a name, and how to open one (migrated, in a database of its own). */
export interface ContractTarget {
  name: string;
  open(): Promise<TestWarehouse>;
}

/** The warehouse port's contract: every adapter must pass these, like kysely runs every dialect. */
export function warehouseContract(target: WarehouseKind | ContractTarget): void {
  const { name, open } = typeof target === 'string' ? { name: target, open: () => openTestWarehouse(target) } : target;
  describe(`warehouse contract: ${name}`, () => {
    let t: TestWarehouse;
    beforeAll(async () => {
      t = await open();
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

    it('finds the stored events of a batch of 50,000 UUID ids (1.9 MB of ids): the lookup fits each statement in a request', async () => {
      const at = Date.UTC(2026, 10, 3, 12, 0, 0);
      const uuid = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      // "plumless" and "buckeroo" share their CRC32 (0x4ddb0c25): a batch holding the first
      // while the table holds the second must not take it for stored.
      const ids = [...Array.from({ length: 50_000 }, (_, i) => uuid(i)), 'évènement-ü-1', 'plumless'];
      expect(ids.length).toBeGreaterThanOrEqual(CHECKSUM_LOOKUP_IDS);
      const stored = [ids[7], ids[25_001], ids[49_999], 'évènement-ü-1'] as string[];
      const rows = [...stored, 'buckeroo'].map((event_id) => ({ event_id, event_type: 'NODE_COMPLETED', occurred_at: at, journey_instance_id: 'J' }));
      await t.wh.insert('journey_events', rows);
      const found = await storedEventKeys(t.wh, 'journey_events', { keys: ids.map((id) => eventKey(at, id)), ids, minOccurredAt: at, maxOccurredAt: at });
      expect([...found].sort()).toEqual(stored.map((id) => eventKey(at, id)).sort());
      expect(chunksOf(ids).length).toBeGreaterThan(1);
    });

    it('finds the stored events of a short batch by its ids: a shared checksum, another day and another id are not stored', async () => {
      const at = Date.UTC(2026, 10, 4, 9, 30, 0);
      const nextDay = at + 86_400_000;
      await t.wh.insert(
        'journey_events',
        ['kurz-1', 'ñandú-2', 'buckeroo', 'kurz-3'].map((event_id, i) => ({ event_id, event_type: 'NODE_COMPLETED', occurred_at: i === 3 ? nextDay : at, journey_instance_id: 'J' })),
      );
      // The batch spans both days, its kurz-3 on the first: the stored kurz-3 is another event.
      const ids = ['kurz-1', 'ñandú-2', 'plumless', 'kurz-3', 'kurz-4'];
      const found = await storedEventKeys(t.wh, 'journey_events', { keys: ids.map((id) => eventKey(at, id)), ids, minOccurredAt: at, maxOccurredAt: nextDay });
      expect([...found].sort()).toEqual([eventKey(at, 'kurz-1'), eventKey(at, 'ñandú-2')].sort());
    });

    it('reads the economics refresh\'s long id lists in statements that each fit a request: 60,000 journeys, 40,000 incidents', async () => {
      const uuid = (p: string, i: number): string => `${p}0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const journeys = Array.from({ length: 60_000 }, (_, i) => uuid('a', i));
      const linked = [3, 30_003, 59_999].map((i) => journeys[i] as string);
      await t.wh.insert('econ_journey_incidents', linked.map((j, i) => ({ journey_instance_id: j, incident_id: `INC-${i}` })));
      const marks = journeys.map((key, i) => ({ mark_time: '2026-11-01 00:00:00', mark_uuid: String(i), kind: 'journey', key, at_ms: null }));
      expect([...(await incidentsForMarks(t.wh, marks, 'EUR'))].sort()).toEqual(['INC-0', 'INC-1', 'INC-2']);

      const incidents = Array.from({ length: 40_000 }, (_, i) => uuid('b', i));
      const months = ['2026-09-01', '2026-10-01', '2026-11-01'];
      await t.wh.insert(
        'incident_cost_monthly',
        [5, 20_005, 39_995].map((i, k) => ({ incident_id: incidents[i], cost_month: months[k], version: 1, reporting_currency: 'EUR', compensation_minor: '0', redeemed_minor: '0', refund_minor: '0', lost_revenue_minor: '0', unconverted: 0, facts: 1 })),
      );
      expect(await monthsOf(t.wh, incidents)).toEqual(months);
      expect(chunksOf(journeys).length).toBeGreaterThan(1);
      expect(chunksOf(incidents).length).toBeGreaterThan(1);
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

    it('optimizeOnInsert false writes the rows of one key as they came (table and view), and dedup by token still holds', async () => {
      await t.wh.exec(`CREATE TABLE rsrc (id String, v Int64) ENGINE = ReplacingMergeTree ORDER BY id
        SETTINGS non_replicated_deduplication_window = 100`);
      await t.wh.exec(`CREATE TABLE ragg (id String, c UInt64) ENGINE = SummingMergeTree ORDER BY id
        SETTINGS non_replicated_deduplication_window = 100`);
      await t.wh.exec('CREATE MATERIALIZED VIEW ragg_mv TO ragg AS SELECT id, toUInt64(1) AS c FROM rsrc');
      const rows = [
        { id: 'k', v: 1 },
        { id: 'k', v: 2 },
      ];
      await t.wh.insert('rsrc', rows, { dedupToken: 'r-merged' });
      await t.wh.insert('rsrc', rows, { dedupToken: 'r-as-is', optimizeOnInsert: false });
      await t.wh.insert('rsrc', rows, { dedupToken: 'r-as-is', optimizeOnInsert: false });
      const parts = async (table: string): Promise<string[]> =>
        (await t.wh.query<{ rows: string }>('SELECT rows FROM system.parts WHERE database = currentDatabase() AND table = {t:String} AND active ORDER BY modification_time, name', { t: table })).map((r) => r.rows);
      // The first insert merged its two rows into one; the second kept both; its replay added nothing.
      expect((await parts('rsrc')).sort()).toEqual(['1', '2']);
      expect((await parts('ragg')).sort()).toEqual(['1', '2']);
      // Merged or not, the view's sums hold every row of the two distinct inserts once.
      expect(await t.wh.query('SELECT sum(c) AS n FROM ragg')).toEqual([{ n: '4' }]);
    });

    it('inserts Native blocks with the same deduplication, whatever the token holds', async () => {
      await t.wh.exec(`CREATE TABLE nsrc (id String, m DateTime, v Int64, tag LowCardinality(Nullable(String)), _offset UInt64)
        ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100`);
      await t.wh.exec(`CREATE TABLE nagg (m DateTime, c UInt64, s Int64) ENGINE = SummingMergeTree ORDER BY m
        SETTINGS non_replicated_deduplication_window = 100`);
      await t.wh.exec('CREATE MATERIALIZED VIEW nagg_mv TO nagg AS SELECT m, count() AS c, sum(v) AS s FROM nsrc GROUP BY m');
      const block = (rows: Array<{ id: string; m: number; v: number; tag: string | null }>): Buffer[] => {
        const head = new ColumnBuffer();
        head.varUInt(4);
        head.varUInt(rows.length);
        const col = (name: string, type: string, write: (c: NativeColumn, r: (typeof rows)[number]) => void, kind: 'string' | 'nstring' | 'int'): Buffer[] => {
          const c = new NativeColumn(name, type, kind, rows.length, 8);
          for (const r of rows) write(c, r);
          return c.chunks();
        };
        return [
          head.bytes(),
          ...col('id', 'String', (c, r) => c.str(r.id), 'string'),
          ...col('m', "DateTime('UTC')", (c, r) => c.data.u32(r.m), 'int'),
          ...col('v', 'Int64', (c, r) => c.i64(r.v), 'int'),
          ...col('tag', 'Nullable(String)', (c, r) => c.nstr(r.tag), 'nstring'),
        ];
      };
      const m = Date.parse('2026-11-01T10:00:00Z') / 1000;
      const cols = ['id', 'm', 'v', 'tag'];
      const first = block([
        { id: 'a', m, v: 5, tag: 'x' },
        { id: 'b', m, v: -7, tag: null },
      ]);
      const token = "nsrc-0-0-1 it's \\ a token";
      await t.wh.insertNative('nsrc', cols, first, { dedupToken: token });
      await t.wh.insertNative('nsrc', cols, first, { dedupToken: token });
      await t.wh.insertNative('nsrc', cols, block([{ id: 'c', m: m + 60, v: 1, tag: 'ü' }]), { dedupToken: 'nsrc-0-2-2' });
      expect(await t.wh.query('SELECT id, v, tag, _offset FROM nsrc ORDER BY id')).toEqual([
        { id: 'a', v: '5', tag: 'x', _offset: '0' },
        { id: 'b', v: '-7', tag: null, _offset: '0' },
        { id: 'c', v: '1', tag: 'ü', _offset: '0' },
      ]);
      expect(await t.wh.query('SELECT sum(c) AS n, sum(s) AS s FROM nagg')).toEqual([{ n: '3', s: '-1' }]);
    });

    it('fact rows carry their insert token; a batch completed from them reaches a view that lost its part, once', async () => {
      const topic = 'tjm.journey.v1';
      const rows = (first: number): Array<Record<string, unknown>> =>
        Array.from({ length: 10 }, (_, i) => ({
          event_id: `orphan-${first + i}`, event_type: 'NODE_COMPLETED', occurred_at: '2026-11-01T10:00:00.000Z', journey_instance_id: 'J-ORPHAN',
          journey_blueprint_id: 'JRNY-ORPHAN', product_version_id: 'PRDV-ORPHAN', market_code: 'AT', city_code: 'VIE', duration_ms: 120,
          _topic: topic, _partition: 7, _offset: first + i,
        }));
      const landed: RecordedBatch = { topic, partition: 7, first: 0n, last: 9n, digest: 'd0', excluded: [] };
      const cut: RecordedBatch = { topic, partition: 7, first: 10n, last: 19n, digest: 'd1', excluded: ['2026-11-01\u0000orphan-x'] };
      // A view of its own beside the schema's: it gets every part, and must count each batch once.
      await t.wh.exec(`CREATE TABLE orphan_counts (product_version_id String, c UInt64) ENGINE = SummingMergeTree ORDER BY product_version_id
        SETTINGS non_replicated_deduplication_window = 100`);
      await t.wh.exec(`CREATE MATERIALIZED VIEW orphan_counts_mv TO orphan_counts AS
        SELECT product_version_id, count() AS c FROM journey_events WHERE product_version_id = 'PRDV-ORPHAN' GROUP BY product_version_id`);
      await t.wh.insert('journey_events', rows(0), { dedupToken: batchToken(landed, new Set()) });
      // As a crash between the fact table's part and one view's part.
      await t.wh.exec('DETACH TABLE sli_journey_minute_mv');
      try {
        await t.wh.insert('journey_events', rows(10), { dedupToken: batchToken(cut, new Set(cut.excluded)) });
      } finally {
        await t.wh.exec('ATTACH TABLE sli_journey_minute_mv');
      }
      const figures = async (): Promise<unknown> => ({
        facts: (await t.wh.query<{ n: string }>("SELECT count() AS n FROM journey_events WHERE product_version_id = 'PRDV-ORPHAN'"))[0]?.n,
        minute: (await t.wh.query<{ n: string }>("SELECT sum(events) AS n FROM sli_journey_minute WHERE product_version_id = 'PRDV-ORPHAN'"))[0]?.n,
        other: (await t.wh.query<{ n: string }>('SELECT sum(c) AS n FROM orphan_counts'))[0]?.n,
      });
      expect(await figures()).toEqual({ facts: '20', minute: '10', other: '20' });
      const byToken = await t.wh.query<{ n: string }>('SELECT count() AS n FROM journey_events WHERE _batch = cityHash64({t:String})', { t: batchToken(cut, new Set(cut.excluded)) });
      expect(byToken).toEqual([{ n: '10' }]);
      const columns = createNormalizer(createPiiHasher('contract-key-0123456789abcdef')).columns('journey');
      expect(await completeFromFacts(t.wh, 'journey_events', columns, landed)).toBe(10);
      expect(await completeFromFacts(t.wh, 'journey_events', columns, cut)).toBe(10);
      expect(await completeFromFacts(t.wh, 'journey_events', columns, cut)).toBe(10);
      expect(await completeFromFacts(t.wh, 'journey_events', columns, { ...cut, first: 20n, last: 29n })).toBe(0);
      expect(await figures()).toEqual({ facts: '20', minute: '20', other: '20' });
      await t.wh.exec('DROP VIEW orphan_counts_mv');
    });

    it('a batch inserted month by month and cut between its months is completed month by month, once', async () => {
      const topic = 'tjm.journey.v1';
      // Offsets first..first+9: the even ones on 31 October, the odd ones on 1 November.
      const rows = (first: number, pv: string): Array<Record<string, unknown>> =>
        Array.from({ length: 10 }, (_, i) => ({
          event_id: `${pv}-${first + i}`, event_type: 'NODE_COMPLETED', occurred_at: i % 2 === 0 ? '2026-10-31T23:59:00.000Z' : '2026-11-01T00:01:00.000Z',
          journey_instance_id: 'J-MONTHS', journey_blueprint_id: 'JRNY-MONTHS', product_version_id: pv, market_code: 'AT', city_code: 'VIE', duration_ms: 80,
          _topic: topic, _partition: 8, _offset: first + i,
        }));
      const month = (r: Array<Record<string, unknown>>, m: string): Array<Record<string, unknown>> => r.filter((x) => String(x['occurred_at']).startsWith(m));
      const columns = createNormalizer(createPiiHasher('contract-key-0123456789abcdef')).columns('journey');
      const figures = async (pv: string): Promise<unknown> => ({
        facts: (await t.wh.query<{ n: string }>('SELECT count() AS n FROM journey_events WHERE product_version_id = {pv:String}', { pv }))[0]?.n,
        minute: (await t.wh.query<{ n: string }>('SELECT sum(events) AS n FROM sli_journey_minute WHERE product_version_id = {pv:String}', { pv }))[0]?.n,
        day: (await t.wh.query<{ n: string }>('SELECT sum(events) AS n FROM sli_journey_day WHERE product_version_id = {pv:String}', { pv }))[0]?.n,
      });

      // October's insert landed in the fact table and the views, November's never ran.
      const a: RecordedBatch = { topic, partition: 8, first: 0n, last: 9n, digest: 'm0', excluded: [] };
      await t.wh.insert('journey_events', month(rows(0, 'PRDV-MA'), '2026-10'), { dedupToken: monthToken(batchToken(a, new Set()), 202610), optimizeOnInsert: false });
      // October's insert landed in the fact table only (the minute view lost its part), November's never ran.
      const b: RecordedBatch = { topic, partition: 8, first: 10n, last: 19n, digest: 'm1', excluded: [] };
      await t.wh.exec('DETACH TABLE sli_journey_minute_mv');
      try {
        await t.wh.insert('journey_events', month(rows(10, 'PRDV-MB'), '2026-10'), { dedupToken: monthToken(batchToken(b, new Set()), 202610), optimizeOnInsert: false });
      } finally {
        await t.wh.exec('ATTACH TABLE sli_journey_minute_mv');
      }
      // A batch of an earlier build: both months in one insert under the batch's token, every part landed.
      const c: RecordedBatch = { topic, partition: 8, first: 20n, last: 29n, digest: 'm2', excluded: [] };
      await t.wh.insert('journey_events', rows(20, 'PRDV-MC'), { dedupToken: batchToken(c, new Set()) });
      expect([await figures('PRDV-MA'), await figures('PRDV-MB'), await figures('PRDV-MC')]).toEqual([
        { facts: '5', minute: '5', day: '5' },
        { facts: '5', minute: '0', day: '0' },
        { facts: '10', minute: '10', day: '10' },
      ]);
      // Re-formed from its log, only the earlier build's batch goes in one block again.
      expect(await Promise.all([a, b, c].map((x) => landedWhole(t.wh, 'journey_events', x, batchToken(x, new Set()))))).toEqual([false, false, true]);
      for (let i = 0; i < 2; i++) {
        expect(await completeFromFacts(t.wh, 'journey_events', columns, a)).toBe(5);
        expect(await completeFromFacts(t.wh, 'journey_events', columns, b)).toBe(5);
        expect(await completeFromFacts(t.wh, 'journey_events', columns, c)).toBe(10);
      }
      expect([await figures('PRDV-MA'), await figures('PRDV-MB'), await figures('PRDV-MC')]).toEqual([
        { facts: '5', minute: '5', day: '5' },
        { facts: '5', minute: '5', day: '5' },
        { facts: '10', minute: '10', day: '10' },
      ]);
    });

    it('reports a failing statement as a typed error naming the problem', async () => {
      await expect(t.wh.query('SELECT * FROM no_such_table')).rejects.toMatchObject({
        code: 'WAREHOUSE_QUERY_FAILED',
        message: expect.stringMatching(/no_such_table/),
      });
    });
  });
}
