import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import type { Warehouse } from '../../sinks/warehouse/index.js';
import { compensation, envelope, fx, incident, journey, linesOf, refund, slo, type CliRun } from './support.js';

// `slo-pipeline ingest` as the upstream teams use it: JSON Lines envelopes in the contract's
// plain-JSON form, through the built binary. The warehouse is opened here only after the
// last command of this file, since chdb binds one data folder per process.
const dir = mkdtempSync(join(tmpdir(), 'acc-ingest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'data');
const KEY = 'acceptance-pii-key-0123456789abcdef';
const ENV = { SLO_PII_HMAC_KEY: KEY };
const T = Date.UTC(2026, 2, 10, 8, 0, 0, 123);
const USERS = ['USR-ACC-PRIVACY-1', 'USR-ACC-PRIVACY-2', 'USR-ACC-PRIVACY-3'];

const lines = [
  // Journey: unions not wrapped (enum, long, string), absent optionals null, with and without a key.
  envelope('tjm.journey.v1', 'J-1', journey({ event_id: 'j-pre', event_type: 'PREFLIGHT_CHECKED', occurred_at: T, journey_instance_id: 'J-1', preflight_status: 'DEGRADED', preflight_reason: 'SAFETY_RISK', user_id: USERS[0] })),
  envelope('tjm.journey.v1', undefined, journey({ event_id: 'j-start', event_type: 'JOURNEY_STARTED', occurred_at: T + 1, journey_instance_id: 'J-1', order_id: 'O-1', order_value_minor: 4200, currency: 'EUR', user_id: USERS[0] })),
  envelope('tjm.journey.v1', 'J-1', journey({ event_id: 'j-fail', event_type: 'JOURNEY_FAILED', occurred_at: T + 2, journey_instance_id: 'J-1', duration_ms: 1234, error_code: 'VENDOR_NO_SHOW', route_id: 'ROUTE-1', vendor_id: 'VEN-1', user_id: USERS[0] })),
  envelope('lem.signals.v1', 'ROUTE-1', { event_id: 'l-1', event_type: 'SAFETY_DEGRADED', occurred_at: T, city_code: 'VIE', scope: 'ROUTE', scope_id: 'ROUTE-1', metric: 'SAFETY_SCORE', current_score: 0.25, previous_score: 0.75, threshold: null, risk_tags: ['night', 'construction'] }),
  envelope('ops.incidents.v1', 'INC-1', incident({ event_id: 'i-1', event_type: 'OPENED', occurred_at: T, incident_id: 'INC-1', journey_instance_ids: ['J-1'] })),
  envelope('trutta.compensations.v1', 'INC-1', compensation({ event_id: 'c-1', event_type: 'ISSUED', occurred_at: T, incident_id: 'INC-1', amount_minor: 500, currency: 'EUR', user_id: USERS[1] })),
  envelope('billing.refunds.v1', 'O-1', refund({ event_id: 'r-1', event_type: 'SUCCEEDED', occurred_at: T, order_id: 'O-1', amount_minor: 700, currency: 'EUR', user_id: USERS[2], psp: 'adyen' })),
  envelope('finance.fx.v1', 'USD', fx('fx-1', 'USD', T, 0.92)),
  // The same event again: one event.
  envelope('billing.refunds.v1', 'O-1', refund({ event_id: 'r-1', event_type: 'SUCCEEDED', occurred_at: T, order_id: 'O-1', amount_minor: 700, currency: 'EUR', user_id: USERS[2], psp: 'adyen' })),
  // Bad lines and records: each dead-lettered, the rest goes on.
  '{"topic": "tjm.journey.v1", "value": ',
  envelope('no.such.topic.v1', undefined, { event_id: 'x' }),
  envelope('trutta.compensations.v1', 'INC-1', compensation({ event_id: 'c-neg', event_type: 'ISSUED', occurred_at: T, incident_id: 'INC-1', amount_minor: -1, currency: 'EUR', user_id: USERS[1] })),
  envelope('tjm.journey.v1', 'J-2', journey({ event_id: 'j-bad-type', event_type: 'JOURNEY_TELEPORTED', occurred_at: T, journey_instance_id: 'J-2' })),
  '',
];

let first: CliRun;
const runs: Record<string, CliRun> = {};

beforeAll(async () => {
  writeFileSync(join(dir, 'events.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'all-bad.jsonl'), 'nope\n{"topic":"finance.fx.v1","value":{"event_id":"f","event_type":"RATE","occurred_at":"2026-03-10T08:00:00Z","currency":"USD","rate_to_reporting":0.9}}\n');
  mkdirSync(join(dir, 'a-folder'));
  first = await slo(['ingest', join(dir, 'events.jsonl'), '--json', '--data', data], ENV);
  runs['allBad'] = await slo(['ingest', join(dir, 'all-bad.jsonl'), '--json', '--data', data], ENV);
  runs['missing'] = await slo(['ingest', join(dir, 'events.jsonl'), join(dir, 'missing.jsonl'), '--json', '--data', data], ENV);
  runs['folder'] = await slo(['ingest', join(dir, 'a-folder'), '--json', '--data', data], ENV);
});

describe('slo-pipeline ingest FILE... --json (built binary)', () => {
  it('prints exactly {"read": N, "dead_lettered": N} and exits 0 when lines or records are bad', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(linesOf(first.stdout)).toHaveLength(1);
    // 13 non-empty lines; 4 dead-lettered (unparsable, unknown topic, negative amount, unknown event type).
    expect(JSON.parse(first.stdout)).toStrictEqual({ read: 13, dead_lettered: 4 });
  });

  it('a file with only bad lines still exits 0 (occurred_at as an ISO string is not the contract form)', () => {
    expect(runs['allBad']?.code).toBe(0);
    expect(JSON.parse(runs['allBad']?.stdout ?? '')).toStrictEqual({ read: 2, dead_lettered: 2 });
  });

  it('exits non-zero with a one-line reason when a file cannot be read', () => {
    for (const r of [runs['missing'], runs['folder']]) {
      expect(r?.code).not.toBe(0);
      expect(r?.stdout).toBe('');
      expect(linesOf(r?.stderr ?? '')).toHaveLength(1);
    }
    expect(runs['missing']?.stderr).toContain('missing.jsonl');
  });
});

describe('what the ingest left in the warehouse', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await ChdbWarehouse.open({ dataDir: data, database: 'slo' });
  });
  afterAll(async () => {
    await wh.close();
  });

  it('every input topic landed, duplicates once, plain-JSON unions and epoch-ms times read as the values they are', async () => {
    const count = async (view: string): Promise<number> => Number((await wh.query<{ n: string }>(`SELECT count() AS n FROM ${view}`))[0]?.n);
    expect({
      journey: await count('journey_events_v'),
      lem: await count('lem_signals_v'),
      incident: await count('incident_events_v'),
      compensation: await count('compensation_events_v'),
      refund: await count('refund_events_v'),
      fx: await count('fx_rates_v'),
    }).toEqual({ journey: 3, lem: 1, incident: 1, compensation: 1, refund: 1, fx: 1 });
    const j = await wh.query<Record<string, unknown>>(
      `SELECT event_id, toUnixTimestamp64Milli(occurred_at) AS at, preflight_status, preflight_reason, duration_ms, error_code, order_value_minor, route_id
       FROM journey_events_v ORDER BY event_id`,
    );
    expect(j.map((r) => [r['event_id'], Number(r['at']), r['preflight_status'], r['preflight_reason'], r['duration_ms'] === null ? null : Number(r['duration_ms']), r['error_code'], r['order_value_minor'] === null ? null : Number(r['order_value_minor']), r['route_id']])).toEqual([
      ['j-fail', T + 2, null, null, 1234, 'VENDOR_NO_SHOW', null, 'ROUTE-1'],
      ['j-pre', T, 'DEGRADED', 'SAFETY_RISK', null, null, null, null],
      ['j-start', T + 1, null, null, null, null, 4200, null],
    ]);
    const l = await wh.query<Record<string, unknown>>('SELECT current_score, previous_score, threshold, risk_tags FROM lem_signals_v');
    expect(l).toEqual([{ current_score: 0.25, previous_score: 0.75, threshold: null, risk_tags: ['night', 'construction'] }]);
  });

  it('each bad line or record is dead-lettered with a machine-readable reason and its content', async () => {
    const rows = await wh.query<{ source_topic: string; reason_code: string; field: string | null; payload_base64: string }>(
      'SELECT source_topic, reason_code, field, payload_base64 FROM dead_letters FINAL',
    );
    const seen = rows.map((r) => `${r.source_topic.endsWith('.jsonl') ? 'file' : r.source_topic} ${r.reason_code} ${r.field ?? '-'}`).sort();
    expect(seen).toEqual([
      'file NOT_JSON -', // events.jsonl line 10
      'file NOT_JSON -', // all-bad.jsonl line 1
      'finance.fx.v1 SCHEMA_MISMATCH occurred_at',
      'no.such.topic.v1 UNKNOWN_TOPIC -',
      'tjm.journey.v1 SCHEMA_MISMATCH event_type',
      'trutta.compensations.v1 NEGATIVE_AMOUNT amount_minor',
    ]);
    const payloads = rows.map((r) => Buffer.from(r.payload_base64, 'base64').toString('utf8'));
    // Lines that cannot be decoded are not copied (personal data could hide in them): they
    // are identified by SHA-256 and named by file:line in the reason. Decodable ones keep
    // their content, personal data hashed.
    const full = await wh.query<{ payload_format: string; payload_sha256: string }>('SELECT payload_format, payload_sha256 FROM dead_letters FINAL');
    const sha = (x: string): string => createHash('sha256').update(x).digest('hex');
    expect(full.filter((r) => r.payload_format === 'omitted').map((r) => r.payload_sha256)).toContain(sha('{"topic": "tjm.journey.v1", "value": '));
    expect(payloads.map((p) => (p.startsWith('{') ? (JSON.parse(p) as Record<string, unknown>)['topic'] : undefined))).toContain('no.such.topic.v1');
    const parsed = (p: string): Record<string, unknown> => {
      try {
        return JSON.parse(p) as Record<string, unknown>;
      } catch {
        return {};
      }
    };
    const negative = payloads.map(parsed).find((v) => v['event_id'] === 'c-neg');
    expect(negative?.['amount_minor']).toBe(-1);
  });

  it('privacy: no clear user_id in any String, Array or Map column of any table; a keyed hash joins across tables', async () => {
    const cols = await wh.query<{ table: string; name: string; type: string }>(
      `SELECT c.table AS table, c.name AS name, c.type AS type FROM system.columns AS c
       INNER JOIN system.tables AS t ON t.database = c.database AND t.name = c.table
       WHERE c.database = 'slo' AND t.engine NOT IN ('View', 'MaterializedView')
         AND (c.type LIKE '%String%' OR c.type LIKE 'Array%' OR c.type LIKE 'Map%') AND c.type NOT LIKE 'AggregateFunction%'`,
    );
    expect(cols.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const c of cols) {
      const hits = await wh.query<{ n: string }>(
        `SELECT count() AS n FROM \`${c.table}\` WHERE multiSearchAny(toString(\`${c.name}\`), {users:Array(String)})`,
        { users: USERS },
      );
      if (Number(hits[0]?.n) > 0) found.push(`${c.table}.${c.name}`);
    }
    expect(found).toEqual([]);

    const hash = (u: string): string => createHmac('sha256', KEY).update(u).digest('hex');
    const hashes = await wh.query<{ t: string; h: string }>(
      `SELECT 'journey' AS t, user_hash AS h FROM journey_events_v WHERE user_hash IS NOT NULL
       UNION ALL SELECT 'compensation', user_hash FROM compensation_events_v WHERE user_hash IS NOT NULL
       UNION ALL SELECT 'refund', user_hash FROM refund_events_v WHERE user_hash IS NOT NULL`,
    );
    expect(new Set(hashes.filter((r) => r.t === 'journey').map((r) => r.h))).toEqual(new Set([hash(USERS[0] ?? '')]));
    expect(hashes.find((r) => r.t === 'compensation')?.h).toBe(hash(USERS[1] ?? ''));
    expect(hashes.find((r) => r.t === 'refund')?.h).toBe(hash(USERS[2] ?? ''));
    // Not an unkeyed digest that anyone could recompute from a guessed id.
    expect(hashes.map((r) => r.h)).not.toContain(createHash('sha256').update(USERS[0] ?? '').digest('hex'));
  });

  it('privacy: the clear user_id is in no file of the warehouse folder either (bytes on disk)', () => {
    // The warehouse is open in this process, so a background merge may remove a part while
    // the folder is read. A file gone between listing and reading means its rows moved to a
    // new part: read the whole folder again, until one pass read every file it listed.
    const pass = (): { holding: string[]; vanished: number } => {
      const holding: string[] = [];
      let vanished = 0;
      const gone = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT';
      const walk = (d: string): void => {
        let entries: string[];
        try { entries = readdirSync(d); } catch (e) { if (gone(e)) { vanished += 1; return; } throw e; }
        for (const e of entries) {
          const p = join(d, e);
          try {
            if (statSync(p).isDirectory()) walk(p);
            else if (USERS.some((u) => readFileSync(p).includes(u))) holding.push(p);
          } catch (err) {
            if (!gone(err)) throw err;
            vanished += 1;
          }
        }
      };
      walk(data);
      return { holding, vanished };
    };
    let result = pass();
    for (let i = 0; i < 20 && result.vanished > 0; i += 1) result = pass();
    expect(result.vanished).toBe(0);
    expect(result.holding).toEqual([]);
  });
});
