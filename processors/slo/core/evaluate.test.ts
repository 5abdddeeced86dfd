import { describe, expect, it } from 'vitest';
import { journey, lem, minute, sloFromYaml, sloYaml } from '../../../test/slo/support.js';
import { evaluate } from './evaluate.js';
import { referenceCounts, type SliEvents } from './reference.js';
import { UnitSeries } from './series.js';
import type { SloDefinition } from '../definitions/model.js';

/** Evaluates `slo` at `at` over events, with a series spanning 40 days before `at`. */
function evalAt(slo: SloDefinition, events: SliEvents, at: string) {
  const end = minute(at) + 1;
  const start = end - 40 * 1440;
  return evaluate(slo, new UnitSeries(referenceCounts(slo, events, start, end - start), slo.budgeting), Date.parse(at));
}

const repeat = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('ratio SLO (Occurrences, rolling 30d, target 0.99)', () => {
  const slo = sloFromYaml(sloYaml());
  const events: SliEvents = {
    journey: [
      ...repeat(890, () => journey('JOURNEY_COMPLETED', '2024-03-05T00:00:10Z')),
      ...repeat(10, () => journey('JOURNEY_FAILED', '2024-03-05T00:00:20Z')),
      ...repeat(90, () => journey('JOURNEY_COMPLETED', '2024-03-10T11:30:00Z')),
      ...repeat(10, () => journey('JOURNEY_FAILED', '2024-03-10T11:30:30Z')),
      ...repeat(5, () => journey('JOURNEY_COMPLETED', '2024-03-10T11:57:00Z')),
      ...repeat(5, () => journey('JOURNEY_ABANDONED', '2024-03-10T11:57:59.999Z')),
      // Not selected: other product, other event type, and at T itself (outside [T-W, T)).
      journey('JOURNEY_FAILED', '2024-03-10T11:40:00Z', { product_version_id: 'PRDV-OTHER' }),
      journey('NODE_FAILED', '2024-03-10T11:40:00Z'),
      journey('JOURNEY_FAILED', '2024-03-10T12:00:00Z'),
      // Window edge: T - 30d is inside, one ms earlier is not.
      journey('JOURNEY_COMPLETED', '2024-02-09T12:00:00Z'),
      journey('JOURNEY_FAILED', '2024-02-09T11:59:59.999Z'),
    ],
  };

  it('computes sli, budget and every burn rate by hand', () => {
    const ev = evalAt(slo, events, '2024-03-10T12:00:00Z');
    // total 900 + 100 + 10 + 1 = 1011, bad 10 + 10 + 5 = 25
    expect(ev.total).toBe(1011);
    expect(ev.good).toBe(986);
    expect(ev.sli).toBeCloseTo(986 / 1011, 12);
    expect(ev.error_budget_remaining).toBeCloseTo(1 - 25 / (0.01 * 1011), 10);
    expect(ev.error_budget_remaining).toBeLessThan(0);
    // last 5m: 5 bad of 10 -> 0.5 / 0.01; last 30m..3d: 15 bad of 110
    expect(ev.burn_rates).toEqual({
      '5m': 50,
      '30m': 13.636363636364,
      '1h': 13.636363636364,
      '2h': 13.636363636364,
      '6h': 13.636363636364,
      '1d': 13.636363636364,
      '3d': 13.636363636364,
    });
    expect(ev.time_to_exhaustion_ms).toBe(0);
    expect(ev.window_start).toBe(Date.parse('2024-02-09T12:00:00Z'));
  });

  it('counts only whole minutes when T is not on a minute boundary', () => {
    // T = 11:57:30: minute 11:57 is not whole yet, so the 10 events at 11:57 are out; the
    // window starts at the first whole minute after T - 30d (11:58), so 11:59:59.999 is in.
    const ev = evalAt(slo, events, '2024-03-10T11:57:30Z');
    expect(ev.window_start).toBe(Date.parse('2024-02-09T11:58:00Z'));
    expect(ev.total).toBe(1002);
    expect(ev.burn_rates['5m']).toBe(0);
  });

  it('treats an empty window as no data: sli null, full budget, zero burn', () => {
    const ev = evalAt(slo, { journey: [] }, '2024-03-10T12:00:00Z');
    expect(ev).toMatchObject({ total: 0, sli: null, error_budget_remaining: 1, time_to_exhaustion_ms: null });
    expect(Object.values(ev.burn_rates).every((b) => b === 0)).toBe(true);
  });

  it('projects time to exhaustion from the last hour of burn', () => {
    const evs: SliEvents = {
      journey: [
        ...repeat(995, () => journey('JOURNEY_COMPLETED', '2024-03-01T00:00:00Z')),
        ...repeat(5, () => journey('JOURNEY_FAILED', '2024-03-01T00:00:00Z')),
        ...repeat(99, () => journey('JOURNEY_COMPLETED', '2024-03-10T11:10:00Z')),
        journey('JOURNEY_FAILED', '2024-03-10T11:10:00Z'),
      ],
    };
    const ev = evalAt(slo, evs, '2024-03-10T12:00:00Z');
    // 6 bad of 1100: remaining 1 - 6/11; 1h burn (1/100)/0.01 = 1 -> remaining * 30 days
    expect(ev.error_budget_remaining).toBeCloseTo(5 / 11, 12);
    expect(ev.burn_rates['1h']).toBe(1);
    expect(ev.time_to_exhaustion_ms).toBeCloseTo((5 / 11) * 30 * 86_400_000, -3);
    // Without current burn the budget never runs out.
    const quiet = evalAt(slo, { journey: evs.journey?.slice(0, 1000) ?? [] }, '2024-03-10T12:00:00Z');
    expect(quiet.error_budget_remaining).toBe(0.5);
    expect(quiet.time_to_exhaustion_ms).toBeNull();
  });

  it('counts a duplicate event_id once', () => {
    const e = journey('JOURNEY_FAILED', '2024-03-10T11:59:00Z');
    const ev = evalAt(slo, { journey: [e, { ...e }, journey('JOURNEY_COMPLETED', '2024-03-10T11:59:00Z')] }, '2024-03-10T12:00:00Z');
    expect(ev.total).toBe(2);
    expect(ev.burn_rates['5m']).toBe(50);
  });
});

