import { CATALOG } from '../processors/simulator/index.js';

/**
 * A large, varied SLO set over the simulator's catalog for the SLO benchmark: journey
 * success per product version and route, vendor no-shows, error codes, journey and node
 * latency (some thresholds between the aggregate's bounds, so read from the facts), LEM
 * route safety and coverage levels, preflight blocks; rolling 28d/30d and calendar-month
 * windows, Occurrences and Timeslices. Deterministic: the first `count` of the list.
 */
const TZ: Record<string, string> = { VIE: 'Europe/Vienna', BER: 'Europe/Berlin', PRG: 'Europe/Prague', BUD: 'Europe/Budapest', TYO: 'Asia/Tokyo' };

interface Variant {
  name: string;
  indicator: string;
  op?: string;
  value?: number;
  city: string;
}

const src = (topic: string, types: string, where: string, extra = ''): string =>
  `{metricSource: {type: slo-pipeline, spec: {topic: ${topic}, eventTypes: [${types}], where: {${where}}${extra}}}}`;
const J = 'tjm.journey.v1';
const L = 'lem.signals.v1';
const FINAL = 'JOURNEY_COMPLETED, JOURNEY_FAILED, JOURNEY_ABANDONED';

function ratio(good: string, total: string, bad = false): string {
  return `\n      ratioMetric:\n        ${bad ? 'bad' : 'good'}: ${good}\n        total: ${total}`;
}

function threshold(s: string): string {
  return `\n      thresholdMetric: ${s}`;
}

function variants(): Variant[] {
  const out: Variant[] = [];
  const lower = (s: string): string => s.toLowerCase();
  for (const pv of CATALOG.productVersions) {
    const w = `product_version_id: ${pv.product_version_id}`;
    const n = lower(pv.product_version_id);
    out.push({ name: `${n}-success`, city: pv.city_code, indicator: ratio(src(J, 'JOURNEY_COMPLETED', w), src(J, FINAL, w)) });
    for (const code of ['VENDOR_NO_SHOW', 'PLATFORM_BUG', 'TIMEOUT', 'PAYMENT_DECLINED']) {
      out.push({ name: `${n}-${lower(code).replace(/_/g, '-')}`, city: pv.city_code, indicator: ratio(src(J, 'JOURNEY_FAILED', `${w}, error_code: ${code}`), src(J, FINAL, w), true) });
    }
    for (const ms of [2000, 3000, 2750]) {
      out.push({ name: `${n}-duration-${ms}`, city: pv.city_code, op: 'lte', value: ms, indicator: threshold(src(J, 'JOURNEY_COMPLETED', w)) });
    }
    for (const route of pv.routes) {
      const rw = `route_id: ${route.route_id}`;
      const rn = lower(route.route_id);
      out.push({ name: `${rn}-success`, city: pv.city_code, indicator: ratio(src(J, 'JOURNEY_COMPLETED', rw), src(J, FINAL, rw)) });
      out.push({ name: `${rn}-fast-nodes`, city: pv.city_code, op: 'lte', value: 1000, indicator: threshold(src(J, 'NODE_COMPLETED', rw)) });
      out.push({ name: `${rn}-safety`, city: pv.city_code, op: 'gte', value: 0.6, indicator: threshold(src(L, 'SCORE_UPDATED, SAFETY_DEGRADED, SAFETY_RESTORED', `scope_id: ${route.route_id}, metric: SAFETY_SCORE`)) });
      out.push({ name: `${lower(route.vendor_id)}-${rn}-no-show`, city: pv.city_code, indicator: ratio(src(J, 'JOURNEY_FAILED', `vendor_id: ${route.vendor_id}, route_id: ${route.route_id}, error_code: VENDOR_NO_SHOW`), src(J, FINAL, `vendor_id: ${route.vendor_id}, route_id: ${route.route_id}`), true) });
    }
  }
  for (const m of CATALOG.markets) {
    const c = m.city_code;
    const n = lower(c);
    for (const ms of [500, 1000, 2500]) out.push({ name: `${n}-node-latency-${ms}`, city: c, op: 'lte', value: ms, indicator: threshold(src(J, 'NODE_COMPLETED', `city_code: ${c}`)) });
    out.push({ name: `${n}-preflight`, city: c, indicator: ratio(src(J, 'PREFLIGHT_CHECKED', `city_code: ${c}, preflight_status: BLOCKED`), src(J, 'PREFLIGHT_CHECKED', `city_code: ${c}`), true) });
    out.push({ name: `${n}-coverage`, city: c, op: 'gte', value: 0.5, indicator: threshold(src(L, 'SCORE_UPDATED, COVERAGE_DEGRADED, COVERAGE_RESTORED', `city_code: ${c}, metric: COVERAGE_SCORE`)) });
    out.push({ name: `${n}-night-risk`, city: c, op: 'lte', value: 0.65, indicator: threshold(src(L, 'SCORE_UPDATED', `city_code: ${c}, metric: NIGHT_RISK_SCORE`)) });
  }
  return out;
}

const SETTINGS: ReadonlyArray<{ suffix: string; target: number; window: 'rolling30' | 'rolling28' | 'calendar'; slices: boolean }> = [
  { suffix: 'a', target: 0.97, window: 'rolling30', slices: false },
  { suffix: 'b', target: 0.99, window: 'rolling28', slices: false },
  { suffix: 'c', target: 0.95, window: 'calendar', slices: false },
  { suffix: 'd', target: 0.98, window: 'rolling30', slices: true },
  { suffix: 'e', target: 0.995, window: 'rolling30', slices: false },
  { suffix: 'f', target: 0.9, window: 'calendar', slices: true },
];

/** `count` SLO documents as one multi-document YAML text. */
export function benchSloYaml(count: number): string {
  const base = variants();
  const docs: string[] = [];
  for (const s of SETTINGS) {
    for (const v of base) {
      if (docs.length >= count) break;
      const tw =
        s.window === 'calendar'
          ? `    - {duration: 1M, isRolling: false, calendar: {startTime: "2026-01-01 00:00:00", timeZone: ${TZ[v.city] ?? 'UTC'}}}`
          : `    - {duration: ${s.window === 'rolling28' ? '28d' : '30d'}, isRolling: true}`;
      const obj = [`target: ${s.target}`, ...(v.op ? [`op: ${v.op}`, `value: ${v.value}`] : []), ...(s.slices ? ['timeSliceTarget: 0.9', 'timeSliceWindow: 5m'] : [])];
      docs.push(`apiVersion: openslo/v1
kind: SLO
metadata: {name: ${v.name}-${s.suffix}}
spec:
  service: bench
  indicator:
    metadata: {name: ${v.name}-${s.suffix}-sli}
    spec:${v.indicator}
  timeWindow:
${tw}
  budgetingMethod: ${s.slices ? 'Timeslices' : 'Occurrences'}
  objectives:
    - {${obj.join(', ')}}
`);
    }
  }
  if (docs.length < count) throw new Error(`the bench SLO generator makes at most ${docs.length} SLOs`);
  return docs.join('---\n');
}
