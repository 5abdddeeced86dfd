import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { IngestPipeline, createPiiHasher } from '../../processors/ingest/index.js';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { MemoryTransport } from '../../processors/transport/memory/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';

const T = Date.parse('2026-11-03T08:00:00Z');
const lem = {
  event_id: 'lem-1', event_type: 'SCORE_UPDATED', occurred_at: T, city_code: 'VIE', scope: 'ROUTE',
  scope_id: 'ROUTE-VIEN-COFFEE-01', metric: 'SAFETY_SCORE', current_score: 0.91, previous_score: null, threshold: 0.7, risk_tags: [],
};

describe('dead letters from bytes on the wire', () => {
  let t: TestWarehouse;
  beforeAll(async () => {
    t = await openTestWarehouse();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('each kind of bad bytes is dead-lettered with its own code, and the good records around them land', async () => {
    const codec = defaultCodec();
    const good = codec.encode('LemSignal', lem);
    const good2 = codec.encode('LemSignal', { ...lem, event_id: 'lem-2', current_score: 0.5 });
    const unknownFingerprint = Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.alloc(8, 0xab), good.subarray(10)]);
    const truncated = good.subarray(0, 14);
    const wrongMagic = Buffer.from('{"json":"on an Avro topic"}');
    const otherRecord = codec.encode('FxRate', { event_id: 'fx', event_type: 'RATE', occurred_at: T, currency: 'USD', rate_to_reporting: 0.9 });
    const badScore = codec.encode('LemSignal', { ...lem, event_id: 'lem-3', current_score: 1.5 });

    const transport = new MemoryTransport({ defaultPartitions: 1 });
    const producer = await transport.producer();
    const topic = 'lem.signals.v1';
    await producer.send(topic, [good, unknownFingerprint, truncated, wrongMagic, Buffer.alloc(0), otherRecord, badScore, good2].map((value) => ({ key: 'ROUTE-VIEN-COFFEE-01', value })));
    await producer.close();

    const p = new IngestPipeline({
      transport, warehouse: t.wh, decoder: createDefaultDecoder(), hasher: createPiiHasher('0123456789abcdef-test'),
      groupId: 'g', topics: [topic], partitions: 1,
    });
    await p.start();
    for (let i = 0; i < 1000 && !(await p.caughtUp()); i++) await new Promise((r) => setTimeout(r, 10));
    await p.stop();

    expect(await t.wh.query('SELECT event_id, current_score FROM lem_signals_v ORDER BY event_id')).toEqual([
      { event_id: 'lem-1', current_score: 0.91 },
      { event_id: 'lem-2', current_score: 0.5 },
    ]);
    const dl = await t.wh.query<{ source_offset: string; reason_code: string; field: string | null; payload_base64: string; payload_format: string; payload_sha256: string }>(
      'SELECT source_offset, reason_code, field, payload_base64, payload_format, payload_sha256 FROM dead_letters ORDER BY toUInt64(source_offset)',
    );
    expect(dl.map((d) => [d.source_offset, d.reason_code])).toEqual([
      ['1', 'UNKNOWN_SCHEMA'],
      ['2', 'UNDECODABLE'],
      ['3', 'BAD_FRAMING'],
      ['4', 'EMPTY_VALUE'],
      ['5', 'SCHEMA_MISMATCH'],
      ['6', 'INVALID_FIELD'],
    ]);
    expect(dl[5]?.field).toBe('current_score');
    // The warehouse copy identifies undecodable bytes by hash (the .dlq topic keeps them) ...
    expect(dl[0]).toMatchObject({ payload_format: 'omitted', payload_base64: '', payload_sha256: createHash('sha256').update(unknownFingerprint).digest('hex') });
    // ... and keeps a decodable one as JSON, personal data hashed.
    expect(dl[5]?.payload_format).toBe('redacted-json');
    expect(JSON.parse(Buffer.from(dl[5]?.payload_base64 ?? '', 'base64').toString())).toMatchObject({ event_id: 'lem-3', current_score: 1.5 });
    const dlq = await transport.endOffsets(`${topic}.dlq`);
    expect(dlq.reduce((s, x) => s + Number(x.offset), 0)).toBe(6);
  });
});

describe('dead-letter topic records', () => {
  it('are Avro DeadLetter records carrying the original bytes and the reason', async () => {
    const t = await openTestWarehouse();
    try {
      const transport = new MemoryTransport({ defaultPartitions: 1 });
      const producer = await transport.producer();
      await producer.send('lem.signals.v1', [{ key: 'k', value: Buffer.from([1, 2, 3]) }]);
      await producer.close();
      const p = new IngestPipeline({
        transport, warehouse: t.wh, decoder: createDefaultDecoder(), hasher: createPiiHasher('0123456789abcdef-test'),
        groupId: 'g', topics: ['lem.signals.v1'], partitions: 1,
      });
      await p.start();
      for (let i = 0; i < 1000 && !(await p.caughtUp()); i++) await new Promise((r) => setTimeout(r, 10));
      await p.stop();
      const got: Buffer[] = [];
      const c = transport.consumer({ groupId: 'reader', topics: ['lem.signals.v1.dlq'], fromBeginning: true });
      await c.start({ onBatch: async (b) => void got.push(...b.messages.map((m) => m.value ?? Buffer.alloc(0))) });
      for (let i = 0; i < 200 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      await c.stop();
      expect(got).toHaveLength(1);
      const { recordName, value } = defaultCodec().decode(got[0] as Buffer);
      expect(recordName).toMatch(/DeadLetter$/);
      expect(value).toMatchObject({
        source_topic: 'lem.signals.v1', source_partition: 0, source_offset: '0', reason_code: 'BAD_FRAMING',
      });
      expect(Buffer.from((value as { original_value: Buffer }).original_value).equals(Buffer.from([1, 2, 3]))).toBe(true);
    } finally {
      await t.drop();
    }
  });
});
