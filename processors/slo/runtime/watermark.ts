/**
 * Event-time watermark over the partitions feeding the SLIs: the minimum, over active
 * partitions, of the largest event time each has committed, minus the allowed lateness.
 * Every event older than the watermark is assumed to be in the warehouse, so minutes
 * before it can be evaluated for good; an event later than that (beyond the lateness) is
 * still stored and counted by every later query, but not re-evaluated live.
 *
 * A partition that has committed nothing for `idleTimeoutMs` (processing time) stops
 * holding the watermark back; when every partition is idle the stream has been consumed
 * up to its end and the watermark follows the largest event time seen. It never moves
 * backwards.
 */
export interface WatermarkOptions {
  /**
   * Events may arrive this much later than newer events of their partition. A minute is
   * evaluated (and its signals sent) this long after it ends. @default 30_000
   */
  allowedLatenessMs?: number;
  /** Processing time after which a partition without commits is idle. @default 10_000 */
  idleTimeoutMs?: number;
}

interface PartitionClock {
  maxEventTime: number;
  lastCommitAt: number;
  /** Known to hold messages but nothing committed yet: it holds the watermark until it commits or idles. */
  pending: boolean;
}

export class WatermarkTracker {
  readonly allowedLatenessMs: number;
  readonly idleTimeoutMs: number;
  private readonly partitions = new Map<string, PartitionClock>();
  private current = -Infinity;

  constructor(options: WatermarkOptions = {}) {
    this.allowedLatenessMs = options.allowedLatenessMs ?? 30_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10_000;
  }

  /** Records a committed batch of a topic-partition (its largest event time, null when it held no valid event). */
  observe(topic: string, partition: number, maxOccurredAt: number | null, now: number): void {
    const key = `${topic}\u0000${partition}`;
    const p = this.partitions.get(key);
    if (!p) {
      this.partitions.set(key, { maxEventTime: maxOccurredAt ?? -Infinity, lastCommitAt: now, pending: false });
      return;
    }
    p.lastCommitAt = now;
    p.pending = false;
    if (maxOccurredAt !== null && maxOccurredAt > p.maxEventTime) p.maxEventTime = maxOccurredAt;
  }

  /**
   * A partition known to hold messages (from the transport's end offsets) that has not
   * committed yet. Until it commits (or idles) nothing can be final: a sparse topic racing
   * ahead must not carry the watermark past minutes a slower partition has not delivered.
   */
  expect(topic: string, partition: number, now: number): void {
    const key = `${topic}\u0000${partition}`;
    if (!this.partitions.has(key)) this.partitions.set(key, { maxEventTime: -Infinity, lastCommitAt: now, pending: true });
  }

  /** A partition taken away from this consumer (rebalance) no longer holds the watermark. */
  forget(topic: string, partition: number): void {
    this.partitions.delete(`${topic}\u0000${partition}`);
  }

  /** The largest event time any partition committed (-Infinity before any event). */
  maxSeen(): number {
    let max = -Infinity;
    for (const p of this.partitions.values()) if (p.maxEventTime > max) max = p.maxEventTime;
    return max;
  }

  /** The watermark at processing time `now` (epoch ms), or -Infinity before any event. */
  watermark(now: number): number {
    let minActive = Infinity;
    let maxAll = -Infinity;
    for (const p of this.partitions.values()) {
      if (p.pending && now - p.lastCommitAt < this.idleTimeoutMs) return this.current;
      if (p.maxEventTime === -Infinity) continue;
      if (p.maxEventTime > maxAll) maxAll = p.maxEventTime;
      if (now - p.lastCommitAt < this.idleTimeoutMs && p.maxEventTime < minActive) minActive = p.maxEventTime;
    }
    const base = minActive === Infinity ? maxAll : minActive;
    const candidate = base - this.allowedLatenessMs;
    if (candidate > this.current) this.current = candidate;
    return this.current;
  }
}
