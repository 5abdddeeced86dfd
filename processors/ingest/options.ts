import type { Logger } from 'pino';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import type { PipelineMetrics } from '../observability/metrics.js';
import type { Transport } from '../transport/types.js';
import type { DeadLetterEncoder } from './dead-letters.js';
import type { EventDecoder } from './decode.js';
import type { PiiHasher } from './normalize.js';
import type { RetryPolicy } from './retry.js';

/** What one committed batch contained: the input of event-time watermarks and lag metrics. */
export interface CommittedBatch {
  topic: string;
  partition: number;
  firstOffset: string;
  lastOffset: string;
  /** Valid events written (before event_id dedup, which the warehouse does). */
  events: number;
  deadLettered: number;
  /**
   * The earliest event time the batch added to its table (epoch ms; repeats of events stored
   * already are not added, so they are not late data); null when it added none.
   */
  minOccurredAt: number | null;
  /** The newest event time of the batch's valid events, repeats included (how far its partition has come); null when there were none. */
  maxOccurredAt: number | null;
  /** Milliseconds from the batch's delivery to the processor to its offset commit. */
  latencyMs: number;
}

/** Records per insert batch unless IngestOptions.maxBatchSize says otherwise. */
export const DEFAULT_MAX_BATCH = 50_000;

export interface IngestOptions {
  transport: Transport;
  warehouse: Warehouse;
  decoder: EventDecoder;
  hasher: PiiHasher;
  /** @default 'slo-pipeline' */
  groupId?: string;
  /** @default all input topics of docs/interfaces.md */
  topics?: readonly string[];
  /** Partitions created for topics that do not exist yet. @default 6 */
  partitions?: number;
  /**
   * Upper bound of records per insert batch. Every insert has a fixed cost in the engine (a
   * statement, a new part in the fact table and in each view's table, merges of those parts
   * later): on the embedded engine 50k-record batches took about 15% less CPU per event than
   * 20k ones and 5k ones about 1.6x as long (bench/spine-phases.ts). A batch is what a fetch
   * holds, up to this bound, so a steady trickle still makes small, prompt batches. Memory per
   * busy partition is about one batch of messages plus its Native block (~310 bytes per record).
   * @default DEFAULT_MAX_BATCH (50000)
   */
  maxBatchSize?: number;
  /**
   * Fact inserts in flight at once, over all partitions (each partition has at most one).
   * Unbounded, every busy partition's insert competes for the same cores and engine threads:
   * on two idle cores that was slower in total (and held more memory) than two at a time.
   * @default 2
   */
  maxConcurrentInserts?: number;
  /** @default the Avro `DeadLetter` record, single-object encoded */
  deadLetterEncoder?: DeadLetterEncoder;
  metrics?: PipelineMetrics;
  logger?: Logger;
  /** Backoff of failed warehouse statements. @default { initialMs: 100, maxMs: 30000 } */
  retry?: RetryPolicy;
  /** Called after each batch is committed (the SLO evaluator's watermark input). */
  onCommitted?: (batch: CommittedBatch) => void | Promise<void>;
}
