import { Admin, ProduceAcks, Producer as PlatformaticProducer, type MessageToProduce, type ProducerOptions, type SASLOptions } from '@platformatic/kafka';
import { PipelineError } from '../../../errors/index.js';
import { retryBounded } from '../../../ingest/retry.js';
import { murmur2 } from '../../partitioner.js';
import type { CommitOffset, Consumer, ConsumerOptions, OutgoingMessage, Producer, TopicSpec, Transport } from '../../types.js';
import { type KafkaTransportOptions, type ResolvedKafkaTransportOptions, resolveKafkaTransportOptions } from '../options.js';
import { classifyPlatformaticError, type FailureContext, wrapPlatformatic } from './errors.js';
import { PlatformaticConsumer } from './platformatic-consumer.js';

/** The options every @platformatic/kafka client of a transport is created with. */
export interface PlatformaticBaseOptions {
  clientId: string;
  bootstrapBrokers: string[];
  connectTimeout: number;
  timeout: number;
  sasl?: SASLOptions;
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
}

/**
 * The transport on a real Kafka cluster with @platformatic/kafka (pure TypeScript, maintained).
 * Same guarantees as the kafkajs adapter (the contract suite runs on both): consumers join
 * groups with manual commits only, producers are idempotent with acks=all, keyed records land
 * where the Java client puts them. The consumer drives its own fetches (see
 * platformatic-consumer.ts), so seeks, pauses and revokes act on exact positions.
 */
export class PlatformaticTransport implements Transport {
  readonly kind = 'kafka' as const;
  readonly options: ResolvedKafkaTransportOptions;
  private admin: Admin | null = null;
  private readonly consumers = new Set<PlatformaticConsumer>();
  private readonly producers = new Set<PlatformaticTransportProducer>();
  private closed = false;

  constructor(options: KafkaTransportOptions) {
    this.options = resolveKafkaTransportOptions({ client: 'platformatic', ...options });
  }