describe('bad/total ratio', () => {
  it('derives good as total minus bad', () => {
    const slo = sloFromYaml(
      sloYaml({
        target: 0.95,
        indicator: `
      ratioMetric:
        counter: true
        bad:
          metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [NODE_FAILED], where: {error_code: VENDOR_NO_SHOW}}}
        total:
          metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [NODE_COMPLETED, NODE_FAILED]}}`,
      }),
    );
    const ev = evalAt(
      slo,
      {
        journey: [
          ...repeat(16, () => journey('NODE_COMPLETED', '2024-03-10T11:00:00Z')),
          ...repeat(3, () => journey('NODE_FAILED', '2024-03-10T11:00:00Z', { error_code: 'VENDOR_NO_SHOW' })),
          journey('NODE_FAILED', '2024-03-10T11:00:00Z', { error_code: 'PLATFORM_BUG' }),
        ],
      },
      '2024-03-10T12:00:00Z',
    );
    expect(ev).toMatchObject({ total: 20, good: 17, sli: 0.85 });
    expect(ev.error_budget_remaining).toBe(-2); // 1 - 3 / (0.05 * 20)
    expect(ev.burn_rates['1h']).toBe(3);
  });
});

describe('latency SLO (thresholdMetric on duration_ms)', () => {
  const events: SliEvents = {
    journey: [
      journey('JOURNEY_COMPLETED', '2024-03-10T11:00:00Z', { duration_ms: 1500 }),
      journey('JOURNEY_COMPLETED', '2024-03-10T11:00:00Z', { duration_ms: 2000 }),
      journey('JOURNEY_COMPLETED', '2024-03-10T11:00:00Z', { duration_ms: 2001 }),
      journey('JOURNEY_COMPLETED', '2024-03-10T11:00:00Z', { duration_ms: 3000 }),
      journey('JOURNEY_COMPLETED', '2024-03-10T11:00:00Z', { duration_ms: null }),
      journey('NODE_COMPLETED', '2024-03-10T11:00:00Z', { duration_ms: 100 }),
    ],
  };
  const latency = (op: string, value: number) =>
    sloFromYaml(
      sloYaml({
        target: 0.9,
        op,
        value,
        indicator: `
      thresholdMetric:
        metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED]}}`,
      }),
    );
  it.each([
    ['lte', 2000, 2],
    ['lt', 2000, 1],
    ['gt', 2000, 2],
    ['gte', 2000, 3],
    ['lte', 2000.5, 2],
    ['lt', 2000.5, 2],
  ])('op %s %d: %d of 4 timed events are good', (op, value, good) => {
    const ev = evalAt(latency(op, value), events, '2024-03-10T12:00:00Z');
    expect(ev.total).toBe(4);
    expect(ev.good).toBe(good);
    expect(ev.error_budget_remaining).toBeCloseTo(1 - (4 - good) / (0.1 * 4), 12);
  });

  it('counts latencyBelowMs in a ratioMetric the same way', () => {
    const slo = sloFromYaml(
      sloYaml({
        indicator: `
      ratioMetric:
        counter: true
        good: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED], latencyBelowMs: 2000}}}
        total: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED]}}}`,
      }),
    );
    const ev = evalAt(slo, events, '2024-03-10T12:00:00Z');
    expect(ev).toMatchObject({ total: 5, good: 2, sli: 0.4 });
  });
});

