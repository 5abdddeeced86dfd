import type { Budgeting } from '../definitions/model.js';

/**
 * Per-minute good/total counts of one SLO, dense from epoch minute `start`. For ratio and
 * latency SLOs these are event counts; for LEM levels, one occurrence per scope per minute.
 * `good` never exceeds `total` (producers cap it), so bad = total - good >= 0.
 */
export interface MinuteCounts {
  start: number;
  good: Float64Array;
  total: Float64Array;
}

export function emptyCounts(start: number, minutes: number): MinuteCounts {
  return { start, good: new Float64Array(minutes), total: new Float64Array(minutes) };
}

export interface Sums {
  good: number;
  total: number;
}

/**
 * The units an SLO budgets in, with prefix sums so any window sum is O(1).
 * Occurrences: the events themselves. Timeslices: one unit per slice of
 * `sliceMinutes` (aligned to the epoch), good when the slice's own ratio reaches
 * `sliceTarget`; a slice without data is no unit at all. A slice is placed on its last
 * minute, so a window ending at T counts exactly the slices complete by T.
 */
export class UnitSeries {
  readonly start: number;
  readonly end: number;
  private readonly pGood: Float64Array;
  private readonly pTotal: Float64Array;

  constructor(counts: MinuteCounts, budgeting: Budgeting) {
    const n = counts.total.length;
    this.start = counts.start;
    this.end = counts.start + n;
    const units = budgeting.method === 'Occurrences' ? counts : toSlices(counts, budgeting.sliceMinutes, budgeting.sliceTarget);
    this.pGood = new Float64Array(n + 1);
    this.pTotal = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      this.pGood[i + 1] = (this.pGood[i] ?? 0) + (units.good[i] ?? 0);
      this.pTotal[i + 1] = (this.pTotal[i] ?? 0) + (units.total[i] ?? 0);
    }
  }

  /** Units in minutes [from, to); minutes outside the series hold nothing. */
  sum(from: number, to: number): Sums {
    const a = Math.min(Math.max(from, this.start), this.end) - this.start;
    const b = Math.min(Math.max(to, this.start), this.end) - this.start;
    if (b <= a) return { good: 0, total: 0 };
    return {
      good: (this.pGood[b] ?? 0) - (this.pGood[a] ?? 0),
      total: (this.pTotal[b] ?? 0) - (this.pTotal[a] ?? 0),
    };
  }

  /** The sums of [t - minutes, t) for t = from, ..., from + n - 1, as `sum` gives each. */
  trailing(minutes: number, from: number, n: number, good: Float64Array, total: Float64Array): void {
    for (let k = 0; k < n; k++) {
      const to = from + k;
      const a = Math.min(Math.max(to - minutes, this.start), this.end) - this.start;
      const b = Math.min(Math.max(to, this.start), this.end) - this.start;
      if (b <= a) {
        good[k] = 0;
        total[k] = 0;
      } else {
        good[k] = (this.pGood[b] ?? 0) - (this.pGood[a] ?? 0);
        total[k] = (this.pTotal[b] ?? 0) - (this.pTotal[a] ?? 0);
      }
    }
  }
}

/**
 * Slice units of minute counts; exported for the incremental evaluator, which slices the same way.
 * `sliceTarget` null (RatioTimeslices): the slice's own ratio is its good share of one unit.
 */
export function sliceUnit(good: number, total: number, sliceTarget: number | null): Sums {
  if (total <= 0) return { good: 0, total: 0 };
  if (sliceTarget === null) return { good: good / total, total: 1 };
  return { good: good / total >= sliceTarget ? 1 : 0, total: 1 };
}

function toSlices(c: MinuteCounts, s: number, sliceTarget: number | null): MinuteCounts {
  const n = c.total.length;
  const out = emptyCounts(c.start, n);
  let g = 0;
  let t = 0;
  for (let i = 0; i < n; i++) {
    const minute = c.start + i;
    if (mod(minute, s) === 0) {
      g = 0;
      t = 0;
    }
    g += c.good[i] ?? 0;
    t += c.total[i] ?? 0;
    if (mod(minute + 1, s) === 0) {
      const u = sliceUnit(g, t, sliceTarget);
      out.good[i] = u.good;
      out.total[i] = u.total;
    }
  }
  return out;
}

export function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
