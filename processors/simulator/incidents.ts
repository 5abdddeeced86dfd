import type { CompensationEvent, OpsIncidentEvent, RefundEvent } from '../contracts/events.js';
import { productVersionOf, type ProductVersion, type Route } from './catalog.js';
import { incidentRecord, type SimContext } from './context.js';
import { incidentCost, monthOf, type ListedJourney } from './cost.js';
import { compensationFlow, refundFlow, TOKEN_TIERS } from './flows.js';
import type { JourneyResult } from './journeys.js';
import type { FxTable } from './money.js';
import { MINUTE, type IncidentPlan } from './plan.js';
import type { IncidentTruth } from './types.js';

interface Listed extends ListedJourney {
  user_id: string;
}

interface Bystander {
  order_id: string;
  order_value_minor: number;
  currency: string;
  user_id: string;
}

const minuteIso = (ms: number): string => new Date(ms).toISOString();

/**
 * One incident while the simulation runs: which journeys it hit, its OPENED -> UPDATED ->
 * RESOLVED events (each carrying the journeys known so far, so later events add journeys),
 * and at resolution the money follow-ups and the incident's expected cost.
 */
export class IncidentRuntime {
  private readonly listed: Listed[] = [];
  private readonly bystanders: Bystander[] = [];
  private next = 0;

  constructor(
    private readonly ctx: SimContext,
    readonly plan: IncidentPlan,
    private readonly fx: FxTable,
  ) {}

  /** Every incident event has been emitted. */
  get done(): boolean {
    return this.next >= this.plan.steps.length;
  }

  /** True when a journey of this product version and route starting at `t` is in the incident's scope. */
  inEffect(pv: ProductVersion, route: Route, t: number): boolean {
    const p = this.plan;
    return t >= p.from && t < p.to && pv.product_version_id === p.product_version_id && (p.route_id === null || route.route_id === p.route_id);
  }

  register(result: JourneyResult): void {
    if (result.listed) this.listed.push({ ...result.journey, user_id: result.user_id });
    else if (result.outcome === 'completed' && result.journey.order_id !== null && this.bystanders.length < 50) {
      this.bystanders.push({
        order_id: result.journey.order_id,
        order_value_minor: result.journey.order_value_minor ?? 0,
        currency: result.journey.currency ?? '',
        user_id: result.user_id,
      });
    }
  }

  /** Emits the incident events due before `until`. */
  emitDue(until: number): void {
    const steps = this.plan.steps;
    while (this.next < steps.length) {
      const step = steps[this.next];
      if (!step || step.at >= until) return;
      this.next++;
      const resolved = step.event_type === 'RESOLVED';
      const ids = this.listed.filter((j) => resolved || j.final_at <= step.at).map((j) => j.journey_instance_id);
      const p = this.plan;
      const value: OpsIncidentEvent = {
        event_id: this.ctx.nextEventId(),
        event_type: step.event_type,
        occurred_at: step.at,
        incident_id: p.incident_id,
        severity: step.severity,
        source: p.source,
        reason_code: p.reason_code,
        fault: step.fault,
        product_version_id: p.product_version_id,
        market_code: p.market_code,
        city_code: p.city_code,
        vendor_id: p.vendor_id,
        route_id: p.route_id,
        journey_instance_ids: ids,
      };
      this.ctx.emit(incidentRecord(value));
      if (resolved) this.resolve(value);
    }
  }

  /** Compensations and refunds after resolution, then the expected cost from exactly what was emitted. */
  private resolve(final: OpsIncidentEvent): void {
    const { rng } = this.ctx;
    const p = this.plan;
    const currency = productVersionOf(p.product_version_id).currency;
    const compensations: CompensationEvent[] = [];
    const refunds: RefundEvent[] = [];
    const after = (lo: number, hi: number): number => final.occurred_at + rng.int(lo, hi) * MINUTE + rng.int(0, MINUTE - 1);
    for (const j of this.listed) {
      if (!rng.chance(0.5)) continue;
      const share = j.order_value_minor !== null && rng.chance(0.5);
      const amount = share ? Math.max(1, Math.floor((j.order_value_minor ?? 0) * 0.2)) : rng.pick(TOKEN_TIERS[currency] ?? [500]);
      compensations.push(...compensationFlow(this.ctx, { incident_id: p.incident_id, user_id: j.user_id, reason_code: p.reason_code, amount_minor: amount, currency, at: after(10, 120) }));
    }
    for (const j of this.listed) {
      if (j.order_id === null || j.order_value_minor === null || j.currency === null) continue;
      const lost = j.final_event_type !== 'JOURNEY_COMPLETED';
      if (!rng.chance(lost ? 0.5 : 0.2)) continue;
      const r = rng.next();
      // Some goodwill refunds exceed the order (lost revenue clamps at zero), many are partial.
      const amount = !lost || r < 0.45 ? Math.max(1, Math.floor(j.order_value_minor * rng.range(0.3, 0.7))) : r < 0.5 ? Math.ceil(j.order_value_minor * 1.1) : j.order_value_minor;
      const linked = !lost || rng.chance(0.5);
      refunds.push(
        ...refundFlow(this.ctx, {
          order_id: j.order_id,
          user_id: j.user_id,
          amount_minor: amount,
          currency: j.currency,
          incident_id: linked ? p.incident_id : null,
          at: after(5, 180),
          failFirst: rng.chance(0.15),
        }),
      );
    }
    // Goodwill for customers who complained but were not on the incident: linked only by incident_id.
    for (const b of this.bystanders.slice(0, 3)) {
      const amount = Math.max(1, Math.floor(b.order_value_minor * rng.range(0.1, 0.3)));
      refunds.push(...refundFlow(this.ctx, { order_id: b.order_id, user_id: b.user_id, amount_minor: amount, currency: b.currency, incident_id: p.incident_id, at: after(30, 300), failFirst: false }));
    }
    const cost = incidentCost({ incident_id: p.incident_id, journeys: this.listed, compensations, refunds, fx: this.fx });
    const opened = p.steps[0]?.at ?? p.from;
    const truth: IncidentTruth = {
      incident_id: p.incident_id,
      kind: p.kind,
      severity: final.severity,
      source: final.source,
      reason_code: final.reason_code,
      fault: final.fault,
      product_version_id: final.product_version_id,
      market_code: final.market_code,
      city_code: final.city_code,
      vendor_id: final.vendor_id,
      route_id: final.route_id,
      month: monthOf(opened),
      window: { from: p.from, to: p.to, from_minute: minuteIso(p.from), to_minute: minuteIso(p.to) },
      bad_share: p.bad_share,
      lem: p.lem,
      opened_at: opened,
      updated_at: p.steps.filter((s) => s.event_type === 'UPDATED').map((s) => s.at),
      resolved_at: final.occurred_at,
      journey_instance_ids: final.journey_instance_ids,
      original: cost.original,
      reporting: cost.reporting,
      by_month: cost.by_month,
      money: cost.money,
    };
    this.ctx.truth.incidents.push(truth);
  }
}
