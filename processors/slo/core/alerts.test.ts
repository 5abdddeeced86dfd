import { describe, expect, it } from 'vitest';
import { minute, sloFromYaml, sloYaml } from '../../../test/slo/support.js';
import { emptyCounts, UnitSeries } from './series.js';
import { signalId } from './signal.js';
import { alertsAt, runAlerts } from './timeline.js';
import type { SloDefinition } from '../definitions/model.js';

const iso = (m: number): string => new Date(m * 60_000).toISOString().slice(11, 16);

/**
 * 10 journeys a minute from 00:00 to 12:00 on 2024-03-01, half of them failing from
 * 02:00 to 02:29 (burn 50x at target 0.99). Expected minutes are worked out by hand in
 * the comments below each assertion.
 */
function incidentSeries(slo: SloDefinition, badMinutes: Array<[string, string]> = [['02:00', '02:30']], silent: Array<[string, string]> = []): UnitSeries {
  const start = minute('2024-03-01T00:00:00Z');
  const c = emptyCounts(start, 12 * 60);
  c.total.fill(10);
  c.good.fill(10);
  const each = (ranges: Array<[string, string]>, f: (i: number) => void) => {
    for (const [from, to] of ranges) for (let m = minute(`2024-03-01T${from}:00Z`); m < minute(`2024-03-01T${to}:00Z`); m++) f(m - start);
  };
  each(badMinutes, (i) => (c.good[i] = 5));
  each(silent, (i) => {
    c.good[i] = 0;
    c.total[i] = 0;
  });
  return new UnitSeries(c, slo.budgeting);
}

function transitions(slo: SloDefinition, series: UnitSeries) {
  const { notified } = runAlerts(slo, series, series.start, series.end);
  return notified.map(({ transition: t, signal }) => ({
    at: iso(t.at),
    status: t.status,
    severity: t.severity,
    windows: `${t.rule.longWindow}/${t.rule.shortWindow}`,
    id: signal.signal_id,
  }));
}

describe('multi-window multi-burn-rate alerting', () => {
  const slo = sloFromYaml(sloYaml());
  const series = incidentSeries(slo);

  it('pages and tickets at the hand-computed minutes', () => {
    expect(transitions(slo, series).map(({ id: _id, ...t }) => t)).toEqual([
      // ticket 1x 3d/6h: 5k bad of 10(120+k) >= 1% first at k = 3 -> 02:03
      { at: '02:03', status: 'FIRING', severity: 'TICKET', windows: '3d/6h' },
      // page 6x 6h/30m: 5k / 10(120+k) >= 6% first at k = 17 (1h/5m at 14.4x needs k = 18)
      { at: '02:17', status: 'FIRING', severity: 'PAGE', windows: '6h/30m' },
      // 30m window holds >= 4 bad minutes (6%) until 02:56; false from 02:57, +15m keep-firing
      { at: '03:12', status: 'RESOLVED', severity: 'PAGE', windows: '6h/30m' },
      // 6h window holds >= 36 bad (1% of 3600) until 08:22; false from 08:23, +15m
      { at: '08:38', status: 'RESOLVED', severity: 'TICKET', windows: '3d/6h' },
    ]);
  });

  it('carries the numbers of the firing minute in the signal', () => {
    const { notified } = runAlerts(slo, series, series.start, series.end);
    const page = notified.find((n) => n.signal.severity === 'PAGE' && n.signal.status === 'FIRING')?.signal;
    expect(page).toMatchObject({
      slo_id: 'test-slo',
      service: 'journeys',
      reason: 'SLO_BREACH',
      product_version_id: 'PRDV-VIEN-COFFEE',
      route_id: null,
      target: 0.99,
      long_window: '6h',
      short_window: '30m',
      burn_rate_threshold: 6,
      evaluated_at: Date.parse('2024-03-01T02:17:00Z'),
      recommended_actions: [],
    });
    // 85 bad of 1370 over 6h (data starts at 00:00), 85 of 300 over 30m
    expect(page?.burn_rate_long).toBeCloseTo(85 / 1370 / 0.01, 9);
    expect(page?.burn_rate_short).toBeCloseTo(85 / 300 / 0.01, 9);
    expect(page?.sli).toBeCloseTo(1 - 85 / 1370, 12);
    expect(page?.error_budget_remaining).toBeCloseTo(1 - 85 / (0.01 * 1370), 9);
  });

  it('gives a replay the same signal ids, distinct per episode and status', () => {
    const a = transitions(slo, series);
    const b = transitions(slo, incidentSeries(slo));
    expect(b).toEqual(a);
    expect(new Set(a.map((t) => t.id)).size).toBe(4);
    const firing = Date.parse('2024-03-01T02:17:00Z') / 60_000;
    expect(a[1]?.id).toBe(signalId('test-slo', 'PAGE', firing, 'FIRING'));
    expect(a[2]?.id).toBe(signalId('test-slo', 'PAGE', firing, 'RESOLVED'));
  });

  it('reports the alerts firing at any T, replaying from a quiet point', () => {
    const at = (hhmm: string) => alertsAt(slo, series, minute(`2024-03-01T${hhmm}:00Z`), series.start).map((a) => `${a.severity} ${a.long_window}/${a.short_window}`);
    expect(at('02:02')).toEqual([]);
    expect(at('02:03')).toEqual(['TICKET 3d/6h']);
    expect(at('02:17')).toEqual(['PAGE 6h/30m', 'TICKET 3d/6h']);
    // condition false since 02:57 but within keep-firing: still firing until 03:12
    expect(at('03:11')).toEqual(['PAGE 6h/30m', 'TICKET 3d/6h']);
    expect(at('03:12')).toEqual(['TICKET 3d/6h']);
    expect(at('08:37')).toEqual(['TICKET 3d/6h']);
    expect(at('08:38')).toEqual([]);
  });
});

