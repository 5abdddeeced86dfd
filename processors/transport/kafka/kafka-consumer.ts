import type { Consumer as KafkajsConsumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import { PipelineError } from '../../errors/index.js';
import type {
  CommitOffset,
  Consumer,
  ConsumerHandlers,
  ConsumerOptions,
  Message,
  TopicPartition,
} from '../types.js';
import type { KafkaTransport } from './kafka-transport.js';
import { wrap } from './kafka-transport.js';

const DEFAULT_MAX_BATCH_SIZE = 5000;
/** Broker answers meaning "this member's view of the group is outdated": the commit cannot count. */
const STALE_MEMBER_ERRORS = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID']);

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * One member of a consumer group on Kafka.
 *
 * kafkajs rebalances eagerly and has no blocking rebalance listener, so the port's callbacks
 * are built from its events: REBALANCING (sent when the member learns of a rebalance, after
 * its in-flight batches finished) runs onRevoked, GROUP_JOIN runs onAssigned. Both run on one
 * promise chain, and no batch is handed out before the chain has caught up, so a member sees
 * revoke → assign → batches in that order. kafkajs rejoins while onRevoked still runs; a
 * commit made there is accepted only while the broker still counts the old generation, and
 * once the new assignment is known, commits for partitions that moved are refused locally
 * (COMMIT_REJECTED) so a late commit can never move another member's offset.
 */
export class KafkaConsumer implements Consumer {
  private consumer: KafkajsConsumer | null = null;
  private handlers: ConsumerHandlers | null = null;
  private readonly topics: string[];
  private readonly maxBatchSize: number;
  private readonly fromBeginning: boolean;
  private assigned: TopicPartition[] = [];
  private assignedKeys = new Set<string>();
  /** Partitions whose onRevoked is running: commits for them are still allowed. */
  private revoking = new Set<string>();
  private readonly paused = new Set<string>();
  private gate: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private idle: (() => void) | null = null;
  private failed = false;
  private stopping: Promise<void> | null = null;
  private firstJoin: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void };

  constructor(
    private readonly transport: KafkaTransport,
    private readonly options: ConsumerOptions,
    private readonly onGone: () => void,
  ) {
    if (options.topics.length === 0) throw new PipelineError('INVALID_CONFIG', 'a consumer needs at least one topic', { field: 'topics' });
    const max = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    if (!Number.isInteger(max) || max < 1) {
      throw new PipelineError('INVALID_CONFIG', 'maxBatchSize must be a positive integer', { field: 'maxBatchSize', value: max });
    }
    this.topics = [...options.topics];
    this.maxBatchSize = max;
    this.fromBeginning = options.fromBeginning ?? true;
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    // start() awaits it; a consumer stopped before starting must not leave it unhandled.
    promise.catch(() => {});
    this.firstJoin = { promise, resolve, reject };
  }

  async start(handlers: ConsumerHandlers): Promise<void> {
    if (this.consumer) throw new PipelineError('INVALID_CONFIG', 'a consumer can be started once');
    this.handlers = handlers;
    const o = this.transport.options;
    const consumer = this.transport.client.consumer({
      groupId: this.options.groupId,
      sessionTimeout: o.sessionTimeoutMs,
      rebalanceTimeout: o.rebalanceTimeoutMs,
      heartbeatInterval: o.heartbeatIntervalMs,
      maxWaitTimeInMs: o.maxWaitTimeMs,
      maxBytesPerPartition: o.maxBytesPerPartition,
      maxBytes: o.maxBytes,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.REBALANCING, () => this.revoke());
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.joined(e.payload.memberAssignment));
    consumer.on(consumer.events.CRASH, (e) => {
      // kafkajs has left the group already; with `restart` it rejoins by itself later.
      this.revoke();
      if (!e.payload.restart) this.fail(e.payload.error);
    });
    await wrap(() => consumer.connect(), `connecting consumer of group ${this.options.groupId}`);
    await wrap(() => consumer.subscribe({ topics: this.topics, fromBeginning: this.fromBeginning }), 'subscribing');
    await wrap(
      () =>
        consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
          eachBatch: (payload) => this.eachBatch(payload),
        }),
      `starting consumer of group ${this.options.groupId}`,
    );
    await this.firstJoin.promise;
  }

  async commit(offsets: CommitOffset[]): Promise<void> {
    for (const o of offsets) {
      const k = key(o.topic, o.partition);
      if (this.failed || (!this.assignedKeys.has(k) && !this.revoking.has(k))) {
        throw new PipelineError('COMMIT_REJECTED', `group ${this.options.groupId}: ${o.topic}[${o.partition}] is not assigned to this consumer`, {
          value: o,
        });
      }
    }
    const consumer = this.consumer;
    if (!consumer) throw new PipelineError('COMMIT_REJECTED', 'the consumer is not running');
    try {
      await consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
    } catch (e) {
      const type = (e as { type?: string }).type;
      if (type && STALE_MEMBER_ERRORS.has(type)) {
        throw new PipelineError('COMMIT_REJECTED', `group ${this.options.groupId}: commit refused by the broker (${type})`, {}, { cause: e });
      }
      throw new PipelineError('TRANSPORT_UNAVAILABLE', `Kafka: commit failed: ${(e as Error).message}`, {}, { cause: e });
    }
  }

  async committed(partitions: TopicPartition[]): Promise<Array<CommitOffset | { topic: string; partition: number; offset: null }>> {
    const byTopic = new Map<string, Map<number, string>>();
    for (const topic of new Set(partitions.map((p) => p.topic))) {
      const offsets = await this.transport.committedOffsets(this.options.groupId, topic);
      byTopic.set(topic, new Map(offsets.map((c) => [c.partition, c.offset])));
    }
    return partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: byTopic.get(tp.topic)?.get(tp.partition) ?? null }));
  }

  seek(tp: TopicPartition, offset: string): void {
    if (!this.consumer || !this.assignedKeys.has(key(tp.topic, tp.partition))) return;
    if (!/^\d+$/.test(offset)) throw new PipelineError('INVALID_CONFIG', `bad seek offset ${offset}`, { value: offset });
    this.consumer.seek({ topic: tp.topic, partition: tp.partition, offset });
  }

  pause(partitions: TopicPartition[]): void {
    const mine = partitions.filter((tp) => this.assignedKeys.has(key(tp.topic, tp.partition)));
    for (const tp of mine) this.paused.add(key(tp.topic, tp.partition));
    if (mine.length > 0) this.consumer?.pause(byTopic(mine));
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.paused.delete(key(tp.topic, tp.partition));
    const mine = partitions.filter((tp) => this.assignedKeys.has(key(tp.topic, tp.partition)));
    if (mine.length > 0) this.consumer?.resume(byTopic(mine));
  }

  assignment(): TopicPartition[] {
    return this.assigned.map((tp) => ({ ...tp }));
  }

  /** Finishes in-flight batches, runs onRevoked while still a member (so it may commit), then leaves. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const consumer = this.consumer;
      if (consumer) {
        if (!this.failed && this.assigned.length > 0) consumer.pause(byTopic(this.assigned));
        await this.drained();
        this.revoke();
        await this.gate;
        await consumer.disconnect().catch(() => {});
      }
      this.firstJoin.reject(new PipelineError('TRANSPORT_UNAVAILABLE', 'the consumer stopped before it joined its group'));
      this.onGone();
    })();
    return this.stopping;
  }

  private revoke(): void {
    const partitions = this.assigned;
    if (partitions.length === 0) return;
    this.assigned = [];
    this.assignedKeys = new Set();
    for (const tp of partitions) this.paused.delete(key(tp.topic, tp.partition));
    const keys = partitions.map((tp) => key(tp.topic, tp.partition));
    for (const k of keys) this.revoking.add(k);
    this.gate = this.gate.then(async () => {
      try {
        if (!this.failed && this.handlers?.onRevoked) await this.handlers.onRevoked(partitions.map((tp) => ({ ...tp })));
      } catch (e) {
        this.fail(e);
      } finally {
        for (const k of keys) this.revoking.delete(k);
      }
    });
  }

  private joined(memberAssignment: Record<string, number[]>): void {
    // A rejoin without a REBALANCING event (unknown member, restart after a crash) still
    // revokes first: the port promises revoke → assign.
    this.revoke();
    const partitions = Object.entries(memberAssignment)
      .flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    this.gate = this.gate.then(async () => {
      if (this.failed || this.stopping) return;
      this.assigned = partitions;
      this.assignedKeys = new Set(partitions.map((tp) => key(tp.topic, tp.partition)));
      // Eager rebalancing: every partition is newly assigned, so none starts paused.
      if (partitions.length > 0) this.consumer?.resume(byTopic(partitions));
      try {
        if (partitions.length > 0 && this.handlers?.onAssigned) await this.handlers.onAssigned(partitions.map((tp) => ({ ...tp })));
      } catch (e) {
        this.fail(e);
      }
      this.firstJoin.resolve();
    });
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const k = key(batch.topic, batch.partition);
    this.inFlight++;
    try {
      await this.gate;
      const usable = (): boolean =>
        !this.failed && !this.stopping && payload.isRunning() && !payload.isStale() && this.assignedKeys.has(k) && !this.paused.has(k);
      const handlers = this.handlers;
      if (!handlers) return;
      // A fetch can hold far more than maxBatchSize messages; it is handed out in slices, and
      // a seek, pause or revoke between slices drops the rest (it is fetched again later).
      for (let i = 0; i < batch.messages.length && usable(); i += this.maxBatchSize) {
        const slice = batch.messages.slice(i, i + this.maxBatchSize);
        const messages = slice.map((m) => toMessage(batch.topic, batch.partition, m));
        const beat = setInterval(() => void payload.heartbeat().catch(() => {}), this.transport.options.heartbeatIntervalMs);
        try {
          await handlers.onBatch({ topic: batch.topic, partition: batch.partition, messages, highWatermark: batch.highWatermark });
        } catch (e) {
          this.fail(e);
          return;
        } finally {
          clearInterval(beat);
        }
        payload.resolveOffset(slice.at(-1)!.offset);
      }
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.idle?.();
    }
  }

  private drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = () => ((this.idle = null), resolve())));
  }

  /** A handler failed: stop fetching and leave the group; the partitions move on uncommitted. */
  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const error = e instanceof Error ? e : new Error(String(e));
    this.firstJoin.reject(error);
    // Not awaited: fail() may run inside eachBatch, and stopping waits for eachBatch to return.
    setImmediate(() => {
      void this.stop().finally(() => {
        if (this.handlers?.onError) this.handlers.onError(error);
        else console.error(`consumer of group ${this.options.groupId} stopped:`, error);
      });
    });
  }
}

function toMessage(topic: string, partition: number, m: KafkaMessage): Message {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    timestamp: Number(m.timestamp),
    headers: headers(m.headers),
  };
}

function headers(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const [name, v] of Object.entries(h)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

function byTopic(partitions: TopicPartition[]): Array<{ topic: string; partitions: number[] }> {
  const m = new Map<string, number[]>();
  for (const tp of partitions) m.set(tp.topic, [...(m.get(tp.topic) ?? []), tp.partition]);
  return [...m].map(([topic, ps]) => ({ topic, partitions: ps }));
}
