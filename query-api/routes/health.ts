import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FACT_TABLE, INPUT_TOPICS, type Family } from '../../processors/contracts/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { describeDamage, findDamage } from '../../sinks/warehouse/integrity/damage.js';
import type { KeyStore } from '../auth.js';
import type { ResolvedApiOptions } from '../options.js';
import { defineRoute } from '../route.js';

const FACT_TABLES = FACT_TABLE;

export interface WarehouseHealth {
  reachable: boolean;
  facts: Array<{
    topic: string;
    table: string;
    /** Stored rows (a duplicate event not yet merged away counts until the merge). */
    rows: number;
    last_event_at: string | null;
    last_ingested_at: string | null;
    /** Seconds since the newest row was written, null when the table is empty. */
    freshness_seconds: number | null;
  }>;
  dead_letters: Array<{ topic: string; reason_code: string; count: number }>;
  /** Parts the engine detached as damaged, and tables that did not load: figures are short while any is listed. */
  damaged_parts: Array<{ table: string; part: string; reason: string; rows: number | null }>;
  /** One line naming them, null when the warehouse is whole. */
  damage: string | null;
}

function iso(ms: string | number): string | null {
  const n = Number(ms);
  return n > 0 ? new Date(n).toISOString() : null;
}

/** Row counts, newest event and ingest instants per fact table, and dead letters by reason. */
export async function warehouseHealth(wh: Warehouse, now = new Date()): Promise<WarehouseHealth> {
  // Table names come from the constant map above, never from a request.
  const union = (Object.entries(FACT_TABLES) as Array<[Family, string]>)
    .map(
      ([family, table]) =>
        `SELECT '${family}' AS family, count() AS rows, toUnixTimestamp64Milli(max(occurred_at)) AS last_event_ms,
                toUnixTimestamp64Milli(max(_ingested_at)) AS last_ingested_ms FROM ${table}`,
    )
    .join(' UNION ALL ');
  try {
    const rows = await wh.query<{ family: Family; rows: string; last_event_ms: string; last_ingested_ms: string }>(union);
    const dl = await wh.query<{ topic: string; reason_code: string; count: string }>(
      `SELECT source_topic AS topic, reason_code, count() AS count FROM dead_letters GROUP BY topic, reason_code ORDER BY topic, reason_code`,
    );
    const byFamily = new Map(rows.map((r) => [r.family, r]));
    // Not seeing detached parts (a server user without access to system tables) is not damage.
    const damaged = await findDamage(wh).catch(() => []);
    return {
      reachable: true,
      damaged_parts: damaged.map((d) => ({ table: d.table, part: d.part, reason: d.reason, rows: d.rows })),
      damage: damaged.length > 0 ? describeDamage(damaged, wh.database) : null,
      facts: (Object.keys(FACT_TABLES) as Family[]).map((family) => {
        const r = byFamily.get(family);
        const lastIngested = r ? Number(r.last_ingested_ms) : 0;
        return {
          topic: INPUT_TOPICS[family],
          table: FACT_TABLES[family],
          rows: r ? Number(r.rows) : 0,
          last_event_at: r ? iso(r.last_event_ms) : null,
          last_ingested_at: iso(lastIngested),
          freshness_seconds: lastIngested > 0 ? Math.max(0, Math.round((now.getTime() - lastIngested) / 1000)) : null,
        };
      }),
      dead_letters: dl.map((d) => ({ topic: d.topic, reason_code: d.reason_code, count: Number(d.count) })),
    };
  } catch {
    return { reachable: false, facts: [], dead_letters: [], damaged_parts: [], damage: null };
  }
}

const topicFigures = z.object({
  topic: z.string(),
  lag: z.number(),
  events_per_second: z.number(),
  last_event_at: z.string().nullable(),
  dead_lettered: z.number(),
});

export const healthResponse = z.object({
  status: z.enum(['ok', 'degraded', 'stopped', 'unknown']).describe('Pipeline state; `unknown` when no pipeline reports to this API.'),
  checked_at: z.string(),
  pipeline: z
    .object({
      topics: z.array(topicFigures),
      watermark: z.string().nullable().optional(),
      started_at: z.string().optional(),
      notes: z.array(z.string()).optional(),
    })
    .nullable(),
  warehouse: z.object({
    kind: z.string(),
    reachable: z.boolean(),
    facts: z.array(
      z.object({
        topic: z.string(),
        table: z.string(),
        rows: z.number(),
        last_event_at: z.string().nullable(),
        last_ingested_at: z.string().nullable(),
        freshness_seconds: z.number().nullable(),
      }),
    ),
    dead_letters: z.array(z.object({ topic: z.string(), reason_code: z.string(), count: z.number() })),
    damaged_parts: z
      .array(z.object({ table: z.string(), part: z.string(), reason: z.string(), rows: z.number().nullable() }))
      .describe('Parts the engine detached as damaged (reason broken, broken-on-start, ...) and tables that did not load (did-not-load).'),
    damage: z.string().nullable().describe('Why the status is degraded when the warehouse is damaged: figures are short until it is restored or repaired.'),
  }),
});

export function registerHealthRoutes(app: FastifyInstance, keys: KeyStore, opts: ResolvedApiOptions): void {
  defineRoute(app, keys, {
    method: 'GET',
    url: '/livez',
    area: 'public',
    summary: 'Liveness: the process answers (no data; for container healthchecks).',
    tags: ['health'],
    response: z.object({ ok: z.literal(true) }),
    handler: async () => ({ ok: true }),
  });

  const registry = opts.metrics;
  if (registry) {
    defineRoute(app, keys, {
      method: 'GET',
      url: '/metrics',
      area: 'health',
      summary: 'Prometheus metrics of this process (text exposition format): ingest lag, batches, dead letters by reason, freshness, evaluator cycle and leadership, webhook outbox.',
      tags: ['health'],
      produces: ['text/plain'],
      handler: async (_input, _request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
    });
  }

  defineRoute(app, keys, {
    method: 'GET',
    url: '/v1/health',
    area: 'health',
    summary: 'Pipeline health: lag, throughput and freshness per topic, warehouse facts and dead letters.',
    tags: ['health'],
    response: healthResponse,
    handler: async () => {
      const now = new Date();
      const [pipeline, warehouse] = await Promise.all([opts.health ? opts.health() : undefined, warehouseHealth(opts.warehouse, now)]);
      // A damaged warehouse answers, but with short figures: never `ok`.
      const status = !warehouse.reachable || warehouse.damage !== null ? 'degraded' : (pipeline?.status ?? 'unknown');
      return {
        status,
        checked_at: now.toISOString(),
        pipeline: pipeline
          ? {
              topics: pipeline.topics,
              ...(pipeline.watermark !== undefined ? { watermark: pipeline.watermark } : {}),
              ...(pipeline.started_at ? { started_at: pipeline.started_at } : {}),
              ...(pipeline.notes ? { notes: pipeline.notes } : {}),
            }
          : null,
        warehouse: { kind: opts.warehouse.kind, ...warehouse },
      };
    },
  });
}
