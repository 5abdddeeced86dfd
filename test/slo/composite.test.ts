import { describe, expect, it } from 'vitest';
import { componentFigures, compositeSource } from '../../processors/slo/core/composite.js';
import { evaluate } from '../../processors/slo/core/evaluate.js';
import { emptyCounts, UnitSeries } from '../../processors/slo/core/series.js';
import { signalId } from '../../processors/slo/core/signal.js';
import { runAlerts } from '../../processors/slo/core/timeline.js';
import type { CompositeSlo } from '../../processors/slo/definitions/composite.js';
import { formatProblem, loadSloFiles } from '../../processors/slo/definitions/load.js';
import { firingRulesAt } from '../../processors/slo/replay/firing.js';
import { AVAILABILITY_SLO, compositeYaml, LATENCY_SLO } from './composite-support.js';

// A composite of a latency SLO (target 0.95, weight 2) and an availability SLO (target 0.99,
// weight 1), composite target 0.98, on hand-made minute counts: latency 100 journeys a
// minute, availability 200; from T0 on, 30 of the 100 are slow (latency burn 6) and 84 of the
// 200 fail (availability burn 42), so the composite burns (2 * 6 + 42) / 3 = 18.
const START = 28_000_000;
const T0 = START + 2 * 1440;
const MINUTES = 3 * 1440;

function load(text: string): { composites: CompositeSlo[] } {
  const r = loadSloFiles([{ file: 'composite.yaml', text }]);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r;
}

function problems(text: string): string[] {
  const r = loadSloFiles([{ file: 'composite.yaml', text }]);
  return r.ok ? [] : r.problems.map(formatProblem);
}

function counts(perMinute: number, bad: (m: number) => number): UnitSeries {
  const c = emptyCounts(START, MINUTES);
  for (let i = 0; i < MINUTES; i++) {
    c.total[i] = perMinute;
    c.good[i] = perMinute - bad(START + i);
  }
  return new UnitSeries(c, { method: 'Occurrences' });
}

const set = load(`${LATENCY_SLO}---\n${AVAILABILITY_SLO}---\n${compositeYaml()}`);
const composite = set.composites[0] as CompositeSlo;
const def = composite.definition;
const latency = counts(100, (m) => (m >= T0 ? 30 : 0));
const availability = counts(200, (m) => (m >= T0 ? 84 : 0));
const src = compositeSource(composite, [latency, availability]);
const at = (k: number): number => (T0 + k) * 60_000;

