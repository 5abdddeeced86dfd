import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { OpenWarehouseOptions } from '../sinks/warehouse/index.js';
import { PipelineError } from '../processors/errors/pipeline-error.js';
import { DEFAULT_RETRY_FOR_MS, type RetryPolicy } from '../processors/ingest/retry.js';
import { durationMs } from './args.js';

const WarehouseFlags = z
  .object({
    data: z.string().min(1).optional(),
    clickhouse: z.url({ protocol: /^https?$/ }).optional(),
    database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/).optional(),
  })
  .strict()
  .refine((v) => !(v.data && v.clickhouse), { message: 'use either --data or --clickhouse, not both', path: ['data'] });

/** Validated warehouse selection from flags (and CLICKHOUSE_URL / SLO_DATA_DIR). */
export function warehouseOptions(
  values: { data?: string | undefined; clickhouse?: string | undefined; database?: string | undefined },
  env: NodeJS.ProcessEnv,
): OpenWarehouseOptions {
  const input = {
    ...(values.data ? { data: values.data } : {}),
    ...(values.clickhouse ? { clickhouse: values.clickhouse } : {}),
    ...(values.database ? { database: values.database } : {}),
  };
  const parsed = WarehouseFlags.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'flags');
    throw new PipelineError('INVALID_CONFIG', `--${field}: ${issue?.message ?? 'invalid'}`, { field });
  }
  const v = parsed.data;
  const dataDir = v.data ?? env['SLO_DATA_DIR'];
  return {
    ...(dataDir && !v.clickhouse ? { dataDir } : {}),
    ...(v.clickhouse ? { clickhouseUrl: v.clickhouse } : {}),
    ...(v.database ? { database: v.database } : {}),
  };
}

/**
 * Read commands (pnl, slo status, slo backtest, verify, backup) refuse an embedded folder
 * holding no warehouse database: opening it would create an empty one, and a typo in `--data`
 * would answer zeros as if they were the figures.
 */
export function assertWarehouseExists(options: OpenWarehouseOptions, env: NodeJS.ProcessEnv): void {
  if (options.clickhouseUrl ?? env['CLICKHOUSE_URL']) return;
  const dir = options.dataDir ?? './.slo-data';
  const database = options.database ?? env['CLICKHOUSE_DATABASE'] ?? 'slo';
  // The engine keeps one `metadata/<database>.sql` per database of the folder.
  if (existsSync(join(resolve(dir), 'metadata', `${database}.sql`))) return;
  const what = existsSync(resolve(dir)) ? `holds no warehouse database ${database}` : 'does not exist';
  const folder = options.dataDir !== undefined ? `--data ${dir}` : `the default folder ${dir} (no --data)`;
  throw new PipelineError(
    'BAD_ARGUMENT',
    `${folder} ${what}: nothing was ingested there (give the folder \`ingest\` or \`run\` wrote, or --clickhouse URL)`,
    { field: 'data', value: dir },
  );
}

/**
 * How long failures a retry can fix (warehouse or broker unavailable, disk full) are retried
 * before the job stops with them: SLO_RETRY_FOR (`30s`, `10m`, `1h`, ...), default 10 minutes.
 */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv, base: { initialMs: number; maxMs: number }): RetryPolicy {
  const raw = env['SLO_RETRY_FOR'];
  if (raw === undefined) return { ...base, giveUpAfterMs: DEFAULT_RETRY_FOR_MS };
  const ms = durationMs(raw);
  if (ms === null) throw new PipelineError('INVALID_CONFIG', `SLO_RETRY_FOR: invalid duration ${JSON.stringify(raw)} (use e.g. 30s, 10m, 1h)`, { field: 'SLO_RETRY_FOR', value: raw });
  return { ...base, giveUpAfterMs: ms };
}