  /** @internal */
  baseOptions(): PlatformaticBaseOptions {
    const o = this.options;
    const base: PlatformaticBaseOptions = {
      clientId: o.clientId,
      bootstrapBrokers: o.brokers,
      connectTimeout: o.connectionTimeoutMs,
      timeout: o.requestTimeoutMs,
    };
    if (o.security?.sasl) {
      const mechanism = ({ plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const)[o.security.sasl.mechanism];
      base.sasl = { mechanism, username: o.security.sasl.username, password: o.security.sasl.password };
    }
    if (o.security?.tls) {
      const { ca, cert, key, rejectUnauthorized } = o.security.tls;
      base.tls = { rejectUnauthorized, ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}) };
    }
    return base;
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    const missing = await this.setup('listing topics', async () => {
      const existing = new Set(await this.adminClient().listTopics());
      return topics.filter((t) => !existing.has(t.topic));
    });
    if (missing.length === 0) return;
    const names = missing.map((t) => t.topic);
    await this.setup(`creating topics ${names.join(', ')}`, async () => {
      // Created by another process meanwhile (or by an attempt whose answer was lost): nothing to do.
      const stillMissing = async (): Promise<TopicSpec[]> => {
        const existing = new Set(await this.adminClient().listTopics());
        return missing.filter((t) => !existing.has(t.topic));
      };
      const still = await stillMissing();
      if (still.length === 0) return;
      try {
        await this.adminClient().createTopics({ topics: still.map((t) => ({ topic: t.topic, partitions: t.partitions })) });
      } catch (e) {
        // Another process created one of them between the listing and the creation (several
        // processes starting at once): not a refusal. The others of the request may be created
        // or not; the next attempt creates what is still missing.
        if (classifyPlatformaticError(e).type !== 'TOPIC_ALREADY_EXISTS') throw e;
        const left = await stillMissing();
        if (left.length > 0) throw new PipelineError('TRANSPORT_UNAVAILABLE', `topics ${left.map((t) => t.topic).join(', ')} not created yet (another process created the others)`);
      }
    });
    // As kafkajs' waitForLeaders: a produce right after creation finds every partition led.
    await this.setup(`waiting for leaders of ${names.join(', ')}`, async () => {
      const metadata = await this.adminClient().metadata({ topics: names, forceUpdate: true });
      const leaderless = names.filter((n) => metadata.topics.get(n)?.partitions.some((p) => p.leader < 0) ?? true);
      if (leaderless.length > 0) throw new PipelineError('TRANSPORT_UNAVAILABLE', `topics ${leaderless.join(', ')} have no leader yet`);
    });
  }

  async producer(): Promise<Producer> {
    this.assertOpen();
    const options: ProducerOptions<Buffer, Buffer, Buffer, Buffer> = {
      ...this.baseOptions(),
      ...this.requestDeadline(),
      // Left unset, an idempotent producer of this client retries a send without end (it raises
      // `retries` to the maximum), so a broker gone for good would hold the caller for ever. A
      // few attempts here, as kafkajs makes; then the send fails with TRANSPORT_UNAVAILABLE and
      // the caller's retry policy (SLO_RETRY_FOR) decides, and fails loudly once it is spent.
      retries: SEND_RETRIES,
      retryDelay: (_client, _operation, attempt) => Math.min(SEND_RETRY_FIRST_MS * 2 ** (attempt - 1), SEND_RETRY_MAX_MS),
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: true,
      partitioner: javaCompatiblePartitioner(),
    };
    const producer = new PlatformaticProducer(options);
    // An idempotent producer retries without end (the client sets retries to the maximum), so
    // a refused login or an untrusted certificate would never come back: the first contact is
    // tried once per attempt here, and the transport's own policy decides what is retried.
    await this.setup('connecting a producer', () => producer.metadata({ topics: [], retries: 0 }));
    const wrapped = new PlatformaticTransportProducer(producer, () => this.producers.delete(wrapped));
    this.producers.add(wrapped);
    return wrapped;
  }

  /**
   * @internal A transactional producer (a consumer's commitWith). The transaction's timeout is
   * the request timeout: a transaction its member left open (killed mid-way) is aborted by the
   * broker after it, and readers of committed records wait for it until then.
   */
  transactionalProducer(transactionalId: string): PlatformaticProducer<Buffer, Buffer, Buffer, Buffer> {
    this.assertOpen();
    return new PlatformaticProducer({
      ...this.baseOptions(),
      ...this.requestDeadline(),
      retries: SEND_RETRIES,
      retryDelay: (_client, _operation, attempt) => Math.min(SEND_RETRY_FIRST_MS * 2 ** (attempt - 1), SEND_RETRY_MAX_MS),
      idempotent: true,
      transactionalId,
      acks: ProduceAcks.ALL,
      autocreateTopics: true,
      partitioner: javaCompatiblePartitioner(),
    });
  }

  consumer(options: ConsumerOptions): Consumer {
    this.assertOpen();
    const consumer = new PlatformaticConsumer(this, options, () => this.consumers.delete(consumer));
    this.consumers.add(consumer);
    return consumer;
  }

  async endOffsets(topic: string): Promise<Array<{ partition: number; offset: string }>> {
    const admin = this.adminClient();
    const partitions = await wrapPlatformatic(async () => (await admin.metadata({ topics: [topic] })).topics.get(topic)?.partitionsCount ?? 0, `reading partitions of ${topic}`);
    const listed = await wrapPlatformatic(
      () => admin.listOffsets({ topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) }] }),
      `reading end offsets of ${topic}`,
    );
    return listed
      .flatMap((t) => t.partitions.map((p) => ({ partition: p.partitionIndex, offset: p.offset.toString() })))
      .sort((a, b) => a.partition - b.partition);
  }

  /** @internal The earliest or latest offset of some partitions of a topic. */
  async offsetsAt(topic: string, partitions: number[], at: 'earliest' | 'latest'): Promise<Map<number, bigint>> {
    const timestamp = at === 'earliest' ? -2n : -1n;
    const listed = await wrapPlatformatic(
      () => this.adminClient().listOffsets({ topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }] }),
      `reading ${at} offsets of ${topic}`,
    );
    return new Map(listed.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p.offset] as const)));
  }

  /** `stable`: offsets a transaction is still committing are waited for (the broker answers UNSTABLE_OFFSET_COMMIT, which is retried). */
  async committedOffsets(groupId: string, topic: string, stable = false): Promise<CommitOffset[]> {
    const admin = this.adminClient();
    const groups = await wrapPlatformatic(() => admin.listConsumerGroupOffsets({ groups: [groupId], requireStable: stable }), `reading offsets of group ${groupId}`);
    return groups
      .flatMap((g) => g.topics.filter((t) => t.name === topic))
      .flatMap((t) => t.partitions.map((p) => ({ topic, partition: p.partitionIndex, offset: p.committedOffset.toString() })))
      .filter((c) => c.offset !== '-1')
      .sort((a, b) => a.partition - b.partition);
  }

  /** @internal Which of `topics` the broker does not have. */
  async missingTopics(topics: readonly string[]): Promise<string[]> {
    const existing = new Set(await wrapPlatformatic(() => this.adminClient().listTopics(), 'listing topics'));
    return topics.filter((t) => !existing.has(t));
  }

  /** @internal Runs a step nothing can go on without, retrying failures a retry can fix for `retryForMs`. */
  setup<T>(what: string, op: () => Promise<T>, isStopped: () => boolean = () => false): Promise<T> {
    return retryBounded(what, () => wrapPlatformatic(op, what, this.failureContext()), { initialMs: 200, maxMs: 5_000, giveUpAfterMs: this.options.retryForMs }, {
      isStopped: () => this.closed || isStopped(),
    });
  }

  /**
   * Each request's own deadline on its connection, for producers and admin calls: the
   * transport's `requestTimeoutMs` (`timeout` does not bound a request; the client's own default
   * is 30 s, which a send to a paused broker waited at each attempt). Not for the consumer,
   * whose JoinGroup may rightly wait for the whole rebalance: it keeps the client's default.
   */
  private requestDeadline(): { requestTimeout: number } {
    return { requestTimeout: this.options.requestTimeoutMs };
  }

  /** @internal What a refused login names: the mechanism and user (see platformaticError). */
  failureContext(): FailureContext {
    const sasl = this.baseOptions().sasl;
    return sasl ? { sasl: `SASL ${sasl.mechanism} as user ${String(sasl.username)}` } : {};
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop().catch(() => {})));
    await Promise.all([...this.producers].map((p) => p.close().catch(() => {})));
    await this.admin?.close().catch(() => {});
  }

  private adminClient(): Admin {
    this.assertOpen();
    this.admin ??= new Admin({ ...this.baseOptions(), ...this.requestDeadline() });
    return this.admin;
  }

  private assertOpen(): void {
    if (this.closed) throw new PipelineError('TRANSPORT_UNAVAILABLE', 'the Kafka transport is closed');
  }
}

