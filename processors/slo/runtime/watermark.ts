/**
 * Event-time watermark over the partitions feeding the SLIs: the minimum, over active
 * partitions, of the largest event time each has committed, minus the allowed lateness.
 * Every event older than the watermark is assumed to be in the warehouse, so instants
 * before it can be evaluated; an event later than that (beyond the lateness) is still
 * stored and counted by every later query, and within the evaluator's correction horizon
 * makes it evaluate again (see SloEvaluatorOptions.correctionMinutes). The lateness is
 * `liveLatenessMs` while the event time is live (close to the processing clock) and
 * `allowedLatenessMs` otherwise (backfills, catch-up).
 *
 * A partition stops holding the watermark back when it is idle: it has committed nothing for
 * `idleTimeoutMs` (processing time) and, when the broker's offsets are known (`offsets()`),
 * it is caught up: the group has committed everything the broker holds for it. A partition
 * that is behind is stalled, not idle, however long it has been silent (a paused broker, a
 * member rejoining, a warehouse outage), and so is every partition while the broker cannot
 * be asked: silence alone would let the watermark pass records the broker holds but the
 * pipeline has not stored. When every partition is idle, the stream has been consumed up to
 * its end, and the watermark follows the newest event time stored (the largest committed, or
 * what the warehouse holds, for a restarted evaluator that has seen no commit yet). It never
 * moves backwards.
 *
 * A view of the broker says an idle partition was caught up when the view was taken, nothing
 * about records sent to it since. So while any partition idles, the watermark goes no further
 * than the newest event time stored before that view was taken (the view's frontier): a
 * producer that sends in event-time order across partitions (up to the lateness) had reached
 * at least that time then, so whatever it sends an idle partition afterwards is no older.
 * Without this bound, one partition committing fresh records after the view would carry the
 * watermark past records another partition received after the view and has not committed yet.
 */
export interface WatermarkOptions {
  /**
   * Events may arrive this much later than newer events of their partition. An instant is
   * evaluated (and its signals sent) once events this much newer are committed. @default 30_000
   */
  allowedLatenessMs?: number;
  /**
   * The allowed lateness while the data is live: the event time the watermark is taken from
   * is at most `liveWithinMs` behind the processing clock (1x traffic, caught up). A backfill
   * or a catch-up keeps `allowedLatenessMs`, whose wider margin avoids corrections when
   * batches of hours of out-of-order events arrive at once. @default allowedLatenessMs
   */
  liveLatenessMs?: number;
  /** How close to the processing clock event time counts as live. @default 60_000 */
  liveWithinMs?: number;
  /** Processing time after which a caught-up partition without commits is idle. @default 10_000 */
  idleTimeoutMs?: number;
}

/** One partition as the broker sees it: how many records the group has not committed yet. */
export interface PartitionBacklog {
  topic: string;
  partition: number;
  /** Next offset the broker will write; 0 for an empty partition. */
  endOffset: number;
  /** Records the broker holds beyond the group's commit. */
  lag: number;
}

interface PartitionClock {
  maxEventTime: number;
  lastCommitAt: number;
  /** Known to hold uncommitted messages, nothing committed here yet: its event time is unknown, so it holds everything. */
  pending: boolean;
}

interface OffsetsView {
  at: number;
  lag: Map<string, number>;
  /** The newest event time committed or read from the warehouse before `at`. */
  frontier: number;
}

