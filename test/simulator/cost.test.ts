import { describe, expect, it } from 'vitest';
import type { CompensationEvent, RefundEvent } from '../../processors/contracts/events.js';
import { convertMinor, expectedPnl, formatMinor, FxTable, incidentCost, type GroundTruth, type IncidentTruth, type ListedJourney } from '../../processors/simulator/index.js';
import { decimalOf, divHalfEven } from '../../processors/simulator/money.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 30); // 2026-11-30T00:00Z: a month boundary falls a day later
const INC = 'OPS-INC-T';

const fx = new FxTable([
  { currency: 'CZK', occurred_at: T0, rate_to_reporting: 0.03985 },
  { currency: 'CZK', occurred_at: T0 + 12 * H, rate_to_reporting: 0.03981 },
  { currency: 'JPY', occurred_at: T0, rate_to_reporting: 0.00615 },
  { currency: 'HUF', occurred_at: T0 + 24 * H, rate_to_reporting: 0.002545 },
]);

const journey = (id: string, order: [string, number, string] | null, final: ListedJourney['final_event_type'], at: number): ListedJourney => ({
  journey_instance_id: id,
  order_id: order?.[0] ?? null,
  order_value_minor: order?.[1] ?? null,
  currency: order?.[2] ?? null,
  final_event_type: final,
  final_event_id: `E-${id}`,
  final_at: at,
});

const comp = (id: string, type: CompensationEvent['event_type'], amount: number, currency: string, at: number, incident = INC): CompensationEvent => ({
  event_id: `E-${id}-${type}`,
  event_type: type,
  occurred_at: at,
  compensation_id: id,
  incident_id: incident,
  user_id: null,
  compensation_profile_id: null,
  reason_code: null,
  channel: 'TRUTTA_TOKEN',
  amount_minor: amount,
  currency,
});

const refund = (id: string, type: RefundEvent['event_type'], order: string, amount: number, currency: string, at: number, incident: string | null): RefundEvent => ({
  event_id: `E-${id}-${type}`,
  event_type: type,
  occurred_at: at,
  refund_id: id,
  order_id: order,
  incident_id: incident,
  compensation_id: null,
  user_id: null,
  psp: null,
  failure_reason: null,
  amount_minor: amount,
  currency,
});

// Hand-computed (cents):
//  C1 ISSUED 12.50 EUR; C2 ISSUED 25000 CZK at 0.03985 = 996.25 -> 996, REVOKED at 0.03981 = 995.25 -> 995
//    compensation_cost = 1250 + 996 - 995 = 1251; C1 REDEEMED (December) 1250; C3 PROPOSED and C4 (other incident) count nothing.
//  R1 500 EUR on J1's order (no incident_id, December); R3 10000 CZK by incident_id, exactly at the midday rate: 398.1 -> 398;
//    R4 1100 EUR on J4's order, linked both ways, counted once; R5 FAILED, R6 unrelated order, R7 other incident: nothing.
//    refund_cost = 500 + 398 + 1100 = 1998
//  lost: J1 2000 - 500 = 1500; J2 1500 JPY = 922.5 -> 922 (tie, to even); J7 4500 JPY = 2767.5 -> 2768 (tie, to even);
//    J4 1000 - 1100 -> 0 (no money event); J3 completed; J5 has no order; J6 450000 HUF has no rate yet -> unconverted.
//    lost_revenue = 1500 + 922 + 2768 = 5190; total = 1251 + 1998 + 5190 = 8439
const cost = incidentCost({
  incident_id: INC,
  fx,
  journeys: [
    journey('J1', ['O1', 2000, 'EUR'], 'JOURNEY_FAILED', T0 + 10 * H),
    journey('J2', ['O2', 1500, 'JPY'], 'JOURNEY_ABANDONED', T0 + 3 * H),
    journey('J3', ['O3', 45000, 'CZK'], 'JOURNEY_COMPLETED', T0 + 2 * H),
    journey('J4', ['O4', 1000, 'EUR'], 'JOURNEY_FAILED', T0 + 5 * H),
    journey('J5', null, 'JOURNEY_ABANDONED', T0 + 5 * H),
    journey('J6', ['O6', 450000, 'HUF'], 'JOURNEY_FAILED', T0 + 6 * H),
    journey('J7', ['O7', 4500, 'JPY'], 'JOURNEY_ABANDONED', T0 + 4 * H),
  ],
  compensations: [
    comp('C1', 'PROPOSED', 1250, 'EUR', T0 + 7 * H),
    comp('C1', 'ISSUED', 1250, 'EUR', T0 + 8 * H),
    comp('C1', 'REDEEMED', 1250, 'EUR', T0 + 30 * H),
    comp('C2', 'ISSUED', 25000, 'CZK', T0 + 9 * H),
    comp('C2', 'REVOKED', 25000, 'CZK', T0 + 13 * H),
    comp('C3', 'PROPOSED', 500, 'EUR', T0 + 9 * H),
    comp('C4', 'ISSUED', 999, 'EUR', T0 + 9 * H, 'OPS-INC-OTHER'),
  ],
  refunds: [
    refund('R1', 'REQUESTED', 'O1', 500, 'EUR', T0 + 25 * H, null),
    refund('R1', 'SUCCEEDED', 'O1', 500, 'EUR', T0 + 26 * H, null),
    refund('R3', 'SUCCEEDED', 'O3', 10000, 'CZK', T0 + 12 * H, INC),
    refund('R4', 'SUCCEEDED', 'O4', 1100, 'EUR', T0 + 20 * H, INC),
    refund('R5', 'FAILED', 'O1', 700, 'EUR', T0 + 21 * H, null),
    refund('R6', 'SUCCEEDED', 'O99', 800, 'EUR', T0 + 21 * H, null),
    refund('R7', 'SUCCEEDED', 'O98', 900, 'EUR', T0 + 21 * H, 'OPS-INC-OTHER'),
  ],
});

