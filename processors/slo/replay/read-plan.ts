import type { Indicator, SloDefinition } from '../definitions/model.js';

/**
 * Which SLI cells a stateless evaluation reads, and at which resolution: minute cells where
 * a window may start or end at any minute, hour and day cells (sli_*_hour, sli_*_day, exact
 * sums of the minute cells) where only one sum over a long stretch is asked.
 *
 * An evaluation at T asks an SLO's history for windows ending at minutes of the alert replay
 * and at T, none longer than its longest alert window, so every window starts at or after
 * `fine` = (T - alert lookback) - longest alert window; and for the budget window, which
 * starts at `from`, possibly long before. So [fine, T) is read minute by minute and
 * [from, fine) only as one sum: the minutes of its ragged head up to the next whole hour,
 * whole hours up to the next whole UTC day, whole days, then whole hours up to `fine`.
 *
 * Only Occurrences SLOs of ratio and latency indicators whose good (or bad) events are
 * always among the total's are read so: their per-minute good is the part itself (the cap
 * at the total never applies), so a sum over an hour equals the sum of its minutes. The
 * others keep minute cells over their whole history: Timeslices and RatioTimeslices judge
 * each slice by its own ratio (a 5-minute slice needs its own minutes), LEM levels are a
 * score held per minute (read from the updates), and a ratio whose good selection is not
 * within its total caps the part at the total minute by minute. SLOs under maintenance windows
 * too (the minutes of a window count as none), and SLOs with budget alerts (their replay asks
 * the budget window ending at every minute).
 */

/** [from, to) in epoch minutes. */
export type Range = readonly [from: number, to: number];

export const HOUR_MINUTES = 60;
export const DAY_MINUTES = 1440;

function floorTo(m: number, unit: number): number {
  return Math.floor(m / unit) * unit;
}

function ceilTo(m: number, unit: number): number {
  return Math.ceil(m / unit) * unit;
}

/** What one SLO needs: its history starts at `from`; windows start at `fine` or later, or at `from`. */
export interface SloNeed {
  from: number;
  fine: number;
}

/** How the sum of an SLO's minutes [from, fine) is read: ragged head minutes, whole hours, whole days. */
export interface CoarseSpan {
  from: number;
  minutes: Range;
  hours: Range[];
  days: Range | null;
}

export interface ReadPlan {
  /** Start (a whole hour) of the minutes every coarse SLO reads one by one. */
  fine: number;
  /** Per SLO (definition order): its coarse span, or null when it reads minutes over its whole history. */
  spans: Array<CoarseSpan | null>;
}

/** True when every event the good (or bad) selection counts is also counted in the total. */
export function partWithinTotal(ind: Exclude<Indicator, { kind: 'level' }>): boolean {
  if (ind.kind === 'latency') return true;
  const { good, total } = ind;
  if (good.family !== total.family) return false;
  if (!good.eventTypes.every((t) => total.eventTypes.includes(t))) return false;
  for (const [k, v] of Object.entries(total.where)) if (good.where[k] !== v) return false;
  if (total.latencyMaxMs === null) return true;
  return good.latencyMaxMs !== null && good.latencyMaxMs <= total.latencyMaxMs;
}

/** Whether an SLO's sums may come from hour and day cells (see the module comment). */
export function summable(slo: SloDefinition): boolean {
  // Maintenance windows take minutes out of the sums (core/maintenance.ts), which an hour cell
  // cannot; budget alerts evaluate the budget window at every minute of their replay.
  if ((slo.maintenance?.length ?? 0) > 0 || (slo.budgetAlerts?.length ?? 0) > 0) return false;
  return slo.budgeting.method === 'Occurrences' && slo.indicator.kind !== 'level' && partWithinTotal(slo.indicator);
}

/** The split of [from, fine) (fine a whole hour, from < fine). */
export function coarseSpan(from: number, fine: number): CoarseSpan {
  const h1 = Math.min(ceilTo(from, HOUR_MINUTES), fine);
  const d1 = ceilTo(from, DAY_MINUTES);
  const d2 = floorTo(fine, DAY_MINUTES);
  const nonEmpty = (rs: Range[]): Range[] => rs.filter(([a, b]) => b > a);
  if (d1 < d2) return { from, minutes: [from, h1], hours: nonEmpty([[h1, d1], [d2, fine]]), days: [d1, d2] };
  return { from, minutes: [from, h1], hours: nonEmpty([[h1, fine]]), days: null };
}

/**
 * The plan for `slos` with their needs (same order); without needs every SLO reads minute
 * cells over its whole history (what per-minute counts of any range require).
 */
export function readPlan(slos: readonly SloDefinition[], needs?: readonly SloNeed[]): ReadPlan {
  const spans: Array<CoarseSpan | null> = slos.map(() => null);
  if (!needs) return { fine: Infinity, spans };
  const eligible = slos.map((s, i) => summable(s) && needs[i] !== undefined);
  const fines = needs.filter((_, i) => eligible[i]).map((n) => n.fine);
  if (fines.length === 0) return { fine: Infinity, spans };
  const fine = floorTo(Math.min(...fines), HOUR_MINUTES);
  needs.forEach((n, i) => {
    if (eligible[i] && n.from < fine) spans[i] = coarseSpan(n.from, fine);
  });
  return { fine, spans };
}
