import { describe, expect, it } from 'vitest';
import { INACTIVE, quietMinutes, stepAlert, type AlertState } from '../../processors/slo/core/alert-machine.js';
import { burnAtLeast, RuleConditions } from '../../processors/slo/core/conditions.js';
import { burnOf, matchSeverity, shortWindowEmpty, type WindowSource } from '../../processors/slo/core/evaluate.js';
import { emptyCounts, UnitSeries } from '../../processors/slo/core/series.js';
import { severitiesOf, type ActiveAlert } from '../../processors/slo/core/timeline.js';
import type { AlertRule, SloDefinition } from '../../processors/slo/definitions/model.js';
import { firingRulesAt } from '../../processors/slo/replay/firing.js';
import { sloFromYaml, sloYaml } from './support.js';

// The alert replay of `slo status` computes each rule's conditions once per minute, in blocks
// over the series' trailing sums (core/conditions.ts); these runs compare it with the replay
// that asks every window sum one by one (what firing.ts did before), on seeded series with
// bursts, gaps without traffic and flapping, for both budgeting methods.

const START = 28_000_000;
const MINUTES = 9 * 1440;

/** Deterministic pseudo-random numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Minute counts: quiet traffic, bursts of errors of random length and strength, stretches without traffic. */
function counts(seed: number): ReturnType<typeof emptyCounts> {
  const rnd = random(seed);
  const c = emptyCounts(START, MINUTES);
  let burst = 0;
  let strength = 0;
  let gap = 0;
  for (let i = 0; i < MINUTES; i++) {
    if (gap > 0) {
      gap--;
      continue;
    }
    if (rnd() < 0.002) gap = Math.floor(rnd() * 40);
    if (burst === 0 && rnd() < 0.004) {
      burst = Math.floor(rnd() * 600);
      strength = rnd();
    }
    const total = Math.floor(rnd() * 20);
    const bad = burst > 0 ? Math.round(total * strength * rnd()) : rnd() < 0.01 ? 1 : 0;
    if (burst > 0) burst--;
    c.total[i] = total;
    c.good[i] = Math.max(0, total - bad);
  }
  return c;
}

/** A window source without `trailing`: the conditions fall back to `sum`, window by window. */
function plain(src: WindowSource): WindowSource {
  return { sum: (a, b) => src.sum(a, b) };
}

/** The replay with window sums asked one by one: the quiet search, the severity and the rule machines. */
function reference(slo: SloDefinition, src: WindowSource, minute: number, earliest: number): ActiveAlert[] {
  const severities = severitiesOf(slo);
  const rules = slo.alerting.rules;
  let anchor = earliest - 1;
  let run = 0;
  for (let t = minute - 1; t >= earliest; t--) {
    const clear = severities.every((sev) => matchSeverity(slo, sev, src, t) === null) && rules.every((r) => !shortWindowEmpty(r, src, t));
    run = clear ? run + 1 : 0;
    if (run >= quietMinutes(slo.alerting)) {
      anchor = t + run - 1;
      break;
    }
  }
  const bySeverity = new Map<string, AlertState>();
  const byRule: AlertState[] = rules.map(() => INACTIVE);
  for (let t = anchor + 1; t <= minute; t++) {
    for (const sev of severities) {
      const match = matchSeverity(slo, sev, src, t);
      const before = bySeverity.get(sev) ?? INACTIVE;
      if (!match && before.phase === 'inactive') continue;
      const quiet = !match && before.phase === 'firing' && shortWindowEmpty(before.rule, src, t);
      bySeverity.set(sev, stepAlert(before, sev, t, match, slo.alerting, quiet).state);
    }
    rules.forEach((rule, i) => {
      const long = burnOf(src.sum(t - rule.longMinutes, t).good, src.sum(t - rule.longMinutes, t).total, slo.target);
      const short = src.sum(t - rule.shortMinutes, t);
      const holds = long >= rule.threshold && burnOf(short.good, short.total, slo.target) >= rule.threshold;
      const before = byRule[i] as AlertState;
      if (!holds && before.phase === 'inactive') return;
      const quiet = !holds && before.phase === 'firing' && shortWindowEmpty(rule, src, t);
      byRule[i] = stepAlert(before, rule.severity, t, holds ? { rule } : null, slo.alerting, quiet).state;
    });
  }
  const out: ActiveAlert[] = [];
  for (const sev of severities) {
    const episode = bySeverity.get(sev);
    if (episode?.phase !== 'firing') continue;
    const entry = (rule: AlertRule, since: number): ActiveAlert => ({ severity: sev, status: 'FIRING', long_window: rule.longWindow, short_window: rule.shortWindow, firing_since: since * 60_000 });
    const listed = rules.flatMap((rule, i) => {
      const s = byRule[i] as AlertState;
      return rule.severity === sev && s.phase === 'firing' ? [entry(rule, s.since)] : [];
    });
    out.push(...(listed.length > 0 ? listed : [entry(episode.rule, episode.since)]));
  }
  return out;
}

