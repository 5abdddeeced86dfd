import { ruleWindows } from '../definitions/alert-rules.js';
import { calendarPeriod } from '../definitions/calendar.js';
import { MINUTE_MS } from '../definitions/duration.js';
import type { AlertRule, SloDefinition } from '../definitions/model.js';
import type { Sums } from './series.js';

/**
 * The SLI math of docs/interfaces.md, as pure functions over window sums. An evaluation at
 * time T looks at the whole minutes in [T - W, T). Alerting runs at minute boundaries,
 * where `toMinute` (an epoch minute) is T and every window is exactly W long.
 */

/** Anything that can sum units over a minute range (UnitSeries, the incremental windows). */
export interface WindowSource {
  sum(fromMinute: number, toMinute: number): Sums;
  /**
   * Optional, for replays: the sums of the windows [t - minutes, t) for t = from, ...,
   * from + n - 1 into good[k] and total[k] (k = t - from), each equal to `sum`'s.
   */
  trailing?(minutes: number, from: number, n: number, good: Float64Array, total: Float64Array): void;
}

/** `src.trailing`, or `sum` window by window where a source has none. */
export function trailingSums(src: WindowSource, minutes: number, from: number, n: number, good: Float64Array, total: Float64Array): void {
  if (src.trailing) return src.trailing(minutes, from, n, good, total);
  for (let k = 0; k < n; k++) {
    const s = src.sum(from + k - minutes, from + k);
    good[k] = s.good;
    total[k] = s.total;
  }
}

/** Rounds away float noise (0.144 / 0.01 = 14.399999999999999) so values read and compare as written. */
export function clean(x: number): number {
  return Math.round(x * 1e12) / 1e12;
}

/** sli = good / total; null when there is nothing to measure. */
export function sli(s: Sums): number | null {
  return s.total > 0 ? clean(s.good / s.total) : null;
}

/** burn rate = (bad / total) / (1 - target); 0 when total is 0. */
export function burnRate(s: Sums, target: number): number {
  return burnOf(s.good, s.total, target);
}

/** {@link burnRate} of a window's good and total. */
export function burnOf(good: number, total: number, target: number): number {
  if (total <= 0) return 0;
  return clean((total - good) / total / (1 - target));
}

/** 1 - bad / ((1 - target) * total); 1 when nothing was measured; negative when overspent. */
export function budgetRemaining(s: Sums, target: number): number {
  if (s.total <= 0) return 1;
  return clean(1 - (s.total - s.good) / ((1 - target) * s.total));
}

/**
 * Time until the budget is gone if the current burn (over `burnWindow`) continues: a burn
 * rate of 1 spends the whole budget in one window length.
 */
export function timeToExhaustionMs(remaining: number, currentBurn: number, windowMinutes: number): number | null {
  if (remaining <= 0) return 0;
  if (currentBurn <= 0) return null;
  return Math.round((remaining * windowMinutes * MINUTE_MS) / currentBurn);
}

/** Whole minutes in [T - w, T) as epoch minutes [from, to). */
export function trailingMinutes(atMs: number, minutes: number): { from: number; to: number } {
  return { from: Math.ceil((atMs - minutes * MINUTE_MS) / MINUTE_MS), to: Math.floor(atMs / MINUTE_MS) };
}

/** The SLO's own window at T: [from, to) in epoch minutes, and the nominal budget period. */
export function sloWindow(slo: SloDefinition, atMs: number): { fromMinute: number; toMinute: number; periodMinutes: number } {
  if (slo.window.kind === 'rolling') {
    const w = trailingMinutes(atMs, slo.window.minutes);
    return { fromMinute: w.from, toMinute: w.to, periodMinutes: slo.window.minutes };
  }
  // The period containing T: at the first instant of a month the new (empty) period applies.
  const p = calendarPeriod(slo.window, atMs);
  return { fromMinute: Math.ceil(p.start / MINUTE_MS), toMinute: Math.floor(atMs / MINUTE_MS), periodMinutes: Math.round((p.end - p.start) / MINUTE_MS) };
}

/** The window the "current burn" of time-to-exhaustion is measured over. */
export const CURRENT_BURN_MINUTES = 60;

export interface Evaluation {
  slo_id: string;
  /** Evaluation time T (epoch ms). */
  at: number;
  target: number;
  good: number;
  total: number;
  sli: number | null;
  error_budget_remaining: number;
  burn_rates: Record<string, number>;
  time_to_exhaustion_ms: number | null;
  window_start: number;
}

export function evaluate(slo: SloDefinition, src: WindowSource, atMs: number): Evaluation {
  const w = sloWindow(slo, atMs);
  const s = src.sum(w.fromMinute, w.toMinute);
  const over = (minutes: number): Sums => {
    const t = trailingMinutes(atMs, minutes);
    return src.sum(t.from, t.to);
  };
  const burn_rates: Record<string, number> = {};
  for (const win of ruleWindows(slo.alerting.rules)) burn_rates[win.text] = burnRate(over(win.minutes), slo.target);
  const remaining = budgetRemaining(s, slo.target);
  const current = burnRate(over(CURRENT_BURN_MINUTES), slo.target);
  return {
    slo_id: slo.id,
    at: atMs,
    target: slo.target,
    good: s.good,
    total: s.total,
    sli: sli(s),
    error_budget_remaining: remaining,
    burn_rates,
    time_to_exhaustion_ms: timeToExhaustionMs(remaining, current, w.periodMinutes),
    window_start: w.fromMinute * MINUTE_MS,
  };
}

/** A rule whose both windows burn at or above its threshold at some T. */
export interface RuleMatch {
  rule: AlertRule;
  burnLong: number;
  burnShort: number;
}

export function ruleBurns(rule: AlertRule, src: WindowSource, toMinute: number, target: number): RuleMatch {
  return {
    rule,
    burnLong: burnRate(src.sum(toMinute - rule.longMinutes, toMinute), target),
    burnShort: burnRate(src.sum(toMinute - rule.shortMinutes, toMinute), target),
  };
}

/** The first rule of `severity` (in definition order) that holds at T, or null. */
export function matchSeverity(slo: SloDefinition, severity: AlertRule['severity'], src: WindowSource, toMinute: number): RuleMatch | null {
  for (const rule of slo.alerting.rules) {
    if (rule.severity !== severity) continue;
    // The long window fails far more often than not: skip the short one then.
    const burnLong = burnRate(src.sum(toMinute - rule.longMinutes, toMinute), slo.target);
    if (burnLong < rule.threshold) continue;
    const burnShort = burnRate(src.sum(toMinute - rule.shortMinutes, toMinute), slo.target);
    if (burnShort >= rule.threshold) return { rule, burnLong, burnShort };
  }
  return null;
}

/** True when the short window of `rule` holds no units at T (see `stepAlert`'s quiet). */
export function shortWindowEmpty(rule: AlertRule, src: WindowSource, toMinute: number): boolean {
  return src.sum(toMinute - rule.shortMinutes, toMinute).total <= 0;
}
