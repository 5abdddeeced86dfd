import { randomUUID } from 'node:crypto';
import { Consumer as PlatformaticClient, IS_CONTROL, type ClusterMetadata, type GroupAssignment, type Message as PlatformaticMessage, type Producer as PlatformaticProducer } from '@platformatic/kafka';
import { PipelineError } from '../../../errors/index.js';
import { retryBounded } from '../../../ingest/retry.js';
import type { CommitOffset, Consumer, ConsumerHandlers, ConsumerOptions, Message, MessageBatch, OutgoingBatch, TopicPartition } from '../../types.js';
import { isAuthFailure, TRANSACTION_ENDED, transactionEnded, type KafkaFailure } from '../errors.js';
import { MarkerSkip } from '../marker-skip.js';
import { FETCH_BYTES_MIN } from '../options.js';
import { TransactionLane } from '../transaction-lane.js';
import { classifyPlatformaticError, platformaticError } from './errors.js';
import { toPlatformaticMessages, type PlatformaticTransport } from './platformatic-transport.js';

type FetchResponse = Awaited<ReturnType<PlatformaticClient['fetch']>>;
type FetchedPartition = FetchResponse['responses'][number]['partitions'][number];

const DEFAULT_MAX_BATCH_SIZE = 5000;
const BACKOFF_FIRST_MS = 200;
const BACKOFF_MAX_MS = 10_000;
/** How often a partition whose buffer waits for its turn is fetched for what arrived since (fetchLoop). */
const TOP_UP_MS = 100;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Where one assigned partition stands. A new object per assignment: a late answer for an earlier one finds its object gone. */
interface PartitionState {
  readonly tp: TopicPartition;
  readonly key: string;
  /** The next offset to hand out: after the last slice processed, or where a seek put it. Null until known. */
  position: bigint | null;
  /** The next offset to fetch (past what is buffered or being handed out). */
  fetchOffset: bigint | null;
  /** Fetched messages not handed out yet (one fetch's worth at most). */
  buffered: Message[] | null;
  /** Bytes of keys and values in `buffered`. */
  bufferedBytes: number;
  highWatermark: string | undefined;
  /** A batch of this partition is being handled (never two at once). */
  busy: boolean;
  /** Bumped by a seek or a rewind: a fetch or a delivery begun before it no longer moves the position. */
  version: number;
  /** The group's commit and the run of markers after the last record (marker-skip.ts); null until positioned. */
  skip: MarkerSkip | null;
}

/**
 * One member of a consumer group on Kafka, with @platformatic/kafka.
 *
 * The client runs the group protocol (join, sync, heartbeats on their own timer, rejoining when
 * the broker asks); this adapter runs the fetches itself, per partition leader, from positions
 * it owns, so a seek, a pause or a revoke takes effect exactly between two slices. Rebalancing
 * is eager and blocking, as librdkafka's: the client asks for the subscription's metadata right
 * before each JoinGroup, and that request waits until the member's in-flight batches finished
 * and onRevoked ran (the broker waits up to rebalanceTimeoutMs for it). Another member can
 * therefore never receive a partition this one still handles; a commit made in onRevoked counts
 * (the old generation is still current), and once the new assignment is known, commits for
 * partitions that moved are refused locally (COMMIT_REJECTED).
 *
 * The client does not retry group operations by itself here (`retries: 0`): a commit the
 * broker refuses because the group moved on is COMMIT_REJECTED, never re-sent under the next
 * generation; a failed fetch or rejoin is retried by this adapter with backoff, and only what
 * cannot heal (authorization, a subscribed topic that is gone, a bug) stops the consumer.
 */
