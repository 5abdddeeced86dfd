import { randomUUID } from 'node:crypto';
import type { ConsumerRunConfig, EachBatchPayload, IHeaders, Consumer as KafkajsConsumer, KafkaMessage, Producer as KafkajsProducer } from 'kafkajs';
import { PipelineError } from '../../errors/index.js';
import { retryBounded } from '../../ingest/retry.js';
import type {
  CommitOffset,
  Consumer,
  ConsumerHandlers,
  ConsumerOptions,
  Message,
  OutgoingBatch,
  TopicPartition,
} from '../types.js';
import { classifyKafkaError, isAuthFailure, TRANSACTION_ENDED, transactionEnded, type KafkaFailure } from './errors.js';
import { MarkerSkip } from './marker-skip.js';
import { TransactionLane } from './transaction-lane.js';
import type { KafkaTransport } from './kafka-transport.js';
import { javaCompatiblePartitioner, kafkaError, toKafkajsMessage, wrap as wrapKafka } from './kafka-transport.js';

const DEFAULT_MAX_BATCH_SIZE = 5000;
/** Backoff of a rejoin this consumer starts itself (after a crash kafkajs does not restart from). */
const REJOIN_FIRST_MS = 500;
const REJOIN_MAX_MS = 10_000;

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
 *
 * A stalled or restarting broker is survived by rejoining, never by stopping: a commit the
 * broker refuses because the group went on without this member (its session expired during
 * the stall) is COMMIT_REJECTED and takes every partition away from this member at once, so
 * no later slice of an unfinished fetch is processed by a member that no longer owns it;
 * kafkajs then rejoins on its next heartbeat and the new owner (this member again, usually)
 * re-forms the range from the group's commit. A crash kafkajs does not restart from is
 * restarted here unless it cannot heal (authorization, a subscribed topic that is gone, a
 * bug); only those stop the consumer, with a one-line reason.
 */
