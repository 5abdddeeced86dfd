import type { CompensationEvent, FxRate, JourneyEvent, LemSignal, OpsIncidentEvent, RefundEvent } from '../contracts/events.js';
import { INPUT_TOPICS } from '../contracts/topics.js';
import type { ResolvedSimOptions } from './options.js';
import type { Prng } from './prng.js';
import type { TruthBuilder } from './truth.js';
import type { EventRecord } from './types.js';

/** What the generators share: options, the traffic PRNG, id allocation and the emitter. */
export interface SimContext {
  readonly opts: ResolvedSimOptions;
  readonly runId: string;
  /** First instant after the simulated period; follow-up steps (refunds, redemptions) past it do not happen. */
  readonly end: number;
  readonly rng: Prng;
  readonly truth: TruthBuilder;
  nextEventId(): string;
  /** A new id like `RF-<run>-<n>`; each prefix counts on its own. */
  nextId(prefix: string): string;
  /** The next `<run>-<n>` of a counter (journeys share one serial across JI-, ORD-, SES- ids). */
  serial(counter: string): string;
  /** Hands a valid event to delivery and counts it in the truth. */
  emit(rec: EventRecord): void;
}

export const journeyRecord = (value: JourneyEvent): EventRecord => ({ kind: 'event', topic: INPUT_TOPICS.journey, key: value.journey_instance_id, value });
export const lemRecord = (value: LemSignal): EventRecord => ({ kind: 'event', topic: INPUT_TOPICS.lem, key: value.scope_id, value });
export const incidentRecord = (value: OpsIncidentEvent): EventRecord => ({ kind: 'event', topic: INPUT_TOPICS.incident, key: value.incident_id, value });
export const compensationRecord = (value: CompensationEvent): EventRecord => ({
  kind: 'event',
  topic: INPUT_TOPICS.compensation,
  key: value.incident_id,
  value,
});
export const refundRecord = (value: RefundEvent): EventRecord => ({ kind: 'event', topic: INPUT_TOPICS.refund, key: value.order_id, value });
export const fxRecord = (value: FxRate): EventRecord => ({ kind: 'event', topic: INPUT_TOPICS.fx, key: value.currency, value });
