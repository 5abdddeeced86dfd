import type { JourneyEvent } from '../../processors/contracts/events.js';
import { journey, sloYaml } from './support.js';

/**
 * Six hours of completed journey steps in Vienna, 10 a minute at 100 ms, except 02:00-02:29
 * where all 10 take 2600 ms: slow for a 2500 ms threshold, fine for 3000 ms. With a latency SLO
 * (99%, at most 3000 ms, 30 days) and a ratio SLO of another product (no data).
 */
export const SWEEP_FROM = Date.UTC(2026, 2, 10);
export const SWEEP_TO = SWEEP_FROM + 6 * 3_600_000;
export const SLOW_FROM = 120;
export const SLOW_TO = 150;

export function sweepEvents(): JourneyEvent[] {
  const out: JourneyEvent[] = [];
  for (let m = 0; m < 360; m++) {
    for (let i = 0; i < 10; i++) {
      const duration = m >= SLOW_FROM && m < SLOW_TO ? 2600 : 100;
      out.push(journey('NODE_COMPLETED', SWEEP_FROM + m * 60_000 + i * 1000, { duration_ms: duration, event_id: `sw-${m}-${i}` }));
    }
  }
  return out;
}

const LATENCY = `
      thresholdMetric:
        metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [NODE_COMPLETED], where: {city_code: VIE}}}`;

export const SWEEP_YAML = [
  sloYaml({ name: 'vie-node-latency', target: 0.99, op: 'lte', value: 3000, indicator: LATENCY, window: '30d' }),
  sloYaml({ name: 'coffee-success', target: 0.99, window: '30d' }),
].join('---\n');

/** ISO instant `minute` minutes after the start. */
export const sweepAt = (minute: number): string => new Date(SWEEP_FROM + minute * 60_000).toISOString();
