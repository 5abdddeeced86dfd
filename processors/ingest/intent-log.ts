import type { Params, Warehouse } from '../../sinks/warehouse/types.js';

/** One batch's intent: its offset range, recorded before its facts are inserted. */
export interface Intent {
  topic: string;
  partition: number;
  first: bigint;
  last: bigint;
}

/** An intent with the event keys its insert leaves out (event-keys.ts), sorted. */
export interface BatchIntent extends Intent {
  excluded?: readonly string[];
  /** The batch's digest (batch.ts): a re-formed range replays its exclusions only over the same records. */
  digest?: string;
}

/** A batch as recorded: its offsets, the digest of its records and the event keys its insert left out. */
export interface RecordedBatch extends Intent {
  digest: string;
  excluded: readonly string[];
}

/** The latest row `ingest_state` keeps for a group's partition. */
export interface StoredIntent extends RecordedBatch {
  group: string;
  /** Its offsets were committed. */
  done: boolean;
  version: bigint;
}

/**
 * The latest intent of each partition that `where` selects. `where` names sorting-key columns
 * only (consumer_group, topic, partition), so it selects rows before FINAL keeps the latest of
 * each; a filter on another column (`done`) would select before it, and is the caller's to apply.
 */
export async function readIntents(wh: Warehouse, where: string, params: Params): Promise<StoredIntent[]> {
  const rows = await wh.query<{
    consumer_group: string;
    topic: string;
    partition: number;
    first_offset: string;
    last_offset: string;
    excluded: string[];
    digest: string;
    done: number;
    version: string;
  }>(
    `SELECT consumer_group, topic, partition, first_offset, last_offset, excluded, digest, done, version
     FROM ingest_state FINAL WHERE ${where} ORDER BY consumer_group, topic, partition`,
    params,
  );
  return rows.map((r) => ({
    group: r.consumer_group,
    topic: r.topic,
    partition: Number(r.partition),
    first: BigInt(r.first_offset),
    last: BigInt(r.last_offset),
    excluded: r.excluded ?? [],
    digest: r.digest ?? '',
    done: Number(r.done) === 1,
    version: BigInt(r.version),
  }));
}

/** One committed batch as `ingest_progress` keeps it: its offsets, the earliest event time it added and the newest it carried (see CommittedBatch). */
export interface Progress extends Intent {
  minEventTime: number | null;
  maxEventTime: number | null;
}

interface Waiter {
  row: Record<string, unknown>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** How long a row that may wait (`insert(row, { wait: true })`) waits for another row's statement at most. */
const DEFAULT_WAIT_MS = 1000;

/**
 * Inserts small rows into one table with group commit: a row asked for while another write is
 * in flight joins the next write, so partitions whose batches are ready together share one
 * statement (a tiny insert costs about as much as a 10k-row one's fixed part). Each caller
 * resolves only after the statement holding its own row succeeded; a failed statement rejects
 * all of its callers.
 *
 * A row that may wait starts no statement of its own: it rides with the next row that does,
 * or is written `waitMs` after it was asked for, or when `idle()` is awaited. Under load it
 * costs no statement at all (the warehouse's statements, not its rows, bound the freshness).
 */
class GroupInsert {
  private queue: Waiter[] = [];
  /** Rows in the queue that may not wait. */
  private urgent = 0;
  private writing = false;
  private idleWaiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  /** The waiting rows' time is up, or someone awaits idle(): write whatever is queued. */
  private due = false;

  constructor(
    private readonly wh: Warehouse,
    private readonly table: string,
    private readonly waitMs = DEFAULT_WAIT_MS,
  ) {}

