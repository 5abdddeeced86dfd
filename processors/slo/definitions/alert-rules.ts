import type { AlertSeverity } from '../../contracts/enums.js';
import { DAY_MIN, fixedMinutes } from './duration.js';
import type { AlertRule } from './model.js';

/**
 * Multi-window, multi-burn-rate defaults (CONTRACTS.md), stated for a 30-day budget:
 * page 14.4x over 1h and 5m (2% of the budget in an hour), 6x over 6h and 30m (5% in
 * six hours); ticket 3x over 1d and 2h (10% in a day), 1x over 3d and 6h (10% in three days).
 */
export const DEFAULT_RULES_30D: ReadonlyArray<Omit<AlertRule, 'longMinutes' | 'shortMinutes'>> = [
  { severity: 'PAGE', threshold: 14.4, longWindow: '1h', shortWindow: '5m' },
  { severity: 'PAGE', threshold: 6, longWindow: '6h', shortWindow: '30m' },
  { severity: 'TICKET', threshold: 3, longWindow: '1d', shortWindow: '2h' },
  { severity: 'TICKET', threshold: 1, longWindow: '3d', shortWindow: '6h' },
];

const BASE_BUDGET_MINUTES = 30 * DAY_MIN;

/**
 * Default rules for an SLO window of `windowMinutes`. The factors keep their meaning
 * (share of the budget spent in the long window), so they scale with the window:
 * a 28-day SLO pages at 14.4 * 28/30 = 13.44x. Calendar months count as 30 days.
 */
export function defaultRules(windowMinutes: number): AlertRule[] {
  const scale = windowMinutes / BASE_BUDGET_MINUTES;
  return DEFAULT_RULES_30D.map((r) => ({
    ...r,
    threshold: roundFactor(r.threshold * scale),
    longMinutes: fixedMinutes(r.longWindow) ?? 0,
    shortMinutes: fixedMinutes(r.shortWindow) ?? 0,
  }));
}

/** Scaled factors are rounded to 1e-9 so 14.4 * 30/30 stays exactly 14.4. */
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
