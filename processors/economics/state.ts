import type { IncidentEventIn, JourneyEventIn, RefundEventIn } from './types.js';

/**
 * "Latest wins" reducers. Each picks the maximum event by (occurred_at, rank of the event
 * type, event_id): a total order over distinct events, so the result depends only on the
 * set of events, never on the order they arrived in. The rank breaks ties at the same
 * millisecond in the direction of the lifecycle (a RESOLVED beats an UPDATED stamped the
 * same instant); event_id makes the last tie deterministic.
 */
interface Ranked {
  event_id: string;
  occurred_at: number;
}

function later<T extends Ranked>(a: T, b: T, rank: (e: T) => number): T {
  if (a.occurred_at !== b.occurred_at) return a.occurred_at > b.occurred_at ? a : b;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra > rb ? a : b;
  return a.event_id >= b.event_id ? a : b;
}

function latest<T extends Ranked>(events: Iterable<T>, rank: (e: T) => number): T | null {
  let best: T | null = null;
  for (const e of events) best = best === null ? e : later(best, e, rank);
  return best;
}

const INCIDENT_RANK: Readonly<Record<string, number>> = { OPENED: 0, UPDATED: 1, RESOLVED: 2 };
const TERMINAL_RANK: Readonly<Record<string, number>> = { JOURNEY_COMPLETED: 1, JOURNEY_FAILED: 2, JOURNEY_ABANDONED: 3 };
const REFUND_RANK: Readonly<Record<string, number>> = { REQUESTED: 0, FAILED: 1, SUCCEEDED: 2 };

/** The incident's current state: its latest event (every field, journey_instance_ids included). */
export function latestIncidentEvent(events: Iterable<IncidentEventIn>): IncidentEventIn | null {
  return latest(events, (e) => INCIDENT_RANK[e.event_type] ?? -1);
}

export function isTerminalJourneyEvent(type: string): boolean {
  return TERMINAL_RANK[type] !== undefined;
}

export interface JourneyState {
  journey_instance_id: string;
  /**
   * The latest terminal event (COMPLETED, FAILED, ABANDONED), or null while the journey is
   * still running. Node telemetry arriving after the end does not reopen a journey.
   */
  final: JourneyEventIn | null;
  /** The booked order: the latest event that carries an order_id (JOURNEY_STARTED). */
  order: { order_id: string; order_value_minor: number | null; currency: string | null } | null;
}

export function journeyState(journeyId: string, events: Iterable<JourneyEventIn>): JourneyState {
  const all = [...events];
  const final = latest(
    all.filter((e) => isTerminalJourneyEvent(e.event_type)),
    (e) => TERMINAL_RANK[e.event_type] ?? 0,
  );
  const booking = latest(
    all.filter((e) => e.order_id != null),
    (e) => (e.event_type === 'JOURNEY_STARTED' ? 1 : 0),
  );
  return {
    journey_instance_id: journeyId,
    final,
    order:
      booking?.order_id != null
        ? { order_id: booking.order_id, order_value_minor: booking.order_value_minor, currency: booking.currency }
        : null,
  };
}

/**
 * A refund's current state: its latest event. It costs money when that is SUCCEEDED (a
 * refund that later FAILED, e.g. reversed by the PSP, does not); at equal instants
 * SUCCEEDED outranks FAILED so that contradictory data errs on the side of reporting cost.
 */
export function latestRefundEvent(events: Iterable<RefundEventIn>): RefundEventIn | null {
  return latest(events, (e) => REFUND_RANK[e.event_type] ?? -1);
}

/** Groups events by a key, keeping one event per event_id (duplicates are the same event). */
export function groupUnique<T extends { event_id: string }>(events: Iterable<T>, key: (e: T) => string): Map<string, T[]> {
  const seen = new Set<string>();
  const out = new Map<string, T[]>();
  for (const e of events) {
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    const k = key(e);
    const list = out.get(k);
    if (list) list.push(e);
    else out.set(k, [e]);
  }
  return out;
}
