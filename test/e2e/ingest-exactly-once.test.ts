import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngestPipeline, createPiiHasher, CONTENT_TYPE_HEADER, JSON_CONTENT_TYPE } from '../../processors/ingest/index.js';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { MemoryTransport } from '../../processors/transport/memory/index.js';
import type { Warehouse } from '../../sinks/warehouse/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';

const T0 = Date.parse('2026-11-02T10:00:00Z');

function journeyEvent(i: number): Record<string, unknown> {
  return {
    event_id: `ev-${i}`,
    event_type: i % 5 === 4 ? 'JOURNEY_FAILED' : 'NODE_COMPLETED',
    occurred_at: T0 + i * 1000,
    journey_instance_id: `JRNY-${i % 7}`,
    journey_blueprint_id: 'JRNY-VIEN-COFFEE',
    product_version_id: 'PRDV-VIEN-COFFEE',
    market_code: 'AT',
    city_code: 'VIE',
    product_runtime_session_id: null,
    route_id: 'ROUTE-VIEN-COFFEE-01',
    vendor_id: 'VEN-123',
    service_point_id: null,
    journey_node_id: `N-${i}`,
    preflight_status: null,
    preflight_reason: null,
    duration_ms: 100 + i,
    error_code: i % 5 === 4 ? 'VENDOR_NO_SHOW' : null,
    order_id: null,
    order_value_minor: null,
    currency: null,
    user_id: `USR-${i % 3}`,
  };
}

