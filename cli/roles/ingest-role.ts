import { INPUT_TOPIC_LIST } from '../../processors/contracts/topics.js';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { IngestPipeline, createPiiHasher } from '../../processors/ingest/index.js';
import type { RetryPolicy } from '../../processors/ingest/retry.js';
import { consumerLag } from '../../processors/transport/index.js';
import type { Role, RoleContext, RoleHealth } from './role.js';

export interface IngestRoleOptions {
  hmacKey: string;
  /** Partitions of the input topics when this process creates them. */
  partitions: number;
  retry: RetryPolicy;
}

/** Consumes the input topics into the fact tables, exactly once, in the shared consumer group. */
export class IngestRole implements Role {
  readonly name = 'ingest';
  readonly pipeline: IngestPipeline;
  private readonly lastEventAt = new Map<string, number>();

  constructor(
    private readonly ctx: RoleContext,
    o: IngestRoleOptions,
  ) {
    this.pipeline = new IngestPipeline({
      transport: ctx.transport,
      warehouse: ctx.wh,
      decoder: createDefaultDecoder(),
      hasher: createPiiHasher(o.hmacKey),
      groupId: ctx.groupId,
      partitions: o.partitions,
      metrics: ctx.metrics,
      logger: ctx.log,
      retry: o.retry,
      onCommitted: (b) => {
        if (b.maxOccurredAt !== null) this.lastEventAt.set(b.topic, Math.max(this.lastEventAt.get(b.topic) ?? 0, b.maxOccurredAt));
      },
    });
  }

  get failure(): unknown {
    return this.pipeline.error;
  }

  start(): Promise<void> {
    this.ctx.metrics.observeLag(() => consumerLag(this.ctx.transport, this.ctx.groupId, [...INPUT_TOPIC_LIST]));
    return this.pipeline.start();
  }

  stop(): Promise<void> {
    this.ctx.metrics.observeLag(null);
    return this.pipeline.stop();
  }

  /** Newest committed event time per input topic (this process's batches). */
  lastEvent(topic: string): number | undefined {
    return this.lastEventAt.get(topic);
  }

  async health(): Promise<RoleHealth> {
    // The lag per topic is in the process's health beside this (asked once per look).
    const t = this.pipeline.totals;
    return {
      status: this.pipeline.error ? 'degraded' : 'ok',
      ...(this.pipeline.error ? { error: this.pipeline.error instanceof Error ? this.pipeline.error.message : String(this.pipeline.error) } : {}),
      records: t.records,
      events: t.events,
      dead_lettered: t.deadLettered,
      partitions: this.pipeline.assignment.length,
    };
  }
}
