import kafkajs from 'kafkajs';
import type { Admin, Kafka as KafkaClient, KafkaConfig, LogEntry, Producer as KafkaProducer } from 'kafkajs';
import { PipelineError } from '../../errors/index.js';
import { retryBounded } from '../../ingest/retry.js';
import { partitionForKey } from '../partitioner.js';
import type { CommitOffset, Consumer, ConsumerOptions, OutgoingMessage, Producer, TopicSpec, Transport } from '../types.js';
import { classifyKafkaError, failureError } from './errors.js';
import { KafkaConsumer } from './kafka-consumer.js';
import { applyKafkajsTimeoutFix } from './kafkajs-timeout-fix.js';
import { type KafkaTransportOptions, type ResolvedKafkaTransportOptions, resolveKafkaTransportOptions } from './options.js';

const { Kafka, logLevel: LogLevel } = kafkajs;
applyKafkajsTimeoutFix();

/**
 * The transport on a real Kafka cluster (kafkajs). Consumers join groups with manual
 * commits only; producers are idempotent (acks=all, sequence numbers), so a retried send
 * never writes a record twice; keyed records land where the Java client puts them.
 */
export class KafkaTransport implements Transport {
  readonly kind = 'kafka' as const;
  readonly options: ResolvedKafkaTransportOptions;
  /** @internal */
  readonly client: KafkaClient;
  private admin: Promise<Admin> | null = null;
  private readonly consumers = new Set<KafkaConsumer>();
  private readonly producers = new Set<KafkaTransportProducer>();
  private closed = false;

  constructor(options: KafkaTransportOptions) {
    this.options = resolveKafkaTransportOptions({ client: 'kafkajs', ...options });
    this.client = new Kafka({
      clientId: this.options.clientId,
      brokers: this.options.brokers,
      connectionTimeout: this.options.connectionTimeoutMs,
      requestTimeout: this.options.requestTimeoutMs,
      logLevel: LOG_LEVELS[this.options.logLevel],
      logCreator: jsonLines,
      ...clientSecurity(this.options.security),
    });
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    const missing = await this.setup('listing topics', async () => {
      const existing = new Set(await (await this.adminClient()).listTopics());
      return topics.filter((t) => !existing.has(t.topic));
    });
    if (missing.length === 0) return;
    // Another process may create the same topics at the same moment; createTopics answers
    // false (not an error) for those, so a race (or a retry of a creation that went through) is harmless.
    await this.setup(`creating topics ${missing.map((t) => t.topic).join(', ')}`, async () =>
      (await this.adminClient()).createTopics({ waitForLeaders: true, topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions })) }),
    );
  }

  async producer(): Promise<Producer> {
    this.assertOpen();
    const producer = this.client.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      createPartitioner: javaCompatiblePartitioner,
    });
    await this.setup('connecting a producer', () => producer.connect());
    const wrapped = new KafkaTransportProducer(producer, () => this.producers.delete(wrapped));
    this.producers.add(wrapped);
    return wrapped;
  }

  consumer(options: ConsumerOptions): Consumer {
    this.assertOpen();
    const consumer = new KafkaConsumer(this, options, () => this.consumers.delete(consumer));
    this.consumers.add(consumer);
    return consumer;
  }

  async endOffsets(topic: string): Promise<Array<{ partition: number; offset: string }>> {
    const admin = await this.adminClient();
    const offsets = await wrap(() => admin.fetchTopicOffsets(topic), `reading end offsets of ${topic}`);
    return offsets.map((o) => ({ partition: o.partition, offset: o.high })).sort((a, b) => a.partition - b.partition);
  }

  async committedOffsets(groupId: string, topic: string): Promise<CommitOffset[]> {
    const admin = await this.adminClient();
    const res = await wrap(() => admin.fetchOffsets({ groupId, topics: [topic] }), `reading offsets of group ${groupId}`);
    return res
      .flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })))
      .filter((c) => c.offset !== '-1')
      .sort((a, b) => a.partition - b.partition);
  }

  /** @internal Which of `topics` the broker does not have (an answer, not a guess: fails when it cannot be asked). */
  async missingTopics(topics: readonly string[]): Promise<string[]> {
    const admin = await this.adminClient();
    const existing = new Set(await wrap(() => admin.listTopics(), 'listing topics'));
    return topics.filter((t) => !existing.has(t));
  }

  /**
   * @internal Runs a step nothing can go on without, retrying failures a retry can fix
   * (the broker paused, restarting, a coordinator moving) for `retryForMs`.
   */
  setup<T>(what: string, op: () => Promise<T>, isStopped: () => boolean = () => false): Promise<T> {
    return retryBounded(what, () => wrap(op, what), { initialMs: 200, maxMs: 5_000, giveUpAfterMs: this.options.retryForMs }, {
      isStopped: () => this.closed || isStopped(),
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop().catch(() => {})));
    await Promise.all([...this.producers].map((p) => p.close().catch(() => {})));
    if (this.admin) await (await this.admin.catch(() => null))?.disconnect();
  }

  /** @internal */
  async adminClient(): Promise<Admin> {
    this.assertOpen();
    this.admin ??= (async () => {
      const admin = this.client.admin();
      await wrap(() => admin.connect(), 'connecting to Kafka');
      return admin;
    })();
    this.admin.catch(() => (this.admin = null));
    return this.admin;
  }

  private assertOpen(): void {
    if (this.closed) throw new PipelineError('TRANSPORT_UNAVAILABLE', 'the Kafka transport is closed');
  }
}

