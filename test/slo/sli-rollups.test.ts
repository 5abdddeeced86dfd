import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INPUT_TOPICS } from '../../processors/contracts/topics.js';
import { createPiiHasher, toFactRow } from '../../processors/ingest/index.js';
import { eventKey, InFlightKeys, insertFactRowsOnce, storedEventKeys } from '../../processors/ingest/event-keys.js';
import type { JourneyEvent } from '../../processors/contracts/events.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';

/**
 * The SLI rollups keep counts per cell (dwh/sql/025_sli_counts.sql): their size follows cells,
 * and each count is a count of distinct events because a fact table takes each event once.
 */
const hasher = createPiiHasher('rollup-test-key-0123456789abcdef');
const T0 = Date.UTC(2026, 2, 1, 22, 0, 0);

function journey(i: number, at: number, type = 'JOURNEY_COMPLETED'): JourneyEvent {
  return {
    event_id: `ev-${i}`,
    event_type: type,
    occurred_at: at,
    journey_instance_id: `j-${i % 50}`,
    journey_blueprint_id: 'bp',
    product_version_id: 'pv-1',
    market_code: 'DE',
    city_code: i % 2 === 0 ? 'BER' : 'MUC',
    product_runtime_session_id: null,
    route_id: null,
    vendor_id: null,
    service_point_id: null,
    journey_node_id: null,
    preflight_status: null,
    preflight_reason: null,
    duration_ms: 100 + (Math.floor(at / 60_000) % 7) * 300,
    error_code: null,
    order_id: null,
    order_value_minor: null,
    currency: null,
    user_id: null,
  } as unknown as JourneyEvent;
}

const rowOf = (e: JourneyEvent, offset: number): Record<string, unknown> =>
  toFactRow('journey', e, hasher, { topic: INPUT_TOPICS.journey, partition: 0, offset: String(offset) });

