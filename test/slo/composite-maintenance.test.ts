import { describe, expect, it } from 'vitest';
import { withCompositeMaintenance } from '../../processors/slo/core/composite-maintenance.js';
import { excludeCounts } from '../../processors/slo/core/maintenance.js';
import { emptyCounts, UnitSeries } from '../../processors/slo/core/series.js';
import { signalId } from '../../processors/slo/core/signal.js';
import { runAlerts } from '../../processors/slo/core/timeline.js';
import type { CompositeSlo } from '../../processors/slo/definitions/composite.js';
import { formatProblem, loadSloFiles } from '../../processors/slo/definitions/load.js';
import { buildMaintenanceWindow, type MaintenanceSpecT, type MaintenanceWindow } from '../../processors/slo/definitions/maintenance.js';
import type { SloDefinition } from '../../processors/slo/definitions/model.js';
import { replaySignals, replayStart } from '../../processors/slo/replay/held-signals.js';
import { sloFromYaml, sloYaml } from './support.js';

/** Two SLOs (one labelled team: payments) and two composites using the first; the second composite labelled tier: gold. */
const SET = `${sloYaml({ name: 'coffee' }).replace('  name: coffee\n', '  name: coffee\n  labels: {team: payments}\n')}---
${sloYaml({ name: 'tram' })}---
apiVersion: openslo/v1
kind: SLO
metadata: {name: city}
spec:
  service: journeys
  timeWindow: [{duration: 30d, isRolling: true}]
  composite: {components: [{slo: coffee, weight: 2}, {slo: tram}]}
  objectives: [{target: 0.99}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: gold, labels: {tier: gold}}
spec:
  service: journeys
  timeWindow: [{duration: 30d, isRolling: true}]
  composite: {components: [{slo: coffee}]}
  objectives: [{target: 0.99}]
`;

function composites(): CompositeSlo[] {
  const r = loadSloFiles([{ file: 'set.yaml', text: SET }]);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.composites;
}

function win(name: string, selector: MaintenanceSpecT['selector'], start = '2026-01-05T01:00', duration = '30m'): MaintenanceWindow {
  const b = buildMaintenanceWindow(name, { selector, start, duration, reason: 'test' }, 'test');
  if (!b.ok) throw new Error(JSON.stringify(b.problems));
  return b.window;
}

const names = (s: Pick<SloDefinition, 'maintenance'>): string[] => (s.maintenance ?? []).map((w) => w.name);

describe('maintenance windows in composites: the rule', () => {
  const cases: Array<{ what: string; windows: MaintenanceWindow[]; city: string[]; cityComponents: string[][]; gold: string[]; goldComponents: string[][] }> = [
    { what: 'a window on a component id: that component in every composite using it', windows: [win('w', { slos: ['coffee'] })], city: [], cityComponents: [['w'], []], gold: [], goldComponents: [['w']] },
    { what: "a window on a component's label: alike", windows: [win('w', { labels: { team: 'payments' } })], city: [], cityComponents: [['w'], []], gold: [], goldComponents: [['w']] },
    { what: 'a window on the composite id: all its components, in that composite only', windows: [win('w', { slos: ['city'] })], city: ['w'], cityComponents: [['w'], ['w']], gold: [], goldComponents: [[]] },
    { what: "a window on the composite's label: alike", windows: [win('w', { labels: { tier: 'gold' } })], city: [], cityComponents: [[], []], gold: ['w'], goldComponents: [['w']] },
    { what: 'a window on the composite and on its component counts once for that component', windows: [win('w', { slos: ['city', 'coffee'] })], city: ['w'], cityComponents: [['w'], ['w']], gold: [], goldComponents: [['w']] },
    { what: 'a window selecting nothing of them changes nothing', windows: [win('w', { slos: ['other'] })], city: [], cityComponents: [[], []], gold: [], goldComponents: [[]] },
    { what: 'windows add up, in their order', windows: [win('a', { slos: ['tram'] }), win('b', { slos: ['city'] })], city: ['b'], cityComponents: [['b'], ['a', 'b']], gold: [], goldComponents: [[]] },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const [city, gold] = withCompositeMaintenance(composites(), c.windows);
      if (!city || !gold) throw new Error('composites missing');
      expect([names(city.definition), city.components.map((comp) => names(comp.slo)), names(gold.definition), gold.components.map((comp) => names(comp.slo))]).toEqual([
        c.city,
        c.cityComponents,
        c.gold,
        c.goldComponents,
      ]);
    });
  }

  it('keeps the composites it changes nothing of as they are', () => {
    const list = composites();
    const out = withCompositeMaintenance(list, [win('w', { labels: { tier: 'gold' } })]);
    expect(out[0]).toBe(list[0]);
    expect(out[1]).not.toBe(list[1]);
  });
});