const SEND_SLICE = 2000;

/** The transport's outgoing message as kafkajs's. */
export function toKafkajsMessage(m: OutgoingMessage): { key: string | Buffer | null; value: Buffer; headers?: Record<string, string>; partition?: number } {
  return {
    key: m.key,
    value: m.value,
    ...(m.headers ? { headers: m.headers } : {}),
    ...(m.partition !== undefined ? { partition: m.partition } : {}),
  };
}

class KafkaTransportProducer implements Producer {
  constructor(
    private readonly producer: KafkaProducer,
    private readonly onClose: () => void,
  ) {}

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    // kafkajs groups a send's messages per partition by copying arrays, quadratic in the
    // messages per call; slices keep large sends linear.
    for (let i = 0; i < messages.length; i += SEND_SLICE) await this.sendSlice(topic, messages.slice(i, i + SEND_SLICE));
  }

  private async sendSlice(topic: string, messages: OutgoingMessage[]): Promise<void> {
    await wrap(
      () =>
        this.producer.send({
          topic,
          acks: -1,
          messages: messages.map(toKafkajsMessage),
        }),
      `producing to ${topic}`,
    );
  }

  async close(): Promise<void> {
    this.onClose();
    await this.producer.disconnect();
  }
}

/**
 * The Java client's placement for keyed records (murmur2, see ../partitioner.ts), computed
 * here rather than trusting the client library's default, so memory and Kafka transports
 * agree by construction. Records without a key go round-robin.
 */
export function javaCompatiblePartitioner(): (args: {
  topic: string;
  partitionMetadata: Array<{ partitionId: number }>;
  message: { key?: Buffer | string | null; partition?: number };
}) => number {
  let cursor = 0;
  return ({ partitionMetadata, message }) => {
    if (message.partition != null) return message.partition;
    const n = partitionMetadata.length;
    if (message.key != null) return partitionForKey(message.key, n);
    return partitionMetadata[cursor++ % n]!.partitionId;
  };
}

/** The kafkajs settings of a security profile. */
function clientSecurity(security: ResolvedKafkaTransportOptions['security']): Pick<KafkaConfig, 'sasl' | 'ssl'> {
  const out: Pick<KafkaConfig, 'sasl' | 'ssl'> = {};
  if (security?.sasl) {
    // kafkajs types SASL options per mechanism; the resolved options hold one of its three.
    out.sasl = { ...security.sasl } as NonNullable<KafkaConfig['sasl']>;
  }
  if (security?.tls) {
    const { ca, cert, key, rejectUnauthorized } = security.tls;
    out.ssl = { rejectUnauthorized, ...(ca !== undefined ? { ca: [ca] } : {}), ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}) };
  }
  return out;
}