describe('LEM scores as levels, per minute slice', () => {
  const indicator = `
      thresholdMetric:
        metricSource:
          type: slo-pipeline
          spec: {topic: lem.signals.v1, eventTypes: [SCORE_UPDATED, SAFETY_DEGRADED, SAFETY_RESTORED], where: {scope_id: ROUTE-VIEN-COFFEE-01, metric: SAFETY_SCORE}}`;
  const events: SliEvents = {
    lem: [
      lem('2024-03-10T10:00:30Z', 0.9),
      lem('2024-03-10T10:20:50Z', 0.8),
      lem('2024-03-10T10:20:10Z', 0.5, { event_type: 'SAFETY_DEGRADED' }), // same minute, earlier: replaced
      lem('2024-03-10T10:30:00Z', 0.6, { event_type: 'SAFETY_DEGRADED' }),
      lem('2024-03-10T10:40:00Z', 0.75, { event_type: 'SAFETY_RESTORED' }),
      lem('2024-03-10T10:35:00Z', 0.1, { metric: 'NIGHT_RISK_SCORE' }), // other metric: not selected
      lem('2024-03-10T10:36:00Z', 0.1, { event_type: 'COVERAGE_DEGRADED' }), // other event type
    ],
  };

  it('holds each score until the next update (Occurrences of minutes)', () => {
    const slo = sloFromYaml(sloYaml({ target: 0.95, op: 'gte', value: 0.7, indicator }));
    const ev = evalAt(slo, events, '2024-03-10T11:00:00Z');
    // 10:00-10:29 good (0.9, then 0.8), 10:30-10:39 bad (0.6), 10:40-10:59 good (0.75)
    expect(ev).toMatchObject({ total: 60, good: 50 });
    expect(ev.error_budget_remaining).toBeCloseTo(1 - 10 / (0.05 * 60), 12);
    expect(ev.burn_rates['1h']).toBeCloseTo(10 / 60 / 0.05, 10);
    expect(ev.burn_rates['5m']).toBe(0);
  });

  it('budgets in time slices: a slice is good when its own ratio reaches timeSliceTarget', () => {
    const slo = sloFromYaml(
      sloYaml({ target: 0.9, op: 'gte', value: 0.7, budgeting: 'Timeslices', sliceTarget: 0.8, sliceWindow: '10m', indicator }),
    );
    // 10-minute slices 10:00 (10/10 good), 10:10 (10/10), 10:20 (10/10), 10:30 (0/10), 10:40, 10:50
    const ev = evalAt(slo, events, '2024-03-10T11:00:00Z');
    expect(ev).toMatchObject({ total: 6, good: 5 });
    expect(ev.error_budget_remaining).toBeCloseTo(1 - 1 / (0.1 * 6), 12);
    // At 10:58 the last slice (10:50-10:59) is not complete and does not count yet.
    expect(evalAt(slo, events, '2024-03-10T10:58:00Z')).toMatchObject({ total: 5, good: 4 });
  });
});

describe('Timeslices over a ratio', () => {
  it('skips slices without data and counts only complete slices', () => {
    const slo = sloFromYaml(sloYaml({ target: 0.9, budgeting: 'Timeslices', sliceTarget: 0.8, sliceWindow: '5m' }));
    const ok = (n: number, at: string) => repeat(n, () => journey('JOURNEY_COMPLETED', at));
    const bad = (n: number, at: string) => repeat(n, () => journey('JOURNEY_FAILED', at));
    const events: SliEvents = {
      journey: [
        ...ok(9, '2024-03-10T10:00:00Z'),
        ...bad(1, '2024-03-10T10:04:00Z'), // slice 10:00: 0.9 -> good
        ...ok(7, '2024-03-10T10:05:00Z'),
        ...bad(3, '2024-03-10T10:09:59Z'), // slice 10:05: 0.7 -> bad
        // slice 10:10: no data -> not a slice
        ...ok(1, '2024-03-10T10:15:00Z'), // slice 10:15: good
      ],
    };
    const ev = evalAt(slo, events, '2024-03-10T10:20:00Z');
    expect(ev).toMatchObject({ total: 3, good: 2 });
    expect(ev.error_budget_remaining).toBeCloseTo(1 - 1 / (0.1 * 3), 12);
    expect(evalAt(slo, events, '2024-03-10T10:18:00Z')).toMatchObject({ total: 2, good: 1 });
  });
});

