import { PipelineError } from '../../errors/index.js';
import type {
  CommitOffset,
  Consumer,
  ConsumerHandlers,
  ConsumerOptions,
  MessageBatch,
  OutgoingBatch,
  TopicPartition,
} from '../types.js';
import { type MemoryGroup, tpKey } from './memory-group.js';
import { endOffset, type MemoryTransport } from './memory-transport.js';
import { DEFAULT_MAX_BATCH_SIZE } from './options.js';

interface PartitionState {
  readonly tp: TopicPartition;
  /** Next offset to fetch; advanced when a batch is handed out, like Kafka's fetch position. */
  position: number;
  paused: boolean;
  inFlight: Promise<void> | null;
}

/** One member of a consumer group on the memory transport. */
export class MemoryConsumer implements Consumer {
  readonly topics: readonly string[];
  /** Set when the member leaves; the group drops it in the next rebalance. */
  leaving = false;
  private readonly maxBatchSize: number;
  private readonly fromBeginning: boolean;
  private handlers: ConsumerHandlers | null = null;
  private assigned = new Map<string, PartitionState>();
  private fetching = false;
  private scheduled = false;
  /** Wakes the pump when a lingering partition's oldest record has waited long enough. */
  private lingerTimer: NodeJS.Timeout | null = null;
  private lingerAt = Infinity;
  /** A failed member's partitions are lost, not revoked: no onRevoked, no commits. */
  private lost = false;
  private started = false;
  private stopping: Promise<void> | null = null;
  /** Round-robin cursor per topic for records without a key that commitWith produces. */
  private readonly cursor = new Map<string, number>();

  constructor(
    private readonly transport: MemoryTransport,
    private readonly group: MemoryGroup,
    options: ConsumerOptions,
  ) {
    if (options.topics.length === 0) throw new PipelineError('INVALID_CONFIG', 'a consumer needs at least one topic', { field: 'topics' });
    const max = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    if (!Number.isInteger(max) || max < 1) {
      throw new PipelineError('INVALID_CONFIG', 'maxBatchSize must be a positive integer', { field: 'maxBatchSize', value: max });
    }
    this.topics = [...options.topics];
    this.maxBatchSize = max;
    this.fromBeginning = options.fromBeginning ?? true;
  }

  async start(handlers: ConsumerHandlers): Promise<void> {
    if (this.started) throw new PipelineError('INVALID_CONFIG', 'a consumer can be started once');
    this.started = true;
    this.handlers = handlers;
    await this.group.join(this);
  }

  async commit(offsets: CommitOffset[]): Promise<void> {
    this.checkCommit(offsets);
    this.group.commit(offsets);
  }

  /** Atomic by construction: the records are appended and the offsets committed with no await between them. */
  async commitWith(offsets: CommitOffset[], records: OutgoingBatch[]): Promise<void> {
    this.checkCommit(offsets);
    for (const r of records) this.transport.produceNow(r.topic, r.messages, this.cursor);
    this.group.commit(offsets);
  }

  private checkCommit(offsets: CommitOffset[]): void {
    for (const o of offsets) {
      if (this.lost || !this.assigned.has(tpKey(o.topic, o.partition))) {
        throw new PipelineError(
          'COMMIT_REJECTED',
          `group ${this.group.groupId}: ${o.topic}[${o.partition}] is not assigned to this consumer`,
          { value: o },
        );
      }
      if (!/^\d+$/.test(o.offset)) throw new PipelineError('INVALID_CONFIG', `bad commit offset ${o.offset}`, { value: o.offset });
    }
  }

