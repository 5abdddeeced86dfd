import { describe, expect, it } from 'vitest';
import { emptyCounts, UnitSeries } from '../../processors/slo/core/series.js';
import { alertsAt } from '../../processors/slo/core/timeline.js';
import { firingRulesAt } from '../../processors/slo/replay/firing.js';
import { sloFromYaml, sloYaml } from './support.js';

// Which rules `slo status` lists at T, on hand-made minute counts (target 0.99, the default
// rules for 30 days: PAGE 1h/5m x14.4, PAGE 6h/30m x6, TICKET 1d/2h x3, TICKET 3d/6h x1,
// keep firing 15 minutes).
const slo = sloFromYaml(sloYaml({ name: 'firing' }));
const START = 28_000_000; // epoch minute
const DAYS = 5;
const T0 = START + 4 * 1440; // the incident starts here

/** 100 units a minute, `bad(m)` of them bad. */
function series(bad: (minute: number) => number): UnitSeries {
  const c = emptyCounts(START, DAYS * 1440);
  for (let i = 0; i < c.total.length; i++) {
    c.total[i] = 100;
    c.good[i] = 100 - bad(START + i);
  }
  return new UnitSeries(c, slo.budgeting);
}

const listed = (src: UnitSeries, minute: number): string[] =>
  firingRulesAt(slo, src, minute, START).map((a) => `${a.severity} ${a.long_window}/${a.short_window}`);

describe('every firing rule at T', () => {
  it('uses the default rules', () => {
    expect(slo.alerting.rules.map((r) => `${r.severity} ${r.longWindow}/${r.shortWindow} ${r.threshold}`)).toEqual([
      'PAGE 1h/5m 14.4',
      'PAGE 6h/30m 6',
      'TICKET 1d/2h 3',
      'TICKET 3d/6h 1',
    ]);
    expect(slo.alerting.keepFiringForMinutes).toBe(15);
  });

  it('a heavy burn fires both PAGE rules, then both TICKET rules: an entry for each', () => {
    // From T0 on, 30% of every minute is bad: k minutes in, a window of L minutes burns 30 * min(k, L) / L.
    const src = series((m) => (m >= T0 ? 30 : 0));
    expect(listed(src, T0)).toEqual([]);
    expect(listed(src, T0 + 28)).toEqual([]);
    // 1h: 30 * 29 / 60 = 14.5 >= 14.4 (5m: 30).
    expect(listed(src, T0 + 29)).toEqual(['PAGE 1h/5m']);
    // 6h: 30 * 72 / 360 = 6 >= 6 (30m: 30): the second PAGE rule fires too.
    expect(listed(src, T0 + 72)).toEqual(['PAGE 1h/5m', 'PAGE 6h/30m']);
    expect(listed(src, T0 + 143)).toEqual(['PAGE 1h/5m', 'PAGE 6h/30m']);
    // 1d: 30 * 144 / 1440 = 3 >= 3 and 3d: 30 * 144 / 4320 = 1 >= 1.
    expect(listed(src, T0 + 144)).toEqual(['PAGE 1h/5m', 'PAGE 6h/30m', 'TICKET 1d/2h', 'TICKET 3d/6h']);
    for (const a of firingRulesAt(slo, src, T0 + 144, START)) expect(a.status).toBe('FIRING');
  });

  it('each rule keeps its own firing_since; notifications stay one episode per severity', () => {
    const src = series((m) => (m >= T0 ? 30 : 0));
    const since = Object.fromEntries(firingRulesAt(slo, src, T0 + 150, START).map((a) => [`${a.severity} ${a.long_window}`, a.firing_since / 60_000 - T0]));
    expect(since).toEqual({ 'PAGE 1h': 29, 'PAGE 6h': 72, 'TICKET 1d': 144, 'TICKET 3d': 144 });
    // The PAGE episode fired with 1h/5m at +29, the TICKET one with 1d/2h (the first TICKET rule) at +144.
    expect(alertsAt(slo, src, T0 + 150, START).map((a) => [a.severity, a.long_window, a.firing_since / 60_000 - T0])).toEqual([
      ['PAGE', '1h', 29],
      ['TICKET', '1d', 144],
    ]);
  });

  it('a rule whose condition ended stays listed for the keep-firing time (15 minutes), then only the rules still firing are', () => {
    // 30% bad for 3 hours from T0, then clean (traffic goes on, so no window is quiet).
    const end = T0 + 180;
    const src = series((m) => (m >= T0 && m < end ? 30 : 0));
    expect(listed(src, end + 5)).toEqual(['PAGE 1h/5m', 'PAGE 6h/30m', 'TICKET 1d/2h', 'TICKET 3d/6h']);
    // 1h/5m is false from end + 3 (5m burn 30 * 2 / 5 = 12 < 14.4): listed until end + 17, gone at end + 18.
    expect(listed(src, end + 17)).toContain('PAGE 1h/5m');
    expect(listed(src, end + 18)).toEqual(['PAGE 6h/30m', 'TICKET 1d/2h', 'TICKET 3d/6h']);
    // 6h/30m is false from end + 25 (30m burn 30 * 5 / 30 = 5 < 6): the PAGE alert resolves at end + 40.
    expect(listed(src, end + 39)).toEqual(['PAGE 6h/30m', 'TICKET 1d/2h', 'TICKET 3d/6h']);
    expect(listed(src, end + 40)).toEqual(['TICKET 1d/2h', 'TICKET 3d/6h']);
    expect(alertsAt(slo, src, end + 40, START).map((a) => a.severity)).toEqual(['TICKET']);
  });

  it('lists a severity exactly when its notification alert fires, at every minute of an incident', () => {
    // Bursty: 40% bad in 7 of every 13 minutes for 5 hours, then clean.
    const src = series((m) => (m >= T0 && m < T0 + 300 && (m - T0) % 13 < 7 ? 40 : 0));
    let both = 0;
    for (let t = T0 - 10; t <= T0 + 420; t++) {
      const rules = firingRulesAt(slo, src, t, START);
      const episodes = alertsAt(slo, src, t, START);
      expect([...new Set(rules.map((a) => a.severity))], `minute +${t - T0}`).toEqual(episodes.map((a) => a.severity));
      if (rules.filter((a) => a.severity === 'PAGE').length === 2) both++;
    }
    expect(both).toBeGreaterThan(0);
  });
});
