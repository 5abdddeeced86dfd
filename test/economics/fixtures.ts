import type {
  CompensationEventIn,
  CostInputs,
  FxRateIn,
  IncidentEventIn,
  JourneyEventIn,
  RefundEventIn,
} from '../../processors/economics/index.js';

/** Epoch ms of an ISO instant (tests read better with dates). */
export const at = (iso: string): number => Date.parse(iso.endsWith('Z') ? iso : `${iso}Z`);

let seq = 0;
const nextId = (p: string): string => `${p}-${++seq}`;

export function incident(o: Partial<IncidentEventIn> & { incident_id: string }): IncidentEventIn {
  return {
    event_id: nextId('ie'),
    event_type: 'OPENED',
    occurred_at: at('2024-03-01T10:00:00'),
    severity: 'SEV2',
    source: 'TJM',
    reason_code: 'VENDOR_NO_SHOW',
    fault: 'VENDOR',
    product_version_id: 'PRDV-VIEN-COFFEE',
    market_code: 'AT-VIE',
    city_code: 'VIE',
    vendor_id: 'VEN-1',
    route_id: 'ROUTE-1',
    journey_instance_ids: [],
    ...o,
  };
}

/** A journey's JOURNEY_STARTED (with its order) and, when given, its final event. */
export function journey(o: {
  id: string;
  order?: string;
  value?: number;
  currency?: string;
  started?: number;
  final?: 'JOURNEY_FAILED' | 'JOURNEY_ABANDONED' | 'JOURNEY_COMPLETED';
  finalAt?: number;
}): JourneyEventIn[] {
  const started: JourneyEventIn = {
    event_id: nextId('je'),
    event_type: 'JOURNEY_STARTED',
    occurred_at: o.started ?? at('2024-03-01T09:00:00'),
    journey_instance_id: o.id,
    order_id: o.order ?? null,
    order_value_minor: o.value ?? null,
    currency: o.currency ?? null,
  };
  if (!o.final) return [started];
  return [
    started,
    {
      event_id: nextId('je'),
      event_type: o.final,
      occurred_at: o.finalAt ?? at('2024-03-01T09:30:00'),
      journey_instance_id: o.id,
      order_id: null,
      order_value_minor: null,
      currency: null,
    },
  ];
}

export function comp(o: Partial<CompensationEventIn> & { incident_id: string; event_type: CompensationEventIn['event_type']; amount_minor: number }): CompensationEventIn {
  return {
    event_id: nextId('ce'),
    occurred_at: at('2024-03-02T10:00:00'),
    compensation_id: 'CMP-1',
    currency: 'EUR',
    ...o,
  };
}

export function refund(o: Partial<RefundEventIn> & { refund_id: string; order_id: string; amount_minor: number }): RefundEventIn {
  return {
    event_id: nextId('re'),
    event_type: 'SUCCEEDED',
    occurred_at: at('2024-03-03T10:00:00'),
    incident_id: null,
    currency: 'EUR',
    ...o,
  };
}

export function fx(currency: string, rate: number, occurredAt: number, eventId?: string): FxRateIn {
  return { event_id: eventId ?? nextId('fx'), occurred_at: occurredAt, currency, rate_to_reporting: rate };
}

export function inputs(o: Partial<CostInputs>): CostInputs {
  return { incidents: [], journeys: [], compensations: [], refunds: [], fx: [], ...o };
}

/** Deterministic shuffle (mulberry32) so a failing order can be replayed. */
export function shuffled<T>(xs: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
