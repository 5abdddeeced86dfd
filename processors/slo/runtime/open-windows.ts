import type { WindowSource } from '../core/evaluate.js';
import type { Sums } from '../core/series.js';

/**
 * The windows of an instant between whole minutes: a window ending at minute `minute` (the
 * whole minutes before it) plus the open part of that minute up to the instant. Every window
 * of the instant ends at `minute`, so a sum ending there gets the open part; any other sum is
 * the whole-minute one.
 */
export class OpenMinuteWindows implements WindowSource {
  private constructor(
    private readonly base: WindowSource,
    private readonly minute: number,
    private readonly open: Sums,
  ) {}

  /** `base` with the buckets [fromBucket, toBucket) of the open minute added at `minute`. */
  static of(base: WindowSource, minute: number, buckets: ReadonlyMap<number, readonly [number, number]>, fromBucket: number, toBucket: number): OpenMinuteWindows {
    let good = 0;
    let total = 0;
    for (let b = fromBucket; b < toBucket; b++) {
      const c = buckets.get(b);
      if (!c) continue;
      good += c[0];
      total += c[1];
    }
    return new OpenMinuteWindows(base, minute, { good, total });
  }

  sum(fromMinute: number, toMinute: number): Sums {
    const s = this.base.sum(fromMinute, toMinute);
    if (toMinute !== this.minute || toMinute <= fromMinute) return s;
    return { good: s.good + this.open.good, total: s.total + this.open.total };
  }
}
