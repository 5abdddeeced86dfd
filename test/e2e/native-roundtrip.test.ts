import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompensationEvent, FxRate, JourneyEvent, LemSignal, OpsIncidentEvent, RefundEvent } from '../../processors/contracts/events.js';
import { createNormalizer, createPiiHasher, FACT_TABLE } from '../../processors/ingest/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';

// Text formats' escapes, multi-byte UTF-8 (incl. surrogate pairs), and lengths whose varUInt
// takes two bytes (>= 128 bytes, in characters or only in UTF-8 bytes).
const NASTY = [
  "tab\there", 'new\nline', 'back\\slash', "quote's", 'cr\rhere', 'nul\0here', 'ünïcödé €', '\\N', '[\'x\']', '',
  'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(20_000), '€'.repeat(43), 'a😀b', '😀'.repeat(40),
];
const T = Date.parse('2026-11-05T12:34:56.789Z');

const journey = (id: string, s: string): JourneyEvent => ({
  event_id: id, event_type: 'NODE_FAILED', occurred_at: T, journey_instance_id: s || 'J', journey_blueprint_id: 'B',
  product_version_id: 'P', market_code: 'AT', city_code: 'VIE', product_runtime_session_id: s, route_id: null, vendor_id: s,
  service_point_id: null, journey_node_id: s, preflight_status: null, preflight_reason: null, duration_ms: 9007199254740991,
  error_code: s, order_id: null, order_value_minor: 0, currency: 'JPY', user_id: s,
});

describe('Native blocks equal JSON rows, value for value, in the warehouse', () => {
  let t: TestWarehouse;
  beforeAll(async () => {
    t = await openTestWarehouse();
  });
  afterAll(async () => {
    await t.drop();
  });

  it.each([
    ['journey', NASTY.map((s, i) => journey(`j-${i}`, s))],
    ['lem', NASTY.map((s, i): LemSignal => ({
      event_id: `l-${i}`, event_type: 'SCORE_UPDATED', occurred_at: T + i, city_code: 'VIE', scope: 'ROUTE', scope_id: `R${i}`,
      metric: 'SAFETY_SCORE', current_score: i === 0 ? 1e-7 : 0.1 * i, previous_score: i % 2 ? null : 0.333333333333333, threshold: null,
      risk_tags: i % 3 === 0 ? [] : [s, 'night', s],
    }))],
    ['incident', NASTY.map((s, i): OpsIncidentEvent => ({
      event_id: `i-${i}`, event_type: 'UPDATED', occurred_at: T, incident_id: `OPS-INC-${i}`, severity: 'SEV2', source: 'TJM',
      reason_code: s || 'X', fault: 'VENDOR', product_version_id: null, market_code: s, city_code: null, vendor_id: null, route_id: null,
      journey_instance_ids: [s, `JRNY-${i}`],
    }))],
    ['compensation', NASTY.map((s, i): CompensationEvent => ({
      event_id: `c-${i}`, event_type: 'ISSUED', occurred_at: T - i * 86_400_000 * 400, compensation_id: `C-${s}`, incident_id: `OPS-INC-${i}`,
      user_id: i % 2 ? null : s, compensation_profile_id: s || null, reason_code: null, channel: 'TRUTTA_TOKEN',
      amount_minor: i === 0 ? 9007199254740991 : i * 4_294_967_297, currency: 'EUR',
    }))],
    ['refund', NASTY.map((s, i): RefundEvent => ({
      event_id: `r-${i}`, event_type: 'SUCCEEDED', occurred_at: T + i, refund_id: `R-${i}`, order_id: s || 'O', incident_id: i % 2 ? null : `OPS-INC-${i}`,
      compensation_id: null, user_id: s, psp: s, failure_reason: null, amount_minor: i % 3 === 0 ? 0 : 2 ** 40 + i, currency: 'BHD',
    }))],
    ['fx', NASTY.map((_, i): FxRate => ({
      event_id: `f-${i}`, event_type: 'RATE', occurred_at: T + i, currency: 'JPY', rate_to_reporting: i === 0 ? 1e-300 : 1 / (i + 3),
    }))],
  ] as const)('%s', async (family, events) => {
    const n = createNormalizer(createPiiHasher('0123456789abcdef-test'));
    const table = FACT_TABLE[family];
    await t.wh.exec(`CREATE TABLE ${table}_json AS ${table}`);
    // Offsets beyond 2^53 take the exact (bigint) path.
    const offset = (i: number) => (i % 2 ? String(i) : String(2n ** 62n + BigInt(i)));
    const topic = 'tjm.jöurney.v1';
    const partition = 4_000_000_000;
    await t.wh.insert(`${table}_json`, events.map((e, i) => n.row(family, e as never, { topic, partition, offset: offset(i) })));
    const block = n.block(family)(topic, partition, 2);
    events.forEach((e, i) => block.row(e as never, offset(i)));
    expect(block.rows()).toBe(events.length);
    await t.wh.insertNative(table, n.columns(family), block.finish());
    const q = (tb: string) => t.wh.query(`SELECT * EXCEPT _ingested_at FROM ${tb} ORDER BY event_id`);
    const [a, b] = [await q(`${table}_json`), await q(table)];
    expect(b).toHaveLength(events.length);
    expect(b).toEqual(a);
  });
});