describe('alert conditions computed once per minute', () => {
  it('decide a burn at or above a threshold as the burn rate itself does, at and around the threshold', () => {
    let compared = 0;
    for (const target of [0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999]) {
      for (const threshold of [0, 1, 2, 3, 6, 14.4, 100]) {
        const atLeast = burnAtLeast(target, threshold);
        for (const total of [0, 1, 7, 100, 1000, 123_457]) {
          // Bad units exactly at the threshold's share, one unit either side, and fractions of one.
          const exact = threshold * (1 - target) * total;
          for (const bad of [0, exact, exact - 1, exact + 1, exact - 1e-7, exact + 1e-7, Math.floor(exact), Math.ceil(exact), total]) {
            if (bad < 0 || bad > total) continue;
            expect(atLeast(total - bad, total), `target ${target} threshold ${threshold} bad ${bad} of ${total}`).toBe(burnOf(total - bad, total, target) >= threshold);
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(1500);
  });

  it('flag the same rules and empty short windows as the window-by-window functions', () => {
    const slo = sloFromYaml(sloYaml({ name: 'conditions' }));
    const src = new UnitSeries(counts(7), slo.budgeting);
    const last = START + MINUTES - 1;
    const first = last - 3 * 1440;
    const cond = new RuleConditions(slo, src, first, last);
    let holding = 0;
    for (let t = last; t >= first; t--) {
      slo.alerting.rules.forEach((rule, r) => {
        const short = src.sum(t - rule.shortMinutes, t);
        const long = src.sum(t - rule.longMinutes, t);
        const holds = burnOf(long.good, long.total, slo.target) >= rule.threshold && burnOf(short.good, short.total, slo.target) >= rule.threshold;
        expect(cond.holds(r, t)).toBe(holds);
        expect(cond.shortEmpty(r, t)).toBe(shortWindowEmpty(rule, src, t));
        if (holds) holding++;
      });
    }
    // The series burns for part of the span, not all of it: both answers are exercised.
    expect(holding).toBeGreaterThan(100);
    expect(holding).toBeLessThan(4 * 3 * 1440);
    expect(() => cond.holds(0, last + 1)).toThrow(/outside/);
  });

  for (const budgeting of ['Occurrences', 'Timeslices'] as const) {
    it(`list the same firing rules as the window-by-window replay (${budgeting}, 40 series, 12 instants each)`, () => {
      const slo = sloFromYaml(sloYaml({ name: `replay-${budgeting.toLowerCase()}`, ...(budgeting === 'Timeslices' ? { budgeting: 'Timeslices', sliceTarget: 0.95, sliceWindow: '5m' } : {}) }));
      expect(slo.budgeting.method).toBe(budgeting);
      let firing = 0;
      for (let seed = 1; seed <= 40; seed++) {
        const src = new UnitSeries(counts(seed), slo.budgeting);
        const rnd = random(seed * 31);
        for (let k = 0; k < 12; k++) {
          const minute = START + 2 * 1440 + Math.floor(rnd() * (MINUTES - 2 * 1440));
          const earliest = minute - 1440 - Math.floor(rnd() * 1440);
          const want = reference(slo, src, minute, earliest);
          expect(firingRulesAt(slo, src, minute, earliest), `seed ${seed} at ${minute}`).toEqual(want);
          expect(firingRulesAt(slo, plain(src), minute, earliest), `seed ${seed} at ${minute} without trailing sums`).toEqual(want);
          firing += want.length;
        }
      }
      // Alerts fire in a good share of the instants, so the comparison covers episodes, not only silence.
      expect(firing).toBeGreaterThan(40);
    });
  }
});
