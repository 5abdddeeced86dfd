import type { Logger } from 'pino';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { silentLogger } from '../observability/logger.js';
import type { Transport } from '../transport/types.js';
import type { CommittedBatch } from './options.js';

export interface ProgressFeedOptions {
  warehouse: Warehouse;
  /** Where the group's committed offsets are asked. */
  transport: Pick<Transport, 'committedOffsets'>;
  /** The ingest's consumer group. */
  groupId: string;
  topics: readonly string[];
  /** Called once per committed batch, in offset order per partition. */
  onCommitted(batch: Pick<CommittedBatch, 'topic' | 'partition' | 'firstOffset' | 'lastOffset' | 'minOccurredAt' | 'maxOccurredAt'>): void;
  /** @default 1000 */
  intervalMs?: number;
  logger?: Logger;
}

interface Row {
  topic: string;
  partition: number;
  first_offset: string;
  last_offset: string;
  min_event_time: string | number | null;
  max_event_time: string | number | null;
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
/** Rows read again on every look, so a row written late (group commit) is not skipped. */
const OVERLAP_MS = 120_000;

/**
 * The ingest's progress as the warehouse durably holds it, for an evaluator in any process:
 * reads `ingest_progress` (one row per committed batch, whichever ingest worker wrote it) and
 * reports each batch once its offsets are committed in the group, so the evaluator's watermark
 * and its corrections do not depend on which process ingested what. The first look reports
 * the newest batch of every partition.
 */
export class IngestProgressFeed {
  private readonly o: ProgressFeedOptions;
  private readonly log: Logger;
  private readonly reported = new Map<string, bigint>();
  private readonly pending = new Map<string, Row[]>();
  private since: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private failures = 0;

  constructor(options: ProgressFeedOptions) {
    this.o = options;
    this.log = options.logger ?? silentLogger();
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.o.intervalMs ?? 1000);
    this.timer.unref();
    void this.poll();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One look (also what the timer runs); concurrent calls share it. */
  poll(): Promise<void> {
    this.running ??= this.look()
      .then(() => {
        this.failures = 0;
      })
      .catch((e: unknown) => {
        if (++this.failures % 10 === 1) this.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'ingest progress: look failed; trying again');
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async look(): Promise<void> {
    const startedAt = Date.now();
    const first = this.since === null;
    const rows = await this.o.warehouse.query<Row>(
      first
        ? `SELECT topic, partition, first_offset, last_offset, min_event_time, max_event_time
             FROM ingest_progress WHERE consumer_group = {g:String} AND topic IN {topics:Array(String)}
            ORDER BY topic, partition, last_offset DESC
            LIMIT 1 BY topic, partition`
        : `SELECT topic, partition, first_offset, last_offset, min_event_time, max_event_time
             FROM ingest_progress
            WHERE consumer_group = {g:String} AND topic IN {topics:Array(String)}
              AND committed_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')
            ORDER BY topic, partition, last_offset`,
      { g: this.o.groupId, topics: [...this.o.topics], ...(first ? {} : { since: (this.since as number) - OVERLAP_MS }) },
    );
    for (const r of rows) {
      const k = key(r.topic, Number(r.partition));
      const done = this.reported.get(k);
      if (done !== undefined && BigInt(r.last_offset) <= done) continue;
      let list = this.pending.get(k);
      if (!list) this.pending.set(k, (list = []));
      if (!list.some((x) => x.last_offset === r.last_offset)) list.push(r);
    }
    if (this.pending.size > 0) {
      const committed = new Map<string, bigint>();
      for (const topic of this.o.topics) {
        for (const c of await this.o.transport.committedOffsets(this.o.groupId, topic)) committed.set(key(c.topic, c.partition), BigInt(c.offset));
      }
      for (const [k, list] of this.pending) {
        const upTo = committed.get(k);
        list.sort((a, b) => (BigInt(a.last_offset) < BigInt(b.last_offset) ? -1 : 1));
        while (list.length > 0 && upTo !== undefined && BigInt((list[0] as Row).last_offset) < upTo) {
          const r = list.shift() as Row;
          this.reported.set(k, BigInt(r.last_offset));
          this.o.onCommitted({
            topic: r.topic,
            partition: Number(r.partition),
            firstOffset: String(r.first_offset),
            lastOffset: String(r.last_offset),
            minOccurredAt: r.min_event_time === null ? null : Number(r.min_event_time),
            maxOccurredAt: r.max_event_time === null ? null : Number(r.max_event_time),
          });
        }
        if (list.length === 0) this.pending.delete(k);
      }
    }
    this.since = startedAt;
  }
}