describe('composite SLO definitions', () => {
  it('a composite of two SLOs of different kinds: weights, target, default rules of its period', () => {
    expect(def.id).toBe('vien-coffee-experience');
    expect(def.target).toBe(0.98);
    expect(composite.components.map((c) => [c.slo.id, c.slo.indicator.kind, c.slo.target, c.weight, c.referenced])).toEqual([
      ['vien-coffee-latency', 'latency', 0.95, 2, true],
      ['vien-coffee-availability', 'ratio', 0.99, 1, true],
    ]);
    expect(def.alerting.rules.map((r) => `${r.severity} ${r.longWindow}/${r.shortWindow} ${r.threshold}`)).toEqual(['PAGE 1h/5m 14.4', 'PAGE 6h/30m 6', 'TICKET 1d/2h 3', 'TICKET 3d/6h 1']);
    // The scope fields both components share.
    expect(def.scope.product_version_id).toBe('PRDV-VIEN-COFFEE');
  });

  it('the composite is not one of the set\'s SLOs: readers never read it', () => {
    const r = loadSloFiles([{ file: 'composite.yaml', text: `${LATENCY_SLO}---\n${AVAILABILITY_SLO}---\n${compositeYaml()}` }]);
    expect(r.ok && r.slos.map((s) => s.id)).toEqual(['vien-coffee-latency', 'vien-coffee-availability']);
  });

  it('OpenSLO composite objectives: each with its own indicator, target and compositeWeight', () => {
    const text = `apiVersion: openslo/v1
kind: SLO
metadata: {name: walk-health}
spec:
  service: journeys
  timeWindow: [{duration: 28d, isRolling: true}]
  objectives:
    - displayName: Fast
      op: lte
      value: 2000
      target: 0.95
      compositeWeight: 2
      indicator:
        metadata: {name: walk-latency}
        spec: {thresholdMetric: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED]}}}}
    - displayName: Available
      target: 0.99
      indicatorRef: walk-availability
---
apiVersion: openslo/v1
kind: SLI
metadata: {name: walk-availability}
spec:
  ratioMetric:
    good: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED]}}}
    total: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED, JOURNEY_FAILED]}}}
`;
    const r = load(text);
    const c = r.composites[0] as CompositeSlo;
    expect(c.definition.id).toBe('walk-health');
    // No spec.composite.target: the weight-averaged targets, (2 * 0.95 + 0.99) / 3.
    expect(c.definition.target).toBe(0.963333333333);
    expect(c.components.map((x) => [x.slo.id, x.slo.indicator.kind, x.weight, x.referenced])).toEqual([
      ['walk-health/fast', 'latency', 2, false],
      ['walk-health/available', 'ratio', 1, false],
    ]);
    // 28d: the default factors of a 28-day budget.
    expect(c.definition.alerting.rules.map((x) => x.threshold)).toEqual([13.44, 5.6, 2.8, 1]);
  });

  it('refuses what does not fit, naming file, document and field', () => {
    expect(problems(`${LATENCY_SLO}---\n${compositeYaml()}`)).toEqual([
      'composite.yaml: document 2 (vien-coffee-experience): spec.composite.components[1].slo: no SLO with id "vien-coffee-availability" in this set',
    ]);
    const nested = compositeYaml({ name: 'outer' }).replace('slo: vien-coffee-latency', 'slo: vien-coffee-experience');
    expect(problems(`${LATENCY_SLO}---\n${AVAILABILITY_SLO}---\n${compositeYaml()}---\n${nested}`)).toEqual([
      'composite.yaml: document 4 (outer): spec.composite.components[0].slo: "vien-coffee-experience" is a composite SLO; components must be SLOs with their own indicator',
    ]);
    expect(problems(`${LATENCY_SLO}---\n${AVAILABILITY_SLO}---\n${compositeYaml().replace('weight: 2', 'weight: 0')}`)).toEqual([
      'composite.yaml: document 3 (vien-coffee-experience): spec.composite.components[0].weight: must be > 0',
    ]);
    expect(problems(`${LATENCY_SLO}---\n${AVAILABILITY_SLO}---\n${compositeYaml({ name: 'vien-coffee-latency' })}`)).toEqual([
      'composite.yaml: document 3 (vien-coffee-latency): metadata.name: SLO id vien-coffee-latency is already defined in composite.yaml, document 1',
    ]);
    expect(problems(`${LATENCY_SLO}---\n${AVAILABILITY_SLO}---\n${compositeYaml({ annotations: { 'ops.alert.budget': 'TICKET under 50%' } })}`)).toEqual([
      'composite.yaml: document 3 (vien-coffee-experience): metadata.annotations["ops.alert.budget"]: each item must read like "TICKET below 50%" or "PAGE below 0.1"; got "TICKET under 50%"',
    ]);
  });
});

