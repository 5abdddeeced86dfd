import type { Warehouse } from '../../sinks/warehouse/types.js';
import type { CostInputs } from '../../processors/economics/index.js';

/**
 * Writes events straight into the fact tables (the ingest processor's job in production),
 * one insert per family, the way a batch would land. Columns the cost join does not read
 * take their defaults.
 */
export async function insertEvents(wh: Warehouse, i: Partial<CostInputs>): Promise<void> {
  if (i.incidents?.length) await wh.insert('incident_events', i.incidents.map((e) => ({ ...e })));
  if (i.journeys?.length) {
    await wh.insert(
      'journey_events',
      i.journeys.map((e) => ({ ...e, journey_blueprint_id: 'BP-1', product_version_id: 'PRDV-1', market_code: 'AT-VIE', city_code: 'VIE' })),
    );
  }
  if (i.compensations?.length) await wh.insert('compensation_events', i.compensations.map((e) => ({ ...e, channel: 'TRUTTA_TOKEN' })));
  if (i.refunds?.length) await wh.insert('refund_events', i.refunds.map((e) => ({ ...e })));
  if (i.fx?.length) await wh.insert('fx_rates', i.fx.map((e) => ({ ...e, event_type: 'RATE' })));
}

type Item = { [K in keyof CostInputs]: { family: K; event: CostInputs[K][number] } }[keyof CostInputs];

/** All events of a world as one list, so a test can shuffle, split and duplicate them. */
export function flatten(i: CostInputs): Item[] {
  return [
    ...i.incidents.map((event) => ({ family: 'incidents' as const, event })),
    ...i.journeys.map((event) => ({ family: 'journeys' as const, event })),
    ...i.compensations.map((event) => ({ family: 'compensations' as const, event })),
    ...i.refunds.map((event) => ({ family: 'refunds' as const, event })),
    ...i.fx.map((event) => ({ family: 'fx' as const, event })),
  ];
}

export function regroup(items: readonly Item[]): CostInputs {
  const out: { [K in keyof CostInputs]: CostInputs[K][number][] } = { incidents: [], journeys: [], compensations: [], refunds: [], fx: [] };
  for (const it of items) (out[it.family] as unknown[]).push(it.event);
  return out;
}

/** The world as JSON Lines envelopes with complete contract records, for `slo-pipeline ingest`. */
export function toJsonLines(i: CostInputs): string {
  const line = (topic: string, key: string, value: Record<string, unknown>): string => JSON.stringify({ topic, key, value });
  const out: string[] = [];
  for (const e of i.incidents) out.push(line('ops.incidents.v1', e.incident_id, { ...e }));
  for (const e of i.journeys) {
    out.push(
      line('tjm.journey.v1', e.journey_instance_id, {
        journey_blueprint_id: 'BP-1',
        product_version_id: 'PRDV-1',
        market_code: 'AT-VIE',
        city_code: 'VIE',
        product_runtime_session_id: null,
        route_id: null,
        vendor_id: null,
        service_point_id: null,
        journey_node_id: null,
        preflight_status: null,
        preflight_reason: null,
        duration_ms: null,
        error_code: null,
        user_id: null,
        ...e,
      }),
    );
  }
  for (const e of i.compensations) {
    out.push(
      line('trutta.compensations.v1', e.incident_id, { user_id: null, compensation_profile_id: null, reason_code: null, channel: 'TRUTTA_TOKEN', ...e }),
    );
  }
  for (const e of i.refunds) {
    out.push(line('billing.refunds.v1', e.order_id, { compensation_id: null, user_id: null, psp: null, failure_reason: null, ...e }));
  }
  for (const e of i.fx) out.push(line('finance.fx.v1', e.currency, { event_type: 'RATE', ...e }));
  return `${out.join('\n')}\n`;
}