export class KafkaConsumer implements Consumer {
  private consumer: KafkajsConsumer | null = null;
  private runConfig: ConsumerRunConfig | null = null;
  private handlers: ConsumerHandlers | null = null;
  private readonly topics: string[];
  private readonly maxBatchSize: number;
  private readonly fromBeginning: boolean;
  private assigned: TopicPartition[] = [];
  private assignedKeys = new Set<string>();
  /** Partitions whose onRevoked is running: commits for them are still allowed. */
  private revoking = new Set<string>();
  private readonly paused = new Set<string>();
  /**
   * Bumped each time this member's partitions are taken away. A batch handed out before may
   * finish, but never commits: after a stall the same partition can be this member's again,
   * and a late commit of the earlier batch would move the offset under its re-formed range.
   */
  private epoch = 0;
  /** The batch each partition is handling: the epoch it was handed out in, and whether kafkajs still runs it. */
  private readonly delivering = new Map<string, { epoch: number; running: () => boolean }>();
  private gate: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private idle: (() => void) | null = null;
  private failed = false;
  private stopping: Promise<void> | null = null;
  private rejoinTimer: NodeJS.Timeout | null = null;
  private rejoinDelayMs = REJOIN_FIRST_MS;
  private firstJoin: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void };
  /** This member's transactional producer (commitWith), as on the other adapter: one id for the member's life, one transaction at a time. */
  private txn: { id: string; producer: KafkajsProducer | null } = { id: '', producer: null };
  /** Reads after the producer's epoch settled its last transaction (see commitInTransaction). */
  private readonly lane = new TransactionLane((topic) => this.transport.committedOffsets(this.options.groupId, topic));
  /** Per assigned partition: the group's commit and the run of markers after the last record (marker-skip.ts). */
  private skips = new Map<string, MarkerSkip>();

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
    consumer.on(consumer.events.CRASH, (e) => this.crashed(e.payload.error, e.payload.restart));
    // A fetch that found only markers or aborted records is not handed to eachBatch.
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      const b = e.payload;
      if (b.batchSize !== 0 || b.firstOffset === null) return;
      this.skips.get(key(b.topic, b.partition))?.nothingIn(BigInt(b.firstOffset), BigInt(b.lastOffset) + 1n);
      this.commitSkip(b.topic, b.partition);
    });
    const group = this.options.groupId;
    const stopped = (): boolean => this.failed || this.stopping !== null;
    await this.transport.setup(`connecting consumer of group ${group}`, () => consumer.connect(), stopped);
    await this.transport.setup('subscribing', () => consumer.subscribe({ topics: this.topics, fromBeginning: this.fromBeginning }), stopped);
    this.runConfig = {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    };
    const config = this.runConfig;
    // Joining failures do not reject run(): they arrive as CRASH events (see crashed()).
    await this.transport.setup(`starting consumer of group ${group}`, () => consumer.run(config), stopped);
    await this.firstJoin.promise;
  }

  async commit(offsets: CommitOffset[]): Promise<void> {
    const { consumer, handing } = this.checkCommit(offsets);
    const to = this.extended(offsets);
    try {
      await consumer.commitOffsets(offsets.map((o, i) => ({ topic: o.topic, partition: o.partition, offset: String(to[i]!.offset) })));
    } catch (e) {
      throw this.commitFailure(e, 'commit');
    }
    for (const d of to) d.skip?.done(d.offset);
    this.checkStillRunning(handing);
  }

  /**
   * One Kafka transaction: the records, the offsets sent to it (kafkajs's TxnOffsetCommit
   * carries no group generation: the ownership check above is the only fence), its commit.
   */
  commitWith(offsets: CommitOffset[], records: OutgoingBatch[]): Promise<void> {
    if (records.every((r) => r.messages.length === 0)) return this.commit(offsets);
    return this.lane.run(() => this.commitInTransaction(offsets, records));
  }

  private async commitInTransaction(offsets: CommitOffset[], records: OutgoingBatch[]): Promise<void> {
    const { handing } = this.checkCommit(offsets);
    let producer = this.txn.producer;
    if (producer === null) {
      this.txn.id ||= `${this.options.groupId}-${randomUUID()}`;
      producer = this.transport.client.producer({ transactionalId: this.txn.id, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true, createPartitioner: javaCompatiblePartitioner });
      // Connecting takes the id's producer epoch: a transaction the one before left open is
      // ended first (aborted, or committed if its commit was under way), so the offsets read
      // next are settled.
      await wrapKafka(() => producer!.connect(), 'connecting a transactional producer');
      this.txn.producer = producer;
    }
    if (await this.lane.landed(offsets)) return;
    const to = this.extended(offsets);
    try {
      const tx = await producer.transaction();
      await this.lane.transact(offsets, tx, async () => {
        for (const r of records) {
          if (r.messages.length === 0) continue;
          await tx.send({ topic: r.topic, acks: -1, messages: r.messages.map(toKafkajsMessage) });
        }
        const topics = [...new Set(offsets.map((o) => o.topic))].map((topic) => ({
          topic,
          partitions: offsets.flatMap((o, i) => (o.topic === topic ? [{ partition: o.partition, offset: String(to[i]!.offset) }] : [])),
        }));
        await tx.sendOffsets({ consumerGroupId: this.options.groupId, topics });
      });
      for (const d of to) d.skip?.done(d.offset);
    } catch (e) {
      this.txn.producer = null;
      void producer.disconnect().catch(() => {});
      throw this.commitFailure(e, 'commit with records', true);
    }
    this.checkStillRunning(handing);
  }

  /** The offsets to commit for `offsets`: each one at the start of a run that delivers nothing moves to its end. */
  private extended(offsets: CommitOffset[]): Array<{ skip: MarkerSkip | undefined; offset: bigint }> {
    return offsets.map((o) => {
      const skip = this.skips.get(key(o.topic, o.partition));
      const at = BigInt(o.offset);
      return { skip, offset: skip ? skip.extend(at) : at };
    });
  }

  /** Commits past a run that delivers nothing, if the group's commit is at its start and no batch of the partition is in flight. */
  private commitSkip(topic: string, partition: number): void {
    const k = key(topic, partition);
    const skip = this.skips.get(k);
    const consumer = this.consumer;
    if (!skip || !consumer || this.delivering.has(k) || !this.assignedKeys.has(k) || this.failed || this.stopping) return;
    const taken = skip.take();
    if (taken === null) return;
    // Done again when the next run or batch comes; a member that lost the partition leaves it to the next owner.
    consumer.commitOffsets([{ topic, partition, offset: String(taken.to) }]).then(
      () => skip.doneTaken(taken),
      () => {},
    );
  }

  private checkCommit(offsets: CommitOffset[]): { consumer: KafkajsConsumer; handing: Array<{ epoch: number; running: () => boolean } | undefined> } {
    const handing = offsets.map((o) => this.delivering.get(key(o.topic, o.partition)));
    offsets.forEach((o, i) => {
      const k = key(o.topic, o.partition);
      const d = handing[i];
      // From inside a batch: only while the batch's own assignment lasts. Outside (onRevoked,
      // a caller of its own): while the partition is assigned or being revoked.
      const owned = d ? d.epoch === this.epoch && d.running() : this.assignedKeys.has(k) || this.revoking.has(k);
      if (this.failed || !owned) {
        throw new PipelineError('COMMIT_REJECTED', `group ${this.options.groupId}: ${o.topic}[${o.partition}] is not assigned to this consumer`, {
          value: o,
        });
      }
    });
    const consumer = this.consumer;
    if (!consumer) throw new PipelineError('COMMIT_REJECTED', 'the consumer is not running');
    return { consumer, handing };
  }

  private commitFailure(e: unknown, what: string, inTransaction = false): Error {
    const f = classifyKafkaError(e);
    if (inTransaction && TRANSACTION_ENDED.has(f.type)) return transactionEnded(e, f, what);
    if (f.kind === 'stale-member') {
      this.lostMembership();
      return new PipelineError('COMMIT_REJECTED', `group ${this.options.groupId}: ${what} refused by the broker (${f.type})`, {}, { cause: e });
    }
    return kafkaError(e, what);
  }

  /**
   * kafkajs answers a commit with nothing, committed or not, once its runner stopped (a crash
   * being handled): the outcome is unknown, and the next owner re-forms the range.
   */
  private checkStillRunning(handing: Array<{ running: () => boolean } | undefined>): void {
    if (handing.some((d) => d && !d.running())) {
      throw new PipelineError('COMMIT_REJECTED', `group ${this.options.groupId}: the member left the group while committing`);
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
      if (this.rejoinTimer) clearTimeout(this.rejoinTimer);
      this.rejoinTimer = null;
      const consumer = this.consumer;
      if (consumer) {
        if (!this.failed && this.assigned.length > 0) pauseQuietly(consumer, this.assigned);
        await this.drained();
        this.revoke();
        await this.gate;
        await consumer.disconnect().catch(() => {});
      }
      await this.lane.idle();
      const producer = this.txn.producer;
      this.txn.producer = null;
      await producer?.disconnect().catch(() => {});
      this.firstJoin.reject(new PipelineError('TRANSPORT_UNAVAILABLE', 'the consumer stopped before it joined its group'));
      this.onGone();
    })();
    return this.stopping;
  }

  private revoke(): void {
    this.epoch++;
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

  /**
   * The broker no longer counts this member (its session expired while the broker or this
   * process stalled, or a rebalance began): every partition stops being its own now, and
   * fetching them stops, until kafkajs rejoins (on its next heartbeat, which the broker
   * answers the same way) and the assignment comes back through GROUP_JOIN.
   */
  private lostMembership(): void {
    const partitions = this.assigned;
    if (partitions.length === 0 || this.failed || this.stopping) return;
    if (this.consumer) pauseQuietly(this.consumer, partitions);
    this.revoke();
  }

  private joined(memberAssignment: Record<string, number[]>): void {
    // A rejoin without a REBALANCING event (unknown member, restart after a crash) still
    // revokes first: the port promises revoke → assign.
    this.revoke();
    this.rejoinDelayMs = REJOIN_FIRST_MS;
    const epoch = this.epoch;
    const partitions = Object.entries(memberAssignment)
      .flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    this.gate = this.gate.then(async () => {
      if (this.failed || this.stopping || epoch !== this.epoch) return;
      this.assigned = partitions;
      this.assignedKeys = new Set(partitions.map((tp) => key(tp.topic, tp.partition)));
      this.skips = await this.commitsOf(partitions);
      // Eager rebalancing: every partition is newly assigned, so none starts paused.
      if (partitions.length > 0 && this.consumer) resumeQuietly(this.consumer, partitions);
      try {
        if (partitions.length > 0) await this.prepareAssigned(partitions, epoch);
      } catch (e) {
        this.fail(e);
      }
      this.firstJoin.resolve();
    });
  }

  /**
   * onAssigned reads the group's commits and the partitions' ends from the broker (and the
   * warehouse): a broker that stalls right after a rebalance fails it with a retryable error.
   * It is run again until it succeeds or the assignment is gone; batches wait meanwhile.
   */
  private async prepareAssigned(partitions: TopicPartition[], epoch: number): Promise<void> {
    const onAssigned = this.handlers?.onAssigned;
    if (!onAssigned) return;
    const gone = (): boolean => this.failed || this.stopping !== null || epoch !== this.epoch;
    try {
      await retryBounded('preparing assigned partitions', () => onAssigned(partitions.map((tp) => ({ ...tp }))), {
        initialMs: 200,
        maxMs: 5_000,
        giveUpAfterMs: this.transport.options.retryForMs,
      }, { isStopped: gone });
    } catch (e) {
      if (!gone()) throw e;
    }
  }

  /**
   * kafkajs left the group and disconnected. With `restart` it rejoins by itself; without,
   * a failure that heals (the broker stalled past kafkajs' retries, a coordinator that
   * could not be found or locked in time) is rejoined from here, with backoff. What cannot
   * heal stops the consumer with its reason.
   */
  private crashed(error: Error, restart: boolean): void {
    this.revoke();
    if (this.failed || this.stopping) return;
    const f = classifyKafkaError(error);
    if (f.kind === 'refused' || f.kind === 'bug') {
      this.fail(this.stoppedBy(f));
      return;
    }
    if (f.kind === 'unknown-topic') {
      // A subscribed topic may be gone for good, or the broker was answering before it
      // finished starting; only the broker's topic list tells.
      void this.transport.missingTopics(this.topics).then(
        (missing) => {
          if (missing.length > 0) this.fail(this.stoppedBy({ ...f, reason: `subscribed topic ${missing.join(', ')} does not exist` }));
          else if (!restart) this.rejoin(f);
        },
        () => !restart && this.rejoin(f),
      );
      return;
    }
    if (!restart) this.rejoin(f);
  }

  private rejoin(f: KafkaFailure): void {
    const consumer = this.consumer;
    const config = this.runConfig;
    if (this.rejoinTimer || this.failed || this.stopping || !consumer || !config) return;
    const delay = this.rejoinDelayMs;
    this.rejoinDelayMs = Math.min(REJOIN_MAX_MS, delay * 2);
    consumer.logger().warn(`Rejoining group ${this.options.groupId} in ${delay} ms`, { type: f.type, error: f.reason });
    this.rejoinTimer = setTimeout(() => {
      this.rejoinTimer = null;
      if (this.failed || this.stopping) return;
      // A join that fails again crashes again (CRASH event) and comes back here.
      consumer.run(config).catch((e: unknown) => this.crashed(e instanceof Error ? e : new Error(String(e)), false));
    }, delay);
  }

  private stoppedBy(f: KafkaFailure): Error {
    const message = `Kafka: consumer of group ${this.options.groupId} stopped (${f.type}): ${f.reason}`;
    return f.kind === 'bug' ? new Error(message) : new PipelineError(isAuthFailure(f) ? 'KAFKA_AUTH_FAILED' : 'INVALID_CONFIG', message);
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const k = key(batch.topic, batch.partition);
    // Taken before waiting for the gate: a batch fetched under an assignment that is revoked
    // meanwhile is never handed out, even when the partition comes back.
    const epoch = this.epoch;
    this.inFlight++;
    // Heartbeats go on while the batch waits and is handled (an insert can take longer than
    // the session). A broker saying this member is gone ends its ownership at once; a
    // rebalance merely starting does not (its commits still count until the group syncs).
    const beat = setInterval(() => {
      payload.heartbeat().catch((e: unknown) => {
        const f = classifyKafkaError(e);
        if (epoch === this.epoch && f.kind === 'stale-member' && f.type !== 'REBALANCE_IN_PROGRESS') this.lostMembership();
      });
    }, this.transport.options.heartbeatIntervalMs);
    try {
      await this.gate;
      const usable = (): boolean =>
        epoch === this.epoch &&
        !this.failed &&
        !this.stopping &&
        payload.isRunning() &&
        !payload.isStale() &&
        this.assignedKeys.has(k) &&
        !this.paused.has(k);
      const handlers = this.handlers;
      if (!handlers || !usable()) return;
      this.delivering.set(k, { epoch, running: () => payload.isRunning() });
      // A fetch can hold far more than maxBatchSize messages; it is handed out in slices, and
      // a seek, pause or revoke between slices drops the rest (it is fetched again later).
      for (let i = 0; i < batch.messages.length && usable(); i += this.maxBatchSize) {
        const slice = batch.messages.slice(i, i + this.maxBatchSize);
        const messages = slice.map((m) => toMessage(batch.topic, batch.partition, m));
        try {
          await handlers.onBatch({ topic: batch.topic, partition: batch.partition, messages, highWatermark: batch.highWatermark });
        } catch (e) {
          this.fail(e);
          return;
        }
        // Taken away during the slice: its position is not this member's to move.
        if (epoch !== this.epoch) return;
        payload.resolveOffset(slice.at(-1)!.offset);
        // The whole fetch handed out: markers after its last record are a run that delivers nothing.
        if (i + this.maxBatchSize >= batch.messages.length) {
          this.skips.get(k)?.nothingIn(BigInt(slice.at(-1)!.offset) + 1n, BigInt(batch.lastOffset()) + 1n);
        }
      }
    } finally {
      clearInterval(beat);
      this.delivering.delete(k);
      if (epoch === this.epoch) this.commitSkip(batch.topic, batch.partition);
      this.inFlight--;
      if (this.inFlight === 0) this.idle?.();
    }
  }

  /** A MarkerSkip per partition, at the group's commits (unknown when they cannot be read now: a run is then committed past with the next batch). */
  private async commitsOf(partitions: TopicPartition[]): Promise<Map<string, MarkerSkip>> {
    const out = new Map<string, MarkerSkip>();
    for (const topic of new Set(partitions.map((tp) => tp.topic))) {
      const at = new Map((await this.transport.committedOffsets(this.options.groupId, topic).catch(() => [])).map((c) => [c.partition, BigInt(c.offset)]));
      for (const tp of partitions.filter((p) => p.topic === topic)) out.set(key(tp.topic, tp.partition), new MarkerSkip(at.get(tp.partition) ?? null));
    }
    return out;
  }

  private drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = () => ((this.idle = null), resolve())));
  }

  /** A handler failed: stop fetching and leave the group; the partitions move on uncommitted. */
  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    if (this.rejoinTimer) clearTimeout(this.rejoinTimer);
    this.rejoinTimer = null;
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

/** kafkajs refuses pause/resume between a crash and its restart; there is nothing to pause then. */
function pauseQuietly(consumer: KafkajsConsumer, partitions: TopicPartition[]): void {
  try {
    consumer.pause(byTopic(partitions));
  } catch {
    // not running: nothing is fetched
  }
}

function resumeQuietly(consumer: KafkajsConsumer, partitions: TopicPartition[]): void {
  try {
    consumer.resume(byTopic(partitions));
  } catch {
    // not running: the next run starts unpaused
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
