import { describe, expect, it } from 'vitest';
import {
  aggregateFacts,
  computeIncidentCosts,
  formatMinor,
  totalsOf,
  type CostInputs,
  type CostOptions,
} from '../../processors/economics/index.js';
import { at, comp, fx, incident, inputs, journey, refund, shuffled } from './fixtures.js';

/** One incident's totals as decimal strings: [compensation, redeemed, refund, lost, total, unconverted]. */
function totals(i: CostInputs, incidentId = 'INC-1', o: CostOptions = {}, digits = 2): [string, string, string, string, string, number] {
  const t = totalsOf(computeIncidentCosts(i, o).filter((f) => f.incident_id === incidentId));
  const f = (x: bigint) => formatMinor(x, digits);
  return [f(t.compensation_cost), f(t.compensation_redeemed), f(t.refund_cost), f(t.lost_revenue), f(t.total_cost), t.unconverted];
}

const failedJourney = (id: string, order: string, value: number, currency = 'EUR') =>
  journey({ id, order, value, currency, final: 'JOURNEY_FAILED' });

interface Case {
  name: string;
  in: CostInputs;
  opts?: CostOptions;
  digits?: number;
  want: [string, string, string, string, string, number];
}

const cases: Case[] = [
  {
    name: 'compensation: ISSUED - REVOKED; PROPOSED ignored; REDEEMED reported apart',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1' })],
      compensations: [
        comp({ incident_id: 'INC-1', event_type: 'PROPOSED', amount_minor: 99_999 }),
        comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 1000 }),
        comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 500, compensation_id: 'CMP-2' }),
        comp({ incident_id: 'INC-1', event_type: 'REVOKED', amount_minor: 300, compensation_id: 'CMP-2' }),
        comp({ incident_id: 'INC-1', event_type: 'REDEEMED', amount_minor: 400 }),
      ],
    }),
    want: ['12.00', '4.00', '0.00', '0.00', '12.00', 0],
  },
  {
    name: 'revoked in full: compensation cost back to zero',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1' })],
      compensations: [
        comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 750 }),
        comp({ incident_id: 'INC-1', event_type: 'REVOKED', amount_minor: 750 }),
      ],
    }),
    want: ['0.00', '0.00', '0.00', '0.00', '0.00', 0],
  },
  {
    name: 'partial refunds: both count, lost revenue is the unrefunded rest',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1', journey_instance_ids: ['J1'] })],
      journeys: failedJourney('J1', 'ORD-1', 5000),
      refunds: [
        refund({ refund_id: 'RF-1', order_id: 'ORD-1', amount_minor: 1000 }),
        refund({ refund_id: 'RF-2', order_id: 'ORD-1', amount_minor: 1500 }),
      ],
    }),
    want: ['0.00', '0.00', '25.00', '25.00', '50.00', 0],
  },
  {
    name: 'failed refunds cost nothing; the order stays lost in full',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1', journey_instance_ids: ['J1'] })],
      journeys: failedJourney('J1', 'ORD-1', 5000),
      refunds: [
        refund({ refund_id: 'RF-1', order_id: 'ORD-1', amount_minor: 5000, event_type: 'REQUESTED', occurred_at: at('2024-03-03T10:00:00') }),
        refund({ refund_id: 'RF-1', order_id: 'ORD-1', amount_minor: 5000, event_type: 'FAILED', occurred_at: at('2024-03-03T10:05:00') }),
      ],
    }),
    want: ['0.00', '0.00', '0.00', '50.00', '50.00', 0],
  },
  {
    name: 'a refund that succeeded and was later reported FAILED does not count',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1' })],
      refunds: [
        refund({ refund_id: 'RF-1', order_id: 'ORD-9', incident_id: 'INC-1', amount_minor: 700, occurred_at: at('2024-03-03T10:00:00') }),
        refund({ refund_id: 'RF-1', order_id: 'ORD-9', incident_id: 'INC-1', amount_minor: 700, event_type: 'FAILED', occurred_at: at('2024-03-03T11:00:00') }),
      ],
    }),
    want: ['0.00', '0.00', '0.00', '0.00', '0.00', 0],
  },
  {
    name: 'refund linked only through the order of an affected journey',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1', journey_instance_ids: ['J1'] })],
      journeys: journey({ id: 'J1', order: 'ORD-1', value: 2000, currency: 'EUR', final: 'JOURNEY_COMPLETED' }),
      refunds: [refund({ refund_id: 'RF-1', order_id: 'ORD-1', amount_minor: 800 })],
    }),
    want: ['0.00', '0.00', '8.00', '0.00', '8.00', 0],
  },
  {
    name: 'refund linked both directly and through the order counts once',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1', journey_instance_ids: ['J1'] })],
      journeys: failedJourney('J1', 'ORD-1', 2000),
      refunds: [refund({ refund_id: 'RF-1', order_id: 'ORD-1', incident_id: 'INC-1', amount_minor: 800 })],
    }),
    want: ['0.00', '0.00', '8.00', '12.00', '20.00', 0],
  },
  {
    name: 'refund linked only directly (order of no affected journey)',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1' })],
      refunds: [refund({ refund_id: 'RF-1', order_id: 'ORD-X', incident_id: 'INC-1', amount_minor: 333 })],
    }),
    want: ['0.00', '0.00', '3.33', '0.00', '3.33', 0],
  },
  {
    name: 'refund of an unrelated order is not this incident’s',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1', journey_instance_ids: ['J1'] })],
      journeys: failedJourney('J1', 'ORD-1', 2000),
      refunds: [refund({ refund_id: 'RF-1', order_id: 'ORD-2', amount_minor: 800 })],
    }),
    want: ['0.00', '0.00', '0.00', '20.00', '20.00', 0],
  },
  {
    name: 'lost revenue never below zero: refunds above the order value',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1', journey_instance_ids: ['J1'] })],
      journeys: failedJourney('J1', 'ORD-1', 1000),
      refunds: [
        refund({ refund_id: 'RF-1', order_id: 'ORD-1', amount_minor: 1000 }),
        refund({ refund_id: 'RF-2', order_id: 'ORD-1', amount_minor: 500 }),
      ],
    }),
    want: ['0.00', '0.00', '15.00', '0.00', '15.00', 0],
  },
  {
    name: 'abandoned journeys lose revenue; completed and running ones do not',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1', journey_instance_ids: ['J1', 'J2', 'J3'] })],
      journeys: [
        ...journey({ id: 'J1', order: 'O1', value: 1100, currency: 'EUR', final: 'JOURNEY_ABANDONED' }),
        ...journey({ id: 'J2', order: 'O2', value: 2200, currency: 'EUR', final: 'JOURNEY_COMPLETED' }),
        ...journey({ id: 'J3', order: 'O3', value: 3300, currency: 'EUR' }),
      ],
    }),
    want: ['0.00', '0.00', '0.00', '11.00', '11.00', 0],
  },
  {
    name: 'missing FX rate: reported unconverted, never zeroed into a total',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1' })],
      compensations: [
        comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 1000, currency: 'USD' }),
        comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 200, currency: 'EUR' }),
      ],
    }),
    want: ['2.00', '0.00', '0.00', '0.00', '2.00', 1],
  },
  {
    name: 'a rate effective after the money is not used',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1' })],
      compensations: [comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 1000, currency: 'USD', occurred_at: at('2024-03-02T10:00:00') })],
      fx: [fx('USD', 0.9, at('2024-03-02T10:00:00.001'))],
    }),
    want: ['0.00', '0.00', '0.00', '0.00', '0.00', 1],
  },
  {
    name: 'a rate effective exactly at the money instant is the one in force',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1' })],
      compensations: [comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 1000, currency: 'USD', occurred_at: at('2024-03-02T10:00:00') })],
      fx: [fx('USD', 0.8, at('2024-03-01T00:00:00')), fx('USD', 0.9, at('2024-03-02T10:00:00')), fx('USD', 0.95, at('2024-03-03T00:00:00'))],
    }),
    want: ['9.00', '0.00', '0.00', '0.00', '9.00', 0],
  },
  {
    name: 'issued and revoked are converted each at its own rate',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1' })],
      compensations: [
        comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 1000, currency: 'USD', occurred_at: at('2024-03-02T10:00:00') }),
        comp({ incident_id: 'INC-1', event_type: 'REVOKED', amount_minor: 1000, currency: 'USD', occurred_at: at('2024-03-05T10:00:00') }),
      ],
      fx: [fx('USD', 0.9, at('2024-03-01T00:00:00')), fx('USD', 0.95, at('2024-03-04T00:00:00'))],
    }),
    want: ['-0.50', '0.00', '0.00', '0.00', '-0.50', 0],
  },
  {
    name: 'zero-decimal currency: JPY amounts rounded half-to-even into cents',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1', journey_instance_ids: ['J1'] })],
      journeys: failedJourney('J1', 'ORD-1', 125, 'JPY'), // 125 JPY * 0.0062 = 0.775 -> 0.78
      compensations: [comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 45, currency: 'JPY' })], // 0.279 -> 0.28
      fx: [fx('JPY', 0.0062, at('2024-01-01T00:00:00'))],
    }),
    want: ['0.28', '0.00', '0.00', '0.78', '1.06', 0],
  },
  {
    name: 'zero-decimal reporting currency (JPY): EUR converted into whole yen',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1' })],
      compensations: [
        comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 100 }), // 160.5 -> 160
        comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 300 }), // 481.5 -> 482
      ],
      fx: [fx('EUR', 160.5, at('2024-01-01T00:00:00'))],
    }),
    opts: { reportingCurrency: 'JPY' },
    digits: 0,
    want: ['642', '0', '0', '0', '642', 0],
  },
  {
    name: 'three-decimal reporting currency (BHD)',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1' })],
      compensations: [comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 1234 })], // 12.34 * 0.411 = 5.07174
      fx: [fx('EUR', 0.411, at('2024-01-01T00:00:00'))],
    }),
    opts: { reportingCurrency: 'BHD' },
    digits: 3,
    want: ['5.072', '0.000', '0.000', '0.000', '5.072', 0],
  },
  {
    name: 'lost revenue is dated, and converted, at the journey’s final event',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1', journey_instance_ids: ['J1'] })],
      journeys: journey({ id: 'J1', order: 'ORD-1', value: 10_000, currency: 'USD', started: at('2024-03-01T08:00:00'), final: 'JOURNEY_FAILED', finalAt: at('2024-03-04T00:00:00') }),
      fx: [fx('USD', 0.5, at('2024-03-01T00:00:00')), fx('USD', 0.9, at('2024-03-04T00:00:00'))],
    }),
    want: ['0.00', '0.00', '0.00', '90.00', '90.00', 0],
  },
  {
    name: 'refunds in another currency than the order are counted but not netted',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1', journey_instance_ids: ['J1'] })],
      journeys: failedJourney('J1', 'ORD-1', 1000),
      refunds: [refund({ refund_id: 'RF-1', order_id: 'ORD-1', amount_minor: 1000, currency: 'USD' })],
      fx: [fx('USD', 0.9, at('2024-01-01T00:00:00'))],
    }),
    want: ['0.00', '0.00', '9.00', '10.00', '19.00', 0],
  },
  {
    name: 'compensation for an incident never seen still counts (no dimensions)',
    in: inputs({ compensations: [comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 100 })] }),
    want: ['1.00', '0.00', '0.00', '0.00', '1.00', 0],
  },
  {
    name: 'unknown currency and negative amount stay visible as unconverted',
    in: inputs({
      incidents: [incident({ incident_id: 'INC-1' })],
      compensations: [
        comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 100, currency: 'XYZ' }),
        comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: -100 }),
      ],
    }),
    want: ['0.00', '0.00', '0.00', '0.00', '0.00', 2],
  },
];