export class PlatformaticConsumer implements Consumer {
  private client: PlatformaticClient | null = null;
  private handlers: ConsumerHandlers | null = null;
  private readonly topics: string[];
  private readonly maxBatchSize: number;
  private readonly fromBeginning: boolean;
  private assigned: TopicPartition[] = [];
  private assignedKeys = new Set<string>();
  private parts = new Map<string, PartitionState>();
  /** Partitions whose onRevoked is running: commits for them are still allowed. */
  private readonly revoking = new Set<string>();
  private readonly paused = new Set<string>();
  /** Bumped each time this member's partitions are taken away. */
  private epoch = 0;
  /** Batches are handed out only once the assignment of this epoch is prepared (onAssigned done). */
  private servingEpoch = -1;
  /** A rejoin is waiting for in-flight batches: no new slice is handed out. */
  private draining = false;
  /** The partitions being handled, with the epoch their batch was handed out in. */
  private readonly delivering = new Map<string, number>();
  private gate: Promise<void> = Promise.resolve();
  private inFlight = 0;
  /** Who waits for the in-flight batches to finish: a stop and a rejoin may wait at the same time. */
  private idleWaiters: Array<() => void> = [];
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private failed = false;
  private stopping: Promise<void> | null = null;
  private rejoinTimer: NodeJS.Timeout | null = null;
  private rejoinDelayMs = BACKOFF_FIRST_MS;
  /** Bytes of keys and values fetched ahead and not handed out yet, over all partitions (at most about maxBytes). */
  private bufferedBytes = 0;
  /** Where the next round-robin look for a partition to hand out starts. */
  private turn = 0;
  private readonly firstJoin: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void };
  /**
   * This member's transactional producer (commitWith), made at its first use and again after a
   * transaction failed, each time with a new transactional id: @platformatic/kafka 2.12 asks
   * for a producer id with producer id 0 and epoch 0 instead of -1, which the broker refuses
   * (PRODUCER_FENCED) for an id that has a producer already. A transaction the replaced one
   * left open is therefore aborted by the broker when it times out (the request timeout), and
   * a retry whose outcome is unsure reads the group's offsets as stable (landed) until then.
   */
  private txnProducer: PlatformaticProducer<Buffer, Buffer, Buffer, Buffer> | null = null;
  /** Stable reads: a transaction still ending is waited for (the broker answers UNSTABLE_OFFSET_COMMIT, retried). */
  private readonly lane = new TransactionLane((topic) => this.transport.committedOffsets(this.options.groupId, topic, true));

  constructor(
    private readonly transport: PlatformaticTransport,
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
    promise.catch(() => {});
    this.firstJoin = { promise, resolve, reject };
  }

  async start(handlers: ConsumerHandlers): Promise<void> {
    if (this.client) throw new PipelineError('INVALID_CONFIG', 'a consumer can be started once');
    this.handlers = handlers;
    const o = this.transport.options;
    const client = new PlatformaticClient({
      ...this.transport.baseOptions(),
      groupId: this.options.groupId,
      sessionTimeout: o.sessionTimeoutMs,
      rebalanceTimeout: Math.max(o.rebalanceTimeoutMs, o.sessionTimeoutMs),
      heartbeatInterval: o.heartbeatIntervalMs,
      retries: 0,
      autocommit: false,
      autocreateTopics: false,
      maxWaitTime: o.maxWaitTimeMs,
      maxBytes: o.maxBytes,
      maxBytesPerPartition: o.maxBytesPerPartition,
      protocolsMetadata: () => this.beforeJoin(),
    });
    this.client = client;
    client.on('consumer:group:join', (payload) => this.joined(payload.assignments ?? []));
    // A rejoin the client began itself and could not finish: no heartbeat follows, so rejoin from here.
    client.on('error', (e: Error) => this.groupFailed(e));
    client.topics.trackAll(...this.topics);
    const stopped = (): boolean => this.failed || this.stopping !== null;
    await this.transport.setup(`joining group ${this.options.groupId}`, () => client.joinGroup({}), stopped);
    this.loop = this.fetchLoop();
    await this.firstJoin.promise;
  }

  async commit(offsets: CommitOffset[]): Promise<void> {
    const client = this.checkCommit(offsets);
    const to = this.extended(offsets);
    try {
      await client.commit({ offsets: offsets.map((o, i) => ({ topic: o.topic, partition: o.partition, offset: to[i]!.offset, leaderEpoch: -1 })) });
    } catch (e) {
      throw this.commitFailure(e, 'commit');
    }
    this.committedAt(to);
  }

  /**
   * One Kafka transaction: the records, then the offsets sent to it with this member's group
   * generation (TxnOffsetCommit, so a member that lost its partitions is fenced), then its
   * commit. Transactions of one member run one at a time.
   */
  commitWith(offsets: CommitOffset[], records: OutgoingBatch[]): Promise<void> {
    if (records.every((r) => r.messages.length === 0)) return this.commit(offsets);
    return this.lane.run(() => this.commitInTransaction(offsets, records));
  }

  private async commitInTransaction(offsets: CommitOffset[], records: OutgoingBatch[]): Promise<void> {
    const client = this.checkCommit(offsets);
    if (await this.lane.landed(offsets)) return;
    this.txnProducer ??= this.transport.transactionalProducer(`${this.options.groupId}-${randomUUID()}`);
    const producer = this.txnProducer;
    const to = this.extended(offsets);
    try {
      const tx = await producer.beginTransaction();
      await this.lane.transact(offsets, tx, async () => {
        for (const r of records) if (r.messages.length > 0) await tx.send({ messages: toPlatformaticMessages(r.topic, r.messages) });
        await tx.addConsumer(client);
        const consumer = { groupId: this.options.groupId, generationId: client.generationId, memberId: client.memberId, coordinatorId: client.coordinatorId };
        // addOffset commits the offset after the message's: the last processed one.
        for (const [i, o] of offsets.entries()) {
          await tx.addOffset({ topic: o.topic, partition: o.partition, offset: to[i]!.offset - 1n, metadata: { consumer } } as unknown as PlatformaticMessage<Buffer, Buffer, Buffer, Buffer>);
        }
      });
      this.committedAt(to);
    } catch (e) {
      // A producer whose transaction failed is replaced (see txnProducer).
      this.txnProducer = null;
      void producer.close().catch(() => producer.close(true).catch(() => {}));
      throw this.commitFailure(e, 'commit with records', true);
    }
  }

  /** The client to commit with, once every partition of `offsets` is this member's to commit. */
  private checkCommit(offsets: CommitOffset[]): PlatformaticClient {
    for (const o of offsets) {
      const k = key(o.topic, o.partition);
      const handedOutIn = this.delivering.get(k);
      // From inside a batch: only while the batch's own assignment lasts. Outside (onRevoked,
      // a caller of its own): while the partition is assigned or being revoked.
      const owned = handedOutIn !== undefined ? handedOutIn === this.epoch : this.assignedKeys.has(k) || this.revoking.has(k);
      if (this.failed || !owned) {
        throw new PipelineError('COMMIT_REJECTED', `group ${this.options.groupId}: ${o.topic}[${o.partition}] is not assigned to this consumer`, { value: o });
      }
    }
    const client = this.client;
    if (!client) throw new PipelineError('COMMIT_REJECTED', 'the consumer is not running');
    return client;
  }

  private commitFailure(e: unknown, what: string, inTransaction = false): Error {
    const f = classifyPlatformaticError(e);
    if (inTransaction && TRANSACTION_ENDED.has(f.type)) return transactionEnded(e, f, what);
    if (f.kind === 'stale-member') {
      this.lostMembership();
      return new PipelineError('COMMIT_REJECTED', `group ${this.options.groupId}: ${what} refused by the broker (${f.type})`, {}, { cause: e });
    }
    // The member is rejoining (its JoinGroup waits for the batches in flight, see beforeJoin):
    // a commit that fails now would be retried against a membership being replaced, and the
    // rejoin would wait for that retry. After a broker restart the broker even closes the
    // connection on such a commit, again and again. The partitions are being let go: the
    // batch ends as one whose partition moved, and its owner re-forms the recorded range.
    if (this.draining) {
      return new PipelineError('COMMIT_REJECTED', `group ${this.options.groupId}: ${what} failed while the member rejoins its group (${f.type}: ${f.reason})`, {}, { cause: e });
    }
    return platformaticError(e, what);
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
    const s = this.parts.get(key(tp.topic, tp.partition));
    if (!s || !this.assignedKeys.has(s.key)) return;
    if (!/^\d+$/.test(offset)) throw new PipelineError('INVALID_CONFIG', `bad seek offset ${offset}`, { value: offset });
    s.position = BigInt(offset);
    this.rewind(s);
    this.wake();
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) {
      const s = this.parts.get(key(tp.topic, tp.partition));
      if (!s || !this.assignedKeys.has(s.key)) continue;
      this.paused.add(s.key);
      // A batch being handled stops after its slice and rewinds there; otherwise drop what was fetched ahead.
      if (!s.busy) this.rewind(s);
    }
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.paused.delete(key(tp.topic, tp.partition));
    this.wake();
    this.dispatch();
  }

  assignment(): TopicPartition[] {
    return this.assigned.map((tp) => ({ ...tp }));
  }

  /** Finishes in-flight slices, runs onRevoked while still a member (so it may commit), then leaves. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.rejoinTimer) clearTimeout(this.rejoinTimer);
      this.rejoinTimer = null;
      const client = this.client;
      if (client) {
        this.wake();
        await this.drained();
        this.revoke();
        await this.gate;
        await this.loop?.catch(() => {});
        await client.close().catch(() => client.close(true).catch(() => {}));
      }
      await this.lane.idle();
      const producer = this.txnProducer;
      this.txnProducer = null;
      await producer?.close().catch(() => producer.close(true).catch(() => {}));
      this.firstJoin.reject(new PipelineError('TRANSPORT_UNAVAILABLE', 'the consumer stopped before it joined its group'));
      this.onGone();
    })();
    return this.stopping;
  }

  /**
   * Called by the client right before each JoinGroup: the member lets go of its partitions
   * first (eager rebalancing), so the group can hand them on only after their batches
   * finished and onRevoked ran.
   */
  private async beforeJoin(): Promise<Buffer> {
    if (this.assigned.length > 0 || this.inFlight > 0) {
      this.draining = true;
      try {
        await this.drained();
      } finally {
        this.revoke();
        this.draining = false;
      }
    }
    await this.gate;
    return Buffer.alloc(0);
  }

  private revoke(): void {
    this.epoch++;
    const partitions = this.assigned;
    if (partitions.length === 0) return;
    this.assigned = [];
    this.assignedKeys = new Set();
    this.parts = new Map();
    this.bufferedBytes = 0;
    this.paused.clear();
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

  /** The broker no longer counts this member: every partition stops being its own now, until it rejoins. */
  private lostMembership(): void {
    if (this.assigned.length === 0 || this.failed || this.stopping) return;
    this.revoke();
  }

  private joined(assignments: GroupAssignment[]): void {
    // A join the hook did not precede (never expected) still revokes first: the port promises revoke → assign.
    this.revoke();
    this.rejoinDelayMs = BACKOFF_FIRST_MS;
    const epoch = this.epoch;
    const partitions = assignments
      .filter((a) => this.topics.includes(a.topic))
      .flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    this.gate = this.gate.then(async () => {
      if (this.failed || this.stopping || epoch !== this.epoch) return;
      this.assigned = partitions;
      this.assignedKeys = new Set(partitions.map((tp) => key(tp.topic, tp.partition)));
      this.parts = new Map(partitions.map((tp) => [key(tp.topic, tp.partition), newState(tp)]));
      try {
        if (partitions.length > 0) await this.prepareAssigned(partitions, epoch);
      } catch (e) {
        this.fail(e);
      }
      if (epoch === this.epoch) this.servingEpoch = epoch;
      this.firstJoin.resolve();
      this.wake();
      // What was fetched while the assignment was being prepared is handed out now: no fetch
      // may be due (everything buffered, or the fetch-ahead bound reached) to do it.
      this.dispatch();
    });
  }

  /**
   * Positions the assigned partitions (the group's commit, else the earliest or latest offset),
   * then runs onAssigned, which may seek. Both read from the broker: a broker that stalls right
   * after a rebalance fails them with a retryable error, so they run again until they succeed
   * or the assignment is gone; batches wait meanwhile.
   */
  private async prepareAssigned(partitions: TopicPartition[], epoch: number): Promise<void> {
    const gone = (): boolean => this.failed || this.stopping !== null || epoch !== this.epoch;
    const policy = { initialMs: 200, maxMs: 5_000, giveUpAfterMs: this.transport.options.retryForMs };
    try {
      await retryBounded('positioning assigned partitions', () => this.position(partitions), policy, { isStopped: gone });
      const onAssigned = this.handlers?.onAssigned;
      if (onAssigned) await retryBounded('preparing assigned partitions', () => onAssigned(partitions.map((tp) => ({ ...tp }))), policy, { isStopped: gone });
    } catch (e) {
      if (!gone()) throw e;
    }
  }

  private async position(partitions: TopicPartition[]): Promise<void> {
    for (const topic of new Set(partitions.map((tp) => tp.topic))) {
      const committed = new Map((await this.transport.committedOffsets(this.options.groupId, topic)).map((c) => [c.partition, BigInt(c.offset)]));
      const mine = partitions.filter((tp) => tp.topic === topic);
      const unknown = mine.filter((tp) => !committed.has(tp.partition)).map((tp) => tp.partition);
      const reset = unknown.length > 0 ? await this.transport.offsetsAt(topic, unknown, this.fromBeginning ? 'earliest' : 'latest') : new Map<number, bigint>();
      for (const tp of mine) {
        const s = this.parts.get(key(tp.topic, tp.partition));
        const at = committed.get(tp.partition) ?? reset.get(tp.partition);
        if (!s || at === undefined || s.position !== null) continue;
        s.skip = new MarkerSkip(committed.get(tp.partition) ?? null);
        s.position = at;
        s.fetchOffset = at;
      }
    }
  }

  /**
   * Fetches, from each partition's leader, until stopped: for every partition that has nothing
   * buffered, and, at most every TOP_UP_MS, for those whose buffer waits for its turn below a
   * partition's bound. A partition handed out fetches again at once; one waiting its turn gets
   * what arrived meanwhile added to its buffer, so its next batch takes every record up to
   * about its turn, not only those up to its previous fetch (which left a record produced just
   * after that fetch waiting two rounds of the partitions instead of one).
   */
  private async fetchLoop(): Promise<void> {
    let backoff = BACKOFF_FIRST_MS;
    const o = this.transport.options;
    const maxWait = o.maxWaitTimeMs;
    let lastTopUp = 0;
    while (!this.stopping && !this.failed) {
      const now = performance.now();
      const topUpDue = now - lastTopUp >= TOP_UP_MS;
      const wanted = [...this.parts.values()].filter(
        (s) =>
          s.fetchOffset !== null &&
          !this.paused.has(s.key) &&
          (s.buffered === null || (topUpDue && s.bufferedBytes < o.maxBytesPerPartition)),
      );
      // What is fetched ahead stays within one fetch response's bound, however many partitions wait.
      if (wanted.length === 0 || this.draining || this.bufferedBytes >= o.maxBytes) {
        this.dispatch();
        await this.sleep(topUpDue ? Math.max(maxWait, 50) : Math.min(Math.max(maxWait, 50), TOP_UP_MS - (now - lastTopUp)));
        continue;
      }
      if (wanted.some((s) => s.buffered !== null)) lastTopUp = now;
      try {
        await this.fetchOnce(wanted);
        backoff = BACKOFF_FIRST_MS;
      } catch (e) {
        if (this.stopping || this.failed) return;
        const f = classifyPlatformaticError(e);
        if (f.kind === 'refused' || f.kind === 'bug') return this.fail(this.stoppedBy(f));
        if (f.kind === 'unknown-topic') {
          const missing = await this.transport.missingTopics(this.topics).catch(() => []);
          if (missing.length > 0) return this.fail(this.stoppedBy({ ...f, reason: `subscribed topic ${missing.join(', ')} does not exist` }));
        }
        await this.sleep(backoff);
        backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
      }
    }
  }

  private async fetchOnce(wanted: PartitionState[]): Promise<void> {
    const client = this.client!;
    const metadata = await client.metadata({ topics: this.topics });
    const byNode = new Map<number, PartitionState[]>();
    for (const s of wanted) {
      const leader = metadata.topics.get(s.tp.topic)?.partitions[s.tp.partition]?.leader;
      if (leader === undefined || leader < 0) {
        client.clearMetadata();
        throw new PipelineError('TRANSPORT_UNAVAILABLE', `${s.tp.topic}[${s.tp.partition}] has no leader`);
      }
      byNode.set(leader, [...(byNode.get(leader) ?? []), s]);
    }
    await Promise.all([...byNode].map(([node, states]) => this.fetchFrom(client, node, states, metadata)));
  }

  private async fetchFrom(client: PlatformaticClient, node: number, states: PartitionState[], metadata: ClusterMetadata): Promise<void> {
    const o = this.transport.options;
    const requested = new Map(states.map((s) => [s.key, { state: s, version: s.version, from: s.fetchOffset! }]));
    const topicIds = new Map<string, string>();
    const topics = new Map<string, Array<{ partition: number; fetchOffset: bigint; partitionMaxBytes: number; currentLeaderEpoch: number; lastFetchedEpoch: number }>>();
    for (const s of states) {
      const id = metadata.topics.get(s.tp.topic)!.id;
      topicIds.set(id, s.tp.topic);
      // A buffer topped up stays within about one partition's bound.
      const partitionMaxBytes = Math.max(FETCH_BYTES_MIN, o.maxBytesPerPartition - s.bufferedBytes);
      topics.set(id, [...(topics.get(id) ?? []), { partition: s.tp.partition, fetchOffset: s.fetchOffset!, partitionMaxBytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }]);
    }
    let response: FetchResponse;
    try {
      response = await client.fetch({ node, maxWaitTime: o.maxWaitTimeMs, maxBytes: o.maxBytes, topics: [...topics].map(([topicId, partitions]) => ({ topicId, partitions })) });
    } catch (e) {
      if (await this.resetOutOfRange(e, topicIds, requested)) return;
      throw e;
    }
    for (const t of response.responses) {
      const topic = topicIds.get(t.topicId) ?? t.topicId;
      for (const p of t.partitions) {
        const r = requested.get(key(topic, p.partitionIndex));
        // A partition the fetch session still serves but that was not asked for, or one sought, paused or revoked meanwhile.
        if (!r || r.state.version !== r.version || this.parts.get(r.state.key) !== r.state) continue;
        const s = r.state;
        s.highWatermark = p.highWatermark.toString();
        const { messages, next } = decode(topic, p, r.from);
        if (next !== null) s.fetchOffset = next;
        if (messages.length > 0) this.buffer(s, messages);
        if (next !== null) this.noteSkip(s, messages.length > 0 ? BigInt(messages.at(-1)!.offset) + 1n : r.from, next);
      }
    }
    this.dispatch();
  }

  /** Records that [from, to) delivers nothing (marker-skip.ts), and commits past it if the group's commit is at its start. */
  private noteSkip(s: PartitionState, from: bigint, to: bigint): void {
    s.skip?.nothingIn(from, to);
    this.commitSkip(s);
  }

  /** Commits past a run that delivers nothing, if the group's commit is at its start; never while a batch of the partition is in flight (its own commit takes the run along). */
  private commitSkip(s: PartitionState): void {
    const client = this.client;
    if (!client || s.skip === null || s.busy || this.parts.get(s.key) !== s || this.failed || this.stopping || this.draining) return;
    const skip = s.skip;
    const taken = skip.take();
    if (taken === null) return;
    // Done again when the next run or batch comes; a member that lost the partition leaves it to the next owner.
    client.commit({ offsets: [{ topic: s.tp.topic, partition: s.tp.partition, offset: taken.to, leaderEpoch: -1 }] }).then(
      () => skip.doneTaken(taken),
      () => {},
    );
  }

  /** The offsets to commit for `offsets`: each one at the start of a run that delivers nothing moves to its end. */
  private extended(offsets: CommitOffset[]): Array<{ skip: MarkerSkip | null; offset: bigint }> {
    return offsets.map((o) => {
      const skip = this.parts.get(key(o.topic, o.partition))?.skip ?? null;
      const at = BigInt(o.offset);
      return { skip, offset: skip ? skip.extend(at) : at };
    });
  }

  /** After a commit of `done` went through. */
  private committedAt(done: Array<{ skip: MarkerSkip | null; offset: bigint }>): void {
    for (const d of done) d.skip?.done(d.offset);
  }

  /** A position the log no longer holds (retention removed it): start again where the group would start. */
  private async resetOutOfRange(e: unknown, topicIds: Map<string, string>, requested: Map<string, { state: PartitionState; version: number }>): Promise<boolean> {
    const response = (e as { response?: FetchResponse } | null)?.response;
    if (classifyPlatformaticError(e).type !== 'OFFSET_OUT_OF_RANGE' || !response) return false;
    for (const t of response.responses) {
      const topic = topicIds.get(t.topicId) ?? t.topicId;
      for (const p of t.partitions) {
        const r = requested.get(key(topic, p.partitionIndex));
        if (!r || p.errorCode !== OFFSET_OUT_OF_RANGE_CODE || r.state.version !== r.version) continue;
        const at = this.fromBeginning ? p.logStartOffset : p.highWatermark;
        if (at < 0n) return false;
        r.state.position = at;
        this.rewind(r.state);
      }
    }
    return true;
  }

  /**
   * Hands buffered messages out, one batch per partition at a time, up to
   * partitionsConsumedConcurrently partitions, taking partitions in turn (round robin from the
   * one after the last started): with a backlog on every partition, none waits for the others
   * to drain, so their commits (and what readers derive from them, such as watermarks) advance together.
   */
  private dispatch(): void {
    if (this.draining || this.stopping || this.failed || this.servingEpoch !== this.epoch) return;
    const limit = this.transport.options.partitionsConsumedConcurrently;
    const parts = [...this.parts.values()];
    for (let i = 0; i < parts.length && this.inFlight < limit; i++) {
      const s = parts[(this.turn + i) % parts.length]!;
      if (s.busy || s.buffered === null || this.paused.has(s.key)) continue;
      this.turn = (this.turn + i + 1) % parts.length;
      i = -1;
      void this.deliver(s);
    }
  }

  /** Adds a fetch's messages to the partition's buffer (they follow its last one: the fetch started at its fetch offset). */
  private buffer(s: PartitionState, messages: Message[]): void {
    let bytes = 0;
    for (const m of messages) bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
    if (s.buffered === null) s.buffered = messages;
    else for (const m of messages) s.buffered.push(m);
    s.bufferedBytes += bytes;
    this.bufferedBytes += bytes;
  }

  private unbuffer(s: PartitionState): void {
    this.bufferedBytes -= s.bufferedBytes;
    s.buffered = null;
    s.bufferedBytes = 0;
  }

  /** Drops what was fetched ahead and fetches again from the position. */
  private rewind(s: PartitionState): void {
    s.version++;
    this.unbuffer(s);
    s.fetchOffset = s.position;
  }

  private async deliver(s: PartitionState): Promise<void> {
    const messages = s.buffered!;
    this.unbuffer(s);
    s.busy = true;
    this.inFlight++;
    const epoch = this.epoch;
    const version = s.version;
    this.delivering.set(s.key, epoch);
    const handlers = this.handlers!;
    const mine = (): boolean => epoch === this.epoch && version === s.version;
    const usable = (): boolean => mine() && !this.failed && !this.stopping && !this.draining && !this.paused.has(s.key);
    let done = 0;
    try {
      // A fetch can hold far more than maxBatchSize messages: it is handed out in slices.
      for (let i = 0; i < messages.length && usable(); i += this.maxBatchSize) {
        const slice = messages.slice(i, i + this.maxBatchSize);
        const batch: MessageBatch = { topic: s.tp.topic, partition: s.tp.partition, messages: slice };
        if (s.highWatermark !== undefined) batch.highWatermark = s.highWatermark;
        try {
          await handlers.onBatch(batch);
        } catch (e) {
          this.fail(e);
          return;
        }
        // Sought or taken away during the slice: the position is not this batch's to move.
        if (!mine()) return;
        s.position = BigInt(slice.at(-1)!.offset) + 1n;
        done = i + slice.length;
      }
      // Stopped between slices (a pause, a rejoin, a stop): the rest is fetched again from the position.
      if (done < messages.length && mine()) this.rewind(s);
    } finally {
      s.busy = false;
      this.commitSkip(s);
      this.delivering.delete(s.key);
      this.inFlight--;
      if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      this.wake();
      this.dispatch();
    }
  }

  private groupFailed(e: Error): void {
    if (this.failed || this.stopping) return;
    const f = classifyPlatformaticError(e);
    if (f.kind === 'refused' || f.kind === 'bug') {
      this.fail(this.stoppedBy(f));
      return;
    }
    this.lostMembership();
    if (this.rejoinTimer) return;
    const delay = this.rejoinDelayMs;
    this.rejoinDelayMs = Math.min(BACKOFF_MAX_MS, delay * 2);
    this.rejoinTimer = setTimeout(() => {
      this.rejoinTimer = null;
      if (this.failed || this.stopping || !this.client) return;
      this.client.joinGroup({}).catch((err: unknown) => this.groupFailed(err instanceof Error ? err : new Error(String(err))));
    }, delay);
  }

  private stoppedBy(f: KafkaFailure): Error {
    const message = `Kafka: consumer of group ${this.options.groupId} stopped (${f.type}): ${f.reason}`;
    return f.kind === 'bug' ? new Error(message) : new PipelineError(isAuthFailure(f) ? 'KAFKA_AUTH_FAILED' : 'INVALID_CONFIG', message);
  }

  private drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => ((this.wakeUp = null), resolve()), ms);
      this.wakeUp = () => (clearTimeout(timer), (this.wakeUp = null), resolve());
    });
  }

  private wake(): void {
    this.wakeUp?.();
  }

  /** A handler failed: stop fetching and leave the group; the partitions move on uncommitted. */
  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    if (this.rejoinTimer) clearTimeout(this.rejoinTimer);
    this.rejoinTimer = null;
    const error = e instanceof Error ? e : new Error(String(e));
    this.firstJoin.reject(error);
    this.wake();
    // Not awaited: fail() may run inside a delivery, and stopping waits for deliveries to end.
    setImmediate(() => {
      void this.stop().finally(() => {
        if (this.handlers?.onError) this.handlers.onError(error);
        else console.error(`consumer of group ${this.options.groupId} stopped:`, error);
      });
    });
  }
}