describe('incident cost on a handcrafted scenario', () => {
  it('matches the hand-computed reporting figures', () => {
    expect(cost.reporting).toEqual({ compensation_cost: 1251, compensation_redeemed: 1250, refund_cost: 1998, lost_revenue: 5190, total_cost: 8439, unconverted: 1 });
  });

  it('keeps original-currency figures, unconverted amounts included', () => {
    expect(cost.original).toEqual({
      CZK: { compensation_cost: 0, compensation_redeemed: 0, refund_cost: 10000, lost_revenue: 0, total_cost: 10000 },
      EUR: { compensation_cost: 1250, compensation_redeemed: 1250, refund_cost: 1600, lost_revenue: 1500, total_cost: 4350 },
      HUF: { compensation_cost: 0, compensation_redeemed: 0, refund_cost: 0, lost_revenue: 450000, total_cost: 450000 },
      JPY: { compensation_cost: 0, compensation_redeemed: 0, refund_cost: 0, lost_revenue: 6000, total_cost: 6000 },
    });
  });

  it('splits by the month of each money event', () => {
    expect(cost.by_month).toEqual({
      '2026-11': { compensation_cost: 1251, compensation_redeemed: 0, refund_cost: 1498, lost_revenue: 5190, total_cost: 7939, unconverted: 1 },
      '2026-12': { compensation_cost: 0, compensation_redeemed: 1250, refund_cost: 500, lost_revenue: 0, total_cost: 500, unconverted: 0 },
    });
  });

  it('keeps each money event with its rate for audit', () => {
    const r3 = cost.money.find((m) => m.ref === 'R3');
    expect(r3).toMatchObject({ kind: 'refund', rate: 0.03981, amount_minor: 10000, converted_minor: 398 });
    expect(cost.money.find((m) => m.ref === 'O6')).toMatchObject({ kind: 'lost_revenue', rate: null, converted_minor: null, amount_minor: 450000 });
    expect(cost.money.find((m) => m.ref === 'O4')).toBeUndefined();
    expect(cost.money.filter((m) => m.ref === 'R4')).toHaveLength(1);
  });

  it('aggregates into expected P&L rows with decimal strings', () => {
    const inc = { incident_id: INC, money: cost.money, product_version_id: 'PRDV-X', vendor_id: null } as unknown as IncidentTruth;
    const truth = { incidents: [inc] } as unknown as GroundTruth;
    expect(expectedPnl(truth, ['month'])).toEqual([
      { month: '2026-11', compensation_cost: '12.51', compensation_redeemed: '0.00', refund_cost: '14.98', lost_revenue: '51.90', total_cost: '79.39', incidents: 1, unconverted: 1 },
      { month: '2026-12', compensation_cost: '0.00', compensation_redeemed: '12.50', refund_cost: '5.00', lost_revenue: '0.00', total_cost: '5.00', incidents: 1, unconverted: 0 },
    ]);
    expect(expectedPnl(truth, ['product_version_id', 'vendor_id'])[0]).toMatchObject({ product_version_id: 'PRDV-X', vendor_id: null, total_cost: '84.39', incidents: 1 });
    expect(expectedPnl(truth, [], { from: T0 + 24 * H })).toEqual([
      { compensation_cost: '0.00', compensation_redeemed: '12.50', refund_cost: '5.00', lost_revenue: '0.00', total_cost: '5.00', incidents: 1, unconverted: 0 },
    ]);
    expect(expectedPnl(truth, [], { from: T0 + 48 * H })).toEqual([
      { compensation_cost: '0.00', compensation_redeemed: '0.00', refund_cost: '0.00', lost_revenue: '0.00', total_cost: '0.00', incidents: 0, unconverted: 0 },
    ]);
  });
});

describe('exact money helpers', () => {
  it.each([
    [0.00615, 615n, 5],
    [1, 1n, 0],
    [1.1432, 11432n, 4],
    [1e-7, 1n, 7],
    [2.5e-8, 25n, 9],
  ])('reads rate %s as its decimal text', (rate, digits, scale) => {
    expect(decimalOf(rate)).toEqual({ digits, scale });
  });

  it.each([
    [5n, 2n, 2n],
    [7n, 2n, 4n],
    [9n, 4n, 2n],
    [11n, 4n, 3n],
    [0n, 3n, 0n],
  ])('rounds %s/%s half-to-even to %s', (num, den, want) => {
    expect(divHalfEven(num, den)).toBe(want);
  });

  it('respects minor units: JPY has none, EUR converts at 1', () => {
    expect(convertMinor(1300, 'JPY', 0.00615)).toBe(800); // 799.5 -> 800
    expect(convertMinor(1500, 'JPY', 0.00615)).toBe(922); // 922.5 -> 922
    expect(convertMinor(12345, 'EUR', 1)).toBe(12345);
    expect(convertMinor(1, 'CZK', 0.03985)).toBe(0);
  });

  it('formats minor units as decimal strings', () => {
    expect([formatMinor(0), formatMinor(5), formatMinor(-5), formatMinor(123456), formatMinor(7, 0)]).toEqual(['0.00', '0.05', '-0.05', '1234.56', '7']);
  });
});
