/**
 * The transport port: what the processors need from a log-structured message bus. Kafka
 * and the in-memory transport implement it; processors never see which one they run on.
 *
 * Offsets are strings (Kafka offsets are int64; a JS number would lose precision past
 * 2^53). Ordering and offsets hold per topic-partition only.
 */
export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface Message {
  topic: string;
  partition: number;
  /** Offset of this message in its partition. */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Broker/producer timestamp, epoch ms (not the event time). */
  timestamp: number;
  headers: Record<string, string>;
}

/** A run of consecutive messages of one topic-partition, as fetched. */
export interface MessageBatch extends TopicPartition {
  messages: Message[];
  /** Offset of the next message the broker will write (for lag), if known. */
  highWatermark?: string;
}

export interface OutgoingMessage {
  key: string | Buffer | null;
  value: Buffer;
  headers?: Record<string, string>;
  /** Explicit partition; by default the partition is chosen from the key (murmur2, like Kafka). */
  partition?: number;
}

/** Records for one topic, produced together with a commit (Consumer.commitWith). */
export interface OutgoingBatch {
  topic: string;
  messages: OutgoingMessage[];
}

export interface CommitOffset extends TopicPartition {
  /** The next offset to consume (last processed + 1), as Kafka commits. */
  offset: string;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
}

export interface Producer {
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerHandlers {
  /**
   * Called with each fetched batch. Processing of one topic-partition is sequential: the
   * next batch of the same partition is not delivered before this promise settles. A
   * rejected promise is a fatal error for the consumer.
   */
  onBatch(batch: MessageBatch): Promise<void>;
  /** Partitions newly assigned to this member (after a rebalance or at start). */
  onAssigned?(partitions: TopicPartition[]): Promise<void>;
  /** Partitions taken away; called before another member may receive them. */
  onRevoked?(partitions: TopicPartition[]): Promise<void>;
  /**
   * The consumer stopped on a fatal error (a rejected handler promise, or a broker failure it
   * cannot recover from). Its partitions go to the other members of the group; nothing is
   * committed on its behalf. Without this handler the error is written to stderr.
   */
  onError?(error: Error): void;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group without committed offsets starts. @default 'earliest' */
  fromBeginning?: boolean;
  /** Upper bound on messages per delivered batch. @default 5000 */
  maxBatchSize?: number;
}

export interface Consumer {
  /** Joins the group and starts delivering batches; resolves once running. */
  start(handlers: ConsumerHandlers): Promise<void>;
  /** Commits offsets for the group. Only called after the warehouse accepted the batch. */
  commit(offsets: CommitOffset[]): Promise<void>;
  /**
   * Commits `offsets` and produces `records` as one step: the records become visible to
   * readers of committed records (Kafka's `read_committed`, the default of every client the
   * transport uses) if and only if the offsets are committed. A step that failed left nothing
   * visible and may be retried; one whose outcome is unknown (its answer was lost) is
   * recognised by the retry, which then produces nothing again. On Kafka this is a transaction
   * (the consumer group's offsets sent to it, fenced by the group's generation).
   */
  commitWith(offsets: CommitOffset[], records: OutgoingBatch[]): Promise<void>;
  /** Committed offsets of the group for the given partitions (null when none). */
  committed(partitions: TopicPartition[]): Promise<Array<CommitOffset | { topic: string; partition: number; offset: null }>>;
  /**
   * Re-positions a partition so the next batch starts at `offset` (used after a failed
   * batch so it is re-fetched and re-formed identically).
   */
  seek(tp: TopicPartition, offset: string): void;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  /** Current assignment of this member. */
  assignment(): TopicPartition[];
  /** Leaves the group (revoking its partitions) and stops fetching. */
  stop(): Promise<void>;
}

export interface Transport {
  readonly kind: 'memory' | 'kafka';
  /** Creates topics that do not exist yet (existing ones are left as they are). */
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  producer(): Promise<Producer>;
  consumer(options: ConsumerOptions): Consumer;
  /** End offsets (next offset to be written) per partition of a topic. */
  endOffsets(topic: string): Promise<Array<{ partition: number; offset: string }>>;
  /** Offsets a consumer group has committed on a topic (partitions without a commit are left out). */
  committedOffsets(groupId: string, topic: string): Promise<CommitOffset[]>;
  close(): Promise<void>;
}
