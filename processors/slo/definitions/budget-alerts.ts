import type { AlertSeverity } from '../../contracts/enums.js';

/**
 * Budget alerts: an alert of `severity` fires when the SLO's remaining error budget falls
 * below `remainingBelow` (a fraction of the budget, 0.5 = half of it left), and resolves
 * when the remaining budget is back at or above it (old bad units leave a rolling window,
 * or a calendar period begins). Written as the annotation
 * `ops.alert.budget: "TICKET below 50%, PAGE below 10%"` (fractions such as 0.5 work too).
 */
export interface BudgetAlertRule {
  severity: AlertSeverity;
  /** Fraction of the error budget, in (0, 1]. */
  remainingBelow: number;
  /** The threshold as written in percent, e.g. `50%` (part of the alert's name and id). */
  text: string;
}

export const BUDGET_ALERT_ANNOTATION = 'ops.alert.budget';

const ITEM = /^(page|ticket)\s+below\s+(\d+(?:\.\d+)?)(%?)$/i;

/** Parses the annotation; a string is the problem (one line). Rules sorted by threshold, highest first. */
export function parseBudgetAlerts(text: string): BudgetAlertRule[] | string {
  const out: BudgetAlertRule[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    const m = ITEM.exec(item);
    if (!m) return `each item must read like "TICKET below 50%" or "PAGE below 0.1"; got ${JSON.stringify(item)}`;
    const n = Number(m[2]);
    const fraction = m[3] === '%' ? n / 100 : n;
    if (!(fraction > 0 && fraction <= 1)) return `a budget threshold must be above 0 and at most 100%; got ${JSON.stringify(item)}`;
    const severity = (m[1] as string).toUpperCase() as AlertSeverity;
    const pct = Math.round(fraction * 1e8) / 1e6;
    if (out.some((r) => r.remainingBelow === fraction && r.severity === severity)) return `duplicate budget alert ${JSON.stringify(item)}`;
    out.push({ severity, remainingBelow: fraction, text: `${pct}%` });
  }
  return out.sort((a, b) => b.remainingBelow - a.remainingBelow);
}
