import { JOURNEY_EVENT_TYPES, LEM_EVENT_TYPES } from '../../contracts/enums.js';
import { INPUT_TOPICS } from '../../contracts/topics.js';
import type { Selector, SliFamily, SliTopic } from './model.js';

/**
 * What an SLO may select on, per input family. `where` keys are the string dimensions
 * the per-minute SLI aggregates keep (dwh/sql/020_sli_minute.sql); high-cardinality
 * fields (journey ids, orders, users) are deliberately not among them.
 */
export const SLI_FAMILIES: Record<SliFamily, { topic: SliTopic; eventTypes: readonly string[]; whereKeys: readonly string[] }> = {
  journey: {
    topic: INPUT_TOPICS.journey,
    eventTypes: JOURNEY_EVENT_TYPES,
    whereKeys: [
      'journey_blueprint_id',
      'product_version_id',
      'market_code',
      'city_code',
      'route_id',
      'vendor_id',
      'service_point_id',
      'error_code',
      'preflight_status',
      'preflight_reason',
    ],
  },
  lem: {
    topic: INPUT_TOPICS.lem,
    eventTypes: LEM_EVENT_TYPES,
    whereKeys: ['city_code', 'scope', 'scope_id', 'metric'],
  },
};

export function familyOfSliTopic(topic: string): SliFamily | undefined {
  if (topic === SLI_FAMILIES.journey.topic) return 'journey';
  if (topic === SLI_FAMILIES.lem.topic) return 'lem';
  return undefined;
}

/** A stable text key: selectors with equal keys select the same events. */
export function selectorKey(s: Selector): string {
  return JSON.stringify([s.topic, s.eventTypes, Object.entries(s.where), s.latencyMaxMs]);
}

/** The dimensions of one aggregate cell (or one event), as strings or null. */
export type Dims = Readonly<Record<string, string | null>>;

/** True when an event (or aggregate cell) with these dimensions is selected, ignoring latency. */
export function matchesDims(s: Selector, eventType: string, dims: Dims): boolean {
  if (!s.eventTypes.includes(eventType)) return false;
  for (const [k, v] of Object.entries(s.where)) if (dims[k] !== v) return false;
  return true;
}