describe('composite SLI, budget and burn from its components', () => {
  it('per minute: the weighted burn of the components against the composite target', () => {
    // Before T0 nothing is bad; from T0 on a minute burns 18: bad fraction 18 * (1 - 0.98) = 0.36 of 300 units.
    expect(src.sum(T0 - 1, T0)).toEqual({ good: 300, total: 300 });
    const m = src.sum(T0, T0 + 1);
    expect(m.total).toBe(300);
    expect(m.good).toBeCloseTo(192, 9);
  });

  it('at T0 + 48: SLI, budget, burn rates and time to exhaustion', () => {
    const ev = evaluate(def, src, at(48));
    // 30d window (data since START): latency burns 1440 / (292800 * 0.05), availability 4032 / (585600 * 0.01):
    // the composite (2 * 0.0983606... + 0.6885245...) / 3 = 18/61.
    expect(ev.error_budget_remaining).toBe(0.704918032787); // 43/61
    expect(ev.sli).toBe(0.994098360656); // 1 - 18/61 * 0.02
    expect(ev.total).toBe(878_400);
    // 1h: 48 of 60 minutes burn 18 (14.4); 5m: 18; 6h: 18 * 48 / 360; 1d, 3d likewise.
    // The 3d window holds the same 2 days and 48 minutes of data as the 30d one.
    expect(ev.burn_rates).toEqual({ '1h': 14.4, '5m': 18, '6h': 2.4, '30m': 18, '1d': 0.6, '2h': 7.2, '3d': 0.295081967213 });
    // 43/61 of a 30-day budget at a burn of 14.4: 43/61 * 30 d / 14.4.
    expect(ev.time_to_exhaustion_ms).toBe(126_885_246);
    expect(componentFigures(composite, [latency, availability], at(48))).toEqual([
      { slo_id: 'vien-coffee-latency', weight: 2, share: 0.666666666667, target: 0.95, sli: 0.995081967213, burn_rate: 0.098360655738, error_budget_remaining: 0.901639344262, referenced: true },
      { slo_id: 'vien-coffee-availability', weight: 1, share: 0.333333333333, target: 0.99, sli: 0.993114754098, burn_rate: 0.688524590164, error_budget_remaining: 0.311475409836, referenced: true },
    ]);
  });

  it('a component without units in a window is left out of that window\'s average', () => {
    const quietLatency = counts(0, () => 0);
    const only = compositeSource(composite, [quietLatency, availability]);
    // Availability alone burns 42 from T0 on: the composite's 5m burn is 42, bad fraction 0.84.
    expect(evaluate(def, only, at(10)).burn_rates['5m']).toBe(42);
    const none = compositeSource(composite, [quietLatency, counts(0, () => 0)]);
    const ev = evaluate(def, none, at(10));
    expect([ev.sli, ev.error_budget_remaining, ev.burn_rates['1h'], ev.time_to_exhaustion_ms]).toEqual([null, 1, 0, null]);
  });
});

describe('composite alerts', () => {
  it('the PAGE 1h/5m rule fires at T0 + 48 (1h burn 0.3 per minute of the incident reaches 14.4), 6h/30m at T0 + 120', () => {
    const listed = (k: number): string[] => firingRulesAt(def, src, T0 + k, START).map((a) => `${a.severity} ${a.long_window}/${a.short_window}`);
    expect(listed(47)).toEqual([]);
    expect(listed(48)).toEqual(['PAGE 1h/5m']);
    expect(listed(119)).toEqual(['PAGE 1h/5m']);
    expect(listed(120)).toEqual(['PAGE 1h/5m', 'PAGE 6h/30m']);
  });

  it('breach signals with their own deterministic ids and the composite figures', () => {
    const { notified } = runAlerts(def, src, T0 - 10, T0 + 60);
    expect(notified.map((n) => [n.signal.severity, n.signal.status, (n.signal.evaluated_at / 60_000) - T0])).toEqual([['PAGE', 'FIRING', 48]]);
    const s = notified[0]?.signal;
    expect(s).toMatchObject({
      signal_id: signalId('vien-coffee-experience', 'PAGE', T0 + 48, 'FIRING'),
      slo_id: 'vien-coffee-experience',
      service: 'journeys',
      reason: 'SLO_BREACH',
      product_version_id: 'PRDV-VIEN-COFFEE',
      target: 0.98,
      sli: 0.994098360656,
      error_budget_remaining: 0.704918032787,
      long_window: '1h',
      short_window: '5m',
      burn_rate_long: 14.4,
      burn_rate_short: 18,
      burn_rate_threshold: 14.4,
    });
    // The same history evaluated again gives the same signal.
    expect(runAlerts(def, src, T0 - 10, T0 + 60).notified[0]?.signal).toEqual(s);
  });
});
