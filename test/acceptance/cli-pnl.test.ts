import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compensation, envelope, fx, incident, journey, linesOf, refund, slo } from './support.js';

// Incident P&L as finance reads it, on a world small enough to cost by hand (reporting
// currency EUR). Every figure below is worked out in the comments next to the events.
const dir = mkdtempSync(join(tmpdir(), 'acc-pnl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'data');
const KEY = { SLO_PII_HMAC_KEY: 'acceptance-pii-key-0123456789abcdef' };
const t = (iso: string): number => Date.parse(iso);

const INC1 = { incident_id: 'INC-1', severity: 'SEV2', fault: 'VENDOR', reason_code: 'VENDOR_NO_SHOW', product_version_id: 'PRDV-A', market_code: 'AT', city_code: 'VIE', vendor_id: 'VEN-1', route_id: 'ROUTE-1' };
const INC2 = { incident_id: 'INC-2', severity: 'SEV3', fault: 'PLATFORM', reason_code: 'PLATFORM_BUG', product_version_id: 'PRDV-B', market_code: 'CZ', city_code: 'PRG' };

const money = [
  // Refunds before anything they link to (arrival order must not matter).
  refund({ event_id: 'rf1', event_type: 'SUCCEEDED', occurred_at: t('2026-03-05T14:00:00Z'), order_id: 'O1', incident_id: 'INC-1', amount_minor: 1500, currency: 'EUR' }), // 15.00, linked twice, counted once
  refund({ event_id: 'rf1', event_type: 'SUCCEEDED', occurred_at: t('2026-03-05T14:00:00Z'), order_id: 'O1', incident_id: 'INC-1', amount_minor: 1500, currency: 'EUR' }), // the same event again
  refund({ event_id: 'rf2', event_type: 'SUCCEEDED', occurred_at: t('2026-03-05T15:00:00Z'), order_id: 'O2', amount_minor: 3500, currency: 'USD' }), // via J2's order: 35.00 USD * 0.9 = 31.50
  refund({ event_id: 'rf3a', refund_id: 'RF3', event_type: 'REQUESTED', occurred_at: t('2026-03-05T16:00:00Z'), order_id: 'O3', incident_id: 'INC-1', amount_minor: 100, currency: 'EUR' }),
  refund({ event_id: 'rf3b', refund_id: 'RF3', event_type: 'FAILED', occurred_at: t('2026-03-05T16:05:00Z'), order_id: 'O3', incident_id: 'INC-1', amount_minor: 100, currency: 'EUR' }), // no cost
  refund({ event_id: 'rf4', event_type: 'SUCCEEDED', occurred_at: t('2026-03-05T16:00:00Z'), order_id: 'O4', amount_minor: 800, currency: 'EUR' }), // J4 is not in the incident
  refund({ event_id: 'rf5', event_type: 'SUCCEEDED', occurred_at: t('2026-04-03T10:00:00Z'), order_id: 'O-X', incident_id: 'INC-2', amount_minor: 250, currency: 'EUR' }), // 2.50
  compensation({ event_id: 'c1i', compensation_id: 'C1', event_type: 'ISSUED', occurred_at: t('2026-03-05T13:00:00Z'), incident_id: 'INC-1', amount_minor: 2000, currency: 'EUR' }), // +20.00
  compensation({ event_id: 'c1v', compensation_id: 'C1', event_type: 'REVOKED', occurred_at: t('2026-04-01T09:00:00Z'), incident_id: 'INC-1', amount_minor: 500, currency: 'EUR' }), // -5.00, in April
  compensation({ event_id: 'c1r', compensation_id: 'C1', event_type: 'REDEEMED', occurred_at: t('2026-03-07T09:00:00Z'), incident_id: 'INC-1', amount_minor: 2000, currency: 'EUR' }), // no cost
  compensation({ event_id: 'c2', event_type: 'ISSUED', occurred_at: t('2026-03-05T11:59:59.999Z'), incident_id: 'INC-1', amount_minor: 5, currency: 'USD' }), // 5 * 0.5 = 2.5 -> 2 (half to even)
  compensation({ event_id: 'c3', event_type: 'ISSUED', occurred_at: t('2026-03-05T12:00:00Z'), incident_id: 'INC-1', amount_minor: 7, currency: 'USD' }), // rate 0.9 from this instant: 6.3 -> 6
  compensation({ event_id: 'c4', event_type: 'ISSUED', occurred_at: t('2026-03-05T11:00:00Z'), incident_id: 'INC-1', amount_minor: 1, currency: 'USD' }), // 0.5 -> 0 (half to even; a sum first would give 3)
  compensation({ event_id: 'c5', event_type: 'PROPOSED', occurred_at: t('2026-03-05T10:00:00Z'), incident_id: 'INC-1', amount_minor: 9999, currency: 'EUR' }), // no cost
  compensation({ event_id: 'c7', event_type: 'ISSUED', occurred_at: t('2026-03-05T14:00:00Z'), incident_id: 'INC-1', amount_minor: 1000, currency: 'GBP' }), // no GBP rate: unconverted
  compensation({ event_id: 'c8', event_type: 'ISSUED', occurred_at: t('2026-03-06T10:00:00Z'), incident_id: 'INC-1', amount_minor: 500, currency: 'JPY' }), // JPY rate only from 03-10: unconverted
  compensation({ event_id: 'c9', event_type: 'ISSUED', occurred_at: t('2026-04-02T09:00:00Z'), incident_id: 'INC-2', amount_minor: 1000, currency: 'EUR' }), // 10.00
  // Minor units follow ISO 4217: JPY has none (500 yen * 0.0061 = 3.05), BHD three (1.500 BHD * 2.5 = 3.75).
  compensation({ event_id: 'c10', event_type: 'ISSUED', occurred_at: t('2026-04-02T10:00:00Z'), incident_id: 'INC-2', amount_minor: 500, currency: 'JPY' }),
  compensation({ event_id: 'c11', event_type: 'ISSUED', occurred_at: t('2026-04-02T11:00:00Z'), incident_id: 'INC-2', amount_minor: 1500, currency: 'BHD' }),
];
const incidents = [
  // The later update arrives first; it wins (SEV1, four journeys).
  incident({ ...INC1, event_id: 'i1u', event_type: 'UPDATED', occurred_at: t('2026-03-06T09:00:00Z'), severity: 'SEV1', journey_instance_ids: ['J1', 'J2', 'J3', 'J5'] }),
  incident({ ...INC1, event_id: 'i1o', event_type: 'OPENED', occurred_at: t('2026-03-05T09:00:00Z'), journey_instance_ids: ['J1'] }),
  incident({ ...INC2, event_id: 'i2o', event_type: 'OPENED', occurred_at: t('2026-04-02T08:00:00Z') }),
];
const trip = (id: string, order: string, value: number, currency: string, start: string, end: string, final: string): Array<Record<string, unknown>> => [
  journey({ event_id: `${id}-s`, event_type: 'JOURNEY_STARTED', occurred_at: t(start), journey_instance_id: id, product_version_id: 'PRDV-A', order_id: order, order_value_minor: value, currency }),
  journey({ event_id: `${id}-e`, event_type: final, occurred_at: t(end), journey_instance_id: id, product_version_id: 'PRDV-A' }),
];
const later = [
  ...trip('J1', 'O1', 5000, 'EUR', '2026-03-05T10:00:00Z', '2026-03-05T10:30:00Z', 'JOURNEY_FAILED'), // lost 50.00 - 15.00 refunded = 35.00
  ...trip('J2', 'O2', 3000, 'USD', '2026-03-05T10:05:00Z', '2026-03-05T11:00:00Z', 'JOURNEY_ABANDONED'), // 30.00 - 35.00 refunded: 0, not negative
  ...trip('J3', 'O3', 4000, 'EUR', '2026-03-05T10:10:00Z', '2026-03-05T11:10:00Z', 'JOURNEY_COMPLETED'), // not lost
  ...trip('J4', 'O4', 9999, 'EUR', '2026-03-05T10:15:00Z', '2026-03-05T11:15:00Z', 'JOURNEY_FAILED'), // not in the incident
  ...trip('J5', 'O5', 10000, 'USD', '2026-03-05T11:00:00Z', '2026-03-05T12:30:00Z', 'JOURNEY_FAILED'), // at its final event's rate 0.9: 90.00
];
const rates = [
  fx('fx-usd-1', 'USD', t('2026-03-01T00:00:00Z'), 0.5),
  fx('fx-usd-2', 'USD', t('2026-03-05T12:00:00Z'), 0.9),
  fx('fx-usd-3', 'USD', t('2026-03-20T00:00:00Z'), 2.0), // after every USD amount: never used
  fx('fx-jpy-1', 'JPY', t('2026-03-10T00:00:00Z'), 0.0061),
  fx('fx-bhd-1', 'BHD', t('2026-04-01T00:00:00Z'), 2.5),
];

const file = (name: string, lines: string[]): string => {
  const p = join(dir, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
};
const topicOf = (v: Record<string, unknown>): string =>
  'refund_id' in v ? 'billing.refunds.v1' : 'compensation_id' in v ? 'trutta.compensations.v1' : 'journey_instance_ids' in v ? 'ops.incidents.v1' : 'rate_to_reporting' in v ? 'finance.fx.v1' : 'tjm.journey.v1';

type Row = Record<string, string | number | null>;
const out: Record<string, Row[]> = {};

async function pnl(name: string, args: string[]): Promise<void> {
  const r = await slo(['pnl', ...args, '--json', '--data', data]);
  expect(r.stderr, name).toBe('');
  expect(r.code, name).toBe(0);
  expect(linesOf(r.stdout), name).toHaveLength(1);
  out[name] = JSON.parse(r.stdout) as Row[];
}

beforeAll(async () => {
  const first = file('money-first.jsonl', [...money, ...incidents].map((v) => envelope(topicOf(v), undefined, v)));
  const second = file('journeys-and-rates.jsonl', [...later, ...rates].map((v) => envelope(topicOf(v), undefined, v)));
  let r = await slo(['ingest', first, '--json', '--data', data], KEY);
  expect(JSON.parse(r.stdout)).toEqual({ read: money.length + incidents.length, dead_lettered: 0 });
  await pnl('before journeys and rates', []); // costs computed once on partial data, then corrected
  r = await slo(['ingest', second, '--json', '--data', data], KEY);
  expect(JSON.parse(r.stdout)).toEqual({ read: later.length + rates.length, dead_lettered: 0 });
  await pnl('total', []);
  await pnl('month', ['--by', 'month']);
  await pnl('fault', ['--by', 'fault']);
  await pnl('severity,city_code', ['--by', 'severity,city_code']);
  await pnl('april', ['--from', '2026-04-01', '--to', '2026-04-30']);
  await pnl('to 03-05', ['--from', '2026-03-01', '--to', '2026-03-05']);
});

/** The contract's measures, and the reporting currency every row names. */
const MEASURES = ['compensation_cost', 'refund_cost', 'lost_revenue', 'total_cost', 'incidents', 'unconverted', 'currency'];
/** Rows without the extra `compensation_redeemed`, in dimension order (the contract fixes no row order). */
const measures = (rows: Row[] | undefined): Row[] =>
  (rows ?? [])
    .map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'compensation_redeemed')))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const money4 = (c: string, rf: string, lost: string, total: string, incidentsN: number, unconverted: number): Row => ({
  compensation_cost: c, refund_cost: rf, lost_revenue: lost, total_cost: total, incidents: incidentsN, unconverted, currency: 'EUR',
});