/** Runs a client call, turning its failure into the error the pipeline acts on (see kafkaError). */
export async function wrap<T>(op: () => Promise<T>, what: string): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw kafkaError(e, what);
  }
}

/**
 * A client failure as the pipeline sees it, naming the operation: what a retry, a reconnect
 * or a rejoin heals (a stall, a restart, a coordinator or leader moving, a stale member) is
 * TRANSPORT_UNAVAILABLE, which callers retry; a refusal for good (authorization, a request
 * the broker will never accept) is INVALID_CONFIG, refused credentials or an untrusted broker
 * certificate KAFKA_AUTH_FAILED, and anything that is not a Kafka failure
 * stays what it is. Neither of those is retried: the job stops with a one-line reason.
 */
export function kafkaError(e: unknown, what: string): Error {
  if (e instanceof PipelineError) return e;
  return failureError(e, classifyKafkaError(e), what);
}

const LOG_LEVELS = {
  nothing: LogLevel.NOTHING,
  error: LogLevel.ERROR,
  warn: LogLevel.WARN,
  info: LogLevel.INFO,
  debug: LogLevel.DEBUG,
} as const;

const LEVEL_NAMES: Record<number, string> = { 1: 'error', 2: 'warn', 4: 'info', 5: 'debug' };

/**
 * kafkajs logs every error response at error level, including the ones it retries by itself
 * (a coordinator still loading, a leader that moved, a send retried, a request that timed out
 * while the broker stalled); those are debug here, so an operator's error log holds only what
 * needs attention. A send that finally fails reaches the caller as TRANSPORT_UNAVAILABLE. A
 * member rejoining, or its client restarting after a crash, is a warning: the consumer goes on
 * by itself, and stops with its own error when it cannot.
 */
function jsonLines(level: number): (entry: LogEntry) => void {
  const repeats = new RepeatFilter(REPEAT_WINDOW_MS);
  return ({ namespace, level: entryLevel, log }) => {
    const { message, timestamp: _timestamp, ...extra } = log;
    const retried =
      (namespace === 'Connection' && message.startsWith('Response ')) ||
      (namespace === 'Producer' && message.startsWith('Failed to send messages')) ||
      (message.startsWith('Request ') && message.endsWith(' timed out'));
    const recovering =
      (namespace === 'Runner' && message.includes('re-joining the group')) ||
      (namespace === 'Consumer' && (message.startsWith('Crash: ') || message.startsWith('Restarting the consumer')));
    const effective = retried ? LogLevel.DEBUG : recovering ? Math.max(entryLevel, LogLevel.WARN) : entryLevel;
    if (effective > level) return;
    // While the broker is away every connection attempt logs the same lines: one per window.
    const repeated = repeats.admit(`${effective}\u0000${namespace}\u0000${message}\u0000${String(extra['error'] ?? '')}`);
    if (repeated === null) return;
    const line = { level: LEVEL_NAMES[effective] ?? 'info', component: `kafkajs.${namespace}`, message, ...extra, ...(repeated > 0 ? { repeatedSinceLast: repeated } : {}) };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  };
}

/** Identical client log lines are written once per this window, with how many were left out. */
const REPEAT_WINDOW_MS = 30_000;

/**
 * Lets a line through the first time and then once per window, answering how many identical
 * lines were held back since it last let one through (null: hold this one back).
 */
export class RepeatFilter {
  private readonly last = new Map<string, { at: number; held: number }>();
  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  admit(key: string): number | null {
    const t = this.now();
    const seen = this.last.get(key);
    if (seen && t - seen.at < this.windowMs) {
      seen.held++;
      return null;
    }
    if (this.last.size > 1000) this.last.clear();
    this.last.set(key, { at: t, held: 0 });
    return seen?.held ?? 0;
  }
}
