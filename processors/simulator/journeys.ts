import type { JourneyEvent } from '../contracts/events.js';
import type { JourneyEventType, PreflightReason, PreflightStatus } from '../contracts/enums.js';
import { blueprintOf, type ProductVersion, type Route } from './catalog.js';
import { journeyRecord, type SimContext } from './context.js';
import type { ListedJourney } from './cost.js';
import { refundFlow } from './flows.js';
import { HOUR, MINUTE } from './plan.js';
import type { Outcome } from './truth.js';
import type { IncidentKind } from './types.js';

export interface JourneyResult {
  journey: ListedJourney;
  user_id: string;
  outcome: Outcome;
  /** The incident in effect caused or visibly degraded this journey: it goes on the incident's list. */
  listed: boolean;
}

interface Script {
  outcome: Outcome | 'blocked';
  preflight: [PreflightStatus, PreflightReason];
  /** Node index that fails (failed) or the number of nodes done before giving up (abandoned). */
  at: number;
  error: string | null;
  failMs: number;
  slowFactor: number;
  vendorDelayMs: number;
  listed: boolean;
}

const BASELINE_ERRORS = ['TIMEOUT', 'PAYMENT_DECLINED', 'VENDOR_REJECTED'] as const;
const PARTY = [1, 1, 1, 2, 2, 3] as const;

/** Decides the fate of one journey: baseline behaviour, or the incident in effect. */
function script(ctx: SimContext, nodes: number, vendorNode: number, effect: IncidentKind | null): Script {
  const { rng } = ctx;
  const s: Script = { outcome: 'completed', preflight: ['OK', 'NONE'], at: 0, error: null, failMs: 0, slowFactor: 1, vendorDelayMs: 0, listed: false };
  const r = rng.next();
  if (effect === 'VENDOR_NO_SHOW') {
    if (r < 0.8) Object.assign(s, { outcome: 'failed', at: vendorNode, error: 'VENDOR_NO_SHOW', failMs: rng.int(20_000, 30_000), listed: true });
    else Object.assign(s, { vendorDelayMs: rng.int(5_000, 15_000), listed: rng.chance(0.3) });
  } else if (effect === 'PLATFORM_BUG') {
    if (r < 0.55) Object.assign(s, { outcome: 'failed', at: rng.int(0, nodes - 1), error: 'PLATFORM_BUG', failMs: Math.round(rng.logNormal(4000, 0.3)), listed: true });
    else if (r < 0.65) Object.assign(s, { outcome: 'abandoned', at: rng.int(0, nodes - 1), listed: true });
    else Object.assign(s, { slowFactor: 3, listed: rng.chance(0.1) });
  } else if (effect === 'SAFETY_RISK') {
    s.preflight = ['DEGRADED', 'SAFETY_RISK'];
    if (r < 0.2) Object.assign(s, { outcome: 'blocked', preflight: ['BLOCKED', 'SAFETY_RISK'], error: 'PREFLIGHT_BLOCKED', listed: true });
    else if (r < 0.6) Object.assign(s, { outcome: 'abandoned', at: rng.int(0, nodes - 1), listed: true });
    else if (r < 0.7) Object.assign(s, { outcome: 'failed', at: rng.int(0, nodes - 1), error: 'SAFETY_RISK', failMs: rng.int(1_000, 5_000), listed: true });
  } else if (r < 0.001) {
    Object.assign(s, { outcome: 'blocked', preflight: ['BLOCKED', 'QUALITY_LOW'], error: 'PREFLIGHT_BLOCKED' });
  } else if (r < 0.004) {
    Object.assign(s, { outcome: 'failed', at: rng.int(0, nodes - 1), error: rng.pick(BASELINE_ERRORS), failMs: Math.round(rng.logNormal(3000, 0.4)) });
  } else if (r < 0.007) {
    Object.assign(s, { outcome: 'abandoned', at: rng.int(0, nodes - 1) });
  } else if (r < 0.012) {
    s.preflight = ['DEGRADED', 'QUALITY_LOW'];
  }
  return s;
}

/**
 * Generates one journey starting at `t0` and emits its events: PREFLIGHT_CHECKED, then
 * (unless blocked) JOURNEY_STARTED with the order, NODE_COMPLETED / NODE_FAILED per step,
 * and the final JOURNEY_COMPLETED / FAILED / ABANDONED. Latencies are a few hundred ms per
 * step with a slow tail; a vendor no-show waits for a 20-30 s timeout.
 */
