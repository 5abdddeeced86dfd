import type { AvroCodec } from '../../processors/codec/avro-codec.js';
import type { QualityScoreUpdate, SloBreachSignal } from '../../processors/contracts/events.js';
import { OUTPUT_TOPICS } from '../../processors/contracts/topics.js';
import type { Producer } from '../../processors/transport/types.js';
import type { SignalSink } from './types.js';

/**
 * Breach signals to `ops.slo.breach.v1` keyed by slo_id, quality scores to
 * `ops.quality.scores.v1` keyed by scope_id, Avro single-object encoded. Keys keep the
 * signals of one SLO in one partition, in order. Runs on any transport (Kafka or the
 * in-memory one).
 */
export class KafkaSignalSink implements SignalSink {
  readonly name = 'kafka';

  constructor(
    private readonly producer: Producer,
    private readonly codec: AvroCodec,
  ) {}

  async sendBreaches(signals: readonly SloBreachSignal[]): Promise<void> {
    if (signals.length === 0) return;
    await this.producer.send(
      OUTPUT_TOPICS.breach,
      signals.map((s) => ({ key: s.slo_id, value: this.codec.encode('SloBreachSignal', s), headers: { 'signal-id': s.signal_id } })),
    );
  }

  async sendScores(updates: readonly QualityScoreUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await this.producer.send(
      OUTPUT_TOPICS.quality,
      updates.map((u) => ({ key: u.scope_id, value: this.codec.encode('QualityScoreUpdate', u) })),
    );
  }

  async close(): Promise<void> {}
}
