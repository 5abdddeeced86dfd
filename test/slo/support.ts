import type { JourneyEvent, LemSignal } from '../../processors/contracts/events.js';
import { formatProblem, loadSloFiles } from '../../processors/slo/definitions/load.js';
import type { SloDefinition } from '../../processors/slo/definitions/model.js';

/** Builds definitions from YAML text; throws with every problem when the text is invalid. */
export function slosFromYaml(text: string, file = 'test.yaml'): SloDefinition[] {
  const r = loadSloFiles([{ file, text }]);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.slos;
}

export function sloFromYaml(text: string): SloDefinition {
  const [slo] = slosFromYaml(text);
  if (!slo) throw new Error('no SLO in text');
  return slo;
}

export interface SloYamlOptions {
  name?: string;
  target?: number;
  window?: string;
  /** e.g. `{ startTime: '2024-01-01 00:00:00', timeZone: 'Europe/Vienna' }` -> calendar window */
  calendar?: { startTime: string; timeZone: string };
  budgeting?: 'Occurrences' | 'Timeslices';
  sliceTarget?: number;
  sliceWindow?: string;
  annotations?: Record<string, string>;
  /** The indicator as YAML (indented for `spec.indicator.spec`). */
  indicator?: string;
  op?: string;
  value?: number;
}

export const JOURNEY_SUCCESS_INDICATOR = `
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: slo-pipeline
            spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED], where: {product_version_id: PRDV-VIEN-COFFEE}}
        total:
          metricSource:
            type: slo-pipeline
            spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED, JOURNEY_FAILED, JOURNEY_ABANDONED], where: {product_version_id: PRDV-VIEN-COFFEE}}`;

export function sloYaml(o: SloYamlOptions = {}): string {
  const ann = o.annotations
    ? `  annotations:\n${Object.entries(o.annotations)
        .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
        .join('\n')}\n`
    : '';
  const tw = o.calendar
    ? `    - duration: ${o.window ?? '1M'}\n      isRolling: false\n      calendar: {startTime: "${o.calendar.startTime}", timeZone: ${o.calendar.timeZone}}`
    : `    - duration: ${o.window ?? '30d'}\n      isRolling: true`;
  const slices = o.budgeting === 'Timeslices' ? `\n      timeSliceTarget: ${o.sliceTarget ?? 0.9}\n      timeSliceWindow: ${o.sliceWindow ?? '1m'}` : '';
  const opv = o.op ? `\n      op: ${o.op}\n      value: ${o.value}` : '';
  return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${o.name ?? 'test-slo'}
${ann}spec:
  service: journeys
  indicator:
    metadata: {name: ${o.name ?? 'test-slo'}-sli}
    spec:${o.indicator ?? JOURNEY_SUCCESS_INDICATOR}
  timeWindow:
${tw}
  budgetingMethod: ${o.budgeting ?? 'Occurrences'}
  objectives:
    - target: ${o.target ?? 0.99}${opv}${slices}
`;
}

let seq = 0;
const BASE_JOURNEY: Omit<JourneyEvent, 'event_id' | 'event_type' | 'occurred_at'> = {
  journey_instance_id: 'JRNY-1',
  journey_blueprint_id: 'JRNY-VIEN-COFFEE',
  product_version_id: 'PRDV-VIEN-COFFEE',
  market_code: 'AT-VIE',
  city_code: 'VIE',
  product_runtime_session_id: null,
  route_id: 'ROUTE-VIEN-COFFEE-01',
  vendor_id: 'VEN-123',
  service_point_id: null,
  journey_node_id: null,
  preflight_status: null,
  preflight_reason: null,
  duration_ms: null,
  error_code: null,
  order_id: null,
  order_value_minor: null,
  currency: null,
  user_id: null,
};

export function journey(eventType: JourneyEvent['event_type'], at: number | string, extra: Partial<JourneyEvent> = {}): JourneyEvent {
  return {
    ...BASE_JOURNEY,
    event_id: `EV-${++seq}`,
    event_type: eventType,
    occurred_at: typeof at === 'string' ? Date.parse(at) : at,
    ...extra,
  };
}

export function lem(at: number | string, score: number, extra: Partial<LemSignal> = {}): LemSignal {
  return {
    event_id: `LEM-${++seq}`,
    event_type: 'SCORE_UPDATED',
    occurred_at: typeof at === 'string' ? Date.parse(at) : at,
    city_code: 'VIE',
    scope: 'ROUTE',
    scope_id: 'ROUTE-VIEN-COFFEE-01',
    metric: 'SAFETY_SCORE',
    current_score: score,
    previous_score: null,
    threshold: null,
    risk_tags: [],
    ...extra,
  };
}

/** Epoch minute of an ISO time. */
export function minute(iso: string): number {
  return Math.floor(Date.parse(iso) / 60_000);
}
