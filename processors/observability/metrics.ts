import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the metrics read from a running SLO evaluator. */
export interface EvaluatorFigures {
  readonly evaluatedUpTo: number | null;
  readonly stats: { cycles: number; minutes: number; signals: number; scores: number; lastCycleMs: number; corrections: number; retracted: number; lateUncorrected: number; suppressed?: number };
}

/** Prometheus metrics of the processors, one registry per pipeline instance. */
export class PipelineMetrics {
  readonly registry = new Registry();
  readonly eventsIn = new Counter({
    name: 'slo_events_in_total',
    help: 'Records consumed, per input topic.',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });
  readonly factsOut = new Counter({
    name: 'slo_facts_written_total',
    help: 'Fact rows accepted by the warehouse, per table.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly duplicatesDropped = new Counter({
    name: 'slo_duplicate_events_dropped_total',
    help: 'Events left out of an insert because the fact table held them already or the batch repeated them, per table.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'slo_dead_letters_total',
    help: 'Records dead-lettered, per source topic and reason code.',
    labelNames: ['topic', 'reason'] as const,
    registers: [this.registry],
  });
  readonly insertSeconds = new Histogram({
    name: 'slo_batch_insert_seconds',
    help: 'Latency of one batch insert into the warehouse.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly insertRetries = new Counter({
    name: 'slo_batch_insert_retries_total',
    help: 'Ingest statements (intents, facts, dead letters, commits) retried after a failure a retry can fix, by error code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private lagSource: (() => Promise<ReadonlyArray<{ topic: string; partition: number; lag: number }>>) | null = null;
  /** Where the consumer lag is asked at each scrape (the ingest's group on its transport). */
  observeLag(source: (() => Promise<ReadonlyArray<{ topic: string; partition: number; lag: number }>>) | null): void {
    this.lagSource = source;
  }
  readonly consumerLag: Gauge<'topic' | 'partition'> = new Gauge({
    name: 'slo_consumer_lag_messages',
    help: 'End offset minus committed offset, per topic-partition (asked from the broker at each scrape).',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
    collect: async (): Promise<void> => {
      const lag = await this.lagSource?.().catch(() => null);
      if (!lag) return;
      this.consumerLag.reset();
      for (const p of lag) this.consumerLag.set({ topic: p.topic, partition: String(p.partition) }, p.lag);
    },
  });
  readonly watermark = new Gauge({
    name: 'slo_event_time_watermark_ms',
    help: 'Highest event time (epoch ms) committed, per input topic.',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });
  readonly warehouseDamagedParts = new Gauge({
    name: 'slo_warehouse_damaged_parts',
    help: 'Parts of the warehouse database the engine detached as damaged, and tables that did not load (reason did-not-load), per table and reason. Above 0, figures are short: see `slo-pipeline verify`.',
    labelNames: ['table', 'reason'] as const,
    registers: [this.registry],
  });
  readonly freshnessLag = new Gauge({
    name: 'slo_freshness_lag_seconds',
    help: 'Wall clock minus the newest committed event time, per input topic.',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });
  readonly webhookOutcomes = new Counter({
    name: 'slo_webhook_deliveries_total',
    help: 'Breach signals that reached an outcome at a webhook (DELIVERED, REJECTED, EXPIRED), per severity.',
    labelNames: ['severity', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly outboxDepth = new Gauge({
    name: 'slo_webhook_outbox_depth',
    help: 'Breach signals waiting in the webhook outbox, per severity (at most one page of the outbox is counted).',
    labelNames: ['severity'] as const,
    registers: [this.registry],
  });
  readonly evaluatorLeader = new Gauge({
    name: 'slo_evaluator_leader',
    help: '1 while this process leads the SLO evaluation, 0 while it stands by.',
    registers: [this.registry],
  });
  private evaluator: (() => EvaluatorFigures) | null = null;
  /** Evaluator figures, read at each scrape from the running evaluator (none while standing by). */
  observeEvaluator(source: (() => EvaluatorFigures) | null): void {
    this.evaluator = source;
  }
  readonly evaluatorUpTo: Gauge = new Gauge({
    name: 'slo_evaluator_evaluated_up_to_ms',
    help: 'Event time (epoch ms) up to which every SLO was evaluated.',
    registers: [this.registry],
    collect: (): void => this.readEvaluator((e) => e.evaluatedUpTo !== null && this.evaluatorUpTo.set(e.evaluatedUpTo)),
  });
  readonly evaluatorCycleSeconds: Gauge = new Gauge({
    name: 'slo_evaluator_last_cycle_seconds',
    help: 'Wall time of the evaluator\'s last cycle.',
    registers: [this.registry],
    collect: (): void => this.readEvaluator((e) => this.evaluatorCycleSeconds.set(e.stats.lastCycleMs / 1000)),
  });
  readonly evaluatorCounts: Gauge<'what'> = new Gauge({
    name: 'slo_evaluator_totals',
    help: 'Evaluator counts since this process started leading: cycles, minutes, signals, scores, corrections, retracted, late_uncorrected, suppressed (transitions held back by a maintenance window).',
    labelNames: ['what'] as const,
    registers: [this.registry],
    collect: (): void =>
      this.readEvaluator((e) => {
        const s = e.stats;
        for (const [what, v] of Object.entries({ cycles: s.cycles, minutes: s.minutes, signals: s.signals, scores: s.scores, corrections: s.corrections, retracted: s.retracted, late_uncorrected: s.lateUncorrected, suppressed: s.suppressed ?? 0 })) {
          this.evaluatorCounts.set({ what }, v);
        }
      }),
  });

  private readEvaluator(apply: (e: EvaluatorFigures) => unknown): void {
    const e = this.evaluator?.();
    if (e) apply(e);
  }
}
