import { PipelineError } from '../../errors/index.js';
import { partitionForKey } from '../partitioner.js';
import type {
  CommitOffset,
  Consumer,
  ConsumerOptions,
  Message,
  OutgoingMessage,
  Producer,
  TopicSpec,
  Transport,
} from '../types.js';
import { MemoryConsumer } from './memory-consumer.js';
import { MemoryGroup } from './memory-group.js';
import { type MemoryTransportOptions, type ResolvedMemoryTransportOptions, resolveMemoryTransportOptions } from './options.js';

/**
 * One topic: an append-only log per partition. `partitions[p]` holds the retained messages,
 * oldest first; `partitions[p][i]` has offset `logStart[p] + i` (the log start offset is 0
 * until `releaseCommitted` releases messages).
 */
export interface MemoryTopic {
  readonly name: string;
  readonly partitions: Message[][];
  readonly logStart: number[];
}

/** Offset of the next message a partition of `topic` will get. */
export function endOffset(topic: MemoryTopic, partition: number): number {
  return (topic.logStart[partition] ?? 0) + (topic.partitions[partition]?.length ?? 0);
}

/**
 * An in-process message bus that behaves like Kafka where the processors can tell: keyed
 * records land on the partition Kafka would pick, offsets are per partition, consumer groups
 * split partitions between members and rebalance (eagerly: every member's partitions are
 * revoked, after its in-flight batches settle, before anything is reassigned), and a group
 * resumes from its committed offsets. Messages are kept for the transport's lifetime, unless
 * `releaseCommitted` lets them go once every group reading them has committed past them.
 */
export class MemoryTransport implements Transport {
  readonly kind = 'memory' as const;
  readonly options: ResolvedMemoryTransportOptions;
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly consumers = new Set<MemoryConsumer>();
  private readonly producers = new Set<MemoryProducer>();
  private closed = false;
  private retained = 0;
  private retainedMax = 0;

