import type { Logger } from 'pino';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { dlqTopic, FACT_TABLE, familyOfTopic, INPUT_TOPIC_LIST } from '../contracts/topics.js';
import { PipelineError, isPipelineError, oneLine } from '../errors/pipeline-error.js';
import { silentLogger } from '../observability/logger.js';
import type { PipelineMetrics } from '../observability/metrics.js';
import type { Consumer, Message, MessageBatch, OutgoingBatch, TopicPartition } from '../transport/types.js';
import { avroDeadLetterEncoder, deadLetterMessage, deadLetterRow, payloadReader, type PayloadReader } from './dead-letters.js';
import { defaultCodec } from '../codec/avro-codec.js';
import { BatchPreparer, type PreparedBatch } from './batch.js';
import { InFlightKeys, storedEventKeys } from './event-keys.js';
import { IntentLog, ProgressLog, readIntents } from './intent-log.js';
import { batchToken, completeAbandoned, completeFromFacts, landedWhole, monthToken, type AbandonedBatch, type RecordedBatch } from './orphans.js';
import { Limiter } from './limiter.js';
import { createNormalizer } from './normalize.js';
import { DEFAULT_MAX_BATCH, type CommittedBatch, type IngestOptions } from './options.js';
import { canRetry, retryBounded, type RetryPolicy } from './retry.js';

interface Range {
  first: bigint;
  last: bigint;
  /** A recorded range: the event keys its insert left out (event-keys.ts), as recorded. */
  excluded?: readonly string[];
  /** A recorded range: the digest of its records when recorded. */
  digest?: string;
}

interface PartitionState {
  /** Next offset to consume according to the group's commit (null: none yet). */
  committed: bigint | null;
  /** A recorded batch range that may have reached the warehouse without its commit. */
  pending: Range | null;
  /** Messages held while re-forming the pending range. */
  held: Message[];
}

/** See IngestOptions.maxBatchSize and maxConcurrentInserts. */
const DEFAULT_CONCURRENT_INSERTS = 2;
/** Messages prepared between two turns of the event loop (a few ms of CPU). */
const PREPARE_STEP = 2048;

/** A promise's failure as a value (null on success), so it may be awaited later without going unhandled meanwhile. */

const key = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;
const off = (m: Message): bigint => BigInt(m.offset);

/**
 * The ingest processor: consume -> decode -> validate -> normalize -> batch insert ->
 * commit. Exactly-once into the warehouse per topic-partition:
 *  1. record the batch's offset range (the intent) in `ingest_state`;
 *  2. insert its facts with insert_deduplication_token = topic-partition-first-last-digest,
 *     leaving out events the fact table holds already (event-keys.ts);
 *  3. commit the offset after the last record, then mark the intent done.
 * A crash after 2 and before 3 leaves an intent at or beyond the committed offset; on
 * reassignment the same range is re-formed exactly (held until complete), so the retry
 * carries the same token and the warehouse drops it (or finds every event stored and inserts
 * nothing). An unfinished intent whose records the log does not hold (a log that started
 * again, other records at its offsets) is completed from its own fact rows (orphans.ts).
 * Duplicated events (same event_id at other offsets) are left out before the insert, so the
 * counting SLI rollups count each event once.
 *
 * Throughput: the CPU part (batch.ts) runs before step 1, so the main thread prepares one
 * partition's batch while the engine inserts another's; intents of partitions that are ready
 * together share one statement (intent-log.ts). Each insert has a fixed cost in the engine
 * (new parts in the fact table and every view's table), so larger batches go faster.
 */
