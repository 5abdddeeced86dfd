import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchSloYaml } from '../../bench/slo-bench-slos.js';
import { simulate } from '../../processors/simulator/index.js';
import type { SloDefinition } from '../../processors/slo/definitions/model.js';
import { coarseSpan, readPlan, summable } from '../../processors/slo/replay/read-plan.js';
import { evaluateSlo, evaluateSlos, historyNeeded } from '../../processors/slo/replay/status.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { insertFacts, sliEventsOf } from './sim-events.js';
import { slosFromYaml, sloYaml } from './support.js';

// `slo status` reads the budget window before the alert replay's span as whole hours and
// whole UTC days (read-plan.ts) and must give exactly what per-minute reads give.
const J = 'tjm.journey.v1';
const EXTRA: SloDefinition[] = slosFromYaml(
  [
    sloYaml({
      name: 'x-all-success',
      target: 0.9,
      indicator: `
      ratioMetric:
        good: {metricSource: {type: slo-pipeline, spec: {topic: ${J}, eventTypes: [JOURNEY_COMPLETED]}}}
        total: {metricSource: {type: slo-pipeline, spec: {topic: ${J}, eventTypes: [JOURNEY_COMPLETED, JOURNEY_FAILED, JOURNEY_ABANDONED]}}}`,
    }),
    // Good events outside the total: capped minute by minute, so read minute by minute.
    sloYaml({
      name: 'x-good-outside-total',
      target: 0.5,
      indicator: `
      ratioMetric:
        good: {metricSource: {type: slo-pipeline, spec: {topic: ${J}, eventTypes: [JOURNEY_COMPLETED]}}}
        total: {metricSource: {type: slo-pipeline, spec: {topic: ${J}, eventTypes: [JOURNEY_FAILED]}}}`,
    }),
    sloYaml({
      name: 'x-fast-between',
      indicator: `
      ratioMetric:
        good: {metricSource: {type: slo-pipeline, spec: {topic: ${J}, eventTypes: [JOURNEY_COMPLETED], latencyBelowMs: 1234}}}
        total: {metricSource: {type: slo-pipeline, spec: {topic: ${J}, eventTypes: [JOURNEY_COMPLETED, JOURNEY_FAILED]}}}`,
    }),
    sloYaml({ name: 'x-28d', window: '28d' }),
    sloYaml({ name: 'x-month-kathmandu', calendar: { startTime: '2026-01-01 00:00:00', timeZone: 'Asia/Kathmandu' } }),
  ].join('---\n'),
);

const MIN = 60_000;

