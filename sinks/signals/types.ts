import type { QualityScoreUpdate, SloBreachSignal } from '../../processors/contracts/events.js';

/**
 * The signal sink port: where the SLO evaluator sends what it found. Adapters: the Kafka
 * output topics, signed webhooks, the warehouse history. Every adapter must tolerate
 * receiving the same signal twice (after a restart between sending and checkpointing):
 * `signal_id` is deterministic, so consumers and tables deduplicate on it.
 */
export interface SignalSink {
  readonly name: string;
  /** Breach signals in evaluation order (FIRING and RESOLVED). */
  sendBreaches(signals: readonly SloBreachSignal[]): Promise<void>;
  /** Quality scores, one per scope, score type and window. */
  sendScores(updates: readonly QualityScoreUpdate[]): Promise<void>;
  close(): Promise<void>;
}
