import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, journey, journeySloYaml, journeysInMinute, LEVEL_SLO, lemLevel as lem, linesOf, slo } from './support.js';

/** The journey SLO budgeted over 1-minute slices, a slice good when its own ratio is >= 0.9. */
const SLICES_SLO = journeySloYaml('acc-slices', 'PRDV-ACC')
  .replace('budgetingMethod: Occurrences', 'budgetingMethod: Timeslices')
  .replace('objectives: [{target: 0.99}]', 'objectives: [{target: 0.99, timeSliceTarget: 0.9, timeSliceWindow: 1m}]');

/** latencyBelowMs: good = completed journeys with duration_ms <= 2000, total = completed journeys. */
const LATENCY_SLO = journeySloYaml('acc-latency', 'PRDV-LAT')
  .replace("eventTypes: [JOURNEY_COMPLETED], where: {product_version_id: PRDV-LAT}}", 'eventTypes: [JOURNEY_COMPLETED], where: {product_version_id: PRDV-LAT}, latencyBelowMs: 2000}')
  .replace('JOURNEY_COMPLETED, JOURNEY_FAILED, JOURNEY_ABANDONED', 'JOURNEY_COMPLETED');

/** thresholdMetric on journeys: one value (duration_ms) per completed journey, good when <= 2000. */
const THRESHOLD_SLO = `apiVersion: openslo/v1
kind: SLO
metadata: {name: acc-threshold}
spec:
  service: acceptance
  indicator:
    metadata: {name: acc-threshold-sli}
    spec:
      thresholdMetric:
        metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED], where: {product_version_id: PRDV-THR}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{op: lte, value: 2000, target: 0.99}]
`;

/** A calendar month in Vienna's time zone: at 2026-03-10 it began at 2026-02-28T23:00Z. */
const CALENDAR_SLO = journeySloYaml('acc-calendar', 'PRDV-CAL').replace(
  'timeWindow: [{duration: 30d, isRolling: true}]',
  'timeWindow: [{duration: 1M, isRolling: false, calendar: {startTime: "2026-01-01 00:00:00", timeZone: Europe/Vienna}}]',
);