describe('incident cost formulas', () => {
  it.each(cases)('$name', (c) => {
    expect(totals(c.in, 'INC-1', c.opts, c.digits)).toEqual(c.want);
  });
});

describe('incident state: the latest event wins', () => {
  it('a later UPDATED adds journeys, whose losses then count', () => {
    const i = inputs({
      incidents: [
        incident({ incident_id: 'INC-1', event_type: 'UPDATED', occurred_at: at('2024-03-01T11:00:00'), journey_instance_ids: ['J1', 'J2'] }),
        incident({ incident_id: 'INC-1', event_type: 'OPENED', occurred_at: at('2024-03-01T10:00:00'), journey_instance_ids: ['J1'] }),
      ],
      journeys: [...failedJourney('J1', 'O1', 100), ...failedJourney('J2', 'O2', 200)],
    });
    expect(totals(i)[3]).toBe('3.00');
  });

  it('dimensions come from the latest event; at the same instant RESOLVED beats UPDATED', () => {
    const t = at('2024-03-01T12:00:00');
    const facts = computeIncidentCosts(
      inputs({
        incidents: [
          incident({ incident_id: 'INC-1', event_type: 'RESOLVED', occurred_at: t, severity: 'SEV1', event_id: 'a' }),
          incident({ incident_id: 'INC-1', event_type: 'UPDATED', occurred_at: t, severity: 'SEV3', event_id: 'z' }),
        ],
        compensations: [comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 1 })],
      }),
    );
    expect(facts.map((f) => f.severity)).toEqual(['SEV1']);
  });

  it('same instant and type: the greater event_id wins', () => {
    const t = at('2024-03-01T12:00:00');
    const facts = computeIncidentCosts(
      inputs({
        incidents: [
          incident({ incident_id: 'INC-1', event_type: 'UPDATED', occurred_at: t, fault: 'PLATFORM', event_id: 'b' }),
          incident({ incident_id: 'INC-1', event_type: 'UPDATED', occurred_at: t, fault: 'VENDOR', event_id: 'a' }),
        ],
        compensations: [comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 1 })],
      }),
    );
    expect(facts.map((f) => f.fault)).toEqual(['PLATFORM']);
  });
});