export class IngestPipeline {
  private readonly opts: IngestOptions;
  private readonly wh: Warehouse;
  private readonly log: Logger;
  private readonly metrics: PipelineMetrics | undefined;
  private readonly groupId: string;
  private readonly topics: readonly string[];
  private readonly retry: RetryPolicy;
  private readonly states = new Map<string, PartitionState>();
  private readonly readPayload: PayloadReader = payloadReader((b) => defaultCodec().decode(b));
  private readonly preparer: BatchPreparer;
  private readonly intents: IntentLog;
  private readonly progress: ProgressLog;
  private readonly inserts: Limiter;
  private consumer: Consumer | undefined;
  private stopped = false;
  private defaultDlqEncoder: ReturnType<typeof avroDeadLetterEncoder> | undefined;
  private failure: unknown;
  private turns: Promise<void> = Promise.resolve();
  readonly totals = { records: 0, events: 0, deadLettered: 0, batches: 0, duplicates: 0 };
  private readonly inFlight = new InFlightKeys();

  constructor(options: IngestOptions) {
    this.opts = options;
    this.wh = options.warehouse;
    this.log = options.logger ?? silentLogger();
    this.metrics = options.metrics;
    this.groupId = options.groupId ?? 'slo-pipeline';
    this.topics = options.topics ?? INPUT_TOPIC_LIST;
    this.retry = options.retry ?? { initialMs: 100, maxMs: 30_000 };
    this.preparer = new BatchPreparer(options.decoder, createNormalizer(options.hasher));
    this.intents = new IntentLog(this.wh, this.groupId);
    this.progress = new ProgressLog(this.wh, this.groupId);
    this.inserts = new Limiter(options.maxConcurrentInserts ?? DEFAULT_CONCURRENT_INSERTS);
  }