describe('alert state machine', () => {
  it('does not notify again when the condition flaps while firing', () => {
    // Two bursts 3 minutes apart: the page condition drops for less than the keep time.
    const slo = sloFromYaml(sloYaml({ annotations: { 'ops.alert.page': '14.4x 10m/2m', 'ops.alert.ticket': 'none' } }));
    const series = incidentSeries(slo, [
      ['02:00', '02:05'],
      ['02:08', '02:12'],
    ]);
    // fires 02:03 (10m window 15%); false at 02:07-02:08, true again 02:09 (< 5m: same
    // episode); last true 02:13, false from 02:14, resolved 15 minutes later
    expect(transitions(slo, series).map((t) => `${t.at} ${t.status}`)).toEqual(['02:03 FIRING', '02:29 RESOLVED']);
  });

  it('notifies each burst when keep-firing is zero', () => {
    const slo = sloFromYaml(
      sloYaml({ annotations: { 'ops.alert.page': '14.4x 10m/2m', 'ops.alert.ticket': 'none', 'ops.alert.keep_firing_for': '0' } }),
    );
    const series = incidentSeries(slo, [
      ['02:00', '02:05'],
      ['02:20', '02:25'],
    ]);
    const ts = transitions(slo, series);
    // the 10m window reaches 14.4% at 3 bad minutes (02:03); the 2m window is clean from 02:07
    expect(ts.map((t) => `${t.at} ${t.status}`)).toEqual(['02:03 FIRING', '02:07 RESOLVED', '02:23 FIRING', '02:27 RESOLVED']);
    expect(new Set(ts.map((t) => t.id)).size).toBe(4);
  });

  it('does not resolve while the short window has no events at all', () => {
    const slo = sloFromYaml(sloYaml({ annotations: { 'ops.alert.page': '14.4x 10m/2m', 'ops.alert.ticket': 'none' } }));
    // Half failing from 02:00, then no traffic at all from 02:10 to 02:40, then all good.
    const series = incidentSeries(slo, [['02:00', '02:10']], [['02:10', '02:40']]);
    // Empty 2m windows from 02:12 hold the alert; the first minute with data and no burn
    // is 02:41, so it resolves 15 minutes later (not at 02:27 on the strength of silence).
    expect(transitions(slo, series).map((t) => `${t.at} ${t.status}`)).toEqual(['02:03 FIRING', '02:56 RESOLVED']);
    expect(alertsAt(slo, series, minute('2024-03-01T02:50:00Z'), series.start).map((a) => a.severity)).toEqual(['PAGE']);
  });

  it('holds a pending alert until pending_for has passed, and drops it if the condition clears first', () => {
    const slo = sloFromYaml(
      sloYaml({ annotations: { 'ops.alert.page': '14.4x 10m/2m', 'ops.alert.ticket': 'none', 'ops.alert.pending_for': '5m' } }),
    );
    // 02:00-02:05 burst: condition 02:03..02:06 (4 minutes) < 5m pending -> never fires
    expect(transitions(slo, incidentSeries(slo, [['02:00', '02:05']]))).toEqual([]);
    // 02:00-02:20 burst: condition from 02:03, fires at 02:08; false from 02:22, resolved 02:37
    expect(transitions(slo, incidentSeries(slo, [['02:00', '02:20']])).map((t) => `${t.at} ${t.status}`)).toEqual(['02:08 FIRING', '02:37 RESOLVED']);
  });
});