export function generateJourney(ctx: SimContext, pv: ProductVersion, route: Route, t0: number, effect: IncidentKind | null): JourneyResult {
  const { rng } = ctx;
  const bp = blueprintOf(pv.journey_blueprint_id);
  const n = ctx.serial('JI');
  const journey_instance_id = `JI-${n}`;
  const user_id = `USR-${pv.city_code}-${rng.int(1, 4000)}`;
  const sc = script(ctx, bp.nodes.length, bp.vendor_node, effect);
  const common = {
    journey_instance_id,
    journey_blueprint_id: pv.journey_blueprint_id,
    product_version_id: pv.product_version_id,
    market_code: pv.market_code,
    city_code: pv.city_code,
    product_runtime_session_id: `SES-${n}`,
    route_id: route.route_id,
    vendor_id: route.vendor_id,
    service_point_id: rng.pick(route.service_point_ids),
  };
  const ev = (event_type: JourneyEventType, occurred_at: number, extra: Partial<JourneyEvent>): JourneyEvent => {
    const value: JourneyEvent = {
      event_id: ctx.nextEventId(),
      event_type,
      occurred_at,
      ...common,
      journey_node_id: null,
      preflight_status: null,
      preflight_reason: null,
      duration_ms: null,
      error_code: null,
      order_id: null,
      order_value_minor: null,
      currency: null,
      user_id,
      ...extra,
    };
    ctx.emit(journeyRecord(value));
    return value;
  };

  ev('PREFLIGHT_CHECKED', t0, { preflight_status: sc.preflight[0], preflight_reason: sc.preflight[1] });
  let final: JourneyEvent;
  let order: { id: string; value: number } | null = null;
  if (sc.outcome === 'blocked') {
    const at = t0 + rng.int(2_000, 20_000);
    final = ev('JOURNEY_ABANDONED', at, { duration_ms: at - t0, error_code: sc.error });
  } else {
    const started = t0 + rng.int(150, 1_200);
    order = { id: `ORD-${n}`, value: rng.pick(pv.prices) * rng.pick(PARTY) };
    ev('JOURNEY_STARTED', started, { order_id: order.id, order_value_minor: order.value, currency: pv.currency });
    let t = started;
    let failed: JourneyEvent | null = null;
    for (let i = 0; i < bp.nodes.length; i++) {
      if (sc.outcome === 'abandoned' && i === sc.at) break;
      const journey_node_id = bp.nodes[i] ?? null;
      if (sc.outcome === 'failed' && i === sc.at) {
        t += sc.failMs;
        failed = ev('NODE_FAILED', t, { journey_node_id, duration_ms: sc.failMs, error_code: sc.error });
        break;
      }
      let d = Math.max(20, Math.round(rng.logNormal(180, 0.45) * sc.slowFactor));
      if (rng.chance(0.02)) d = Math.round(d * rng.range(5, 15));
      if (i === bp.vendor_node) d += sc.vendorDelayMs;
      t += d;
      ev('NODE_COMPLETED', t, { journey_node_id, duration_ms: d });
    }
    if (failed) {
      const at = t + rng.int(10, 120);
      final = ev('JOURNEY_FAILED', at, { duration_ms: at - started, error_code: sc.error });
    } else if (sc.outcome === 'abandoned') {
      const at = t + rng.int(20_000, 240_000);
      final = ev('JOURNEY_ABANDONED', at, { duration_ms: at - started });
    } else {
      const at = t + rng.int(10, 80);
      final = ev('JOURNEY_COMPLETED', at, { duration_ms: at - started });
    }
  }
  const outcome: Outcome = sc.outcome === 'blocked' ? 'abandoned' : sc.outcome;
  ctx.truth.outcome(pv.product_version_id, final.occurred_at, outcome);

  // Refunds unrelated to any incident: failed orders refunded in full, a few complaints.
  if (order && !sc.listed) {
    if (outcome === 'failed' && rng.chance(0.3)) {
      refundFlow(ctx, { order_id: order.id, user_id, amount_minor: order.value, currency: pv.currency, incident_id: null, at: final.occurred_at + rng.int(30, 360) * MINUTE, failFirst: false });
    } else if (outcome === 'completed' && rng.chance(0.002)) {
      const amount = Math.max(1, Math.floor(order.value * rng.range(0.1, 0.5)));
      refundFlow(ctx, { order_id: order.id, user_id, amount_minor: amount, currency: pv.currency, incident_id: null, at: final.occurred_at + rng.int(1, 20) * HOUR, failFirst: false });
    }
  }
  return {
    journey: {
      journey_instance_id,
      order_id: order?.id ?? null,
      order_value_minor: order?.value ?? null,
      currency: order ? pv.currency : null,
      final_event_type: final.event_type,
      final_event_id: final.event_id,
      final_at: final.occurred_at,
    },
    user_id,
    outcome,
    listed: sc.listed,
  };
}