  async committed(
    partitions: TopicPartition[],
  ): Promise<Array<CommitOffset | { topic: string; partition: number; offset: null }>> {
    return partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: this.group.committedOffset(tp) }));
  }

  seek(tp: TopicPartition, offset: string): void {
    const ps = this.assigned.get(tpKey(tp.topic, tp.partition));
    if (!ps) return;
    if (!/^\d+$/.test(offset)) throw new PipelineError('INVALID_CONFIG', `bad seek offset ${offset}`, { value: offset });
    ps.position = Number(offset);
    this.schedule();
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) {
      const ps = this.assigned.get(tpKey(tp.topic, tp.partition));
      if (ps) ps.paused = true;
    }
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) {
      const ps = this.assigned.get(tpKey(tp.topic, tp.partition));
      if (ps) ps.paused = false;
    }
    this.schedule();
  }

  assignment(): TopicPartition[] {
    return [...this.assigned.values()].map((ps) => ({ ...ps.tp }));
  }

  stop(): Promise<void> {
    if (!this.started) {
      this.transport.forget(this);
      return Promise.resolve();
    }
    this.stopping ??= this.group.leave(this).finally(() => this.transport.forget(this));
    return this.stopping;
  }

  /** @internal A produce happened on `topic`. */
  notify(topic: string): void {
    if (this.topics.includes(topic)) this.schedule();
  }

  /** @internal First half of a rebalance: drain in-flight batches, then onRevoked. */
  async revokeAll(): Promise<void> {
    this.fetching = false;
    this.stopLinger();
    for (;;) {
      const inFlight = [...this.assigned.values()].flatMap((ps) => (ps.inFlight ? [ps.inFlight] : []));
      if (inFlight.length === 0) break;
      await Promise.allSettled(inFlight);
    }
    const partitions = this.assignment();
    if (partitions.length > 0 && !this.lost && this.handlers?.onRevoked) {
      try {
        await this.handlers.onRevoked(partitions);
      } catch (e) {
        this.fail(e);
      }
    }
    this.assigned.clear();
  }

  /** @internal Second half of a rebalance: positions from the group's commits, then onAssigned. */
  async assign(partitions: TopicPartition[]): Promise<void> {
    if (this.leaving) return;
    this.assigned = new Map(
      partitions.map((tp) => {
        const committed = this.group.committedOffset(tp);
        const topic = this.transport.topic(tp.topic);
        const end = topic ? endOffset(topic, tp.partition) : 0;
        const start = topic?.logStart[tp.partition] ?? 0;
        const position = committed !== null ? Number(committed) : this.fromBeginning ? start : end;
        return [tpKey(tp.topic, tp.partition), { tp, position, paused: false, inFlight: null }];
      }),
    );
    if (partitions.length > 0 && this.handlers?.onAssigned) {
      try {
        await this.handlers.onAssigned(partitions.map((tp) => ({ ...tp })));
      } catch (e) {
        this.fail(e);
        return;
      }
    }
    this.fetching = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || !this.fetching) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const handlers = this.handlers;
    if (!this.fetching || !handlers) return;
    const { fetchMinRecords, fetchMaxWaitMs } = this.transport.options;
    const now = Date.now();
    for (const ps of this.assigned.values()) {
      if (ps.paused || ps.inFlight) continue;
      const topic = this.transport.topic(ps.tp.topic);
      const log = topic?.partitions[ps.tp.partition];
      if (!topic || !log) continue;
      const start = topic.logStart[ps.tp.partition] ?? 0;
      const end = start + log.length;
      // Below the log start offset (released messages): from the earliest retained, as Kafka
      // resets an out-of-range position with auto.offset.reset=earliest.
      if (ps.position < start) ps.position = start;
      if (ps.position >= end) continue;
      const from = ps.position - start;
      if (end - ps.position < fetchMinRecords) {
        const due = (log[from]?.timestamp ?? now) + fetchMaxWaitMs;
        if (due > now) {
          this.lingerUntil(due);
          continue;
        }
      }
      const messages = log.slice(from, from + this.maxBatchSize);
      ps.position += messages.length;
      const batch: MessageBatch = { ...ps.tp, messages, highWatermark: String(end) };
      // Runs the handler on a later tick so `inFlight` is set before it can settle.
      ps.inFlight = Promise.resolve()
        .then(() => handlers.onBatch(batch))
        .catch((e: unknown) => this.fail(e))
        .finally(() => {
          ps.inFlight = null;
          this.schedule();
        });
    }
  }

  private lingerUntil(at: number): void {
    if (at >= this.lingerAt) return;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerAt = at;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = null;
      this.lingerAt = Infinity;
      this.schedule();
    }, at - Date.now());
  }

  private stopLinger(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    this.lingerAt = Infinity;
  }

  /** A handler failed: the member stops and leaves; its partitions go to the others uncommitted. */
  private fail(e: unknown): void {
    if (this.lost) return;
    this.lost = true;
    this.fetching = false;
    this.stopLinger();
    const error = e instanceof Error ? e : new Error(String(e));
    const onError = this.handlers?.onError;
    this.stopping ??= this.group.leave(this).finally(() => this.transport.forget(this));
    setImmediate(() => {
      if (onError) onError(error);
      else console.error(`consumer of group ${this.group.groupId} stopped:`, error);
    });
  }
}