describe('SLI rollups sized by cells', () => {
  let t: TestWarehouse;
  // 3,000 events over 5 hours crossing midnight UTC, 2 per minute-cell on average.
  const events = Array.from({ length: 3000 }, (_, i) => journey(i, T0 + Math.floor(i / 10) * 60_000 + (i % 10) * 1000, i % 5 === 0 ? 'JOURNEY_FAILED' : 'JOURNEY_COMPLETED'));

  beforeAll(async () => {
    t = await openTestWarehouse();
  });
  afterAll(async () => {
    await t.drop();
  });

  const sums = async (): Promise<{ minute: number; hour: number; day: number; facts: number; cells: number }> => {
    const [r] = await t.wh.query<Record<string, string>>(
      `SELECT (SELECT sum(events) FROM sli_journey_minute) AS minute, (SELECT sum(events) FROM sli_journey_hour) AS hour,
              (SELECT sum(events) FROM sli_journey_day) AS day, (SELECT count() FROM journey_events_v) AS facts,
              (SELECT uniqExact(minute, event_type, journey_blueprint_id, product_version_id, market_code, city_code, route_id, vendor_id,
                                service_point_id, error_code, preflight_status, preflight_reason, latency_le) FROM sli_journey_minute) AS cells`,
    );
    return { minute: Number(r?.['minute']), hour: Number(r?.['hour']), day: Number(r?.['day']), facts: Number(r?.['facts']), cells: Number(r?.['cells']) };
  };

  it('counts each event once across repeated, split and replayed inserts; hours and days agree with minutes', async () => {
    const rows = events.map((e, i) => rowOf(e, i));
    // Three parts, the second twice, the third with repeats of the first inside it.
    const a = await insertFactRowsOnce(t.wh, 'journey_events', rows.slice(0, 1000), { dedupToken: 'p1' });
    const b = await insertFactRowsOnce(t.wh, 'journey_events', rows.slice(1000, 2000), { dedupToken: 'p2' });
    const b2 = await insertFactRowsOnce(t.wh, 'journey_events', rows.slice(1000, 2000), { dedupToken: 'p2-other-run' });
    const c = await insertFactRowsOnce(t.wh, 'journey_events', [...rows.slice(2000), ...rows.slice(0, 300), ...rows.slice(2000, 2100)], { dedupToken: 'p3' });
    expect([a.inserted, b.inserted, b2.inserted, c.inserted]).toEqual([1000, 1000, 0, 1000]);
    expect(c.duplicates).toBe(400);
    const s = await sums();
    expect(s).toMatchObject({ minute: 3000, hour: 3000, day: 3000, facts: 3000 });
    // Per hour and per day the three levels agree exactly.
    const diff = await t.wh.query<{ n: string }>(
      `SELECT count() AS n FROM (
         SELECT toStartOfHour(minute) AS h, sum(events) AS e FROM sli_journey_minute GROUP BY h
       ) AS m FULL OUTER JOIN (SELECT hour AS h, sum(events) AS e FROM sli_journey_hour GROUP BY h) AS x USING h
       WHERE m.e != x.e`,
    );
    expect(Number(diff[0]?.n)).toBe(0);
    const days = await t.wh.query<{ d: string; e: string }>('SELECT toString(toDate(day)) AS d, sum(events) AS e FROM sli_journey_day GROUP BY d ORDER BY d');
    const truth = new Map<string, number>();
    for (const e of events) {
      const d = new Date(e.occurred_at).toISOString().slice(0, 10);
      truth.set(d, (truth.get(d) ?? 0) + 1);
    }
    expect(days.map((r) => [r.d, Number(r.e)])).toEqual([...truth.entries()]);
  });

  it('stays exact when a replay falls outside the engine\'s insert-dedup window', async () => {
    // The window (non_replicated_deduplication_window) remembers the last N insert tokens; a
    // window of 1 forgets a batch as soon as the next one lands.
    await t.wh.exec('ALTER TABLE journey_events MODIFY SETTING non_replicated_deduplication_window = 1');
    try {
      const rows = events.map((e, i) => rowOf(e, i));
      const before = await sums();
      const r1 = await insertFactRowsOnce(t.wh, 'journey_events', rows.slice(0, 500), { dedupToken: 'p1' });
      const r2 = await insertFactRowsOnce(t.wh, 'journey_events', rows.slice(500, 1500), { dedupToken: 'p2' });
      expect([r1.inserted, r2.inserted]).toEqual([0, 0]);
      expect(await sums()).toEqual(before);
    } finally {
      await t.wh.exec('ALTER TABLE journey_events MODIFY SETTING non_replicated_deduplication_window = 1000');
    }
  });

  it('holds cells, not events: a cell keeps a count, whatever the number of events in it', async () => {
    const s = await sums();
    const cols = await t.wh.query<{ type: string }>("SELECT type FROM system.columns WHERE database = currentDatabase() AND table = 'sli_journey_minute' AND name = 'events'");
    expect(cols[0]?.type).toBe('SimpleAggregateFunction(sum, UInt64)');
    // 300 minutes x 2 cities x 2 event types: 1,200 cells for 3,000 events.
    expect(s.cells).toBe(1200);
    // Ten times the events in the same cells: the same number of cells.
    const more = Array.from({ length: 30_000 }, (_, i) => journey(100_000 + i, T0 + Math.floor((i % 3000) / 10) * 60_000 + (i % 10) * 1000, (i % 3000) % 5 === 0 ? 'JOURNEY_FAILED' : 'JOURNEY_COMPLETED'));
    await insertFactRowsOnce(t.wh, 'journey_events', more.map((e, i) => rowOf(e, 10_000 + i)), { dedupToken: 'more' });
    await t.wh.exec('OPTIMIZE TABLE sli_journey_minute FINAL');
    const after = await sums();
    expect(after.minute).toBe(33_000);
    expect(after.cells).toBe(s.cells);
  });

  it('finds stored events by (day, event_id) and keeps in-flight keys apart', async () => {
    const e = events[5] as JourneyEvent;
    const k = eventKey(e.occurred_at, e.event_id);
    const other = eventKey(e.occurred_at + 86_400_000, e.event_id);
    const found = await storedEventKeys(t.wh, 'journey_events', { keys: [k, other], ids: [e.event_id], minOccurredAt: e.occurred_at, maxOccurredAt: e.occurred_at + 86_400_000 });
    expect([...found]).toEqual([k]);
    // A batch of 60,000 UUID-like ids (2.3 MB of ids): the stored key is found among them.
    // (test/contract/in-array-param.test.ts has such a list over a table large enough for the
    // engine's cliff with a constant IN list.)
    const many = Array.from({ length: 60_000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const ids = [...many.slice(0, 30_003), e.event_id, ...many.slice(30_003)];
    const keys = ids.map((id) => eventKey(e.occurred_at, id));
    const long = await storedEventKeys(t.wh, 'journey_events', { keys, ids, minOccurredAt: e.occurred_at, maxOccurredAt: e.occurred_at });
    expect([...long]).toEqual([k]);
    const inFlight = new InFlightKeys();
    expect(inFlight.claim(['a', 'b']).size).toBe(0);
    expect([...inFlight.claim(['b', 'c'])]).toEqual(['b']);
    inFlight.release(['a', 'b']);
    inFlight.release(['c']);
    expect(inFlight.size).toBe(0);
  });
});