  async start(): Promise<void> {
    const partitions = this.opts.partitions ?? 6;
    await this.opts.transport.ensureTopics(
      this.topics.flatMap((t) => [
        { topic: t, partitions },
        { topic: dlqTopic(t), partitions },
      ]),
    );
    this.consumer = this.opts.transport.consumer({
      groupId: this.groupId,
      topics: [...this.topics],
      fromBeginning: true,
      maxBatchSize: this.opts.maxBatchSize ?? DEFAULT_MAX_BATCH,
    });
    await this.consumer.start({
      onBatch: (b) => this.onBatch(b),
      onAssigned: (tps) => this.onAssigned(tps),
      onRevoked: async (tps) => {
        for (const tp of tps) this.states.delete(key(tp));
      },
      onError: (e) => {
        if (this.stopped) return;
        this.failure ??= e;
        this.log.error({ err: String(e) }, 'consumer stopped on a fatal error');
      },
    });
    this.log.info({ groupId: this.groupId, topics: this.topics }, 'ingest started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.stop();
    await this.settled();
  }

  /** Resolves once every batch committed so far is marked done (`ingest_state`) and its progress recorded (`ingest_progress`). */
  async settled(): Promise<void> {
    await Promise.all([this.intents.idle(), this.progress.idle()]);
  }

  /** The partitions this member consumes now (empty before the first assignment). */
  get assignment(): TopicPartition[] {
    return this.consumer?.assignment() ?? [];
  }

  /** The first fatal error, if the pipeline hit one (it stops consuming then). */
  get error(): unknown {
    return this.failure;
  }

  /** True when every assigned partition has committed up to the transport's end offset (false while the transport cannot be asked). */
  async caughtUp(): Promise<boolean> {
    for (const topic of this.topics) {
      const ends = await this.opts.transport.endOffsets(topic).catch((e: unknown) => {
        if (canRetry(e)) return null;
        throw e;
      });
      if (!ends) return false;
      for (const { partition, offset } of ends) {
        const st = this.states.get(key({ topic, partition }));
        const end = BigInt(offset);
        if (end === 0n) continue;
        if (!st || st.committed === null || st.committed < end) return false;
      }
    }
    return true;
  }

  private async onAssigned(tps: TopicPartition[]): Promise<void> {
    if (tps.length === 0 || !this.consumer) return;
    const committed = await this.consumer.committed(tps);
    const intents = await readIntents(this.wh, 'consumer_group = {g:String} AND topic IN {topics:Array(String)}', {
      g: this.groupId,
      topics: [...new Set(tps.map((t) => t.topic))],
    });
    const ends = new Map<string, bigint>();
    for (const topic of new Set(tps.map((t) => t.topic))) {
      for (const e of await this.opts.transport.endOffsets(topic)) ends.set(key({ topic, partition: e.partition }), BigInt(e.offset));
    }
    const orphans: Array<{ tp: TopicPartition; range: Range }> = [];
    for (const tp of tps) {
      const c = committed.find((x) => x.topic === tp.topic && x.partition === tp.partition)?.offset ?? null;
      const intent = intents.find((i) => i.topic === tp.topic && i.partition === tp.partition);
      const end = ends.get(key(tp)) ?? 0n;
      let cb = c === null ? null : BigInt(c);
      // Offsets never move back on one log. A commit or an intent beyond the partition's end
      // belongs to an earlier log under the same name (a re-created topic, another cluster, a
      // restarted in-process transport): honouring it would skip or wait for records that
      // will never come, so this log is read from its beginning instead.
      if (cb !== null && cb > end) {
        this.log.warn({ ...tp, committed: String(cb), end: String(end) }, 'committed offset beyond the partition end: reading this log from its beginning');
        cb = null;
      }
      let pending: Range | null = null;
      if (intent) {
        this.intents.observe(intent.version);
        const r = { first: intent.first, last: intent.last, excluded: intent.excluded, digest: intent.digest };
        // Unfinished: not marked done, and its last record not covered by the commit. Its
        // records are re-formed from this log when it holds them; otherwise the batch is
        // completed from its fact rows before this partition goes on.
        if (!intent.done && (cb === null || r.last >= cb)) {
          if (r.last < end) pending = r;
          else orphans.push({ tp, range: r });
        }
      }
      this.states.set(key(tp), { committed: cb, pending, held: [] });
      if (pending) this.log.info({ ...tp, first: String(pending.first), last: String(pending.last) }, 're-forming unfinished batch');
    }
    for (const o of orphans) await this.completeOrphan(o.tp, o.range);
  }

  /**
   * Completes the unfinished batches other groups of `groupPrefix` left, those `isAbandoned`
   * names (orphans.ts, completeAbandoned): before `start`, by a job that reads through a group of
   * its own each run.
   */
  completeAbandoned(groupPrefix: string, isAbandoned: (group: string) => boolean): Promise<AbandonedBatch[]> {
    return this.retrying('complete batches of crashed runs', () =>
      completeAbandoned(this.wh, { groupPrefix, isAbandoned, columnsOf: (f) => this.preparer.columns(f) }),
    );
  }

  /**
   * A recorded batch whose records this log does not hold (orphans.ts): completed from its fact
   * rows, then marked done, so a later start does not complete it again.
   */
  private async completeOrphan(tp: TopicPartition, range: Range): Promise<void> {
    const family = familyOfTopic(tp.topic);
    const batch: RecordedBatch = { ...tp, first: range.first, last: range.last, digest: range.digest ?? '', excluded: range.excluded ?? [] };
    if (family) {
      const table = FACT_TABLE[family];
      const rows = await this.retrying(`complete an unfinished batch of ${table}`, () => completeFromFacts(this.wh, table, this.preparer.columns(family), batch));
      this.log.info({ ...tp, first: String(range.first), last: String(range.last), rows }, 'unfinished batch of an earlier log completed from its fact rows');
    }
    await this.retrying('mark a batch done', () => this.intents.done(batch, { now: true }));
  }

  /**
   * A warehouse outage holds the partition here, retrying with backoff for a bounded time: lag
   * grows, memory stays bounded by one batch per partition, nothing is skipped. A failure no
   * retry can fix stops the pipeline at once with its own code.
   */
  private retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retryBounded(what, fn, this.retry, {
      logger: this.log,
      isStopped: () => this.stopped,
      onRetry: (code) => this.metrics?.insertRetries.inc({ code }),
    });
  }