describe('audit trail per money event', () => {
  it('keeps original amount, currency, the rate used and its effective time', () => {
    const [f] = computeIncidentCosts(
      inputs({
        incidents: [incident({ incident_id: 'INC-1' })],
        compensations: [comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 1234, currency: 'USD', event_id: 'ce-x' })],
        fx: [fx('USD', 0.9123, at('2024-03-01T00:00:00'), 'fx-1')],
      }),
    );
    expect(f).toMatchObject({
      fact_id: 'C:ce-x',
      cost_kind: 'COMPENSATION_ISSUED',
      amount_minor: 1234n,
      currency: 'USD',
      rate: 0.9123,
      rate_effective_at: at('2024-03-01T00:00:00'),
      rate_event_id: 'fx-1',
      converted_minor: 1126n, // 12.34 * 0.9123 = 11.257782
      unconverted_reason: null,
    });
  });
});

describe('arrival order and duplicates do not matter', () => {
  const world = inputs({
    incidents: [
      incident({ incident_id: 'INC-1', event_type: 'OPENED', occurred_at: at('2024-03-01T10:00:00'), journey_instance_ids: ['J1'] }),
      incident({ incident_id: 'INC-1', event_type: 'UPDATED', occurred_at: at('2024-03-01T11:00:00'), journey_instance_ids: ['J1', 'J2'], severity: 'SEV1' }),
      incident({ incident_id: 'INC-2', journey_instance_ids: ['J3'], vendor_id: 'VEN-2' }),
    ],
    journeys: [
      ...failedJourney('J1', 'O1', 1999, 'USD'),
      ...journey({ id: 'J2', order: 'O2', value: 4500, currency: 'JPY', final: 'JOURNEY_ABANDONED', finalAt: at('2024-04-01T00:00:00') }),
      ...failedJourney('J3', 'O3', 800),
    ],
    compensations: [
      comp({ incident_id: 'INC-1', event_type: 'ISSUED', amount_minor: 500, currency: 'USD' }),
      comp({ incident_id: 'INC-1', event_type: 'REVOKED', amount_minor: 100, currency: 'USD' }),
      comp({ incident_id: 'INC-3', event_type: 'ISSUED', amount_minor: 100 }),
    ],
    refunds: [
      refund({ refund_id: 'R1', order_id: 'O1', amount_minor: 999, currency: 'USD' }),
      refund({ refund_id: 'R3', order_id: 'O3', amount_minor: 300, incident_id: 'INC-2' }),
    ],
    fx: [fx('USD', 0.9137, at('2024-02-01T00:00:00')), fx('JPY', 0.00617, at('2024-02-01T00:00:00')), fx('JPY', 0.0062, at('2024-04-01T00:00:00'))],
  });
  const reference = aggregateFacts(computeIncidentCosts(world), { by: ['incident_id', 'month'] });

  it('reference figures', () => {
    expect(reference).toEqual([
      // O1: 19.99 USD lost - 9.99 refunded = 10.00 USD -> 9.137 -> 9.14; refund 9.99 -> 9.127863 -> 9.13;
      // comp 5.00 USD -> 4.5685 -> 4.57 minus 1.00 USD -> 0.9137 -> 0.91: each rounded on its own = 3.66
      // O2: 4500 JPY * 0.0062 = 27.90 (the April rate, effective exactly at the final event)
      { incident_id: 'INC-1', month: '2024-03', compensation_cost: '3.66', compensation_redeemed: '0.00', refund_cost: '9.13', lost_revenue: '9.14', total_cost: '21.93', incidents: 1, unconverted: 0 },
      { incident_id: 'INC-1', month: '2024-04', compensation_cost: '0.00', compensation_redeemed: '0.00', refund_cost: '0.00', lost_revenue: '27.90', total_cost: '27.90', incidents: 1, unconverted: 0 },
      { incident_id: 'INC-2', month: '2024-03', compensation_cost: '0.00', compensation_redeemed: '0.00', refund_cost: '3.00', lost_revenue: '5.00', total_cost: '8.00', incidents: 1, unconverted: 0 },
      { incident_id: 'INC-3', month: '2024-03', compensation_cost: '1.00', compensation_redeemed: '0.00', refund_cost: '0.00', lost_revenue: '0.00', total_cost: '1.00', incidents: 1, unconverted: 0 },
    ]);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('shuffled and duplicated (seed %i) gives the same facts', (seed) => {
    const dup = <T>(xs: readonly T[]): T[] => shuffled([...xs, ...xs.slice(0, Math.ceil(xs.length / 2))], seed);
    const again = inputs({
      incidents: dup(world.incidents),
      journeys: dup(world.journeys),
      compensations: dup(world.compensations),
      refunds: dup(world.refunds),
      fx: dup(world.fx),
    });
    expect(computeIncidentCosts(again)).toEqual(computeIncidentCosts(world));
    expect(aggregateFacts(computeIncidentCosts(again), { by: ['incident_id', 'month'] })).toEqual(reference);
  });
});
