import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../processors/simulator/index.js';
import { referenceCounts } from '../../processors/slo/core/reference.js';
import { LATENCY_BOUNDS_MS } from '../../processors/slo/store/latency-bounds.js';
import { readCounts } from '../../processors/slo/store/series-reader.js';
import { indicatorSource } from '../../processors/slo/store/sql.js';
import type { SloDefinition } from '../../processors/slo/definitions/model.js';
import { projectPath } from '../../processors/util/project-path.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { insertFacts, sliEventsOf } from './sim-events.js';
import { insertFactRowsOnce } from '../../processors/ingest/event-keys.js';
import { slosFromYaml, sloYaml } from './support.js';

const lemIndicator = (where: string, types = '[SCORE_UPDATED, SAFETY_DEGRADED, SAFETY_RESTORED]') => `
      thresholdMetric:
        metricSource: {type: slo-pipeline, spec: {topic: lem.signals.v1, eventTypes: ${types}, where: ${where}}}`;
const latencyIndicator = `
      thresholdMetric:
        metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [NODE_COMPLETED, NODE_FAILED], where: {city_code: VIE}}}`;

const SLOS: SloDefinition[] = slosFromYaml(
  [
    sloYaml({ name: 'coffee-success' }),
    sloYaml({ name: 'coffee-success-slices', budgeting: 'Timeslices', sliceTarget: 0.9, sliceWindow: '5m' }),
    sloYaml({
      name: 'vendor-no-show',
      indicator: `
      ratioMetric:
        bad: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [NODE_FAILED, JOURNEY_FAILED], where: {error_code: VENDOR_NO_SHOW}}}}
        total: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [NODE_COMPLETED, NODE_FAILED, JOURNEY_FAILED]}}}`,
    }),
    sloYaml({ name: 'node-latency-bound', target: 0.9, op: 'lte', value: 500, indicator: latencyIndicator }),
    sloYaml({ name: 'node-latency-between', target: 0.9, op: 'lt', value: 437, indicator: latencyIndicator }),
    sloYaml({ name: 'node-latency-above', target: 0.9, op: 'gt', value: 300, indicator: latencyIndicator }),
    sloYaml({
      name: 'fast-journeys',
      indicator: `
      ratioMetric:
        good: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED], latencyBelowMs: 2000}}}
        total: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED, JOURNEY_FAILED]}}}`,
    }),
    sloYaml({ name: 'route-safety', op: 'gte', value: 0.6, indicator: lemIndicator('{scope_id: ROUTE-VIEN-COFFEE-01, metric: SAFETY_SCORE}') }),
    sloYaml({
      name: 'coverage',
      op: 'gte',
      value: 0.5,
      budgeting: 'Timeslices',
      sliceTarget: 0.95,
      sliceWindow: '1m',
      indicator: lemIndicator('{scope: SERVICE_POINT, metric: COVERAGE_SCORE}', '[SCORE_UPDATED, COVERAGE_DEGRADED, COVERAGE_RESTORED]'),
    }),
  ].join('---\n'),
);

describe('SLI aggregates in the warehouse', () => {
  let t: TestWarehouse;
  const sim = simulate({ seed: 7, days: 1, journeysPerDay: 3000, malformedRate: 0 });
  const events = sliEventsOf(sim.records);
  const from = Math.floor(sim.truth.start / 60_000) - 60;
  const to = Math.floor(sim.truth.end / 60_000) + 8 * 60;

  beforeAll(async () => {
    t = await openTestWarehouse();
    // Delivered with duplicates and out of order; then one batch replayed as a whole.
    const batches = await insertFacts(t.wh, events, 1500);
    const replay = batches[3];
    if (replay) await insertFactRowsOnce(t.wh, replay.table, replay.rows, { dedupToken: `${replay.token}-again` });
  });
  afterAll(async () => {
    await t.drop();
  });

  it('keeps the latency bounds of the SQL and the code equal', () => {
    const sql = readFileSync(projectPath('dwh', 'sql', '025_sli_counts.sql'), 'utf8');
    const lists = [...sql.matchAll(/arrayFirst\(b -> b >= assumeNotNull\(duration_ms\), \[([0-9, ]+)\]\)/g)].map((m) => m[1]?.split(', ').map(Number));
    expect(lists.length).toBe(2);
    for (const l of lists) expect(l).toEqual(LATENCY_BOUNDS_MS);
  });

  it('reads from the aggregate where it can and from the facts for a cut between bounds', () => {
    expect(SLOS.map((s) => [s.id, indicatorSource(s.indicator)])).toEqual([
      ['coffee-success', 'aggregate'],
      ['coffee-success-slices', 'aggregate'],
      ['vendor-no-show', 'aggregate'],
      ['node-latency-bound', 'aggregate'],
      ['node-latency-between', 'facts'],
      ['node-latency-above', 'aggregate'],
      ['fast-journeys', 'aggregate'],
      ['route-safety', 'aggregate'],
      ['coverage', 'aggregate'],
    ]);
  });

  it.each(SLOS.map((s) => [s.id, s] as const))('%s: per-minute counts equal those computed from the events', async (_id, slo) => {
    const expected = referenceCounts(slo, events, from, to - from);
    const got = await readCounts(t.wh, slo, from, to);
    expect(Array.from(got.total)).toEqual(Array.from(expected.total));
    expect(Array.from(got.good)).toEqual(Array.from(expected.good));
    const total = expected.total.reduce((a, b) => a + b, 0);
    const bad = total - expected.good.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0);
    // Every SLO here sees some bad units in a day with incidents and latency tails.
    expect(bad).toBeGreaterThan(0);
  });

  it('answers a sub-range without the minutes outside it, holding levels from before it', async () => {
    const slo = SLOS.find((s) => s.id === 'route-safety') as SloDefinition;
    const mid = from + 12 * 60;
    const expected = referenceCounts(slo, events, mid, 90);
    const got = await readCounts(t.wh, slo, mid, mid + 90);
    expect(Array.from(got.total)).toEqual(Array.from(expected.total));
    expect(Array.from(got.good)).toEqual(Array.from(expected.good));
    expect(got.total.every((x) => x === 1)).toBe(true);
  });
});