/** The broker's error code for a fetch position outside the log. */
const OFFSET_OUT_OF_RANGE_CODE = 1;

function newState(tp: TopicPartition): PartitionState {
  return { tp, key: key(tp.topic, tp.partition), position: null, fetchOffset: null, buffered: null, bufferedBytes: 0, highWatermark: undefined, busy: false, version: 0, skip: null };
}

/** The messages of one partition's fetched record batches from `from` on, and the offset after the last batch. */
function decode(topic: string, p: FetchedPartition, from: bigint): { messages: Message[]; next: bigint | null } {
  const messages: Message[] = [];
  let next: bigint | null = null;
  for (const batch of p.records ?? []) {
    next = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
    if (batch.attributes & IS_CONTROL) continue;
    const exact = batch.firstOffset + BigInt(batch.lastOffsetDelta) <= MAX_SAFE;
    const first = Number(batch.firstOffset);
    const firstTimestamp = Number(batch.firstTimestamp);
    for (const r of batch.records) {
      const offset = exact ? first + r.offsetDelta : batch.firstOffset + BigInt(r.offsetDelta);
      if (offset < from) continue;
      messages.push({
        topic,
        partition: p.partitionIndex,
        offset: offset.toString(),
        key: r.key ?? null,
        value: r.value ?? null,
        timestamp: firstTimestamp + Number(r.timestampDelta),
        headers: headers(r.headers),
      });
    }
  }
  return { messages, next };
}

/** The headers of every message that has none: one object, never written, instead of one per message. */
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function headers(h: Array<[Buffer | null, Buffer | null]>): Record<string, string> {
  if (h.length === 0) return NO_HEADERS;
  const out: Record<string, string> = {};
  for (const [name, value] of h) {
    if (name && value && !(name.toString() in out)) out[name.toString()] = value.toString();
  }
  return out;
}