// `slo status --json` on a handcrafted dataset, every figure worked out by hand from the
// CONTRACTS.md formulas (target 0.99, so 1 - target = 0.01; default rules for 30 days).
const dir = mkdtempSync(join(tmpdir(), 'acc-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'data');
const slos = join(dir, 'slos');
const at = (iso: string): number => Date.parse(iso);
const KEY = { SLO_PII_HMAC_KEY: 'acceptance-pii-key-0123456789abcdef' };

type Status = {
  slo_id: string;
  sli: number | null;
  target: number;
  error_budget_remaining: number;
  burn_rates: Record<string, number>;
  alerts: Array<Record<string, string>>;
  time_to_exhaustion_seconds: number | null;
  evaluated_at: string;
};

const toLines = (events: Array<Record<string, unknown>>): string => events.map((e) => envelope('tjm.journey.v1', String(e['journey_instance_id']), e)).join('\n');
const only = (events: Array<Record<string, unknown>>, types: string[]): Array<Record<string, unknown>> => events.filter((e) => types.includes(String(e['event_type'])));

async function status(atIso: string | null): Promise<Status[]> {
  const r = await slo(['slo', 'status', '--slos', slos, ...(atIso === null ? [] : ['--at', atIso]), '--json', '--data', data]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(linesOf(r.stdout)).toHaveLength(1);
  const rows = JSON.parse(r.stdout) as Status[];
  return rows.sort((a, b) => a.slo_id.localeCompare(b.slo_id));
}

const results: Record<string, Status[]> = {};

beforeAll(async () => {
  mkdirSync(slos);
  writeFileSync(join(slos, 'acc.yaml'), journeySloYaml('acc-journeys', 'PRDV-ACC'));
  writeFileSync(join(slos, 'empty.yaml'), journeySloYaml('acc-empty', 'PRDV-NONE'));
  writeFileSync(join(slos, 'level.yaml'), LEVEL_SLO);
  writeFileSync(join(slos, 'slices.yaml'), SLICES_SLO);
  writeFileSync(join(slos, 'latency.yaml'), LATENCY_SLO);
  writeFileSync(join(slos, 'threshold.yaml'), THRESHOLD_SLO);
  writeFileSync(join(slos, 'calendar.yaml'), CALENDAR_SLO);
  writeFileSync(join(slos, 'two.yaml'), journeySloYaml('acc-two-pages', 'PRDV-TWO'));
  const m1158 = journeysInMinute(at('2026-03-10T11:58:00Z'), 10, 4, 'd');
  const early = [
    ...journeysInMinute(at('2026-02-08T11:59:00Z'), 10, 10, 'edge-out'), // at 12:00, the minute before T - 30d
    ...journeysInMinute(at('2026-02-08T12:00:00Z'), 10, 0, 'edge-in'), // at 12:00, the first minute of the 30 days
    ...journeysInMinute(at('2026-03-01T09:00:00Z'), 100, 0, 'm1'),
    ...journeysInMinute(at('2026-03-10T10:59:00Z'), 20, 2, 'a'),
    ...journeysInMinute(at('2026-03-10T11:00:00Z'), 10, 2, 'b'),
    ...m1158,
    ...journeysInMinute(at('2026-03-10T12:00:00Z'), 20, 20, 'at-T'), // the minute of T itself: never in [T - W, T)
    // Another product version, all failing: outside both SLOs' selections.
    ...journeysInMinute(at('2026-03-10T11:58:00Z'), 30, 30, 'other').map((e) => ({ ...e, product_version_id: 'PRDV-OTHER' })),
    // Durations at the bound: 1999 and 2000 are below-or-at, 2001 and an absent duration are not.
    ...[1999, 2000, 2001, null].map((d, i) =>
      journey({ event_id: `lat-${i}`, event_type: 'JOURNEY_COMPLETED', occurred_at: at('2026-03-10T11:10:00Z') + i, journey_instance_id: `J-lat-${i}`, product_version_id: 'PRDV-LAT', duration_ms: d }),
    ),
    ...[1999, 2000, 2001].map((d, i) =>
      journey({ event_id: `thr-${i}`, event_type: 'JOURNEY_COMPLETED', occurred_at: at('2026-03-10T11:10:00Z') + i, journey_instance_id: `J-thr-${i}`, product_version_id: 'PRDV-THR', duration_ms: d }),
    ),
    // February in Vienna (22:30Z = 23:30 local), then March in Vienna (23:30Z = 00:30 local on 03-01).
    ...journeysInMinute(at('2026-02-28T22:30:00Z'), 10, 10, 'cal-feb').map((e) => ({ ...e, product_version_id: 'PRDV-CAL' })),
    ...journeysInMinute(at('2026-02-28T23:30:00Z'), 10, 0, 'cal-mar').map((e) => ({ ...e, product_version_id: 'PRDV-CAL' })),
    ...journeysInMinute(at('2026-03-10T11:00:00Z'), 10, 1, 'cal-now').map((e) => ({ ...e, product_version_id: 'PRDV-CAL' })),
    // PRDV-TWO: 1000 good journeys on 03-01, then 20 journeys with 4 failures at 11:57.
    ...[...journeysInMinute(at('2026-03-01T09:00:00Z'), 1000, 0, 'two-base'), ...journeysInMinute(at('2026-03-10T11:57:00Z'), 20, 4, 'two-burst')].map((e) => ({
      ...e,
      product_version_id: 'PRDV-TWO',
    })),
    // Event types outside `total`.
    journey({ event_id: 'node-1', event_type: 'NODE_FAILED', occurred_at: at('2026-03-10T11:58:30Z'), journey_instance_id: 'J-n', product_version_id: 'PRDV-ACC', duration_ms: 10 }),
  ];
  // Arrives later (a second file, after newer events): counts at its own minute; the failed
  // and abandoned journeys of 11:58 arrive a second time and count once.
  const late = [...journeysInMinute(at('2026-03-10T11:30:00Z'), 40, 2, 'c'), ...only(m1158, ['JOURNEY_FAILED', 'JOURNEY_ABANDONED'])];
  // Levels: 0.8 from 10:00, 0.3 from 11:00, 0.9 from 11:45 (the 11:00 update arrives last).
  const levels = [
    lem('lem-1', '2026-03-10T10:00:00Z', 0.8),
    lem('lem-3', '2026-03-10T11:45:00Z', 0.9),
    lem('lem-other-metric', '2026-03-10T11:10:00Z', 0.1, 'NIGHT_RISK_SCORE'),
    lem('lem-other-route', '2026-03-10T11:10:00Z', 0.1, 'SAFETY_SCORE', 'ROUTE-ELSE'),
    lem('lem-2', '2026-03-10T11:00:00Z', 0.3),
  ];
  writeFileSync(join(dir, 'early.jsonl'), `${toLines(early)}\n${levels.join('\n')}\n`);
  writeFileSync(join(dir, 'late.jsonl'), `${toLines(late)}\n`);
  for (const f of ['early.jsonl', 'late.jsonl']) {
    const r = await slo(['ingest', join(dir, f), '--json', '--data', data], KEY);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dead_lettered: 0 });
  }
  results['12:00'] = await status('2026-03-10T12:00:00Z');
  results['11:00'] = await status('2026-03-10T11:00:00.000Z');
  results['12:00:30'] = await status('2026-03-10T12:00:30Z');
  results['default'] = await status(null);
  results['11:59'] = await status('2026-03-10T11:59:00Z');
});

const closeTo = (got: Record<string, number> | undefined, want: Record<string, number>): void => {
  expect(Object.keys(got ?? {}).sort()).toEqual(Object.keys(want).sort());
  for (const [w, v] of Object.entries(want)) expect(got?.[w], `burn ${w}`).toBeCloseTo(v, 9);
};

describe('slo-pipeline slo status --slos DIR --at T --json (built binary)', () => {
  it('one object per SLO with exactly the contract keys', () => {
    const rows = results['12:00'] ?? [];
    expect(rows.map((r) => r.slo_id)).toEqual(['acc-calendar', 'acc-empty', 'acc-journeys', 'acc-latency', 'acc-route-safety', 'acc-slices', 'acc-threshold', 'acc-two-pages']);
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual(['alerts', 'burn_rates', 'error_budget_remaining', 'evaluated_at', 'sli', 'slo_id', 'target', 'time_to_exhaustion_seconds']);
      expect(r.evaluated_at).toBe('2026-03-10T12:00:00.000Z');
      for (const a of r.alerts) expect(Object.keys(a).sort()).toEqual(['long_window', 'severity', 'short_window', 'status']);
    }
  });

  it('at 12:00: whole minutes in [T - W, T), duplicates once, late events at their own minute', () => {
    const r = results['12:00']?.find((s) => s.slo_id === 'acc-journeys');
    // 30 days = [2026-02-08T12:00, 2026-03-10T12:00): 10 + 100 + 20 + 10 + 40 + 10 = 190 journeys, 2 + 2 + 2 + 4 = 10 bad.
    expect(r?.target).toBe(0.99);
    expect(r?.sli).toBeCloseTo(180 / 190, 9);
    expect(r?.error_budget_remaining).toBeCloseTo(1 - 10 / (0.01 * 190), 9);
    closeTo(r?.burn_rates, {
      '5m': 4 / 10 / 0.01, // [11:55, 12:00): the 11:58 minute
      '30m': 6 / 50 / 0.01, // + 11:30
      '1h': 8 / 60 / 0.01, // + 11:00
      '2h': 10 / 80 / 0.01, // + 10:59
      '6h': 10 / 80 / 0.01,
      '1d': 10 / 80 / 0.01,
      '3d': 10 / 80 / 0.01,
    });
    // 1h/5m: 13.3 < 14.4, no page; 6h/30m: 12.5 and 12 >= 6, page; 1d/2h: 12.5 >= 3 and 3d/6h: 12.5 >= 1, two tickets.
    const alerts = (r?.alerts ?? []).map((a) => `${a['severity']} ${a['status']} ${a['long_window']}/${a['short_window']}`);
    expect(alerts).toEqual(['PAGE FIRING 6h/30m', 'TICKET FIRING 1d/2h', 'TICKET FIRING 3d/6h']);
    // The budget is overspent: exhausted now.
    expect(r?.error_budget_remaining).toBeLessThan(0);
    expect(r?.time_to_exhaustion_seconds).toBe(0);
  });

  it('every rule firing at T is one entry: two PAGE rules firing give two entries', () => {
    const r = results['12:00']?.find((s) => s.slo_id === 'acc-two-pages');
    // Every window ending at 12:00 holds the 20 journeys of 11:57 (4 bad): burn 4 / 20 / 0.01 = 20 >= 14.4, 6, 3 and 1.
    closeTo(r?.burn_rates, { '5m': 20, '30m': 20, '1h': 20, '2h': 20, '6h': 20, '1d': 20, '3d': 20 });
    expect(r?.alerts).toEqual([
      { severity: 'PAGE', status: 'FIRING', long_window: '1h', short_window: '5m' },
      { severity: 'PAGE', status: 'FIRING', long_window: '6h', short_window: '30m' },
      { severity: 'TICKET', status: 'FIRING', long_window: '1d', short_window: '2h' },
      { severity: 'TICKET', status: 'FIRING', long_window: '3d', short_window: '6h' },
    ]);
  });

  it('time to exhaustion: the remaining budget spent at the burn of the last hour (a burn of 1 spends it in 30 days)', () => {
    const r = results['12:00']?.find((s) => s.slo_id === 'acc-two-pages');
    // 30 days hold 1020 journeys, 4 bad: remaining 1 - 4 / (0.01 * 1020); the last hour burns 20.
    const remaining = 1 - 4 / (0.01 * 1020);
    expect(r?.error_budget_remaining).toBeCloseTo(remaining, 9);
    expect(r?.time_to_exhaustion_seconds).toBe(Math.round((remaining * 30 * 86_400) / 20));
    // Nothing measured: nothing burns.
    expect(results['12:00']?.find((s) => s.slo_id === 'acc-empty')?.time_to_exhaustion_seconds).toBeNull();
  });

  it('evaluated_at is the instant asked for, to the millisecond', () => {
    expect(new Set(results['12:00:30']?.map((r) => r.evaluated_at))).toEqual(new Set(['2026-03-10T12:00:30.000Z']));
    expect(new Set(results['11:00']?.map((r) => r.evaluated_at))).toEqual(new Set(['2026-03-10T11:00:00.000Z']));
  });

  it('without --at: the end of the last complete minute of stored data (newest event less 30 s of lateness, whole minutes)', () => {
    // The newest event is at 12:00:01.190 (the journeys of the 12:00 minute): 11:59:31.19, so T = 11:59.
    expect(results['default']).toEqual(results['11:59']);
    expect(new Set(results['default']?.map((r) => r.evaluated_at))).toEqual(new Set(['2026-03-10T11:59:00.000Z']));
  });

  it('at 11:00: the 30-day window starts at 2026-02-08T11:00, so the failing minute 11:59 of that day counts', () => {
    const r = results['11:00']?.find((s) => s.slo_id === 'acc-journeys');
    // 10 (all bad) + 10 + 100 + 20 (2 bad) = 140 journeys, 12 bad.
    expect(r?.sli).toBeCloseTo(128 / 140, 9);
    expect(r?.error_budget_remaining).toBeCloseTo(1 - 12 / (0.01 * 140), 9);
    closeTo(r?.burn_rates, { '5m': 10, '30m': 10, '1h': 10, '2h': 10, '6h': 10, '1d': 10, '3d': 10 });
  });

  it('at 12:00:30: only whole minutes count (the minutes of 11:00, 11:30 and 12:00 are not whole inside 1h, 30m)', () => {
    const r = results['12:00:30']?.find((s) => s.slo_id === 'acc-journeys');
    // 30m = 11:31 .. 11:59 (11:58 only); 1h = 11:01 .. 11:59 (11:30 and 11:58).
    closeTo(r?.burn_rates, { '5m': 40, '30m': 40, '1h': 6 / 50 / 0.01, '2h': 12.5, '6h': 12.5, '1d': 12.5, '3d': 12.5 });
  });

  it('an SLO without data: sli null, every burn rate 0, no alert', () => {
    const r = results['12:00']?.find((s) => s.slo_id === 'acc-empty');
    expect(r?.sli).toBeNull();
    expect(Object.values(r?.burn_rates ?? { x: 1 }).every((b) => b === 0)).toBe(true);
    expect(r?.alerts).toEqual([]);
    expect(typeof r?.error_budget_remaining).toBe('number');
  });

  it('a LEM level holds from its occurred_at until the next update of the same scope and metric', () => {
    const r = results['12:00']?.find((s) => s.slo_id === 'acc-route-safety');
    // Minutes 10:00-10:59 good (0.8), 11:00-11:44 bad (0.3), 11:45-11:59 good (0.9); none before 10:00.
    expect(r?.sli).toBeCloseTo(75 / 120, 9);
    expect(r?.error_budget_remaining).toBeCloseTo(1 - 45 / (0.1 * 120), 9);
    closeTo(r?.burn_rates, { '5m': 0, '30m': 15 / 30 / 0.1, '1h': 45 / 60 / 0.1, '2h': 45 / 120 / 0.1, '6h': 45 / 120 / 0.1, '1d': 45 / 120 / 0.1, '3d': 45 / 120 / 0.1 });
  });

  it('Timeslices: the budget counts slices with data, a slice good when its own ratio >= timeSliceTarget', () => {
    const r = results['12:00']?.find((s) => s.slo_id === 'acc-slices');
    // Slices in 30 days: 02-08 12:00 (10/10), 03-01 09:00 (100/100), 10:59 (18/20 = 0.9, good), 11:00 (8/10, bad),
    // 11:30 (38/40), 11:58 (6/10, bad): 6 slices, 2 bad.
    expect(r?.error_budget_remaining).toBeCloseTo(1 - 2 / (0.01 * 6), 9);
  });

  it('latencyBelowMs counts duration_ms <= the bound as good; a thresholdMetric compares each event\'s duration_ms with op and value', () => {
    expect(results['12:00']?.find((s) => s.slo_id === 'acc-latency')?.sli).toBeCloseTo(2 / 4, 9);
    expect(results['12:00']?.find((s) => s.slo_id === 'acc-threshold')?.sli).toBeCloseTo(2 / 3, 9);
  });

  it('a calendar month starts at midnight in the SLO\'s time zone', () => {
    const r = results['12:00']?.find((s) => s.slo_id === 'acc-calendar');
    // In the month: 10 journeys of 03-01 00:30 Vienna (all good) and 10 of 03-10 (1 bad); February's 10 failures are not.
    expect(r?.sli).toBeCloseTo(19 / 20, 9);
    expect(r?.error_budget_remaining).toBeCloseTo(1 - 1 / (0.01 * 20), 9);
  });
});
