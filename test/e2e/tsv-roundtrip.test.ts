import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyEvent, LemSignal, OpsIncidentEvent } from '../../processors/contracts/events.js';
import { createNormalizer, createPiiHasher, FACT_TABLE } from '../../processors/ingest/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';

const NASTY = ["tab\there", 'new\nline', 'back\\slash', "quote's", 'cr\rhere', 'ünïcödé €', '\\N', '[\'x\']', ''];
const T = Date.parse('2026-11-05T12:34:56.789Z');

const journey = (id: string, s: string): JourneyEvent => ({
  event_id: id, event_type: 'NODE_FAILED', occurred_at: T, journey_instance_id: s || 'J', journey_blueprint_id: 'B',
  product_version_id: 'P', market_code: 'AT', city_code: 'VIE', product_runtime_session_id: s, route_id: null, vendor_id: s,
  service_point_id: null, journey_node_id: s, preflight_status: null, preflight_reason: null, duration_ms: 9007199254740991,
  error_code: s, order_id: null, order_value_minor: 0, currency: 'JPY', user_id: s,
});

describe('TabSeparated rows equal JSON rows, byte for byte, in the warehouse', () => {
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
  ] as const)('%s', async (family, events) => {
    const n = createNormalizer(createPiiHasher('0123456789abcdef-test'));
    const table = FACT_TABLE[family];
    await t.wh.exec(`CREATE TABLE ${table}_json AS ${table}`);
    const src = (i: number) => ({ topic: 't', partition: 0, offset: String(i) });
    await t.wh.insert(`${table}_json`, events.map((e, i) => n.row(family, e as never, src(i))));
    const tsv = events.map((e, i) => `${n.tsv(family, e as never, src(i))}\n`).join('');
    await t.wh.insertTsv(table, n.columns(family), Buffer.from(tsv));
    const q = (tb: string) => t.wh.query(`SELECT * EXCEPT _ingested_at FROM ${tb} ORDER BY event_id`);
    const [a, b] = [await q(`${table}_json`), await q(table)];
    expect(b).toHaveLength(events.length);
    expect(b).toEqual(a);
  });
});
