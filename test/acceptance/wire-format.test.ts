import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { createPiiHasher, IngestPipeline } from '../../processors/ingest/index.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import { startSloRuntime } from '../../processors/slo/runtime/index.js';
import { MemoryTransport } from '../../processors/transport/memory/index.js';
import type { Message, OutgoingMessage, Producer, Transport } from '../../processors/transport/types.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import {
  avscType,
  canonicalForm,
  compensation,
  crc64Avro,
  decodeSingleObject,
  encodeSingleObject,
  journeySloYaml,
  journeysInMinute,
  MINUTE,
  readSchema,
} from './support.js';

const signed = (x: bigint): bigint => BigInt.asIntN(64, x);
const fp = (s: string): bigint => signed(crc64Avro(Buffer.from(s, 'utf8')));

describe('CRC-64-AVRO and Parsing Canonical Form, computed here from the specification', () => {
  it('matches the fingerprints the Avro project publishes (share/test/data/schema-tests.txt)', () => {
    expect(fp('"null"')).toBe(7195948357588979594n);
    expect(fp('"boolean"')).toBe(-6970731678124411036n);
    expect(fp('"int"')).toBe(8247732601305521295n);
    expect(fp('"long"')).toBe(-3434872931120570953n);
    expect(fp('{"name":"foo","type":"fixed","size":15}')).toBe(1756455273707447556n);
    expect(canonicalForm({ type: 'record', name: 'foo', fields: [{ name: 'f1', type: 'boolean' }] })).toBe(
      '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}',
    );
    expect(fp('{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}')).toBe(7843277075252814651n);
  });

  it('the canonical form of every contract schema agrees with avsc (logical types and docs stripped, full names)', () => {
    for (const name of ['JourneyEvent', 'LemSignal', 'OpsIncidentEvent', 'CompensationEvent', 'RefundEvent', 'FxRate', 'SloBreachSignal', 'QualityScoreUpdate', 'DeadLetter']) {
      expect(canonicalForm(readSchema(name))).toBe(JSON.stringify(avscType(name).schema()));
    }
    expect(canonicalForm(readSchema('FxRate'))).toBe(
      '{"name":"io.slopipeline.v1.FxRate","type":"record","fields":[{"name":"event_id","type":"string"},' +
        '{"name":"event_type","type":{"name":"io.slopipeline.v1.FxEventType","type":"enum","symbols":["RATE"]}},' +
        '{"name":"occurred_at","type":"long"},{"name":"currency","type":"string"},{"name":"rate_to_reporting","type":"double"}]}',
    );
  });
});

// ---------------------------------------------------------------- the running pipeline

const minute = (hh: number, mm: number): number => Date.UTC(2026, 2, 10, hh, mm);
const JOURNEYS = [
  ...journeysInMinute(minute(10, 59), 20, 2, 'a'),
  ...journeysInMinute(minute(11, 0), 10, 2, 'b'),
  ...journeysInMinute(minute(11, 30), 40, 2, 'c'),
  ...journeysInMinute(minute(11, 58), 10, 4, 'd'),
];
const slos = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'acc-wire-slos-'));
  writeFileSync(join(dir, 'acc.yaml'), journeySloYaml('acc-journeys', 'PRDV-ACC'));
  const loaded = loadSloDirOrThrow(dir);
  rmSync(dir, { recursive: true, force: true });
  return loaded;
})();

