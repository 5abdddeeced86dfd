import type { CompensationEvent, RefundEvent } from '../contracts/events.js';
import type { CompensationChannel } from '../contracts/enums.js';
import { compensationRecord, refundRecord, type SimContext } from './context.js';
import { HOUR, MINUTE } from './plan.js';

/**
 * Money follow-ups: refunds (billing) and compensations (Trutta). A step that would happen
 * after the simulated period does not happen (the refund stays REQUESTED, the token
 * unredeemed), so every emitted event lies inside the period.
 */
export interface RefundSpec {
  order_id: string;
  user_id: string | null;
  amount_minor: number;
  currency: string;
  incident_id: string | null;
  at: number;
  /** The first attempt fails at the PSP and a second refund succeeds. */
  failFirst: boolean;
}

const PSPS = ['adyen', 'stripe'] as const;
const FAILURES = ['CARD_EXPIRED', 'PSP_TIMEOUT', 'ACCOUNT_CLOSED'] as const;

/** Emits REQUESTED -> SUCCEEDED | FAILED (-> a retry); returns every emitted refund event. */
export function refundFlow(ctx: SimContext, spec: RefundSpec): RefundEvent[] {
  const { rng } = ctx;
  const out: RefundEvent[] = [];
  const psp = rng.pick(PSPS);
  const emit = (refund_id: string, event_type: RefundEvent['event_type'], at: number, failure: string | null): boolean => {
    if (at >= ctx.end) return false;
    const value: RefundEvent = {
      event_id: ctx.nextEventId(),
      event_type,
      occurred_at: at,
      refund_id,
      order_id: spec.order_id,
      incident_id: spec.incident_id,
      compensation_id: null,
      user_id: spec.user_id,
      psp,
      failure_reason: failure,
      amount_minor: spec.amount_minor,
      currency: spec.currency,
    };
    ctx.emit(refundRecord(value));
    out.push(value);
    return true;
  };
  let at = spec.at;
  const first = ctx.nextId('RF');
  if (!emit(first, 'REQUESTED', at, null)) return out;
  at += rng.int(1, 30) * MINUTE + rng.int(0, 59_999);
  if (spec.failFirst || rng.chance(0.04)) {
    if (!emit(first, 'FAILED', at, rng.pick(FAILURES)) || !spec.failFirst) return out;
    const retry = ctx.nextId('RF');
    at += rng.int(30, 120) * MINUTE + rng.int(0, 59_999);
    if (!emit(retry, 'REQUESTED', at, null)) return out;
    at += rng.int(1, 60) * MINUTE + rng.int(0, 59_999);
    emit(retry, 'SUCCEEDED', at, null);
    return out;
  }
  emit(first, 'SUCCEEDED', at, null);
  return out;
}

export interface CompensationSpec {
  incident_id: string;
  user_id: string | null;
  reason_code: string;
  amount_minor: number;
  currency: string;
  at: number;
}

const PROFILES = ['CPROF-DELAY-S', 'CPROF-FAIL-M', 'CPROF-GOODWILL'] as const;

/** Fixed token values per currency (minor units); the other half of tokens is a share of the order. */
export const TOKEN_TIERS: Record<string, readonly number[]> = {
  EUR: [500, 1000, 1250],
  CZK: [12_500, 25_000],
  HUF: [200_000, 350_000],
  JPY: [700, 1500],
};

/** Emits PROPOSED -> ISSUED -> REDEEMED | REVOKED (some never issued); returns every emitted event. */
export function compensationFlow(ctx: SimContext, spec: CompensationSpec): CompensationEvent[] {
  const { rng } = ctx;
  const out: CompensationEvent[] = [];
  const compensation_id = ctx.nextId('CMP');
  const r = rng.next();
  const channel: CompensationChannel = r < 0.8 ? 'TRUTTA_TOKEN' : r < 0.95 ? 'MIXED' : 'REFUND';
  const profile = rng.pick(PROFILES);
  const emit = (event_type: CompensationEvent['event_type'], at: number): boolean => {
    if (at >= ctx.end) return false;
    const value: CompensationEvent = {
      event_id: ctx.nextEventId(),
      event_type,
      occurred_at: at,
      compensation_id,
      incident_id: spec.incident_id,
      user_id: spec.user_id,
      compensation_profile_id: profile,
      reason_code: spec.reason_code,
      channel,
      amount_minor: spec.amount_minor,
      currency: spec.currency,
    };
    ctx.emit(compensationRecord(value));
    out.push(value);
    return true;
  };
  let at = spec.at;
  if (!emit('PROPOSED', at) || !rng.chance(0.85)) return out;
  at += rng.int(5, 60) * MINUTE + rng.int(0, 59_999);
  if (!emit('ISSUED', at)) return out;
  const next = rng.next();
  if (next < 0.45) emit('REDEEMED', at + rng.int(1, 12) * HOUR + rng.int(0, 3_599_999));
  else if (next < 0.55) emit('REVOKED', at + rng.int(30, 240) * MINUTE + rng.int(0, 59_999));
  return out;
}