describe('replaySignals: signals held back inside the windows of the definition', () => {
  // 100 events a minute; in minutes 60-119, 30 of them bad. The PAGE 6h/30m rule (x6) holds once 15 bad minutes
  // are in: 450 of 7,500 (burn 6) at minute 75.
  const START = 29_000_000;
  const N = 6 * 60;
  const base = sloFromYaml(sloYaml({ name: 'walk', target: 0.99, window: '30d' }));
  const counts = (slo: SloDefinition): UnitSeries => {
    const c = emptyCounts(START, N);
    for (let i = 0; i < N; i++) {
      c.total[i] = 100;
      c.good[i] = i >= 60 && i < 120 ? 70 : 100;
    }
    return new UnitSeries(excludeCounts(slo, c), slo.budgeting);
  };
  const at = (m: number): string => new Date((START + m) * 60_000).toISOString().slice(0, 16);
  const withWindow = (from: number, minutes: number): SloDefinition => ({ ...base, maintenance: [win('hold', { slos: ['walk'] }, at(from), `${minutes}m`)] });
  const brief = (slo: SloDefinition, from: number, to: number): Array<[string, string, number]> =>
    replaySignals(slo, counts(slo), START + from, START + to, { alerts: true, budgetLookbackMinutes: 60 }).map((s) => [s.severity, s.status, s.evaluated_at / 60_000 - START]);

  it('without a window it is the alert machines\' replay', () => {
    const plain = runAlerts(base, counts(base), START + 1, START + N - 1).notified.map((n) => n.signal);
    expect(replaySignals(base, counts(base), START + 1, START + N - 1, { alerts: true, budgetLookbackMinutes: 60 })).toEqual(plain);
    expect(brief(base, 1, N - 1).filter(([sev]) => sev === 'PAGE')[0]).toEqual(['PAGE', 'FIRING', 75]);
  });

  it('a FIRING inside is sent at the first minute after the window, with its id; a range ending inside holds it', () => {
    const slo = withWindow(75, 4);
    const all = brief(slo, 1, N - 1);
    expect(all.filter(([, , m]) => m >= 75 && m < 79)).toEqual([]);
    expect(all.filter(([sev, st]) => sev === 'PAGE' && st === 'FIRING')).toEqual([['PAGE', 'FIRING', 79]]);
    const firing = replaySignals(slo, counts(slo), START + 79, START + 79, { alerts: true, budgetLookbackMinutes: 60 }).find((s) => s.severity === 'PAGE');
    expect(firing?.signal_id).toBe(signalId('walk', 'PAGE', START + 75, 'FIRING'));
    // Ranges that end inside the window send nothing of it; the range holding its end sends it.
    expect(brief(slo, 75, 78)).toEqual([]);
    expect(brief(slo, 79, 79)).toEqual(all.filter(([, , m]) => m === 79));
  });

  it('replayStart goes back to the start of a window only when the range holds its end', () => {
    const slo = withWindow(100, 30);
    expect(replayStart(slo, START + 110, START + 120)).toBe(START + 110);
    expect(replayStart(slo, START + 110, START + 130)).toBe(START + 100);
    expect(replayStart(slo, START + 100, START + 200)).toBe(START + 100);
    expect(replayStart(slo, START + 131, START + 200)).toBe(START + 131);
    expect(replayStart(slo, START + 130, START + 130)).toBe(START + 100);
  });
});
