import type { AlertSeverity } from '../../contracts/enums.js';
import { DAY_MIN, fixedMinutes, HOUR_MIN } from './duration.js';
import type { AlertRule } from './model.js';

/**
 * Multi-window, multi-burn-rate defaults (docs/interfaces.md), stated as the share of the error
 * budget each rule lets go before it fires, whatever the SLO's period:
 * page when 2% of the budget is spent in 1h (checked again over 5m) or 5% in 6h (30m);
 * ticket when 10% is spent in 1d (2h) or 10% in 3d (6h).
 */
export const DEFAULT_BUDGET_RULES: ReadonlyArray<{ severity: AlertSeverity; budgetFraction: number; longWindow: string; shortWindow: string }> = [
  { severity: 'PAGE', budgetFraction: 0.02, longWindow: '1h', shortWindow: '5m' },
  { severity: 'PAGE', budgetFraction: 0.05, longWindow: '6h', shortWindow: '30m' },
  { severity: 'TICKET', budgetFraction: 0.1, longWindow: '1d', shortWindow: '2h' },
  { severity: 'TICKET', budgetFraction: 0.1, longWindow: '3d', shortWindow: '6h' },
];

/**
 * Burn-rate factor that spends `budgetFraction` of a `periodMinutes` budget in `longMinutes`
 * (Sloth's formula): factor = budgetFraction * period / long window. A burn rate of 1 spends
 * exactly the whole budget in one period, so a factor below 1 would alert on a burn that
 * never exhausts the budget: factors are never below 1.
 *
 * 30d: 14.4, 6, 3, 1 (as Sloth). 28d: 13.44, 5.6, 2.8, 1 (Sloth: 0.9333 for the last,
 * raised to 1 by the floor). 7d: 3.36, 1.4, 1, 1. 90d (1Q): 43.2, 18, 9, 3.
 */
export function budgetFactor(budgetFraction: number, periodMinutes: number, longMinutes: number): number {
  return Math.max(1, roundFactor((budgetFraction * periodMinutes) / longMinutes));
}

/**
 * Default rules for an SLO whose budget period is `periodMinutes` (rolling windows: their
 * length; calendar windows: 7d a week, 30d a month, 90d a quarter, 365d a year). A rule
 * whose long window is longer than the period is left out: it would look past the budget
 * it guards (a 1d SLO keeps the 1h and 6h pages and the 1d ticket).
 */
export function defaultRules(periodMinutes: number): AlertRule[] {
  const out: AlertRule[] = [];
  for (const r of DEFAULT_BUDGET_RULES) {
    const longMinutes = fixedMinutes(r.longWindow) ?? 0;
    if (longMinutes > periodMinutes) continue;
    out.push({
      severity: r.severity,
      threshold: budgetFactor(r.budgetFraction, periodMinutes, longMinutes),
      longWindow: r.longWindow,
      longMinutes,
      shortWindow: r.shortWindow,
      shortMinutes: fixedMinutes(r.shortWindow) ?? 0,
    });
  }
  return out;
}

/** Short window of an OpenSLO burn-rate condition: a twelfth of its lookback window, as the defaults (1h/5m ... 3d/6h), at least 1m. */
export function shortWindowFor(longMinutes: number): { text: string; minutes: number } {
  const minutes = Math.max(1, Math.round(longMinutes / 12));
  const text = minutes % DAY_MIN === 0 ? `${minutes / DAY_MIN}d` : minutes % HOUR_MIN === 0 ? `${minutes / HOUR_MIN}h` : `${minutes}m`;
  return { text, minutes };
}

/** Factors are rounded to 1e-9 so 0.02 * 43200 / 60 stays exactly 14.4. */
function roundFactor(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

const RULE = /^(\d+(?:\.\d+)?)x\s+([0-9]+[mhd])\s*\/\s*([0-9]+[mhd])$/;

/**
 * Parses an override annotation such as `14.4x 1h/5m, 6x 6h/30m` (`none` or empty: no
 * rules of that severity). Returns an error message naming the bad item.
 */
export function parseRuleList(severity: AlertSeverity, text: string): AlertRule[] | string {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'none') return [];
  const rules: AlertRule[] = [];
  for (const item of trimmed.split(',').map((s) => s.trim())) {
    const m = RULE.exec(item);
    if (!m) return `rule ${JSON.stringify(item)} is not of the form "<factor>x <long>/<short>", e.g. "14.4x 1h/5m"`;
    const threshold = Number(m[1]);
    const longWindow = m[2] ?? '';
    const shortWindow = m[3] ?? '';
    const longMinutes = fixedMinutes(longWindow);
    const shortMinutes = fixedMinutes(shortWindow);
    if (longMinutes === null || shortMinutes === null) return `rule ${JSON.stringify(item)}: windows must be like 5m, 1h, 3d`;
    if (!(threshold > 0)) return `rule ${JSON.stringify(item)}: the burn-rate factor must be > 0`;
    if (shortMinutes >= longMinutes) return `rule ${JSON.stringify(item)}: the short window must be shorter than the long window`;
    if (longMinutes > 31 * DAY_MIN) return `rule ${JSON.stringify(item)}: windows longer than 31d are not supported`;
    rules.push({ severity, threshold, longWindow, longMinutes, shortWindow, shortMinutes });
  }
  return rules;
}

/** Distinct alert windows of a rule set, shortest first (the keys of `burn_rates`). */
export function ruleWindows(rules: readonly AlertRule[]): Array<{ text: string; minutes: number }> {
  const byText = new Map<string, number>();
  for (const r of rules) {
    byText.set(r.longWindow, r.longMinutes);
    byText.set(r.shortWindow, r.shortMinutes);
  }
  return [...byText.entries()].map(([text, minutes]) => ({ text, minutes })).sort((a, b) => a.minutes - b.minutes || a.text.localeCompare(b.text));
}
