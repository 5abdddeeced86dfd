import { describe, expect, it } from 'vitest';
import { budgetFactor, defaultRules, shortWindowFor } from './alert-rules.js';
import { DAY_MIN } from './duration.js';

const table = (days: number): string[] => defaultRules(days * DAY_MIN).map((r) => `${r.severity} ${r.threshold}x ${r.longWindow}/${r.shortWindow}`);

describe('default burn-rate rules for any period', () => {
  it('30d: Sloth and the SRE workbook (14.4, 6, 3, 1)', () => {
    expect(table(30)).toEqual(['PAGE 14.4x 1h/5m', 'PAGE 6x 6h/30m', 'TICKET 3x 1d/2h', 'TICKET 1x 3d/6h']);
  });

  it("28d: Sloth's 13.44, 5.6, 2.8; the 3d ticket at 1, not 0.9333 (that burn never exhausts the budget)", () => {
    expect(table(28)).toEqual(['PAGE 13.44x 1h/5m', 'PAGE 5.6x 6h/30m', 'TICKET 2.8x 1d/2h', 'TICKET 1x 3d/6h']);
  });

  it('7d spends the same budget shares: 2% in 1h, 5% in 6h; tickets floored at 1', () => {
    expect(table(7)).toEqual(['PAGE 3.36x 1h/5m', 'PAGE 1.4x 6h/30m', 'TICKET 1x 1d/2h', 'TICKET 1x 3d/6h']);
    // What each rule lets go before it fires: factor * long window / period.
    const spent = defaultRules(7 * DAY_MIN).map((r) => Math.round(((r.threshold * r.longMinutes) / (7 * DAY_MIN)) * 1e4) / 1e4);
    expect(spent).toEqual([0.02, 0.05, 0.1429, 0.4286]);
  });

  it('a quarter (90d) and a one-day SLO (windows longer than the period left out)', () => {
    expect(table(90)).toEqual(['PAGE 43.2x 1h/5m', 'PAGE 18x 6h/30m', 'TICKET 9x 1d/2h', 'TICKET 3x 3d/6h']);
    expect(table(1)).toEqual(['PAGE 1x 1h/5m', 'PAGE 1x 6h/30m', 'TICKET 1x 1d/2h']);
  });

  it("is Sloth's formula: budget share * period hours / window hours", () => {
    expect(budgetFactor(0.02, 30 * DAY_MIN, 60)).toBe(14.4);
    expect(budgetFactor(0.05, 28 * DAY_MIN, 360)).toBe(5.6);
    expect(budgetFactor(0.1, 28 * DAY_MIN, 1440)).toBe(2.8);
    expect(budgetFactor(0.1, 28 * DAY_MIN, 3 * DAY_MIN)).toBe(1);
  });

  it('short windows of OpenSLO conditions are a twelfth of the lookback window', () => {
    expect([60, 360, 1440, 4320, 15, 10].map((m) => shortWindowFor(m).text)).toEqual(['5m', '30m', '2h', '6h', '1m', '1m']);
  });
});
