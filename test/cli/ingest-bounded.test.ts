import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFilesWithStats } from '../../cli/commands/ingest.js';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { simulate, toJsonLines, type SimOutput } from '../../processors/simulator/index.js';
import type { Warehouse } from '../../sinks/warehouse/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { deadLettersByCode, factCounts } from '../support/facts.js';

// `ingest` streams: the reader waits while `maxInFlight` records are published and not yet
// committed, and the transport releases what is committed. With a tiny bound and tiny batches
// the facts must still be exactly the simulator's truth, and the transport must never have
// held more than the bound. Not a timing test.
const KEY = 'bounded-ingest-key-0123456789';
const IN_FLIGHT = 300;
const BATCH = 41;

describe('ingest in bounded memory', () => {
  let sim: SimOutput;
  let dir: string;
  const dbs: TestWarehouse[] = [];
  const open = async (): Promise<Warehouse> => {
    const t = await openTestWarehouse();
    dbs.push(t);
    return t.wh;
  };

  beforeAll(() => {
    const codec = defaultCodec();
    sim = simulate({ seed: 23, days: 1, journeysPerDay: 600, encodeAvro: (r, v) => codec.encode(r, v) });
    dir = mkdtempSync(join(tmpdir(), 'slo-bounded-'));
  });
  afterAll(async () => {
    for (const t of dbs) await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a small in-flight bound and small batches: facts and dead letters equal the truth, the transport never held more than the bound', async () => {
    const truth = sim.truth;
    const file = join(dir, 'sim.jsonl');
    writeFileSync(file, toJsonLines(sim));
    expect(truth.deliveries.jsonl_lines).toBeGreaterThan(IN_FLIGHT * 10);

    const wh = await open();
    const { summary, stats } = await ingestFilesWithStats([file], wh, { hmacKey: KEY, maxBatchSize: BATCH, maxInFlight: IN_FLIGHT, partitions: 3 });
    expect(summary).toEqual({ read: truth.deliveries.jsonl_lines, dead_lettered: truth.dead_letters.jsonl.total });
    const counts = await factCounts(wh);
    expect(counts.byTopic).toEqual(truth.events.by_topic);
    expect(counts.byType).toEqual(truth.events.by_topic_event_type);
    expect(await deadLettersByCode(wh)).toEqual(truth.dead_letters.jsonl.by_code);
    expect(stats.maxInFlight).toBe(IN_FLIGHT);
    expect(stats.retainedHighWater).toBeGreaterThan(0);
    expect(stats.retainedHighWater).toBeLessThanOrEqual(IN_FLIGHT);
  });

  it('lines that are not UTF-8 or over 1 MiB are dead-lettered naming file and line, and the rest goes on', async () => {
    const lines = toJsonLines(sim).split('\n').filter((l) => l.length > 0).slice(0, 400);
    const big = `{"topic":"tjm.journey.v1","key":"J","value":{"user_id":"USR-CLEAR-BIG","pad":"${'x'.repeat(1_048_576)}"}}`;
    const invalid = Buffer.concat([Buffer.from('{"topic":"tjm.journey.v1","value":{"user_id":"USR-CLEAR-UTF8","x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}')]);
    const file = join(dir, 'hostile.jsonl');
    // CRLF line ends, the two bad lines in the middle, the last line without a newline.
    const body = Buffer.concat([
      Buffer.from(lines.slice(0, 200).join('\r\n') + '\r\n'),
      invalid,
      Buffer.from('\r\n' + big + '\r\n'),
      Buffer.from(lines.slice(200).join('\n')),
    ]);
    writeFileSync(file, body);
    const clean = join(dir, 'clean.jsonl');
    writeFileSync(clean, `${lines.join('\n')}\n`);

    const a = await open();
    const b = await open();
    const hostile = await ingestFilesWithStats([file], a, { hmacKey: KEY, maxBatchSize: BATCH, maxInFlight: IN_FLIGHT });
    const reference = await ingestFilesWithStats([clean], b, { hmacKey: KEY, maxBatchSize: BATCH, maxInFlight: IN_FLIGHT });
    expect(hostile.summary).toEqual({ read: reference.summary.read + 2, dead_lettered: reference.summary.dead_lettered + 2 });
    expect(await factCounts(a)).toEqual(await factCounts(b));

    const rows = await a.query<Record<string, string | number>>(
      `SELECT source_topic, source_offset, reason_code, reason, payload_sha256, payload_size, payload_base64 FROM dead_letters FINAL
       WHERE reason_code IN ('INVALID_UTF8', 'RECORD_TOO_LARGE') ORDER BY source_offset`,
    );
    expect(rows.map((r) => [r['reason_code'], r['source_topic'], String(r['source_offset'])])).toEqual([
      ['INVALID_UTF8', 'tjm.journey.v1', '201'],
      ['RECORD_TOO_LARGE', 'tjm.journey.v1', '202'],
    ]);
    expect(String(rows[0]?.['reason'])).toContain('hostile.jsonl:201');
    expect(String(rows[1]?.['reason'])).toContain('hostile.jsonl:202');
    expect(rows[1]).toMatchObject({ payload_sha256: createHash('sha256').update(big).digest('hex'), payload_size: Buffer.byteLength(big) });
    expect(rows[0]).toMatchObject({ payload_sha256: createHash('sha256').update(invalid).digest('hex'), payload_size: invalid.length });
    const all = await a.query<{ t: string }>('SELECT toJSONString(tuple(*)) AS t FROM dead_letters');
    const text = all.map((r) => r.t + Buffer.from(String(JSON.parse(r.t)[6] ?? ''), 'base64').toString('utf8')).join('');
    expect(text).not.toContain('USR-CLEAR');
  });

  it('unroutable lines: written as they come, once per content however often the file is ingested', async () => {
    const bad = Array.from({ length: 2500 }, (_, i) => `not json ${i}`);
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `${bad.join('\n')}\n`);
    const wh = await open();
    const rowsNow = async (): Promise<number> => Number((await wh.query<{ n: string }>('SELECT count() AS n FROM dead_letters'))[0]?.n);
    for (let i = 0; i < 2; i++) {
      expect((await ingestFilesWithStats([file], wh, { hmacKey: KEY })).summary).toEqual({ read: 2500, dead_lettered: 2500 });
      // Without FINAL: a second run's chunks carry the same tokens and add no rows at all.
      expect(await rowsNow()).toBe(2500);
    }
    // The same lines in another file are other dead letters.
    const other = join(dir, 'bad-too.jsonl');
    writeFileSync(other, `${bad.join('\n')}\n`);
    await ingestFilesWithStats([other], wh, { hmacKey: KEY });
    expect(await rowsNow()).toBe(5000);
  });
});