  insert(row: Record<string, unknown>, options: { wait?: boolean } = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (options.wait) {
        this.timer ??= setTimeout(() => {
          this.timer = null;
          this.due = true;
          this.kick();
        }, this.waitMs);
      } else {
        this.urgent++;
      }
      this.kick();
    });
  }

  /** Resolves once every row asked for so far was written or refused (rows that may wait are written now). */
  idle(): Promise<void> {
    if (!this.writing && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => {
      this.idleWaiters.push(r);
      this.due = true;
      this.kick();
    });
  }

  private kick(): void {
    if (!this.writing && this.queue.length === 0) for (const r of this.idleWaiters.splice(0)) r();
    if (this.writing || this.queue.length === 0) return;
    if (this.urgent === 0 && !this.due) return; // only rows that may wait: their timer writes them
    const waiters = this.queue;
    this.queue = [];
    this.urgent = 0;
    this.due = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.writing = true;
    this.wh.insert(this.table, waiters.map((w) => w.row)).then(
      () => this.settle(waiters, null),
      (e: unknown) => this.settle(waiters, e ?? new Error(`${this.table} write failed`)),
    );
  }

  private settle(waiters: Waiter[], error: unknown): void {
    this.writing = false;
    for (const w of waiters) {
      if (error === null) w.resolve();
      else w.reject(error);
    }
    if (this.idleWaiters.length > 0) this.due = true;
    this.kick();
  }
}

/**
 * Writes batch intents to `ingest_state`, before each batch's facts are inserted, and marks
 * each one done after its offsets were committed (see IngestPipeline).
 *
 * A row's version orders the writes of one partition in time, not by offset: a log that starts
 * again at offset 0 (a restarted in-process transport, a re-created topic) records intents
 * below an earlier log's, and the latest must still be the one read back. Versions are
 * microseconds of the wall clock, kept above every version this process wrote or read
 * (`observe`), so a member that takes a partition over writes above its previous owner
 * whatever their clocks say, once it has read the owner's last row.
 */
export class IntentLog {
  private readonly writer: GroupInsert;
  private lastVersion = 0n;

  constructor(
    wh: Warehouse,
    private readonly groupId: string,
  ) {
    this.writer = new GroupInsert(wh, 'ingest_state');
  }

  /** A version read back from `ingest_state`: later writes of this process go above it. */
  observe(version: bigint): void {
    if (version > this.lastVersion) this.lastVersion = version;
  }

  /** Records a batch's intent (resolves once it is stored). */
  record(intent: BatchIntent): Promise<void> {
    return this.writer.insert(this.row(intent, 0));
  }

  /**
   * Marks a committed batch's intent done. The mark rides with the next intent's statement
   * (written within a second when none comes), so it adds no statement under load. Not awaited
   * by the pipeline: a mark lost in a crash leaves an intent that looks unfinished, whose
   * completion then finds everything in place. `now`: in a statement of its own at once.
   */
  done(intent: BatchIntent, options: { now?: boolean } = {}): Promise<void> {
    return this.writer.insert(this.row(intent, 1), { wait: options.now !== true });
  }

  /** Resolves once every row asked for so far was written or refused. */
  idle(): Promise<void> {
    return this.writer.idle();
  }

  private row(intent: BatchIntent, done: 0 | 1): Record<string, unknown> {
    const now = BigInt(Date.now()) * 1000n;
    this.lastVersion = now > this.lastVersion ? now : this.lastVersion + 1n;
    return intentRow(this.groupId, intent, this.lastVersion, done);
  }
}

/** An `ingest_state` row: `done` 0 for an intent, 1 for its mark. */
export function intentRow(group: string, intent: BatchIntent, version: bigint, done: 0 | 1): Record<string, unknown> {
  return {
    consumer_group: group,
    topic: intent.topic,
    partition: intent.partition,
    first_offset: String(intent.first),
    last_offset: String(intent.last),
    version: String(version),
    excluded: [...(intent.excluded ?? [])],
    digest: intent.digest ?? '',
    done,
  };
}

/**
 * Writes committed batches to `ingest_progress`, after their offsets were committed: what any
 * process (an evaluator elsewhere) reads as the event-time progress of each partition.
 */
export class ProgressLog {
  private readonly writer: GroupInsert;

  constructor(
    wh: Warehouse,
    private readonly groupId: string,
  ) {
    this.writer = new GroupInsert(wh, 'ingest_progress');
  }

  record(p: Progress): Promise<void> {
    return this.writer.insert({
      consumer_group: this.groupId,
      topic: p.topic,
      partition: p.partition,
      first_offset: String(p.first),
      last_offset: String(p.last),
      min_event_time: p.minEventTime,
      max_event_time: p.maxEventTime,
    });
  }

  /** Resolves once every row recorded so far was written or refused. */
  idle(): Promise<void> {
    return this.writer.idle();
  }
}
