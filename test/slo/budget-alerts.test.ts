import { describe, expect, it } from 'vitest';
import { budgetAlertId, budgetAlertsAt, budgetAlertTimeline } from '../../processors/slo/core/budget-alerts.js';
import { compositeSource } from '../../processors/slo/core/composite.js';
import { evaluate } from '../../processors/slo/core/evaluate.js';
import { emptyCounts, UnitSeries } from '../../processors/slo/core/series.js';
import { parseBudgetAlerts } from '../../processors/slo/definitions/budget-alerts.js';
import { formatProblem, loadSloFiles } from '../../processors/slo/definitions/load.js';
import { AVAILABILITY_SLO, compositeYaml, LATENCY_SLO } from './composite-support.js';
import { sloFromYaml, sloYaml } from './support.js';

// A 1-day rolling SLO at 0.99 with budget alerts at 50% (TICKET) and 10% (PAGE), on 100
// units a minute. From T0 on 2 of them are bad for 700 minutes: with a full day of data the
// window holds 144,000 units, a budget of 1,440 bad units, so k bad minutes leave 1 - k / 720.
const START = 28_000_000;
const T0 = START + 1440;
const slo = sloFromYaml(sloYaml({ name: 'budgeted', window: '1d', annotations: { 'ops.alert.budget': 'TICKET below 50%, PAGE below 10%' } }));

function series(bad: (m: number) => number, perMinute = 100, minutes = 4 * 1440): UnitSeries {
  const c = emptyCounts(START, minutes);
  for (let i = 0; i < minutes; i++) {
    c.total[i] = perMinute;
    c.good[i] = perMinute - bad(START + i);
  }
  return new UnitSeries(c, { method: 'Occurrences' });
}

const src = series((m) => (m >= T0 && m < T0 + 700 ? 2 : 0));
const rel = (ms: number): number => ms / 60_000 - T0;

describe('ops.alert.budget', () => {
  it('parses thresholds in percent or as fractions, highest first', () => {
    expect(slo.budgetAlerts).toEqual([
      { severity: 'TICKET', remainingBelow: 0.5, text: '50%' },
      { severity: 'PAGE', remainingBelow: 0.1, text: '10%' },
    ]);
    expect(parseBudgetAlerts('page below 0.25')).toEqual([{ severity: 'PAGE', remainingBelow: 0.25, text: '25%' }]);
    expect(parseBudgetAlerts('TICKET below 0%')).toBe('a budget threshold must be above 0 and at most 100%; got "TICKET below 0%"');
  });

  it('an SLO without the annotation has no budget alerts (and its definition is unchanged)', () => {
    expect('budgetAlerts' in sloFromYaml(sloYaml({ name: 'plain' }))).toBe(false);
  });
});

