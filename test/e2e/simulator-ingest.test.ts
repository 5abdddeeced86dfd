import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../cli/commands/ingest.js';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { IngestPipeline, createPiiHasher } from '../../processors/ingest/index.js';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { publishRecords } from '../../processors/simulator-source.js';
import { simulate, toJsonLines } from '../../processors/simulator/index.js';
import type { SimOutput } from '../../processors/simulator/index.js';
import { MemoryTransport } from '../../processors/transport/memory/index.js';
import type { Warehouse } from '../../sinks/warehouse/index.js';
import { snapshotTables } from '../support/snapshot.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { deadLettersByCode, factCounts } from '../support/facts.js';

const KEY = '0123456789abcdef-test';

/** Deterministic shuffle (a different delivery order of the same lines). */
function shuffled<T>(xs: T[], seed: number): T[] {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

describe('simulator traffic through the embedded pipeline equals its ground truth', () => {
  let sim: SimOutput;
  let dir: string;
  let file: string;
  const dbs: TestWarehouse[] = [];
  const open = async (): Promise<Warehouse> => {
    const t = await openTestWarehouse();
    dbs.push(t);
    return t.wh;
  };

  beforeAll(() => {
    const codec = defaultCodec();
    sim = simulate({ seed: 11, days: 1, journeysPerDay: 1500, encodeAvro: (r, v) => codec.encode(r, v) });
    dir = mkdtempSync(join(tmpdir(), 'slo-sim-'));
    file = join(dir, 'sim.jsonl');
    writeFileSync(file, toJsonLines(sim));
  });
  afterAll(async () => {
    for (const t of dbs) await t.drop();
  });

  it('ingest: facts per topic and event type, and dead letters per reason, match exactly; replay, order and batch size change nothing', async () => {
    const truth = sim.truth;
    expect(truth.duplicates.total).toBeGreaterThan(0);
    expect(truth.late + truth.out_of_order).toBeGreaterThan(0);

    const a = await open();
    const summary = await ingestFiles([file], a, { hmacKey: KEY });
    expect(summary).toEqual({ read: truth.deliveries.jsonl_lines, dead_lettered: truth.dead_letters.jsonl.total });
    const counts = await factCounts(a);
    expect(counts.byTopic).toEqual(truth.events.by_topic);
    expect(counts.byType).toEqual(truth.events.by_topic_event_type);
    expect(await deadLettersByCode(a)).toEqual(truth.dead_letters.jsonl.by_code);
    const outcomes = await a.query<{ pv: string; c: string; f: string; ab: string }>(
      `SELECT product_version_id AS pv, countIf(event_type = 'JOURNEY_COMPLETED') AS c,
              countIf(event_type = 'JOURNEY_FAILED') AS f, countIf(event_type = 'JOURNEY_ABANDONED') AS ab
       FROM journey_events_v GROUP BY pv`,
    );
    expect(Object.fromEntries(outcomes.map((o) => [o.pv, { completed: Number(o.c), failed: Number(o.f), abandoned: Number(o.ab) }]))).toEqual(
      truth.journeys.by_product_version,
    );
    const snapA = await snapshotTables(a);

    // The same file again: nothing changes.
    await ingestFiles([file], a, { hmacKey: KEY });
    expect(await snapshotTables(a)).toEqual(snapA);

    // Another order, other batch sizes and partition counts, in a fresh warehouse: identical facts and rollups.
    const lines = toJsonLines(sim).split('\n').filter((l) => l.length > 0);
    const other = join(dir, 'shuffled.jsonl');
    writeFileSync(other, `${shuffled(lines, 5).join('\n')}\n`);
    const b = await open();
    const summaryB = await ingestFiles([other], b, { hmacKey: KEY, maxBatchSize: 97, partitions: 3 });
    expect(summaryB).toEqual(summary);
    expect(await snapshotTables(b)).toEqual(snapA);
  });

  it('bytes on the transport (Avro single-object, plus corrupt bytes): same facts, byte-level dead letters as expected', async () => {
    const truth = sim.truth;
    const c = await open();
    const transport = new MemoryTransport({ defaultPartitions: 6 });
    const producer = await transport.producer();
    const published = await publishRecords(sim.records, producer, defaultCodec());
    await producer.close();
    expect(published).toBe(truth.deliveries.byte_messages);
    const p = new IngestPipeline({ transport, warehouse: c, decoder: createDefaultDecoder(), hasher: createPiiHasher(KEY), groupId: 'bytes', partitions: 6 });
    await p.start();
    for (let i = 0; i < 6000 && !(await p.caughtUp()); i++) await new Promise((r) => setTimeout(r, 10));
    await p.stop();
    expect((await factCounts(c)).byTopic).toEqual(truth.events.by_topic);
    expect(await deadLettersByCode(c)).toEqual(truth.dead_letters.bytes.by_code);
    expect(truth.dead_letters.bytes.by_code.UNDECODABLE ?? 0).toBeGreaterThan(0);
  });
});
