import type { CostInputs } from '../../processors/economics/index.js';
import { at, comp, fx, incident, inputs, journey, refund } from './fixtures.js';

/**
 * A small world exercising every cost edge at once, across two months and four
 * currencies: partial, failed, reversed, order-linked and double-linked refunds; revoked
 * and redeemed compensations; lost revenue netted to zero; a journey added by a later
 * UPDATED and one dropped by it; money for an incident never seen; money with no rate;
 * a rate effective exactly at a money instant; JPY (0 decimals) and BHD (3).
 */
export function edgeWorld(): CostInputs {
  return inputs({
    incidents: [
      incident({ incident_id: 'INC-A', event_id: 'ia1', event_type: 'OPENED', occurred_at: at('2024-03-01T10:00:00'), journey_instance_ids: ['J1', 'J9'] }),
      incident({ incident_id: 'INC-A', event_id: 'ia2', event_type: 'UPDATED', occurred_at: at('2024-03-01T12:00:00'), journey_instance_ids: ['J1', 'J2'], severity: 'SEV1' }),
      incident({ incident_id: 'INC-A', event_id: 'ia3', event_type: 'RESOLVED', occurred_at: at('2024-03-02T12:00:00'), journey_instance_ids: ['J1', 'J2'], severity: 'SEV1' }),
      incident({ incident_id: 'INC-B', event_id: 'ib1', occurred_at: at('2024-03-10T08:00:00'), journey_instance_ids: ['J3', 'J4'], vendor_id: 'VEN-2', route_id: 'ROUTE-2', fault: 'PLATFORM', reason_code: 'PLATFORM_BUG', severity: 'SEV3' }),
      incident({ incident_id: 'INC-C', event_id: 'ic1', occurred_at: at('2024-03-30T23:00:00'), journey_instance_ids: ['J5'], vendor_id: null, route_id: null, market_code: 'JP-TYO', city_code: 'TYO', product_version_id: 'PRDV-TYO-TEA', fault: 'UNKNOWN' }),
    ],
    journeys: [
      ...journey({ id: 'J1', order: 'O1', value: 1999, currency: 'USD', final: 'JOURNEY_FAILED', finalAt: at('2024-03-01T09:30:00') }),
      ...journey({ id: 'J2', order: 'O2', value: 4500, currency: 'JPY', final: 'JOURNEY_ABANDONED', finalAt: at('2024-04-01T00:00:00') }),
      ...journey({ id: 'J9', order: 'O9', value: 7777, currency: 'EUR', final: 'JOURNEY_FAILED' }), // dropped from INC-A by the UPDATED
      ...journey({ id: 'J3', order: 'O3', value: 1000, currency: 'EUR', final: 'JOURNEY_FAILED', finalAt: at('2024-03-10T07:00:00') }),
      ...journey({ id: 'J4', order: 'O4', value: 2500, currency: 'EUR', final: 'JOURNEY_COMPLETED', finalAt: at('2024-03-10T07:30:00') }),
      ...journey({ id: 'J5', order: 'O5', value: 3000, currency: 'BHD', final: 'JOURNEY_FAILED', finalAt: at('2024-04-02T00:00:00') }),
    ],
    compensations: [
      comp({ incident_id: 'INC-A', event_id: 'ca0', event_type: 'PROPOSED', amount_minor: 100_000, currency: 'USD' }),
      comp({ incident_id: 'INC-A', event_id: 'ca1', event_type: 'ISSUED', amount_minor: 500, currency: 'USD', occurred_at: at('2024-03-02T10:00:00') }),
      comp({ incident_id: 'INC-A', event_id: 'ca2', event_type: 'REVOKED', amount_minor: 100, currency: 'USD', occurred_at: at('2024-03-05T10:00:00') }),
      comp({ incident_id: 'INC-A', event_id: 'ca3', event_type: 'REDEEMED', amount_minor: 400, currency: 'USD', occurred_at: at('2024-03-06T10:00:00') }),
      comp({ incident_id: 'INC-B', event_id: 'cb1', event_type: 'ISSUED', amount_minor: 1500, currency: 'EUR', occurred_at: at('2024-03-11T10:00:00') }),
      comp({ incident_id: 'INC-B', event_id: 'cb2', event_type: 'ISSUED', amount_minor: 125, currency: 'JPY', occurred_at: at('2024-03-11T10:00:00') }),
      comp({ incident_id: 'INC-Z', event_id: 'cz1', event_type: 'ISSUED', amount_minor: 900, currency: 'EUR', occurred_at: at('2024-04-05T10:00:00') }),
      comp({ incident_id: 'INC-Z', event_id: 'cz2', event_type: 'ISSUED', amount_minor: 900, currency: 'GBP', occurred_at: at('2024-04-05T10:00:00') }), // no GBP rate
    ],
    refunds: [
      refund({ refund_id: 'R1', order_id: 'O1', event_id: 'r1', amount_minor: 999, currency: 'USD', occurred_at: at('2024-03-03T10:00:00') }),
      refund({ refund_id: 'R1b', order_id: 'O1', event_id: 'r1b', amount_minor: 500, currency: 'USD', incident_id: 'INC-A', occurred_at: at('2024-03-03T11:00:00') }),
      refund({ refund_id: 'R3', order_id: 'O3', event_id: 'r3a', amount_minor: 1000, incident_id: 'INC-B', event_type: 'REQUESTED', occurred_at: at('2024-03-12T10:00:00') }),
      refund({ refund_id: 'R3', order_id: 'O3', event_id: 'r3b', amount_minor: 1000, incident_id: 'INC-B', occurred_at: at('2024-03-12T11:00:00') }),
      refund({ refund_id: 'R3', order_id: 'O3', event_id: 'r3x', amount_minor: 200, incident_id: 'INC-B', event_type: 'REQUESTED', occurred_at: at('2024-03-12T09:00:00') }),
      refund({ refund_id: 'R4', order_id: 'O4', event_id: 'r4a', amount_minor: 2500, event_type: 'FAILED', occurred_at: at('2024-03-12T10:00:00') }),
      refund({ refund_id: 'R4c', order_id: 'O4', event_id: 'r4c', amount_minor: 300, occurred_at: at('2024-03-12T10:00:00') }),
      refund({ refund_id: 'R5', order_id: 'O5', event_id: 'r5a', amount_minor: 1000, currency: 'BHD', occurred_at: at('2024-04-03T10:00:00') }),
      refund({ refund_id: 'R5', order_id: 'O5', event_id: 'r5b', amount_minor: 1000, currency: 'BHD', event_type: 'FAILED', occurred_at: at('2024-04-04T10:00:00') }),
      refund({ refund_id: 'R9', order_id: 'O9', event_id: 'r9', amount_minor: 100, occurred_at: at('2024-03-03T10:00:00') }),
    ],
    fx: [
      fx('USD', 0.9137, at('2024-02-01T00:00:00'), 'fx-usd-1'),
      fx('USD', 0.95, at('2024-03-05T10:00:00'), 'fx-usd-2'), // exactly at the REVOKED
      fx('JPY', 0.0062, at('2024-02-01T00:00:00'), 'fx-jpy-1'),
      fx('JPY', 0.00617, at('2024-04-01T00:00:00'), 'fx-jpy-2'), // exactly at J2's end
      fx('BHD', 2.4312, at('2024-01-01T00:00:00'), 'fx-bhd-1'),
    ],
  });
}

// Hand-computed figures of the edge world (see world.ts); the warehouse tests assert the
// same numbers, so the core and the warehouse are each checked against arithmetic, not
// only against each other.
export const EDGE_WORLD_BY_MONTH = [
  { month: '2024-03', compensation_cost: '19.40', compensation_redeemed: '3.80', refund_cost: '26.70', lost_revenue: '4.57', total_cost: '50.67', incidents: 2, unconverted: 0 },
  { month: '2024-04', compensation_cost: '9.00', compensation_redeemed: '0.00', refund_cost: '0.00', lost_revenue: '35.05', total_cost: '44.05', incidents: 3, unconverted: 1 },
];
export const EDGE_WORLD_TOTAL = [
  { compensation_cost: '28.40', compensation_redeemed: '3.80', refund_cost: '26.70', lost_revenue: '39.62', total_cost: '94.72', incidents: 4, unconverted: 1 },
];

