import type { Logger } from 'pino';
import type { SignalSink } from '../../../sinks/signals/types.js';
import type { Warehouse } from '../../../sinks/warehouse/types.js';
import type { Transport } from '../../transport/types.js';
import type { SloDefinition } from '../definitions/model.js';
import type { WatermarkOptions } from './watermark.js';
import type { RetryPolicy } from '../../ingest/retry.js';

export interface SloEvaluatorOptions {
  warehouse: Warehouse;
  slos: readonly SloDefinition[];
  /** Where signals and scores go, in this order (e.g. warehouse history, Kafka topics, webhooks). */
  sinks: readonly SignalSink[];
  /** Name of this evaluator's progress row in `slo_evaluator_state`. @default 'default' */
  name?: string;
  watermark?: WatermarkOptions;
  /**
   * The transport the ingest reads, to learn which partitions hold messages before they
   * first commit (they hold the watermark until then). @default none: only committed partitions count
   */
  transport?: Pick<Transport, 'endOffsets' | 'committedOffsets'>;
  /**
   * The ingest's consumer group. With it (and `transport`), a partition is idle only while the
   * group has committed everything the broker holds for it: a partition that is behind, or any
   * partition while the broker cannot be asked, holds the watermark however long it is silent,
   * and once all are caught up the evaluator finishes everything the warehouse holds, also
   * after a restart that receives no new record. Without it, silence alone makes a partition
   * idle. @default none
   */
  consumerGroup?: string;
  /** Topics whose partitions hold the watermark back. @default ['tjm.journey.v1', 'lem.signals.v1'] */
  watermarkTopics?: readonly string[];
  /** Most event time (minutes) evaluated in one cycle; bounds memory while catching up. @default 360 */
  maxCycleMinutes?: number;
  /** Quality scores every this many minutes of event time; 0 turns them off. @default 60 */
  qualityEveryMinutes?: number;
  /** Window of the quality scores. @default 1440 (24h) */
  qualityWindowMinutes?: number;
  /**
   * First instant evaluated when this evaluator has no saved progress.
   * @default the first hour with SLI data
   */
  startAt?: number;
  /**
   * On restart, alerts are rebuilt by replaying this much event time (beyond the longest
   * window) before the saved cursor, without emitting. @default 10080 (7 days)
   */
  warmupMinutes?: number;
  /**
   * Data committed for minutes already evaluated, at most this far behind them, makes the
   * evaluator evaluate them again from the whole hour before: new signals are sent, signals the
   * new evaluation does not give are retracted from the history (and a firing one gets its
   * RESOLVED). Older data is stored and counted by later queries, not re-evaluated. @default 360 (6h)
   */
  correctionMinutes?: number;
  /**
   * Called before each cycle's signals are sent and before its progress is saved; throws
   * (NOT_LEADER) when this process no longer leads the evaluation, which stops the evaluator
   * before it writes. @default none: this evaluator is the only one
   */
  fence?: () => Promise<void>;
  /**
   * Evaluation instants: every whole minute and, below 60, every this many seconds of event
   * time in between (must divide 60). An instant between whole minutes sees the whole minutes
   * before it (the rollups) and the open part of its minute up to it (the facts), so a breach is
   * signalled seconds after its events are ingested instead of after the minute closes; the
   * figures at whole minutes are the same whatever the step. Signals, ids and `evaluated_at`
   * depend on the step: a replay must use the step of the live run to give the same ones.
   * @default 60 (whole minutes only)
   */
  stepSeconds?: number;
  /** Processing-time period of the watermark check (idle partitions). @default 1000 */
  tickMs?: number;
  /** Backoff of failed sends and warehouse reads. @default { initialMs: 200, maxMs: 30000 } */
  retry?: RetryPolicy;
  logger?: Logger;
  /** Processing-time clock. @default Date.now */
  now?: () => number;
}