describe('calendar windows', () => {
  const vienna = { startTime: '2024-01-01 00:00:00', timeZone: 'Europe/Vienna' };
  const events: SliEvents = {
    journey: [
      journey('JOURNEY_FAILED', '2024-02-29T22:59:59Z'), // 23:59:59 local on Feb 29: February
      journey('JOURNEY_FAILED', '2024-02-29T23:00:00Z'), // 00:00 local on Mar 1: March
      ...repeat(99, () => journey('JOURNEY_COMPLETED', '2024-03-10T08:00:00Z')),
      journey('JOURNEY_FAILED', '2024-03-31T21:59:00Z'), // 23:59 CEST on Mar 31: March
      journey('JOURNEY_COMPLETED', '2024-03-31T22:00:00Z'), // 00:00 CEST on Apr 1: April
    ],
  };

  it('starts a month at local midnight in its time zone', () => {
    const slo = sloFromYaml(sloYaml({ calendar: vienna }));
    const ev = evalAt(slo, events, '2024-03-15T00:00:00Z');
    expect(ev.window_start).toBe(Date.parse('2024-02-29T23:00:00Z'));
    expect(ev).toMatchObject({ total: 100, good: 99, sli: 0.99, error_budget_remaining: 0 });
  });

  it('moves the month boundary with daylight saving time', () => {
    const slo = sloFromYaml(sloYaml({ calendar: vienna }));
    const endOfMarch = evalAt(slo, events, '2024-03-31T22:00:00Z');
    expect(endOfMarch.window_start).toBe(Date.parse('2024-03-31T22:00:00Z'));
    expect(endOfMarch).toMatchObject({ total: 0, sli: null, error_budget_remaining: 1 });
    const lastMinute = evalAt(slo, events, '2024-03-31T21:59:59Z');
    expect(lastMinute).toMatchObject({ total: 100, good: 99 });
    const april = evalAt(slo, events, '2024-04-02T00:00:00Z');
    expect(april).toMatchObject({ total: 1, good: 1, window_start: Date.parse('2024-03-31T22:00:00Z') });
  });

  it('runs weeks from the start time and clamps month ends', () => {
    const week = sloFromYaml(sloYaml({ window: '1w', calendar: vienna }));
    expect(evalAt(week, events, '2024-03-31T12:00:00Z').window_start).toBe(Date.parse('2024-03-24T23:00:00Z'));
    expect(evalAt(week, events, '2024-04-01T12:00:00Z').window_start).toBe(Date.parse('2024-03-31T22:00:00Z'));
    const fromJan31 = sloFromYaml(sloYaml({ calendar: { startTime: '2024-01-31 00:00:00', timeZone: 'UTC' } }));
    expect(evalAt(fromJan31, events, '2024-03-05T00:00:00Z').window_start).toBe(Date.parse('2024-02-29T00:00:00Z'));
    expect(evalAt(fromJan31, events, '2024-03-31T00:00:00Z').window_start).toBe(Date.parse('2024-03-31T00:00:00Z'));
  });
});

describe('default alert thresholds', () => {
  it('are the 30-day factors for 30d and calendar months, scaled for other windows', () => {
    const thresholds = (slo: SloDefinition) => slo.alerting.rules.map((r) => `${r.severity} ${r.threshold}x ${r.longWindow}/${r.shortWindow}`);
    expect(thresholds(sloFromYaml(sloYaml()))).toEqual(['PAGE 14.4x 1h/5m', 'PAGE 6x 6h/30m', 'TICKET 3x 1d/2h', 'TICKET 1x 3d/6h']);
    expect(thresholds(sloFromYaml(sloYaml({ calendar: { startTime: '2024-01-01 00:00:00', timeZone: 'UTC' } })))).toEqual([
      'PAGE 14.4x 1h/5m',
      'PAGE 6x 6h/30m',
      'TICKET 3x 1d/2h',
      'TICKET 1x 3d/6h',
    ]);
    expect(thresholds(sloFromYaml(sloYaml({ window: '28d' })))).toEqual([
      'PAGE 13.44x 1h/5m',
      'PAGE 5.6x 6h/30m',
      'TICKET 2.8x 1d/2h',
      'TICKET 1x 3d/6h',
    ]);
  });

  it('can be overridden per SLO', () => {
    const slo = sloFromYaml(sloYaml({ annotations: { 'ops.alert.page': '10x 30m/5m', 'ops.alert.ticket': 'none' } }));
    expect(slo.alerting.rules).toEqual([{ severity: 'PAGE', threshold: 10, longWindow: '30m', longMinutes: 30, shortWindow: '5m', shortMinutes: 5 }]);
  });
});
