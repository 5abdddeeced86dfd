import { z } from 'zod';
import { parseOptions } from '../parse-options.js';

/** Options of the in-memory transport. */
export interface MemoryTransportOptions {
  /**
   * Partition count of a topic created without one (on first produce, when
   * `autoCreateTopics` is on). Kafka's broker default `num.partitions` is 1 as well.
   * @default 1
   */
  defaultPartitions?: number;
  /**
   * Create a topic on its first produce, like a broker with `auto.create.topics.enable=true`.
   * When off, producing to a missing topic fails with `TRANSPORT_UNAVAILABLE`.
   * @default true
   */
  autoCreateTopics?: boolean;
  /**
   * A partition's waiting records are delivered once there are at least this many, or once
   * the oldest has waited `fetchMaxWaitMs` (Kafka's fetch.min.bytes and fetch.max.wait.ms,
   * counted in records). Larger batches amortize each insert's fixed cost at moderate rates.
   * @default 1 (deliver whatever is there, as Kafka's default fetch.min.bytes=1 does)
   */
  fetchMinRecords?: number;
  /**
   * Longest a record waits for `fetchMinRecords` to be reached.
   * @default 500 (Kafka's fetch.max.wait.ms)
   */
  fetchMaxWaitMs?: number;
  /**
   * Release messages nobody needs any more instead of keeping every message for the
   * transport's lifetime, as Kafka's retention moves a partition's log start offset: a message
   * goes once every consumer group that reads its topic (has a member subscribed to it, or
   * offsets committed on it) has committed past it. Offsets never restart; a group whose
   * position is below the log start offset reads from the earliest retained message, as a
   * Kafka consumer with auto.offset.reset=earliest does. A long-running process (a file
   * ingest, the embedded `run`) then holds what is in flight, not everything ever published.
   * @default false (every message is kept)
   */
  releaseCommitted?: boolean;
  /**
   * With `releaseCommitted`: messages kept per partition of a topic no consumer group reads
   * (dead-letter topics nobody consumes in-process), oldest released first, like a size-bounded
   * Kafka retention. A group that subscribes later starts from the earliest of these.
   * @default 10000
   */
  unreadRetention?: number;
}

const schema = z.strictObject({
  defaultPartitions: z.number().int().min(1).max(10_000).default(1),
  autoCreateTopics: z.boolean().default(true),
  fetchMinRecords: z.number().int().min(1).default(1),
  fetchMaxWaitMs: z.number().int().min(0).max(60_000).default(500),
  releaseCommitted: z.boolean().default(false),
  unreadRetention: z.number().int().min(0).default(10_000),
});

export type ResolvedMemoryTransportOptions = z.output<typeof schema>;

export function resolveMemoryTransportOptions(options: MemoryTransportOptions | undefined): ResolvedMemoryTransportOptions {
  return parseOptions('memory transport', schema, options);
}

/** @default 5000, as the port documents for `ConsumerOptions.maxBatchSize`. */
export const DEFAULT_MAX_BATCH_SIZE = 5000;