  /**
   * Batches are prepared one at a time, in steps of PREPARE_STEP messages with a turn of the
   * event loop between two steps. A statement in flight completes on the main thread, so a
   * batch prepared in one piece (a 50k-record batch is a few hundred ms of CPU) would hold the
   * completions of the others' inserts and intents, leaving the warehouse idle meanwhile;
   * between steps they start their successors (an intent's insert, an insert's commit).
   */
  private prepare(tp: TopicPartition, msgs: readonly Message[], exclude?: ReadonlySet<string>): Promise<PreparedBatch> {
    const run = this.turns.then(async () => {
      const job = this.preparer.begin(tp, msgs, exclude);
      do await new Promise<void>((resolve) => setImmediate(resolve));
      while (!job.step(PREPARE_STEP));
      return job.finish();
    });
    this.turns = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private state(tp: TopicPartition): PartitionState {
    let st = this.states.get(key(tp));
    if (!st) {
      st = { committed: null, pending: null, held: [] };
      this.states.set(key(tp), st);
    }
    return st;
  }

  private async onBatch(batch: MessageBatch): Promise<void> {
    const st = this.state(batch);
    try {
      await this.handleBatch(batch);
    } catch (e) {
      if (this.stopped) throw e;
      if (isPipelineError(e) && e.code === 'COMMIT_REJECTED') {
        // The partition moved to another member during the batch; the new owner resumes
        // from the group's commit and re-forms our recorded range, so nothing is lost.
        this.states.delete(key(batch));
        this.log.info({ topic: batch.topic, partition: batch.partition }, 'partition moved during its batch');
        return;
      }
      st.held = [];
      this.failure ??= e;
      this.log.error({ err: oneLine(e), topic: batch.topic, partition: batch.partition }, 'ingest batch failed');
      throw e;
    }
  }

  private async handleBatch(batch: MessageBatch): Promise<void> {
    const receivedAt = performance.now();
    const st = this.state(batch);
    let msgs = batch.messages;
    if (batch.highWatermark !== undefined) {
      // The log ends below what this member already committed or recorded: the topic was
      // deleted and re-created under it (onAssigned explains the rule).
      const hw = BigInt(batch.highWatermark);
      if ((st.committed !== null && hw < st.committed) || (st.pending && hw <= st.pending.last)) {
        this.log.warn({ topic: batch.topic, partition: batch.partition, end: String(hw) }, 'partition log restarted below its committed offset: reading it from its beginning');
        const orphan = st.pending;
        st.committed = null;
        st.pending = null;
        st.held = [];
        if (orphan) await this.completeOrphan(batch, orphan);
      }
    }
    if (st.committed !== null && msgs.length > 0 && off(msgs[0] as Message) < st.committed) {
      const c = st.committed;
      msgs = msgs.filter((m) => off(m) >= c);
    }
    if (st.pending && msgs.length > 0 && off(msgs[0] as Message) < st.pending.first) {
      // Uncommitted records before the recorded range exist only when the range came from an
      // earlier log under the same name (on one log an unfinished range starts at the commit):
      // its records are not these, so it is completed from its fact rows and this log's
      // records are batches of their own, never skipped.
      const orphan = st.pending;
      st.pending = null;
      st.held = [];
      await this.completeOrphan(batch, orphan);
    }
    if (st.pending) {
      const p = st.pending;
      st.held.push(...msgs);
      const top = st.held.length > 0 ? off(st.held[st.held.length - 1] as Message) : -1n;
      if (top < p.last) return; // keep holding until the whole recorded range is here
      const unit = st.held.filter((m) => off(m) <= p.last);
      msgs = st.held.filter((m) => off(m) > p.last);
      st.held = [];
      await this.writeBatch(batch, unit, p, receivedAt);
      st.pending = null;
    }
    if (msgs.length > 0) {
      const range = { first: off(msgs[0] as Message), last: off(msgs[msgs.length - 1] as Message) };
      await this.writeBatch(batch, msgs, range, receivedAt);
    }
  }

  /** Writes one batch: `range` is its offsets, with what was recorded when it is a recorded batch re-formed. */
  private async writeBatch(tp: TopicPartition, msgs: Message[], range: Range, receivedAt: number): Promise<void> {
    const { topic, partition } = tp;
    let b = await this.prepare(tp, msgs);
    // Each event once in the tables feeding counting rollups (event-keys.ts): keys another
    // batch of this process is inserting, then keys the table holds, are left out. Claimed
    // keys are held until the insert has landed, so the next lookup sees them stored. A range
    // re-formed after a crash leaves out exactly what its first attempt left out (recorded with
    // its intent), so it is the same block under the same token: the fact table drops it if its
    // part landed, and a view's table whose part was lost in the crash takes it again.
    const withinBatch = b.duplicates;
    // Replayed as recorded only over the same records (a range of an earlier log under the
    // same name is other records: looked up afresh).
    const replay = range.excluded !== undefined && range.digest === b.digest;
    if (range.excluded !== undefined && !replay) {
      // Other records at the recorded offsets: the recorded batch is completed from its fact
      // rows, and these records are a batch of their own, with an intent of their own.
      await this.completeOrphan(tp, range);
    }
    let excluded: ReadonlySet<string> = new Set(replay ? (range.excluded ?? []) : []);
    let claimed: readonly string[] = [];
    let recorded: RecordedBatch | undefined;
    const counted = b.keys !== null && b.table !== undefined;
    try {
      if (b.keys && b.table && !replay) {
        const table = b.table;
        const keys = b.keys;
        const busy = this.inFlight.claim(keys.keys);
        claimed = busy.size === 0 ? keys.keys : keys.keys.filter((k) => !busy.has(k));
        const stored = await this.retrying(`look up stored events of ${table}`, () => storedEventKeys(this.wh, table, keys));
        excluded = new Set([...busy, ...stored]);
      } else if (b.keys && excluded.size < b.keys.keys.length) {
        const keys = b.keys.keys.filter((k) => !excluded.has(k));
        this.inFlight.claim(keys);
        claimed = keys;
      }
      if (excluded.size > 0) {
        b = b.without(excluded);
      }
      // What the intent records (and the done mark repeats): the keys the insert leaves out, sorted.
      recorded = { topic, partition, first: range.first, last: range.last, excluded: counted ? [...excluded].sort() : [], digest: b.digest };
      if (!replay) {
        // Recorded before the insert, with what the insert leaves out: until committed, a retry
        // must re-form exactly this range and block. Intents of batches ready together share
        // one statement.
        const intent = recorded;
        await this.retrying('record batch intent', () => this.intents.record(intent));
        this.state(tp).pending = { first: range.first, last: range.last, excluded: intent.excluded, digest: intent.digest };
      }
    } catch (e) {
      this.inFlight.release(claimed);
      throw e;
    }
    // Offsets and content together: a replay of these bytes is dropped by the warehouse,
    // other events at the same offsets (another file, a re-created topic) never are; the tag
    // names the events left out, which makes the block another one.
    const token = batchToken({ topic, partition, first: range.first, last: range.last, digest: b.digest }, excluded);
    try {
      if (b.events > 0 && b.table) {
        const table = b.table;
        const columns = b.columns;
        const end = this.metrics?.insertSeconds.startTimer();
        // One insert per month of event time (byMonth: almost always one), each under a token of
        // its own, so none writes parts of two partitions: a crash between two parts of one
        // insert would leave rows no later insert could complete without counting them twice.
        // A re-formed batch that an earlier build inserted in one block (its rows carry the
        // batch's token) goes in one block again, so its landed parts are dropped as replays.
        let months = b.byMonth();
        if (months.length > 1 && replay && (await this.retrying(`look up ${table}`, () => landedWhole(this.wh, table, { topic, partition, first: range.first, last: range.last, digest: b.digest }, token)))) {
          months = [{ month: 0, block: b.block, events: b.events }];
        }
        for (const m of months) {
          const dedupToken = monthToken(token, months.length > 1 ? m.month : null);
          await this.retrying(`insert ${table}`, () => this.inserts.run(() => this.wh.insertNative(table, columns, m.block, { dedupToken, optimizeOnInsert: false })));
        }
        end?.();
        this.metrics?.factsOut.inc({ table }, b.events);
      }
    } finally {
      this.inFlight.release(claimed);
    }
    const duplicates = withinBatch + excluded.size;
    if (duplicates > 0 && b.table) this.metrics?.duplicatesDropped.inc({ table: b.table }, duplicates);
    b.release(); // inserted (or empty): the block's buffers serve the next batches
    const dead = b.dead;
    const dlq: OutgoingBatch[] = [];
    if (dead.length > 0) {
      await this.retrying('insert dead letters', () => this.wh.insert('dead_letters', dead.map((d) => deadLetterRow(d, this.opts.hasher, this.readPayload)), { dedupToken: `${token}-dlq` }));
      const enc = this.opts.deadLetterEncoder ?? (this.defaultDlqEncoder ??= avroDeadLetterEncoder(defaultCodec(), Date.now, { hasher: this.opts.hasher }));
      dlq.push({ topic: dlqTopic(topic), messages: dead.map((d) => deadLetterMessage(d, enc).message) });
    }

    const next = range.last + 1n;
    const consumer = this.consumer;
    if (!consumer) throw new PipelineError('TRANSPORT_UNAVAILABLE', 'consumer not started');
    // A commit the broker could not take (a stall, a coordinator moving) is retried while the
    // partition stays this member's; once it moved, the commit is COMMIT_REJECTED, never
    // retried, and the new owner re-forms this range. The batch's dead letters go to their
    // topic in the same step (a Kafka transaction): produced once, and only with the offsets
    // that move past them, whatever is retried or replayed.
    const offsets = [{ topic, partition, offset: String(next) }];
    await this.retrying('commit offsets', () => (dlq.length > 0 ? consumer.commitWith(offsets, dlq) : consumer.commit(offsets)));
    for (const d of dead) this.metrics?.deadLetters.inc({ topic, reason: d.reason_code });
    const st = this.state(tp);
    st.committed = next;
    if (st.pending && st.pending.first === range.first && st.pending.last === range.last) st.pending = null;
    // Not awaited: a mark lost in a crash leaves an intent that looks unfinished, whose
    // completion then finds everything in place (orphans.ts).
    if (recorded) {
      this.intents
        .done(recorded)
        .catch((e: unknown) => this.log.warn({ topic, partition, err: e instanceof Error ? e.message : String(e) }, 'batch not marked done'));
    }

    this.totals.records += msgs.length;
    this.totals.events += b.events;
    this.totals.deadLettered += dead.length;
    this.totals.duplicates += duplicates;
    this.totals.batches += 1;
    this.metrics?.eventsIn.inc({ topic }, msgs.length);
    const maxT = b.maxOccurredAt;
    if (maxT !== null) {
      this.metrics?.watermark.set({ topic }, maxT);
      this.metrics?.freshnessLag.set({ topic }, Math.max(0, (Date.now() - maxT) / 1000));
    }
    const info: CommittedBatch = {
      topic,
      partition,
      firstOffset: String(range.first),
      lastOffset: String(range.last),
      events: b.events,
      deadLettered: dead.length,
      minOccurredAt: b.minInsertedAt,
      maxOccurredAt: maxT,
      latencyMs: performance.now() - receivedAt,
    };
    this.log.debug({ topic, partition, first: info.firstOffset, last: info.lastOffset, events: b.events, deadLettered: dead.length }, 'batch committed');
    // Not awaited: the partition goes on; a lost row only holds an evaluator elsewhere back.
    this.progress
      .record({ topic, partition, first: range.first, last: range.last, minEventTime: b.minInsertedAt, maxEventTime: maxT })
      .catch((e: unknown) => this.log.warn({ topic, partition, err: e instanceof Error ? e.message : String(e) }, 'ingest progress not recorded'));
    await this.opts.onCommitted?.(info);
  }
}
