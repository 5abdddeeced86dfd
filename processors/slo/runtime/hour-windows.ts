import type { Budgeting } from '../definitions/model.js';
import { sliceUnit, type Sums } from '../core/series.js';

/**
 * Window sums of one SLO for the incremental evaluator, without holding every minute of a
 * 30-day window: units are kept per hour (a ring of running totals) and per minute only
 * for the few hours where some window currently starts or ends. A window sum is then
 * cum(to) - cum(from) with
 *   cum(m) = (units of all hours before hour(m)) + (units of hour(m) before minute m).
 * Timeslices put a slice's unit on its last minute; slice lengths divide an hour, so an
 * hour's units depend on that hour's minutes only.
 */
export const MINUTES_PER_HOUR = 60;

export interface HourMinutes {
  /** Raw good/total of the 60 minutes of one hour. */
  good: Float64Array;
  total: Float64Array;
}

interface HourDetail {
  /** prefix[i] = units of the hour's minutes before minute i (0..60). */
  good: Float64Array;
  total: Float64Array;
}

export class HourWindows {
  private readonly budgeting: Budgeting;
  private readonly size: number;
  /** Running totals: ring slot of hour h holds units of all tracked hours before h. */
  private readonly cumGood: Float64Array;
  private readonly cumTotal: Float64Array;
  /** First tracked hour (everything before it counts as nothing) and the next hour to close. */
  private baseHour: number | null = null;
  private nextHour = 0;
  private readonly details = new Map<number, HourDetail>();

  /** @param horizonHours the longest window, in hours, any sum may span */
  constructor(budgeting: Budgeting, horizonHours: number) {
    this.budgeting = budgeting;
    this.size = horizonHours + 3;
    this.cumGood = new Float64Array(this.size);
    this.cumTotal = new Float64Array(this.size);
  }

  /** Starts tracking at `hour`: hours before it hold nothing. */
  start(hour: number): void {
    this.baseHour = hour;
    this.nextHour = hour;
    this.cumGood[this.slot(hour)] = 0;
    this.cumTotal[this.slot(hour)] = 0;
  }

  /** Sets (or replaces) the minute detail of an hour from its raw counts. */
  setHour(hour: number, raw: HourMinutes | null): void {
    if (!raw) {
      this.details.delete(hour);
      return;
    }
    const units = this.units(raw);
    const good = new Float64Array(MINUTES_PER_HOUR + 1);
    const total = new Float64Array(MINUTES_PER_HOUR + 1);
    for (let i = 0; i < MINUTES_PER_HOUR; i++) {
      good[i + 1] = (good[i] ?? 0) + (units.good[i] ?? 0);
      total[i + 1] = (total[i] ?? 0) + (units.total[i] ?? 0);
    }
    this.details.set(hour, { good, total });
  }

  /** Drops minute detail of hours outside `keep`. */
  retainHours(keep: (hour: number) => boolean): void {
    for (const h of this.details.keys()) if (!keep(h)) this.details.delete(h);
  }

  /**
   * Opens `hour` again (a correction: late data landed in it): it and every later hour are
   * dropped and must be set and closed again in order. The running total up to `hour` stays.
   */
  reopen(hour: number): void {
    if (this.baseHour === null || hour >= this.nextHour) return;
    if (hour < this.baseHour || hour < this.nextHour - this.size + 2) throw new Error(`hour ${hour} is older than the tracked horizon`);
    this.nextHour = hour;
    for (const h of [...this.details.keys()]) if (h >= hour) this.details.delete(h);
  }

  /** Closes `hour` (its minute detail must be complete): its units join the running totals. */
  closeHour(hour: number): void {
    if (this.baseHour === null) this.start(hour);
    if (hour !== this.nextHour) throw new Error(`hours close in order: expected ${this.nextHour}, got ${hour}`);
    const d = this.details.get(hour);
    const from = this.slot(hour);
    const to = this.slot(hour + 1);
    this.cumGood[to] = (this.cumGood[from] ?? 0) + (d?.good[MINUTES_PER_HOUR] ?? 0);
    this.cumTotal[to] = (this.cumTotal[from] ?? 0) + (d?.total[MINUTES_PER_HOUR] ?? 0);
    this.nextHour = hour + 1;
  }

  /** Units in minutes [from, to). Needs hour(to) <= next hour to close and minute detail where from/to fall inside an hour. */
  sum(from: number, to: number): Sums {
    if (to <= from) return { good: 0, total: 0 };
    this.cum(from);
    const good = this.cg;
    const total = this.ct;
    this.cum(to);
    return { good: this.cg - good, total: this.ct - total };
  }

  // cum() writes here instead of allocating: it runs several times per SLO per minute.
  private cg = 0;
  private ct = 0;

  private cum(m: number): void {
    const base = this.baseHour;
    if (base === null || m <= base * MINUTES_PER_HOUR) {
      this.cg = 0;
      this.ct = 0;
      return;
    }
    const hour = Math.floor(m / MINUTES_PER_HOUR);
    if (hour > this.nextHour) throw new Error(`minute ${m} is beyond the open hour ${this.nextHour}`);
    if (hour < this.nextHour - this.size + 2) throw new Error(`minute ${m} is older than the tracked horizon`);
    const within = m - hour * MINUTES_PER_HOUR;
    const slot = this.slot(hour);
    this.cg = this.cumGood[slot] ?? 0;
    this.ct = this.cumTotal[slot] ?? 0;
    if (within > 0) {
      const d = this.details.get(hour);
      if (d) {
        this.cg += d.good[within] ?? 0;
        this.ct += d.total[within] ?? 0;
      }
    }
  }

  private slot(hour: number): number {
    return ((hour % this.size) + this.size) % this.size;
  }

  private units(raw: HourMinutes): HourMinutes {
    if (this.budgeting.method === 'Occurrences') return raw;
    const s = this.budgeting.sliceMinutes;
    const good = new Float64Array(MINUTES_PER_HOUR);
    const total = new Float64Array(MINUTES_PER_HOUR);
    // Hours start on epoch multiples of 60 and s divides 60: slices start at multiples of s here.
    for (let a = 0; a < MINUTES_PER_HOUR; a += s) {
      let g = 0;
      let t = 0;
      for (let i = a; i < a + s; i++) {
        g += raw.good[i] ?? 0;
        t += raw.total[i] ?? 0;
      }
      const u = sliceUnit(g, t, this.budgeting.sliceTarget);
      good[a + s - 1] = u.good;
      total[a + s - 1] = u.total;
    }
    return { good, total };
  }
}