describe('slo status: long windows from hour and day rollups', () => {
  let t: TestWarehouse;
  const start = Date.parse('2026-03-02T00:00:00Z');
  const sim = simulate({ seed: 5, days: 13, start, journeysPerDay: 250, malformedRate: 0 });
  const events = sliEventsOf(sim.records);
  const bench = slosFromYaml(benchSloYaml(1000), 'bench.yaml').filter((_, i) => i % 29 === 0);
  const slos = [...EXTRA, ...bench];
  // Not on whole hours: every budget window has a ragged head of minutes.
  const instants = [start + 12 * 1440 * MIN + 7 * 60 * MIN + 13 * MIN, start + 13 * 1440 * MIN - 47 * MIN];
  const incident = sim.truth.incidents.find((i) => i.window.from > start + 11 * 1440 * MIN);
  if (incident) instants.push(incident.window.to - 9 * MIN);

  beforeAll(async () => {
    t = await openTestWarehouse();
    await insertFacts(t.wh, events, 5000);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('splits a budget window into head minutes, whole hours and whole days', () => {
    // 2026-03-02 10:17 -> 2026-03-05 03:00
    const from = Date.parse('2026-03-02T10:17:00Z') / MIN;
    const fine = Date.parse('2026-03-05T03:00:00Z') / MIN;
    const m = (iso: string): number => Date.parse(iso) / MIN;
    expect(coarseSpan(from, fine)).toEqual({
      from,
      minutes: [from, m('2026-03-02T11:00:00Z')],
      hours: [
        [m('2026-03-02T11:00:00Z'), m('2026-03-03T00:00:00Z')],
        [m('2026-03-05T00:00:00Z'), fine],
      ],
      days: [m('2026-03-03T00:00:00Z'), m('2026-03-05T00:00:00Z')],
    });
    // Within one day: hours only.
    expect(coarseSpan(from, m('2026-03-02T20:00:00Z')).days).toBeNull();
  });

  it('reads minutes one by one only for SLOs whose sums need them', () => {
    const at = instants[0] as number;
    const needs = slos.map((s) => {
      const h = historyNeeded(s, at);
      return { from: h.from, fine: h.alertEarliest - 4320 };
    });
    const plan = readPlan(slos, needs);
    const id = (i: number): string => (slos[i] as SloDefinition).id;
    const coarse = plan.spans.flatMap((s, i) => (s ? [id(i)] : []));
    expect(coarse).toContain('x-all-success');
    expect(coarse).toContain('x-28d');
    expect(coarse).toContain('x-month-kathmandu');
    expect(coarse).toContain('x-fast-between');
    expect(coarse).not.toContain('x-good-outside-total');
    for (const [i, s] of slos.entries()) {
      if (s.budgeting.method === 'Timeslices' || s.indicator.kind === 'level') {
        expect(plan.spans[i], s.id).toBeNull();
        expect(summable(s), s.id).toBe(false);
      }
    }
    expect(plan.fine % 60).toBe(0);
  });

  it.each(instants.map((at) => [new Date(at).toISOString(), at] as const))('at %s every SLO evaluates as with per-minute reads', async (_iso, at) => {
    const batch = await evaluateSlos(t.wh, slos, at);
    let total = 0;
    for (const [i, slo] of slos.entries()) {
      const own = await evaluateSlo(t.wh, slo, at);
      expect(batch[i], slo.id).toEqual(own);
      total += own.total;
    }
    expect(total).toBeGreaterThan(0);
  });

  it('alerts fire in the data, so the replay over minutes is exercised', async () => {
    const rows = await Promise.all(instants.map((at) => evaluateSlos(t.wh, slos, at)));
    expect(rows.flat().filter((d) => d.alerts.length > 0).length).toBeGreaterThan(0);
  });

  it('the hour and day cells are what is read before the replay span', async () => {
    const at = instants[0] as number;
    const i = slos.findIndex((s) => s.id === 'x-all-success');
    const slo = slos[i] as SloDefinition;
    const before = (await evaluateSlos(t.wh, slos, at))[i];
    const h = historyNeeded(slo, at);
    const span = coarseSpan(h.from, Math.floor((h.alertEarliest - 4320) / 60) * 60);
    const day = span.days?.[0] as number;
    const hour = span.hours[0]?.[0] as number;
    const row = (col: string, minute: number, n: number): Record<string, unknown> => ({
      [col]: minute * 60,
      event_type: 'JOURNEY_COMPLETED',
      journey_blueprint_id: '',
      product_version_id: '',
      market_code: '',
      city_code: '',
      route_id: '',
      vendor_id: '',
      service_point_id: '',
      error_code: '',
      preflight_status: '',
      preflight_reason: '',
      latency_le: -1,
      events: n,
    });
    // Cells only the hour and day rollups hold: per-minute reads do not see them.
    await t.wh.insert('sli_journey_day', [row('day', day, 1000)]);
    await t.wh.insert('sli_journey_hour', [row('hour', hour, 7)]);
    const after = (await evaluateSlos(t.wh, slos, at))[i];
    expect(after?.total).toBe((before?.total ?? 0) + 1007);
    expect(after?.good).toBe((before?.good ?? 0) + 1007);
    expect((await evaluateSlo(t.wh, slo, at)).total).toBe(before?.total);
  });
});
