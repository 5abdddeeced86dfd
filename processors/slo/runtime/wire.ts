import type { Logger } from 'pino';
import { defaultCodec, type AvroCodec } from '../../codec/avro-codec.js';
import { OUTPUT_TOPICS } from '../../contracts/topics.js';
import type { CommittedBatch } from '../../ingest/options.js';
import type { Producer, TopicPartition, Transport } from '../../transport/types.js';
import { KafkaSignalSink, NotificationSink, WarehouseSignalSink, notificationMetrics, notifyOptionsFromEnv, type SignalSink } from '../../../sinks/signals/index.js';
import type { Warehouse } from '../../../sinks/warehouse/types.js';
import type { PipelineMetrics } from '../../observability/metrics.js';
import type { SloDefinition } from '../definitions/model.js';
import { signalRule } from '../definitions/policies.js';
import { SloEvaluator } from './evaluator.js';
import { startMaintenanceFeed } from './maintenance-feed.js';
import type { SloEvaluatorOptions } from './options.js';

export interface SloRuntimeOptions {
  warehouse: Warehouse;
  /** Where the output topics live (the same transport the ingest reads). */
  transport: Transport;
  /**
   * The ingest's consumer group: the watermark then holds for every partition the group has
   * not caught up on (see SloEvaluatorOptions.consumerGroup). @default none
   */
  consumerGroup?: string;
  slos: readonly SloDefinition[];
  /** Receivers come from SLO_WEBHOOK_* and SLO_NOTIFY_ROUTES (sinks/signals/README.md). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Partitions of the output topics when they are created. @default 6 */
  outputPartitions?: number;
  codec?: AvroCodec;
  logger?: Logger;
  /** Notification outcomes and outbox depth are counted here. @default none */
  metrics?: PipelineMetrics;
  /** Anything else of the evaluator (watermark, name, cycle size, quality cadence). */
  evaluator?: Omit<SloEvaluatorOptions, 'warehouse' | 'slos' | 'sinks' | 'logger'>;
}

/** The SLO engine as the running pipeline uses it: evaluator plus its sinks, fed by the ingest hooks. */
export interface SloRuntime {
  readonly evaluator: SloEvaluator;
  /** The notification outbox (webhooks, Alertmanager, PagerDuty, Slack), when any receiver is configured. */
  readonly webhooks: NotificationSink | null;
  /** Every sink the evaluator sends to (history, topic, receivers): where the composite and budget signal feed sends too. */
  readonly sinks: readonly SignalSink[];
  /** Pass to IngestPipeline's `onCommitted`. */
  onCommitted(batch: CommittedBatch): void;
  onRevoked(partitions: readonly TopicPartition[]): void;
  /**
   * Evaluates up to `eventTimeMs` regardless of the watermark (end of a finite stream);
   * by default up to the newest event committed so far.
   */
  flush(eventTimeMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the SLO engine next to the ingest pipeline: breach signals and quality scores go
 * to the warehouse history, the output topics (Avro) and, when configured, signed webhooks.
 */
export async function startSloRuntime(o: SloRuntimeOptions): Promise<SloRuntime> {
  const partitions = o.outputPartitions ?? 6;
  await o.transport.ensureTopics([
    { topic: OUTPUT_TOPICS.breach, partitions },
    { topic: OUTPUT_TOPICS.quality, partitions },
  ]);
  const producer: Producer = await o.transport.producer();
  const notifyOptions = notifyOptionsFromEnv(o.env ?? process.env);
  const metrics = o.metrics;
  const nm = metrics ? notificationMetrics(metrics.registry) : null;
  const labels = new Map(o.slos.map((s) => [s.id, s.labels]));
  const byId = new Map(o.slos.map((s) => [s.id, s]));
  const webhooks = notifyOptions
    ? new NotificationSink(notifyOptions, {
        warehouse: o.warehouse,
        labelsOf: (id) => labels.get(id) ?? {},
        // The AlertPolicy's notification targets and alertWhenResolved of the rule that fired.
        ruleOf: (s) => {
          const slo = byId.get(s.slo_id);
          return slo ? signalRule(slo, s) : undefined;
        },
        ...(o.logger ? { logger: o.logger } : {}),
        ...(metrics && nm
          ? {
              onOutcome: (r, outcome, s) => {
                nm.outcomes.inc({ receiver: r.name, type: r.type, outcome });
                if (r.type === 'webhook') metrics.webhookOutcomes.inc({ severity: s.severity, outcome });
              },
              onPending: (r, pending) => {
                nm.depth.set({ receiver: r.name, type: r.type }, pending);
                if (r.type === 'webhook') metrics.outboxDepth.set({ severity: r.name.replace('webhook-', '').toUpperCase() }, pending);
              },
              onSuppressed: (n) => nm.suppressed.inc(n),
              onFallback: (from, to, n) => nm.fallbacks.inc({ receiver: from, fallback: to }, n),
            }
          : {}),
      })
    : null;
  // What an earlier process enqueued and did not deliver goes out first.
  webhooks?.start();
  const sinks: SignalSink[] = [new WarehouseSignalSink(o.warehouse), new KafkaSignalSink(producer, o.codec ?? defaultCodec())];
  if (webhooks) sinks.push(webhooks);
  const evaluator = new SloEvaluator({
    ...o.evaluator,
    warehouse: o.warehouse,
    slos: o.slos,
    sinks,
    transport: o.transport,
    ...(o.consumerGroup !== undefined ? { consumerGroup: o.consumerGroup } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
  });
  // Maintenance windows declared through the API: in force before the first cycle, then kept current.
  const maintenance = await startMaintenanceFeed(o.warehouse, evaluator, o.logger);
  evaluator.start();
  return {
    evaluator,
    webhooks,
    sinks,
    onCommitted: (batch) => evaluator.onCommitted(batch),
    onRevoked: (tps) => evaluator.onRevoked(tps),
    flush: async (t) => {
      const upTo = t ?? evaluator.latestEventTime();
      if (Number.isFinite(upTo)) await evaluator.advanceTo(upTo);
      await webhooks?.flush();
    },
    stop: async () => {
      maintenance.stop();
      await evaluator.stop();
      for (const s of sinks) await s.close();
      await producer.close();
    },
  };
}
