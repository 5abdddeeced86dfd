import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchSloYaml } from '../../bench/slo-bench-slos.js';
import { simulate } from '../../processors/simulator/index.js';
import { referenceCounts } from '../../processors/slo/core/reference.js';
import type { SloDefinition } from '../../processors/slo/definitions/model.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import { StatusCells } from '../../processors/slo/replay/cells.js';
import { evaluateSlo, evaluateSlos, historyNeeded } from '../../processors/slo/replay/status.js';
import { readCounts } from '../../processors/slo/store/series-reader.js';
import { indicatorSource } from '../../processors/slo/store/sql.js';
import { projectPath } from '../../processors/util/project-path.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { insertFacts, sliEventsOf } from './sim-events.js';
import { slosFromYaml, sloYaml } from './support.js';

// The batched read of `slo status` (replay/cells.ts: one query per source for every SLO)
// against the per-SLO reads (`readCounts`) and the counts computed from the events
// themselves, on a simulated day with incidents, duplicates and latency tails.
const latencyIndicator = `
      thresholdMetric:
        metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [NODE_COMPLETED, NODE_FAILED], where: {city_code: VIE}}}`;
const EXTRA: SloDefinition[] = slosFromYaml(
  [
    sloYaml({ name: 'x-coffee-slices', budgeting: 'Timeslices', sliceTarget: 0.9, sliceWindow: '5m' }),
    sloYaml({ name: 'x-node-latency-between', target: 0.9, op: 'lt', value: 437, indicator: latencyIndicator }),
    sloYaml({ name: 'x-node-latency-above', target: 0.9, op: 'gt', value: 300, indicator: latencyIndicator }),
    sloYaml({
      name: 'x-fast-between',
      indicator: `
      ratioMetric:
        good: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED], latencyBelowMs: 1234}}}
        total: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED, JOURNEY_FAILED]}}}`,
    }),
    sloYaml({ name: 'x-one-day', window: '1d' }),
  ].join('---\n'),
);

describe('slo status: one read for every SLO', () => {
  let t: TestWarehouse;
  const sim = simulate({ seed: 21, days: 1, journeysPerDay: 3000, malformedRate: 0 });
  const events = sliEventsOf(sim.records);
  // Every 23rd of the benchmark's 1,000: all its indicator kinds, windows and budgeting methods.
  const bench = slosFromYaml(benchSloYaml(1000), 'bench.yaml').filter((_, i) => i % 23 === 0);
  const slos = [...loadSloDirOrThrow(projectPath('slos')), ...EXTRA, ...bench];
  const incident = sim.truth.incidents[0];
  const instants = [
    sim.truth.start + 6 * 3_600_000,
    (incident?.window.to ?? sim.truth.end) - 10 * 60_000,
    (incident?.window.from ?? sim.truth.start) + 17 * 60_000 + 30_000, // not on a minute
    sim.truth.end + 5 * 60_000,
  ];

  beforeAll(async () => {
    t = await openTestWarehouse();
    await insertFacts(t.wh, events, 2500);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('covers every kind of SLO: rollup and facts reads, levels, Timeslices, calendar windows', () => {
    expect(slos.some((s) => s.indicator.kind === 'level')).toBe(true);
    expect(slos.some((s) => s.indicator.kind === 'latency' && indicatorSource(s.indicator) === 'aggregate')).toBe(true);
    expect(slos.some((s) => s.indicator.kind === 'latency' && indicatorSource(s.indicator) === 'facts')).toBe(true);
    expect(slos.some((s) => s.indicator.kind === 'ratio' && indicatorSource(s.indicator) === 'facts')).toBe(true);
    expect(slos.some((s) => s.indicator.kind === 'ratio' && s.indicator.goodIsBad)).toBe(true);
    expect(slos.some((s) => s.budgeting.method === 'Timeslices' && s.indicator.kind === 'ratio')).toBe(true);
    expect(slos.some((s) => s.budgeting.method === 'Timeslices' && s.indicator.kind === 'latency')).toBe(true);
    expect(slos.some((s) => s.budgeting.method === 'Timeslices' && s.indicator.kind === 'level')).toBe(true);
    expect(slos.some((s) => s.window.kind === 'calendar')).toBe(true);
    expect(new Set(slos.map((s) => s.id)).size).toBe(slos.length);
  });

  it('per-minute counts of every SLO equal its own read and the counts of the events', async () => {
    const at = instants[1] as number;
    const needs = slos.map((s) => historyNeeded(s, at));
    const from = Math.min(...needs.map((h) => h.from));
    const to = Math.max(...needs.map((h) => h.to));
    const cells = await StatusCells.read(t.wh, slos, from, to);
    let bad = 0;
    for (const [i, slo] of slos.entries()) {
      const h = needs[i] as (typeof needs)[number];
      const got = cells.countsOf(i, h.from, h.to);
      const own = await readCounts(t.wh, slo, h.from, h.to);
      const truth = referenceCounts(slo, events, h.from, h.to - h.from);
      expect(Array.from(got.total), slo.id).toEqual(Array.from(own.total));
      expect(Array.from(got.good), slo.id).toEqual(Array.from(own.good));
      expect(Array.from(got.total), slo.id).toEqual(Array.from(truth.total));
      expect(Array.from(got.good), slo.id).toEqual(Array.from(truth.good));
      bad += got.total.reduce((a, b) => a + b, 0) - got.good.reduce((a, b) => a + b, 0);
    }
    expect(bad).toBeGreaterThan(0);
  });

  it.each(instants.map((at) => [new Date(at).toISOString(), at] as const))('at %s every SLO evaluates as with its own reads', async (_iso, at) => {
    const batch = await evaluateSlos(t.wh, slos, at);
    expect(batch.map((d) => d.slo_id)).toEqual(slos.map((s) => s.id));
    for (const [i, slo] of slos.entries()) expect(batch[i], slo.id).toEqual(await evaluateSlo(t.wh, slo, at));
  });

  it('some SLO pages inside the incident', async () => {
    const batch = await evaluateSlos(t.wh, slos, instants[1] as number);
    expect(batch.filter((d) => d.alerts.some((a) => a.severity === 'PAGE')).length).toBeGreaterThan(0);
  });
});
