import type { QualityScoreUpdate, SloBreachSignal } from '../../processors/contracts/events.js';
import type { Warehouse } from '../warehouse/types.js';
import type { SignalSink } from './types.js';

/**
 * Records signals and scores in the warehouse (`slo_signals`, `slo_quality_scores`) for the
 * API and the boards. Both tables collapse rows with the same key (signal_id; scope, score
 * and computed_at) and are read through FINAL views, so sending the same again changes nothing.
 */
export class WarehouseSignalSink implements SignalSink {
  readonly name = 'warehouse';

  constructor(private readonly wh: Warehouse) {}

  async sendBreaches(signals: readonly SloBreachSignal[]): Promise<void> {
    if (signals.length === 0) return;
    await this.wh.insert(
      'slo_signals',
      signals.map((s) => ({ ...s })),
    );
  }

  async sendScores(updates: readonly QualityScoreUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await this.wh.insert(
      'slo_quality_scores',
      updates.map((u) => ({ ...u })),
    );
  }

  async close(): Promise<void> {}
}