async function rawMessages(transport: Transport, topic: string): Promise<Message[]> {
  const ends = await transport.endOffsets(topic);
  const expected = ends.reduce((s, p) => s + Number(p.offset), 0);
  if (expected === 0) return [];
  const out: Message[] = [];
  const consumer = transport.consumer({ groupId: `acc-reader-${topic}-${Math.random()}`, topics: [topic], fromBeginning: true });
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  await consumer.start({
    onBatch: async (b) => {
      out.push(...b.messages);
      if (out.length >= expected) done();
    },
  });
  await all;
  await consumer.stop();
  return out.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

interface Run {
  transport: MemoryTransport;
  t: TestWarehouse;
}

/** Independently encoded journeys through the embedded pipeline with the SLO engine on its commit hook. */
async function engineRun(partitions: number, extra: (p: Producer, t: Transport) => Promise<void> = async () => undefined): Promise<Run> {
  const t = await openTestWarehouse();
  const transport = new MemoryTransport({ defaultPartitions: partitions });
  await transport.ensureTopics([{ topic: 'tjm.journey.v1', partitions }]);
  const producer = await transport.producer();
  await producer.send(
    'tjm.journey.v1',
    JOURNEYS.map((v): OutgoingMessage => ({ key: String(v['journey_instance_id']), value: encodeSingleObject('JourneyEvent', v) })),
  );
  await extra(producer, transport);
  await producer.close();
  const runtime = await startSloRuntime({
    warehouse: t.wh,
    transport,
    slos,
    env: {},
    evaluator: { name: 'acc', watermark: { allowedLatenessMs: 24 * 60 * MINUTE, idleTimeoutMs: 600_000 } },
  });
  const pipeline = new IngestPipeline({
    transport,
    warehouse: t.wh,
    decoder: createDefaultDecoder(),
    hasher: createPiiHasher('acceptance-key-0123456789'),
    groupId: 'acc',
    partitions,
    onCommitted: (b) => runtime.onCommitted(b),
  });
  await pipeline.start();
  for (let i = 0; i < 3000 && !(await pipeline.caughtUp()); i++) await new Promise((r) => setTimeout(r, 10));
  await pipeline.stop();
  // Let a cycle the commit hook started finish first: a flush racing the evaluator's start is
  // lost (known-gaps.test.ts).
  await runtime.evaluator.idle();
  await runtime.flush(minute(12, 0));
  await runtime.stop();
  return { transport, t };
}

interface Breach {
  signal_id: string;
  status: string;
  severity: string;
  slo_id: string;
  evaluated_at: number;
  [k: string]: unknown;
}

describe('output topics as a downstream consumer reads them (independent avsc decoder)', () => {
  const runs: Run[] = [];
  let breaches: Array<{ key: string; value: Breach; raw: Buffer }> = [];
  let scores: Array<{ key: string; value: Record<string, unknown> }> = [];

  beforeAll(async () => {
    const run = await engineRun(3);
    runs.push(run);
    const header = (m: Message): Buffer => (m.value ?? Buffer.alloc(0)).subarray(0, 2);
    const b = await rawMessages(run.transport, 'ops.slo.breach.v1');
    const q = await rawMessages(run.transport, 'ops.quality.scores.v1');
    for (const m of [...b, ...q]) expect(header(m).toString('hex')).toBe('c301');
    breaches = b.map((m) => ({ key: m.key?.toString('utf8') ?? '', value: decodeSingleObject<Breach>('SloBreachSignal', m.value ?? Buffer.alloc(0)), raw: m.value ?? Buffer.alloc(0) }));
    scores = q.map((m) => ({ key: m.key?.toString('utf8') ?? '', value: decodeSingleObject<Record<string, unknown>>('QualityScoreUpdate', m.value ?? Buffer.alloc(0)) }));
  });
  afterAll(async () => {
    for (const r of runs) {
      await r.transport.close();
      await r.t.drop();
    }
  });

  it('ops.slo.breach.v1: keyed by slo_id, the transitions the burn rates imply, with hand-computed figures', () => {
    expect(breaches.every((b) => b.key === b.value.slo_id)).toBe(true);
    const seen = breaches.map((b) => `${new Date(b.value.evaluated_at).toISOString().slice(11, 16)} ${b.value.severity} ${b.value.status} ${String(b.value['long_window'])}/${String(b.value['short_window'])}`).sort();
    // 10:59 holds 20 journeys, 2 bad: at 11:00 the 6h/30m page (burn 10 >= 6) and the 1d/2h ticket fire;
    // the 1h/5m page (10 < 14.4) does not. 11:31 drops the 30m burn to 5: resolved 15 minutes later.
    // 11:58 (10 journeys, 4 bad) lifts 30m to 6/50 -> 12: paged again at 11:59.
    expect(seen).toEqual(['11:00 PAGE FIRING 6h/30m', '11:00 TICKET FIRING 1d/2h', '11:46 PAGE RESOLVED 6h/30m', '11:59 PAGE FIRING 6h/30m']);
    const first = breaches.find((b) => b.value.severity === 'PAGE' && b.value.evaluated_at === minute(11, 0))?.value;
    expect(first).toMatchObject({
      slo_id: 'acc-journeys',
      service: 'acceptance',
      reason: 'SLO_BREACH',
      product_version_id: 'PRDV-ACC',
      market_code: null,
      city_code: null,
      route_id: null,
      vendor_id: null,
      target: 0.99,
      burn_rate_threshold: 6,
      recommended_actions: ['use_degraded_mode', 'fallback_routes_only'],
    });
    expect(first?.['sli']).toBeCloseTo(0.9, 9); // 18 good of 20
    expect(first?.['error_budget_remaining']).toBeCloseTo(1 - 2 / (0.01 * 20), 9); // -9
    expect(first?.['burn_rate_long']).toBeCloseTo(10, 9);
    expect(first?.['burn_rate_short']).toBeCloseTo(10, 9);
  });

  it('ops.quality.scores.v1: keyed by scope_id, journey success per vendor, route and product version', () => {
    expect(scores.length).toBeGreaterThan(0);
    expect(scores.every((s) => s.key === s.value['scope_id'])).toBe(true);
    const at12 = scores.filter((s) => s.value['computed_at'] === minute(12, 0) && s.value['score_type'] === 'JOURNEY_SUCCESS_RATE');
    const byScope = Object.fromEntries(at12.map((s) => [`${String(s.value['scope'])}:${String(s.value['scope_id'])}`, s.value['value']]));
    // 80 finished journeys in [11:00 - 24h, 12:00), 10 of them failed or abandoned.
    expect(byScope).toEqual({ 'VENDOR:VEN-ACC': 0.875, 'ROUTE:ROUTE-ACC-01': 0.875, 'PRODUCT_VERSION:PRDV-ACC': 0.875 });
    // The contract fixes `window` as a string only; the engine writes the 24-hour window as "1d".
    expect(new Set(at12.map((s) => s.value['window']))).toEqual(new Set(['1d']));
  });

  it('signal ids are deterministic: another delivery (partitions) of the same events gives the same ids', async () => {
    const again = await engineRun(1);
    runs.push(again);
    const ids = (await rawMessages(again.transport, 'ops.slo.breach.v1')).map((m) => decodeSingleObject<Breach>('SloBreachSignal', m.value ?? Buffer.alloc(0)).signal_id);
    expect(ids.sort()).toEqual(breaches.map((b) => b.value.signal_id).sort());
  });
});

// ---------------------------------------------------------------- dead letters

interface DeadLetterValue {
  source_topic: string;
  source_partition: number | null;
  source_offset: string | null;
  original_value: Buffer | null;
  original_key: Buffer | null;
  reason_code: string;
  message: string;
  field: string | null;
  original_value_form: string | null;
  original_value_sha256: string | null;
  original_value_size: number | null;
}

describe('<topic>.dlq as an operator reads it', () => {
  let run: Run | undefined;
  afterAll(async () => {
    if (run) {
      await run.transport.close();
      await run.t.drop();
    }
  });

  it('gets the original bytes (as far as they hold no personal data), source topic/partition/offset and a machine-readable reason; the partition goes on', async () => {
    const T = Date.UTC(2026, 2, 10, 9, 0);
    const topic = 'trutta.compensations.v1';
    const good = (id: string): Buffer => encodeSingleObject('CompensationEvent', compensation({ event_id: id, event_type: 'ISSUED', occurred_at: T, incident_id: 'INC-DLQ', amount_minor: 100, currency: 'EUR' }));
    const garbage = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]);
    const unknownFingerprint = Buffer.concat([Buffer.from([0xc3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8]), Buffer.from([0x02])]);
    const negative = encodeSingleObject('CompensationEvent', compensation({ event_id: 'neg', event_type: 'ISSUED', occurred_at: T, incident_id: 'INC-DLQ', amount_minor: -5, currency: 'EUR' }));
    const truncated = good('trunc').subarray(0, 20);
    const sent = [good('ok-1'), garbage, unknownFingerprint, negative, truncated, good('ok-2')];
    run = await engineRun(2, async (producer, transport) => {
      await transport.ensureTopics([{ topic, partitions: 2 }]);
      await producer.send(topic, sent.map((value, i) => ({ key: 'INC-DLQ', value, partition: 1, headers: { n: String(i) } })));
    });
    const dlq = await rawMessages(run.transport, `${topic}.dlq`);
    const letters = dlq.map((m) => decodeSingleObject<DeadLetterValue>('DeadLetter', m.value ?? Buffer.alloc(0)));
    expect(letters.map((l) => [l.source_topic, l.source_partition, l.source_offset, l.reason_code])).toEqual([
      [topic, 1, '1', 'BAD_FRAMING'],
      [topic, 1, '2', 'UNKNOWN_SCHEMA'],
      [topic, 1, '3', 'NEGATIVE_AMOUNT'],
      [topic, 1, '4', 'UNDECODABLE'],
    ]);
    // Compensations carry user_id: bytes that do not decode could hold one anywhere, so they are
    // identified by SHA-256 and size instead; the decoded record without a user_id is kept as sent.
    expect(letters.map((l) => [l.original_value_form, l.original_value?.toString('hex') ?? null])).toEqual([
      ['omitted', null],
      ['omitted', null],
      ['original', negative.toString('hex')],
      ['omitted', null],
    ]);
    expect(letters.map((l) => [l.original_value_sha256, l.original_value_size])).toEqual(
      [garbage, unknownFingerprint, negative, truncated].map((b) => [createHash('sha256').update(b).digest('hex'), b.length]),
    );
    expect(letters.every((l) => l.original_key?.toString('utf8') === 'INC-DLQ')).toBe(true);
    expect(letters.find((l) => l.reason_code === 'NEGATIVE_AMOUNT')?.field).toBe('amount_minor');
    // The records after the bad ones, in the same partition, were processed.
    const rows = await run.t.wh.query<{ event_id: string }>('SELECT event_id FROM compensation_events_v ORDER BY event_id');
    expect(rows.map((r) => r.event_id)).toEqual(['ok-1', 'ok-2']);
  });
});