describe('budget alerts fire once when the remaining budget crosses below a threshold', () => {
  it('TICKET at T0 + 361 (360 bad minutes leave exactly 50%: not below), PAGE at T0 + 649', () => {
    expect(evaluate(slo, src, (T0 + 360) * 60_000).error_budget_remaining).toBe(0.5);
    expect(evaluate(slo, src, (T0 + 361) * 60_000).error_budget_remaining).toBe(0.498611111111);
    const tl = budgetAlertTimeline(slo, src, T0 - 60, T0 + 3 * 1440 - 1);
    expect(tl.map((t) => [t.severity, t.status, rel(t.at), rel(t.firing_since), t.error_budget_remaining])).toEqual([
      ['TICKET', 'FIRING', 361, 361, 0.498611111111],
      ['PAGE', 'FIRING', 649, 649, 0.098611111111],
      // The bad minutes leave the 1-day window from T0 + 1440 on: 700 - j of them are left at T0 + 1440 + j.
      ['PAGE', 'RESOLVED', 1440 + 52, 649, 0.1],
      ['TICKET', 'RESOLVED', 1440 + 340, 361, 0.5],
    ]);
    expect(tl[0]?.id).toBe(budgetAlertId('budgeted', { severity: 'TICKET', remainingBelow: 0.5, text: '50%' }, T0 + 361, 'FIRING'));
    expect(tl[3]?.id).toBe(budgetAlertId('budgeted', { severity: 'TICKET', remainingBelow: 0.5, text: '50%' }, T0 + 361, 'RESOLVED'));
    expect(new Set(tl.map((t) => t.id)).size).toBe(4);
  });

  it('the alerts firing at T, each with the minute it fired', () => {
    const at = (k: number): Array<[string, number, number]> => budgetAlertsAt(slo, src, T0 + k, START + 1440).map((a) => [a.severity, a.remaining_below, rel(a.firing_since)]);
    expect(at(360)).toEqual([]);
    expect(at(361)).toEqual([['TICKET', 0.5, 361]]);
    expect(at(1000)).toEqual([
      ['TICKET', 0.5, 361],
      ['PAGE', 0.1, 649],
    ]);
    expect(at(1440 + 52)).toEqual([['TICKET', 0.5, 361]]);
    expect(at(1440 + 340)).toEqual([]);
  });

  it('a range that starts mid-episode carries it: no second FIRING', () => {
    const tl = budgetAlertTimeline(slo, src, T0 + 500, T0 + 2000, START + 1440);
    expect(tl.map((t) => [t.severity, t.status, rel(t.at), rel(t.firing_since)])).toEqual([
      ['PAGE', 'FIRING', 649, 649],
      ['PAGE', 'RESOLVED', 1492, 649],
      ['TICKET', 'RESOLVED', 1780, 361],
    ]);
  });
});

describe('budget alerts on a calendar window', () => {
  it('resolve when a new period begins (its budget is whole again)', () => {
    // A 1-day calendar window from midnight UTC; from 10:00, 2 of 100 units a minute are bad: k minutes
    // in, the day holds 100 * (600 + k) units and 2k bad ones, 1 - 2k / (600 + k) left: below 50% from k = 201.
    const DAY = 19_445 * 1440;
    const cal = sloFromYaml(
      sloYaml({ name: 'daily', window: '1d', calendar: { startTime: '2024-01-01 00:00:00', timeZone: 'UTC' }, annotations: { 'ops.alert.budget': 'TICKET below 50%' } }),
    );
    const c = emptyCounts(DAY, 2 * 1440);
    for (let i = 0; i < c.total.length; i++) {
      c.total[i] = 100;
      c.good[i] = i >= 600 && i < 1100 ? 98 : 100;
    }
    const daily = new UnitSeries(c, { method: 'Occurrences' });
    const tl = budgetAlertTimeline(cal, daily, DAY + 1, DAY + 2 * 1440 - 1);
    expect(tl.map((t) => [t.status, t.at / 60_000 - DAY, t.error_budget_remaining])).toEqual([
      ['FIRING', 801, 0.498127340824], // 1 - 402 / 801
      ['RESOLVED', 1440, 1],
    ]);
  });
});

describe('budget alerts of a composite SLO', () => {
  it('fire on the composite budget (weighted burn of its components)', () => {
    const r = loadSloFiles([{ file: 'c.yaml', text: `${LATENCY_SLO}---\n${AVAILABILITY_SLO}---\n${compositeYaml({ window: '1d', annotations: { 'ops.alert.budget': 'TICKET below 50%' } })}` }]);
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    const c = r.composites[0];
    if (!c) throw new Error('no composite');
    // Latency: 5 of 100 slow (burn 1); availability: 4 of 200 failing (burn 2): the composite burns (2 * 1 + 2) / 3 = 4/3,
    // so k minutes of it spend 4k / (3 * 1440) of a 1-day budget: below 50% after k > 540.
    const lat = series((m) => (m >= T0 ? 5 : 0));
    const avail = series((m) => (m >= T0 ? 4 : 0), 200);
    const src2 = compositeSource(c, [lat, avail]);
    const tl = budgetAlertTimeline(c.definition, src2, T0, T0 + 1000);
    expect(tl.map((t) => [t.slo_id, t.severity, t.status, rel(t.at), t.error_budget_remaining])).toEqual([['vien-coffee-experience', 'TICKET', 'FIRING', 541, 0.499074074074]]);
  });
});