/** A view of the broker this recent is fresh whatever the idle time (the idle time defaulted to 3 s before it was configurable). */
const VIEW_FRESH_MIN_MS = 3000;
/** How much older than fresh a view may have been asked for (a slow answer) and still find the commits before it. */
const FRONTIER_SLACK_MS = 60_000;

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class WatermarkTracker {
  readonly allowedLatenessMs: number;
  readonly liveLatenessMs: number;
  readonly liveWithinMs: number;
  readonly idleTimeoutMs: number;
  private readonly partitions = new Map<string, PartitionClock>();
  private current = -Infinity;
  /** Whether the broker's offsets decide idleness (set by the first `offsets()` call). */
  private offsetAware = false;
  private view: OffsetsView | null = null;
  private stored = -Infinity;
  /** When the newest stored event time was read (processing time). */
  private storedAt = -Infinity;
  /** The newest event time committed up to each commit time newer than the last view (ascending), and before them. */
  private frontierLog: Array<{ at: number; max: number }> = [];
  private frontierBase = -Infinity;

  constructor(options: WatermarkOptions = {}) {
    this.allowedLatenessMs = options.allowedLatenessMs ?? 30_000;
    this.liveLatenessMs = options.liveLatenessMs ?? this.allowedLatenessMs;
    this.liveWithinMs = options.liveWithinMs ?? 60_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10_000;
  }

  /** Records a committed batch of a topic-partition (its largest event time, null when it held no valid event). */
  observe(topic: string, partition: number, maxOccurredAt: number | null, now: number): void {
    if (maxOccurredAt !== null && maxOccurredAt > (this.frontierLog.at(-1)?.max ?? this.frontierBase)) {
      this.frontierLog.push({ at: now, max: maxOccurredAt });
      // Only a view asked for within VIEW_FRESH_MIN_MS (or the idle time) is used: older commits
      // need no place of their own, and the log stays bounded when no view ever comes.
      const horizon = now - Math.max(this.idleTimeoutMs, VIEW_FRESH_MIN_MS) - FRONTIER_SLACK_MS;
      if ((this.frontierLog[0] as { at: number }).at < horizon) this.frontierAt(horizon);
    }
    const key = keyOf(topic, partition);
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
    const key = keyOf(topic, partition);
    if (!this.partitions.has(key)) this.partitions.set(key, { maxEventTime: -Infinity, lastCommitAt: now, pending: true });
  }

  /**
   * What the broker holds beyond the group's commits, read at `at` (processing time), or
   * null when the broker could not be asked. From the first call on, only a partition the
   * latest view shows caught up can be idle, when that view is fresh (see `fresh`) and was
   * taken after the partition's last commit. `at` is when the broker was asked, before its answer.
   */
  offsets(backlog: readonly PartitionBacklog[] | null, at: number): void {
    this.offsetAware = true;
    const frontier = this.frontierAt(at);
    if (backlog === null) {
      this.view = null;
      return;
    }
    const lag = new Map<string, number>();
    for (const b of backlog) {
      lag.set(keyOf(b.topic, b.partition), b.lag);
      if (b.endOffset === 0) continue;
      const key = keyOf(b.topic, b.partition);
      const p = this.partitions.get(key);
      if (!p) this.partitions.set(key, { maxEventTime: -Infinity, lastCommitAt: at, pending: b.lag > 0 });
      else if (p.pending && b.lag === 0) p.pending = false; // committed by another member, or before this process
    }
    this.view = { at, lag, frontier };
  }

  /** The newest event time stored before processing time `at`; forgets the commits before it. */
  private frontierAt(at: number): number {
    let i = 0;
    while (i < this.frontierLog.length && (this.frontierLog[i] as { at: number }).at <= at) i++;
    if (i > 0) this.frontierBase = Math.max(this.frontierBase, (this.frontierLog[i - 1] as { max: number }).max);
    this.frontierLog = this.frontierLog.slice(i);
    return Math.max(this.frontierBase, this.storedAt <= at ? this.stored : -Infinity);
  }

  /**
   * The newest event time the warehouse holds for these topics, read at processing time `at`:
   * where the watermark goes once every partition is idle, when it is newer than any commit
   * seen here (and the view of the broker was taken after it was read).
   */
  storedUpTo(eventTime: number, at: number): void {
    if (eventTime > this.stored) {
      this.stored = eventTime;
      this.storedAt = at;
    }
  }

  /** A partition taken away from this consumer (rebalance) no longer holds the watermark. */
  forget(topic: string, partition: number): void {
    this.partitions.delete(keyOf(topic, partition));
  }

  /** The largest event time any partition committed (-Infinity before any event). */
  maxSeen(): number {
    let max = -Infinity;
    for (const p of this.partitions.values()) if (p.maxEventTime > max) max = p.maxEventTime;
    return max;
  }

  /**
   * Every partition is idle and the broker's offsets say so: all it holds is stored, and
   * the newest stored event time may carry the watermark (see `storedUpTo`).
   */
  settled(now: number): boolean {
    // A broker without any partition of the watched topics says nothing about whether the
    // stored data is complete (a restart before its source published again).
    if (!this.offsetAware || !this.fresh(now) || this.partitions.size === 0) return false;
    for (const [key, p] of this.partitions) if (!this.idle(key, p, now)) return false;
    return true;
  }

  /** The watermark at processing time `now` (epoch ms), or -Infinity before any event. */
  watermark(now: number): number {
    // Without a fresh view of the broker nothing is known to be stored beyond what is final.
    if (this.offsetAware && !this.fresh(now)) return this.current;
    let minActive = Infinity;
    let maxAll = -Infinity;
    let allIdle = true;
    let anyIdle = false;
    for (const [key, p] of this.partitions) {
      const idle = this.idle(key, p, now);
      if (!idle) allIdle = false;
      else anyIdle = true;
      if (p.pending && !idle) return this.current;
      if (p.maxEventTime === -Infinity) continue;
      if (p.maxEventTime > maxAll) maxAll = p.maxEventTime;
      if (!idle && p.maxEventTime < minActive) minActive = p.maxEventTime;
    }
    if (allIdle && this.offsetAware && this.stored > maxAll) maxAll = this.stored;
    let base = minActive === Infinity ? maxAll : minActive;
    // An idle partition was caught up as of the view: no further than what was stored before it.
    if (anyIdle && this.offsetAware && this.view !== null) base = Math.min(base, this.view.frontier);
    const candidate = base - this.latenessAt(base, now);
    if (candidate > this.current) this.current = candidate;
    return this.current;
  }

  /** The allowed lateness of event time `base` at processing time `now` (see `liveLatenessMs`). */
  latenessAt(base: number, now: number): number {
    return now - base <= this.liveWithinMs ? this.liveLatenessMs : this.allowedLatenessMs;
  }

  /**
   * The broker's view is recent enough to rely on: newer than the idle time, and never required
   * newer than VIEW_FRESH_MIN_MS, so a short idle time does not freeze the watermark while a
   * busy evaluator reads the offsets less often than it would like.
   */
  private fresh(now: number): boolean {
    return this.view !== null && now - this.view.at < Math.max(this.idleTimeoutMs, VIEW_FRESH_MIN_MS);
  }

  /** Silent for the idle time and, per a view of the broker taken after its last commit, caught up. */
  private idle(key: string, p: PartitionClock, now: number): boolean {
    if (now - p.lastCommitAt < this.idleTimeoutMs) return false;
    if (!this.offsetAware) return true;
    return this.view !== null && this.view.at >= p.lastCommitAt && this.view.lag.get(key) === 0;
  }
}