  constructor(options?: MemoryTransportOptions) {
    this.options = resolveMemoryTransportOptions(options);
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    this.assertOpen();
    for (const spec of topics) {
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
        throw new PipelineError('INVALID_CONFIG', `topic ${spec.topic}: partitions must be a positive integer`, {
          field: 'partitions',
          value: spec.partitions,
        });
      }
      if (!this.topics.has(spec.topic)) this.createTopic(spec.topic, spec.partitions);
    }
  }

  async producer(): Promise<Producer> {
    this.assertOpen();
    const producer = new MemoryProducer(this);
    this.producers.add(producer);
    return producer;
  }

  consumer(options: ConsumerOptions): Consumer {
    this.assertOpen();
    const consumer = new MemoryConsumer(this, this.group(options.groupId), options);
    this.consumers.add(consumer);
    return consumer;
  }

  async endOffsets(topic: string): Promise<Array<{ partition: number; offset: string }>> {
    const t = this.topics.get(topic);
    if (!t) throw unknownTopic(topic);
    return t.partitions.map((_log, partition) => ({ partition, offset: String(endOffset(t, partition)) }));
  }

  async committedOffsets(groupId: string, topic: string): Promise<CommitOffset[]> {
    return this.groups.get(groupId)?.committedOn(topic) ?? [];
  }

  /** Messages held now, over all topics. */
  get retainedMessages(): number {
    return this.retained;
  }

  /** The most messages held at any one time since the transport was created. */
  get retainedHighWater(): number {
    return this.retainedMax;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    for (const p of this.producers) await p.close();
    this.closed = true;
  }

  /** @internal */
  topic(name: string): MemoryTopic | undefined {
    return this.topics.get(name);
  }

  /**
   * @internal Appends to a partition log; offsets are assigned here, densely from 0. With
   * `keep` set (a topic no group reads, under releaseCommitted) the partition keeps at most
   * that many messages.
   */
  /**
   * @internal Appends `messages` to their partitions at once (by key, murmur2 like Kafka, or
   * round-robin over `cursor` without one): no partition of a bad request gets any of them.
   */
  produceNow(topicName: string, messages: OutgoingMessage[], cursor: Map<string, number>): void {
    const topic = this.topicForProduce(topicName);
    const n = topic.partitions.length;
    const keep = this.keepOnProduce(topicName);
    const placed = messages.map((m) => {
      let partition = m.partition;
      if (partition === undefined) {
        if (m.key !== null) partition = partitionForKey(m.key, n);
        else {
          partition = (cursor.get(topicName) ?? 0) % n;
          cursor.set(topicName, partition + 1);
        }
      }
      if (!Number.isInteger(partition) || partition < 0 || partition >= n) {
        throw new PipelineError('TRANSPORT_UNAVAILABLE', `topic ${topicName} has no partition ${partition}`);
      }
      return partition;
    });
    messages.forEach((m, i) => this.append(topicName, m, placed[i]!, keep));
    if (messages.length > 0) this.notify(topicName);
  }

  append(topicName: string, outgoing: OutgoingMessage, partition: number, keep = Infinity): void {
    const topic = this.topics.get(topicName);
    if (!topic) throw unknownTopic(topicName);
    const log = topic.partitions[partition];
    if (!log) throw new PipelineError('TRANSPORT_UNAVAILABLE', `topic ${topicName} has no partition ${partition}`);
    const key = outgoing.key === null ? null : Buffer.isBuffer(outgoing.key) ? outgoing.key : Buffer.from(outgoing.key, 'utf8');
    log.push({
      topic: topicName,
      partition,
      offset: String(endOffset(topic, partition)),
      key,
      value: outgoing.value,
      timestamp: Date.now(),
      headers: { ...outgoing.headers },
    });
    this.retained++;
    if (log.length > keep) this.releaseBelow(topic, partition, endOffset(topic, partition) - keep);
    if (this.retained > this.retainedMax) this.retainedMax = this.retained;
  }

  /**
   * @internal How many messages per partition a produce to `topic` may leave behind: all of
   * them, unless messages are released and no consumer group reads the topic.
   */
  keepOnProduce(topic: string): number {
    if (!this.options.releaseCommitted) return Infinity;
    for (const g of this.groups.values()) if (g.reads(topic)) return Infinity;
    return this.options.unreadRetention;
  }

  /**
   * @internal A group committed on a partition: with releaseCommitted, drop what every group
   * reading the topic has committed past. A reading group without a commit there would start
   * from the beginning, so it holds everything.
   */
  committed(topicName: string, partition: number): void {
    if (!this.options.releaseCommitted) return;
    const topic = this.topics.get(topicName);
    if (!topic) return;
    let upTo = Infinity;
    for (const g of this.groups.values()) {
      if (!g.reads(topicName)) continue;
      const c = g.committedOffset({ topic: topicName, partition });
      if (c === null) return;
      upTo = Math.min(upTo, Number(c));
    }
    if (upTo !== Infinity) this.releaseBelow(topic, partition, upTo);
  }

  /** Moves a partition's log start offset up to `offset` (never past its end). */
  private releaseBelow(topic: MemoryTopic, partition: number, offset: number): void {
    const log = topic.partitions[partition];
    const start = topic.logStart[partition];
    if (!log || start === undefined) return;
    const n = Math.min(log.length, offset - start);
    if (n <= 0) return;
    log.splice(0, n);
    topic.logStart[partition] = start + n;
    this.retained -= n;
  }

  /** @internal Resolves a topic for producing, creating it when auto-creation is on. */
  topicForProduce(name: string): MemoryTopic {
    this.assertOpen();
    const existing = this.topics.get(name);
    if (existing) return existing;
    if (!this.options.autoCreateTopics) throw unknownTopic(name);
    return this.createTopic(name, this.options.defaultPartitions);
  }

  /** @internal Wakes the consumers of a topic after an append. */
  notify(topic: string): void {
    for (const c of this.consumers) c.notify(topic);
  }

  /** @internal */
  forget(consumer: MemoryConsumer): void {
    this.consumers.delete(consumer);
  }

  private createTopic(name: string, partitions: number): MemoryTopic {
    const topic: MemoryTopic = {
      name,
      partitions: Array.from({ length: partitions }, () => []),
      logStart: Array.from({ length: partitions }, () => 0),
    };
    this.topics.set(name, topic);
    // A running member subscribed to a topic that did not exist yet gets its partitions now,
    // as a Kafka consumer does on its next metadata refresh.
    for (const g of this.groups.values()) if (g.subscribes(name)) void g.rebalance().catch(() => {});
    return topic;
  }

  private group(groupId: string): MemoryGroup {
    let g = this.groups.get(groupId);
    if (!g) {
      g = new MemoryGroup(this, groupId);
      this.groups.set(groupId, g);
    }
    return g;
  }

  private assertOpen(): void {
    if (this.closed) throw new PipelineError('TRANSPORT_UNAVAILABLE', 'the memory transport is closed');
  }
}

class MemoryProducer implements Producer {
  private closed = false;
  /** Round-robin cursor per topic for records without a key. */
  private readonly cursor = new Map<string, number>();

  constructor(private readonly transport: MemoryTransport) {}

  async send(topicName: string, messages: OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new PipelineError('TRANSPORT_UNAVAILABLE', 'the producer is closed');
    this.transport.produceNow(topicName, messages, this.cursor);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function unknownTopic(topic: string): PipelineError {
  return new PipelineError('TRANSPORT_UNAVAILABLE', `unknown topic ${topic}`, { value: topic });
}
