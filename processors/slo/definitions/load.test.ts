import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sloYaml } from '../../../test/slo/support.js';
import { formatProblem, loadSloFiles } from './load.js';
import { loadSloDir, loadSloDirOrThrow } from './load-dir.js';

function problems(text: string, file = 'a.yaml'): string[] {
  const r = loadSloFiles([{ file, text }]);
  return r.ok ? [] : r.problems.map(formatProblem);
}

describe('loading OpenSLO definitions', () => {
  it('accepts SLIs by reference, Service documents and several objectives', () => {
    const r = loadSloFiles([
      {
        file: 'slis.yaml',
        text: `apiVersion: openslo/v1
kind: Service
metadata: {name: journeys}
spec: {description: Journey runtime}
---
apiVersion: openslo/v1
kind: SLI
metadata: {name: vien-coffee-duration}
spec:
  thresholdMetric:
    metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED], where: {product_version_id: PRDV-VIEN-COFFEE}}}
`,
      },
      {
        file: 'slos.yaml',
        text: `apiVersion: openslo/v1
kind: SLO
metadata:
  name: vien-coffee-latency
  annotations: {ops.reason: QUALITY_LOW, ops.recommended_actions: "use_degraded_mode, fallback_routes_only"}
spec:
  service: journeys
  indicatorRef: vien-coffee-duration
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives:
    - {displayName: Fast, op: lte, value: 1800000, target: 0.9}
    - {displayName: Not stuck, op: lte, value: 3600000, targetPercent: 99}
`,
      },
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.slos.map((s) => [s.id, s.target, s.reason, s.recommendedActions.join('|')])).toEqual([
      ['vien-coffee-latency/fast', 0.9, 'QUALITY_LOW', 'use_degraded_mode|fallback_routes_only'],
      ['vien-coffee-latency/not-stuck', 0.99, 'QUALITY_LOW', 'use_degraded_mode|fallback_routes_only'],
    ]);
    expect(r.slos[0]?.indicator).toMatchObject({ kind: 'latency', cutMs: 1800000, goodWhenAbove: false });
    expect(r.slos[0]?.scope).toEqual({ product_version_id: 'PRDV-VIEN-COFFEE', market_code: null, city_code: null, route_id: null, vendor_id: null });
  });

  it('names file, document, field for each problem and refuses the whole set', () => {
    const good = sloYaml({ name: 'fine' });
    const bad = sloYaml({ name: 'broken', target: 1.5 })
      .replace('service: journeys', 'service: journeys\n  servce: typo')
      .replace('topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED]', 'topic: tjm.jorney.v1, eventTypes: [JOURNEY_COMPLETED]')
      .replace('eventTypes: [JOURNEY_COMPLETED, JOURNEY_FAILED, JOURNEY_ABANDONED]', 'eventTypes: [JOURNEY_COMPLETED, JOURNEY_EXPLODED]')
      .replace('duration: 30d', 'duration: 30x');
    const r = loadSloFiles([{ file: 'slos.yaml', text: `${good}---\n${bad}` }]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map(formatProblem)).toEqual([
      'slos.yaml: document 2 (broken): spec.objectives[0].target: must be < 1 (a 100% target leaves no error budget)',
      'slos.yaml: document 2 (broken): spec.servce: unknown field "servce"',
    ]);
    // With the document's shape right, what it means is checked: every problem again.
    const meaning = bad.replace('\n  servce: typo', '').replace('target: 1.5', 'target: 0.99');
    const r2 = loadSloFiles([{ file: 'slos.yaml', text: `${good}---\n${meaning}` }]);
    expect(r2.ok ? [] : r2.problems.map(formatProblem)).toEqual([
      'slos.yaml: document 2 (broken): spec.indicator.spec.ratioMetric.good.metricSource.spec.topic: unknown topic "tjm.jorney.v1"; SLOs read tjm.journey.v1 or lem.signals.v1',
      'slos.yaml: document 2 (broken): spec.indicator.spec.ratioMetric.total.metricSource.spec.eventTypes[1]: unknown event type "JOURNEY_EXPLODED" for tjm.journey.v1 (one of PREFLIGHT_CHECKED, JOURNEY_STARTED, NODE_COMPLETED, NODE_FAILED, JOURNEY_COMPLETED, JOURNEY_FAILED, JOURNEY_ABANDONED)',
      'slos.yaml: document 2 (broken): spec.timeWindow[0].duration: must be a duration such as 28d, 1w, 1M, 1Q or 1Y (a count up to 999999); got "30x"',
    ]);
  });

  it.each([
    [
      'an unknown where field',
      sloYaml().replace('where: {product_version_id: PRDV-VIEN-COFFEE}}', 'where: {journey_instance_id: J-1}}'),
      'spec.indicator.spec.ratioMetric.good.metricSource.spec.where.journey_instance_id: unknown field "journey_instance_id" for tjm.journey.v1',
    ],
    ['a topic without SLI data', sloYaml().replaceAll('tjm.journey.v1', 'ops.incidents.v1'), 'topic ops.incidents.v1 has no SLI data'],
    ['a calendar window of 2Y', sloYaml({ window: '2Y', calendar: { startTime: '2024-01-01 00:00:00', timeZone: 'UTC' } }), 'spec.timeWindow[0].duration: calendar windows must be at most a year; got 2Y'],
    ['a rolling window of 99999999d', sloYaml({ window: '99999999d' }), 'spec.timeWindow[0].duration: must be a duration such as 28d, 1w, 1M, 1Q or 1Y (a count up to 999999); got "99999999d"'],
    ['a rolling window of 91d', sloYaml({ window: '91d' }), 'spec.timeWindow[0].duration: rolling windows must be between 1h and 90d; got 91d'],
    ['an unknown time zone', sloYaml({ calendar: { startTime: '2024-01-01 00:00:00', timeZone: 'Mars/Olympus' } }), 'calendar.timeZone: must be an IANA time zone'],
    ['a bad start time', sloYaml({ calendar: { startTime: '2024-02-30 00:00:00', timeZone: 'UTC' } }), 'calendar.startTime: must be a wall-clock time'],
    ['a threshold without op', sloYaml({ indicator: `\n      thresholdMetric:\n        metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED]}}` }), 'spec.objectives[0].op: a thresholdMetric objective needs op'],
    ['a ratio with op lte', sloYaml({ op: 'lte', value: 5 }), 'spec.objectives[0].op: a ratioMetric objective is met when the ratio reaches the target (gte or gt); got lte'],
    ['a ratio with value', sloYaml({ op: 'gte', value: 5 }), 'spec.objectives[0].value: a ratioMetric objective has no value'],
    ['Timeslices without a slice window', sloYaml().replace('budgetingMethod: Occurrences', 'budgetingMethod: Timeslices'), 'spec.objectives[0].timeSliceTarget: is required with budgetingMethod: Timeslices'],
    ['an unknown budgeting method', sloYaml().replace('budgetingMethod: Occurrences', 'budgetingMethod: Budget'), 'spec.budgetingMethod: must be Occurrences, Timeslices or RatioTimeslices'],
    ['RatioTimeslices with a slice target', sloYaml().replace('budgetingMethod: Occurrences', 'budgetingMethod: RatioTimeslices').replace('target: 0.99', 'target: 0.99\n      timeSliceTarget: 0.9\n      timeSliceWindow: 1m'), 'spec.objectives[0].timeSliceTarget: does not apply with RatioTimeslices'],
    ['a bad alert override', sloYaml({ annotations: { 'ops.alert.page': '14.4x 5m/1h' } }), 'metadata.annotations["ops.alert.page"]: rule "14.4x 5m/1h": the short window must be shorter'],
    ['a misspelt ops annotation', sloYaml({ annotations: { 'ops.recommended_action': 'x' } }), 'metadata.annotations["ops.recommended_action"]: unknown annotation'],
    ['an unknown reason', sloYaml({ annotations: { 'ops.reason': 'BORED' } }), 'must be SLO_BREACH, SAFETY_RISK or QUALITY_LOW; got "BORED"'],
    ['a missing service', sloYaml().replace('  service: journeys\n', ''), 'spec.service: is required'],
    ['an unknown kind', 'apiVersion: openslo/v1\nkind: CompositeSLO\nmetadata: {name: x}\nspec: {}\n', 'kind: unsupported kind "CompositeSLO" (one of Service, SLI, SLO, DataSource, AlertPolicy, AlertCondition, AlertNotificationTarget)'],
    ['a wrong apiVersion', sloYaml().replace('openslo/v1', 'openslo/v2alpha'), 'apiVersion: must be "openslo/v1"'],
    ['an unknown indicatorRef', sloYaml().replace(/ {2}indicator:[\s\S]*? {2}timeWindow:/, '  indicatorRef: nope\n  timeWindow:'), 'spec.indicatorRef: no SLI named "nope"'],
    ['both good and bad', sloYaml().replace('        total:', '        bad: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_FAILED]}}}\n        total:'), 'spec.indicator.spec.ratioMetric: needs exactly one of `good` or `bad`'],
    ['latencyBelowMs on LEM', sloYaml().replaceAll('topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED]', 'topic: lem.signals.v1, latencyBelowMs: 5, eventTypes: [SCORE_UPDATED]').replace('JOURNEY_COMPLETED, JOURNEY_FAILED, JOURNEY_ABANDONED], where: {product_version_id: PRDV-VIEN-COFFEE}', 'SCORE_UPDATED]').replace('topic: tjm.journey.v1', 'topic: lem.signals.v1'), 'latencyBelowMs: only journey events (tjm.journey.v1) carry duration_ms'],
  ])('rejects %s', (_what, text, expected) => {
    const found = problems(text);
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toContain(expected);
    expect(found.every((p) => p.startsWith('a.yaml: document 1'))).toBe(true);
  });

  it('reports YAML syntax errors with their line and duplicate ids across files', () => {
    expect(problems('apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x\n')).toEqual([expect.stringMatching(/^a\.yaml: document 1: YAML line \d+: /)]);
    const r = loadSloFiles([
      { file: 'one.yaml', text: sloYaml({ name: 'same' }) },
      { file: 'two.yaml', text: sloYaml({ name: 'same' }) },
    ]);
    expect(r.ok ? [] : r.problems.map(formatProblem)).toEqual(['two.yaml: document 1 (same): metadata.name: SLO id same is already defined in one.yaml, document 1']);
  });

  it('reads a folder recursively and throws INVALID_SLO naming the first problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slos-'));
    try {
      writeFileSync(join(dir, 'a.yaml'), sloYaml({ name: 'first' }));
      writeFileSync(join(dir, 'notes.txt'), 'ignored');
      const ok = loadSloDir(dir);
      expect(ok.ok && ok.slos.map((s) => s.id)).toEqual(['first']);
      writeFileSync(join(dir, 'b.yml'), sloYaml({ name: 'second', target: 0 }));
      expect(() => loadSloDirOrThrow(dir)).toThrow(/^b\.yml|INVALID_SLO|second/);
      try {
        loadSloDirOrThrow(dir);
      } catch (e) {
        expect((e as { code?: string }).code).toBe('INVALID_SLO');
        expect((e as Error).message).toContain(`${join(dir, 'b.yml')}: document 1 (second): spec.objectives[0].target: must be > 0`);
      }
      expect(loadSloDir(join(dir, 'missing')).ok).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