async function publish(transport: MemoryTransport, values: Array<Record<string, unknown>>): Promise<void> {
  const p = await transport.producer();
  await p.send(
    'tjm.journey.v1',
    values.map((v) => ({ key: String(v['journey_instance_id']), value: Buffer.from(JSON.stringify(v)), headers: { [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE } })),
  );
  await p.close();
}

/**
 * Fault injection around a real warehouse: the Nth fact insert lands, then the process
 * "dies" before it can commit (the call never returns until the test kills it).
 */
function crashAfterInsert(wh: Warehouse, n: number): { wh: Warehouse; crashed: () => boolean; kill: () => void } {
  let count = 0;
  let crashed = false;
  let kill: () => void = () => {};
  const wrapped: Warehouse = Object.create(wh) as Warehouse;
  wrapped.insertNative = async (table, columns, payload, opts) => {
    await wh.insertNative(table, columns, payload, opts);
    if (table === 'journey_events' && ++count === n) {
      crashed = true;
      await new Promise<void>((_, reject) => (kill = () => reject(new Error('killed after insert, before commit'))));
    }
  };
  return { wh: wrapped, crashed: () => crashed, kill: () => kill() };
}

async function untilCaughtUp(p: IngestPipeline): Promise<void> {
  for (let i = 0; i < 2000 && !(await p.caughtUp()); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('ingest exactly-once (memory transport, embedded ClickHouse)', () => {
  let t: TestWarehouse;
  beforeEach(async () => {
    t = await openTestWarehouse();
  });
  afterEach(async () => {
    await t.drop();
  });

  it('a crash between insert and commit is replayed as the same batch: no loss, no physical duplicate', async () => {
    const transport = new MemoryTransport({ defaultPartitions: 1 });
    await transport.ensureTopics([{ topic: 'tjm.journey.v1', partitions: 1 }]);
    await publish(transport, Array.from({ length: 100 }, (_, i) => journeyEvent(i)));
    const decoder = createDefaultDecoder();
    const hasher = createPiiHasher('0123456789abcdef-test');
    // Merges would collapse duplicate rows and hide a double insert: keep parts as inserted.
    await t.wh.exec('SYSTEM STOP MERGES journey_events');

    const faulty = crashAfterInsert(t.wh, 2);
    const first = new IngestPipeline({
      transport, warehouse: faulty.wh, decoder, hasher, groupId: 'g', maxBatchSize: 30, topics: ['tjm.journey.v1'], partitions: 1,
      retry: { initialMs: 1, maxMs: 1 },
    });
    await first.start();
    for (let i = 0; i < 500 && !faulty.crashed(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(faulty.crashed()).toBe(true);
    const stopping = first.stop();
    faulty.kill();
    await stopping;
    const committedBefore = await t.wh.query<{ n: string }>('SELECT count() AS n FROM journey_events');
    expect(committedBefore).toEqual([{ n: '60' }]); // two batches of 30 landed, only the first committed

    // The restarted processor fetches in other batch sizes, yet re-forms the recorded range.
    const second = new IngestPipeline({
      transport, warehouse: t.wh, decoder, hasher, groupId: 'g', maxBatchSize: 7, topics: ['tjm.journey.v1'], partitions: 1,
    });
    await second.start();
    await untilCaughtUp(second);
    await second.stop();

    const physical = await t.wh.query<{ n: string }>('SELECT count() AS n FROM journey_events');
    const exact = await t.wh.query<{ n: string; d: string }>('SELECT count() AS n, sum(duration_ms) AS d FROM journey_events_v');
    expect(exact).toEqual([{ n: '100', d: String(Array.from({ length: 100 }, (_, i) => 100 + i).reduce((a, b) => a + b)) }]);
    // The dedup token dropped the replayed block: no physical duplicate even before merges.
    expect(physical).toEqual([{ n: '100' }]);
  });

  it('invalid records go to the dead-letter topic and table with their reason; the partition moves on', async () => {
    const transport = new MemoryTransport({ defaultPartitions: 1 });
    await transport.ensureTopics([{ topic: 'tjm.journey.v1', partitions: 1 }]);
    const bad = { ...journeyEvent(1000), order_value_minor: -5, currency: 'EUR' };
    await publish(transport, [journeyEvent(0), bad, journeyEvent(1)]);
    const p = new IngestPipeline({
      transport, warehouse: t.wh, decoder: createDefaultDecoder(), hasher: createPiiHasher('0123456789abcdef-test'),
      groupId: 'g', topics: ['tjm.journey.v1'], partitions: 1,
    });
    await p.start();
    await untilCaughtUp(p);
    await p.stop();
    expect(await t.wh.query('SELECT count() AS n FROM journey_events_v')).toEqual([{ n: '2' }]);
    expect(await t.wh.query('SELECT source_topic, source_offset, reason_code, field FROM dead_letters')).toEqual([
      { source_topic: 'tjm.journey.v1', source_offset: '1', reason_code: 'NEGATIVE_AMOUNT', field: 'order_value_minor' },
    ]);
    const dlq = await transport.endOffsets('tjm.journey.v1.dlq');
    expect(dlq.reduce((s, p) => s + Number(p.offset), 0)).toBe(1);
  });

  it('stores user_id only as a keyed hash', async () => {
    const transport = new MemoryTransport({ defaultPartitions: 1 });
    await publish(transport, [journeyEvent(0), journeyEvent(3)]);
    const p = new IngestPipeline({
      transport, warehouse: t.wh, decoder: createDefaultDecoder(), hasher: createPiiHasher('0123456789abcdef-test'),
      groupId: 'g', topics: ['tjm.journey.v1'], partitions: 1,
    });
    await p.start();
    await untilCaughtUp(p);
    await p.stop();
    const rows = await t.wh.query<{ user_hash: string }>('SELECT user_hash FROM journey_events_v ORDER BY event_id');
    expect(rows).toHaveLength(2);
    // USR-0 both times: same hash (joins and per-user counts still work), never the clear id.
    expect(rows[0]?.user_hash).toBe(rows[1]?.user_hash);
    expect(rows[0]?.user_hash).toMatch(/^[0-9a-f]{64}$/);
    const clear = await t.wh.query("SELECT count() AS n FROM journey_events WHERE position(toString(tuple(*)), 'USR-') > 0");
    expect(clear).toEqual([{ n: '0' }]);
  });
});

describe('warehouse outage (memory transport, embedded ClickHouse)', () => {
  it('refused inserts pause the partition and retry later with the same batch; nothing lost, nothing doubled', async () => {
    const t = await openTestWarehouse();
    try {
      const transport = new MemoryTransport({ defaultPartitions: 1 });
      await transport.ensureTopics([{ topic: 'tjm.journey.v1', partitions: 1 }]);
      await publish(transport, Array.from({ length: 50 }, (_, i) => journeyEvent(i)));
      await t.wh.exec('SYSTEM STOP MERGES journey_events');
      let refusals = 0;
      const flaky: Warehouse = Object.create(t.wh) as Warehouse;
      flaky.insertNative = async (table, columns, payload, opts) => {
        if (refusals < 4) {
          refusals++;
          throw new PipelineError('WAREHOUSE_UNAVAILABLE', 'warehouse unavailable (test outage)');
        }
        await t.wh.insertNative(table, columns, payload, opts);
      };
      const p = new IngestPipeline({
        transport, warehouse: flaky, decoder: createDefaultDecoder(), hasher: createPiiHasher('0123456789abcdef-test'),
        groupId: 'g', topics: ['tjm.journey.v1'], partitions: 1, maxBatchSize: 20, retry: { initialMs: 5, maxMs: 20 },
      });
      await p.start();
      await untilCaughtUp(p);
      await p.stop();
      expect(refusals).toBe(4);
      expect(p.error).toBeUndefined();
      expect(await t.wh.query('SELECT count() AS n FROM journey_events')).toEqual([{ n: '50' }]);
    } finally {
      await t.drop();
    }
  });
});

describe('dead letters and personal data', () => {
  it('a dead-lettered record keeps no recoverable user_id in the warehouse; the hash still identifies the user', async () => {
    const t = await openTestWarehouse();
    try {
      const transport = new MemoryTransport({ defaultPartitions: 1 });
      const bad = { ...journeyEvent(7), user_id: 'USR-SECRET-42', order_value_minor: -1, currency: 'EUR' };
      await publish(transport, [bad]);
      const hasher = createPiiHasher('0123456789abcdef-test');
      const p = new IngestPipeline({ transport, warehouse: t.wh, decoder: createDefaultDecoder(), hasher, groupId: 'g', topics: ['tjm.journey.v1'], partitions: 1 });
      await p.start();
      await untilCaughtUp(p);
      await p.stop();
      const rows = await t.wh.query<{ payload_base64: string; payload_format: string; reason_code: string }>('SELECT payload_base64, payload_format, reason_code FROM dead_letters');
      expect(rows).toHaveLength(1);
      expect(rows[0]?.reason_code).toBe('NEGATIVE_AMOUNT');
      const stored = Buffer.from(rows[0]?.payload_base64 ?? '', 'base64').toString();
      expect(stored).not.toContain('USR-SECRET-42');
      expect(JSON.parse(stored)).toMatchObject({ event_id: 'ev-7', user_id: `hmac:${hasher('USR-SECRET-42')}` });
    } finally {
      await t.drop();
    }
  });
});