describe('slo-pipeline pnl --json (built binary), costed by hand', () => {
  it('rows carry the --by dimensions and the contract measures, money as 2-place decimal strings', () => {
    for (const [name, rows] of Object.entries(out)) {
      for (const row of rows) {
        const dims = name === 'month' ? ['month'] : name === 'fault' ? ['fault'] : name === 'severity,city_code' ? ['severity', 'city_code'] : [];
        expect(Object.keys(row).filter((k) => k !== 'compensation_redeemed').sort(), name).toEqual([...dims, ...MEASURES].sort());
        for (const m of ['compensation_cost', 'refund_cost', 'lost_revenue', 'total_cost']) expect(row[m], `${name} ${m}`).toMatch(/^-?\d+\.\d{2}$/);
        expect(Number.isInteger(row['incidents'])).toBe(true);
        expect(Number.isInteger(row['unconverted'])).toBe(true);
      }
    }
  });

  it('total: ISSUED - REVOKED, refunds once (direct or by order), lost revenue netted and floored, per-event half-to-even FX', () => {
    // compensation 20.00 - 5.00 + 0.02 + 0.06 + 0.00 + 10.00 + 3.05 + 3.75 = 31.88; refunds 15.00 + 31.50 + 2.50 = 49.00;
    // lost 35.00 + 0.00 + 90.00 = 125.00; GBP and the JPY before its first rate are unconverted.
    expect(measures(out['total'])).toEqual([money4('31.88', '49.00', '125.00', '205.88', 2, 2)]);
  });

  it('--by month: each money event in the month of its own occurred_at (the revocation lands in April)', () => {
    expect(measures(out['month'])).toEqual([
      { month: '2026-03', ...money4('20.08', '46.50', '125.00', '191.58', 1, 2) },
      { month: '2026-04', ...money4('11.80', '2.50', '0.00', '14.30', 2, 0) },
    ]);
    expect(out['month']?.find((r) => r['month'] === '2026-03')?.['compensation_redeemed']).toBe('20.00');
  });

  it('--by fault and --by severity,city_code: the dimensions of the incident\'s latest event', () => {
    expect(measures(out['fault'])).toEqual([
      { fault: 'PLATFORM', ...money4('16.80', '2.50', '0.00', '19.30', 1, 0) },
      { fault: 'VENDOR', ...money4('15.08', '46.50', '125.00', '186.58', 1, 2) },
    ]);
    expect(measures(out['severity,city_code'])).toEqual([
      { severity: 'SEV1', city_code: 'VIE', ...money4('15.08', '46.50', '125.00', '186.58', 1, 2) },
      { severity: 'SEV3', city_code: 'PRG', ...money4('16.80', '2.50', '0.00', '19.30', 1, 0) },
    ]);
  });

  it('--from/--to are inclusive UTC days over the money events\' occurred_at', () => {
    expect(measures(out['april'])).toEqual([money4('11.80', '2.50', '0.00', '14.30', 2, 0)]);
    expect(measures(out['to 03-05'])).toEqual([money4('20.08', '46.50', '125.00', '191.58', 1, 1)]);
  });
});