/** Attempts the client makes of a send after the first, and the waits between them (300 ms doubling, at most 5 s: about 10 s in all). */
const SEND_RETRIES = 5;
const SEND_RETRY_FIRST_MS = 300;
const SEND_RETRY_MAX_MS = 5_000;

/** Messages per produce request: bounds one request's size (and a retry's). */
const SEND_SLICE = 5000;

class PlatformaticTransportProducer implements Producer {
  constructor(
    private readonly producer: PlatformaticProducer<Buffer, Buffer, Buffer, Buffer>,
    private readonly onClose: () => void,
  ) {}

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += SEND_SLICE) {
      const slice = toPlatformaticMessages(topic, messages.slice(i, i + SEND_SLICE));
      await wrapPlatformatic(() => this.producer.send({ messages: slice }), `producing to ${topic}`);
    }
  }

  async close(): Promise<void> {
    this.onClose();
    await this.producer.close();
  }
}

/** The transport's outgoing messages as @platformatic/kafka's. */
export function toPlatformaticMessages(topic: string, messages: OutgoingMessage[]): MessageToProduce<Buffer, Buffer, Buffer, Buffer>[] {
  return messages.map((m) => ({
    topic,
    key: m.key === null ? undefined : typeof m.key === 'string' ? Buffer.from(m.key) : m.key,
    value: m.value,
    ...(m.headers ? { headers: new Map(Object.entries(m.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])) } : {}),
    ...(m.partition !== undefined ? { partition: m.partition } : {}),
  }));
}

/**
 * The Java client's placement for keyed records (toPositive(murmur2(key)), which the client
 * takes modulo the partition count; ../../partitioner.ts), so memory and both Kafka adapters
 * agree by construction; records without a key go round-robin.
 */
function javaCompatiblePartitioner(): NonNullable<ProducerOptions<Buffer, Buffer, Buffer, Buffer>['partitioner']> {
  let cursor = 0;
  return (_message, key) => (key !== undefined ? murmur2(key) & 0x7fffffff : cursor++ & 0x7fffffff);
}
