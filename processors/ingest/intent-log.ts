import type { Warehouse } from '../../sinks/warehouse/types.js';

/** One batch's intent: its offset range, recorded before its facts are inserted. */
export interface Intent {
  topic: string;
  partition: number;
  first: bigint;
  last: bigint;
}

interface Waiter {
  row: Record<string, unknown>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Writes batch intents to `ingest_state` with group commit: an intent asked for while another
 * write is in flight joins the next write, so partitions whose batches are ready together
 * share one statement (a tiny insert costs about as much as a 10k-row one's fixed part).
 * Each caller still resolves only after the statement holding its own row succeeded, which
 * is all the exactly-once protocol needs; a failed statement rejects all of its callers.
 */
export class IntentLog {
  private queue: Waiter[] = [];
  private writing = false;

  constructor(
    private readonly wh: Warehouse,
    private readonly groupId: string,
  ) {}

  record(intent: Intent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({
        row: {
          consumer_group: this.groupId,
          topic: intent.topic,
          partition: intent.partition,
          first_offset: String(intent.first),
          last_offset: String(intent.last),
          version: String(intent.last + 1n),
        },
        resolve,
        reject,
      });
      this.kick();
    });
  }

  private kick(): void {
    if (this.writing || this.queue.length === 0) return;
    const waiters = this.queue;
    this.queue = [];
    this.writing = true;
    this.wh.insert('ingest_state', waiters.map((w) => w.row)).then(
      () => this.settle(waiters, null),
      (e: unknown) => this.settle(waiters, e ?? new Error('intent write failed')),
    );
  }

  private settle(waiters: Waiter[], error: unknown): void {
    this.writing = false;
    for (const w of waiters) {
      if (error === null) w.resolve();
      else w.reject(error);
    }
    this.kick();
  }
}
