import type { Registry } from 'prom-client';
import { SloCatalog } from '../processors/slo/index.js';
import type { Warehouse } from '../sinks/warehouse/types.js';
import type { ApiKeyEntry } from './auth.js';

/** Figures the running pipeline reports about itself (the CLI's `run` passes them in). */
export interface PipelineHealthFigures {
  /** Overall state as the pipeline sees it. */
  status: 'ok' | 'degraded' | 'stopped';
  /** Per input topic: consumer lag (records behind), throughput and the last event time seen. */
  topics: Array<{
    topic: string;
    lag: number;
    events_per_second: number;
    /** ISO instant of the newest event's `occurred_at` processed, or null. */
    last_event_at: string | null;
    dead_lettered: number;
  }>;
  /** Event-time watermark of the SLO evaluator (ISO), or null before the first evaluation. */
  watermark?: string | null;
  /** ISO instant the pipeline started. */
  started_at?: string;
  /** Free-form notes (e.g. "warehouse retrying since 12:00:03Z"). */
  notes?: string[];
}

export type HealthProvider = () => PipelineHealthFigures | Promise<PipelineHealthFigures>;

export interface ApiAuthOptions {
  /** Configured keys (hashes only). Parse `SLO_API_KEYS` with `parseApiKeys`. @default [] */
  keys?: readonly ApiKeyEntry[];
  /**
   * Serve the status page's data without a key. The page itself (HTML, no data) is always
   * public. @default true when the server listens on loopback, false otherwise
   */
  publicStatus?: boolean;
}

export interface ApiOptions {
  warehouse: Warehouse;
  /**
   * The SLO definitions: a catalog shared with the rest of the process (it reloads them when
   * their files change). @default a catalog of `sloDir`
   */
  sloCatalog?: SloCatalog;
  /** Folder of OpenSLO YAML definitions, when no `sloCatalog` is given. @default `SLO_DIR`, else the project's `slos/` */
  sloDir?: string;
  auth?: ApiAuthOptions;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 8080 */
  port?: number;
  /** Pipeline figures for /v1/health; the warehouse figures are added by the API. */
  health?: HealthProvider;
  /** Reporting currency of the P&L. @default 'EUR' */
  reportingCurrency?: string;
  /** Backtest rate limit per API key. @default { max: 10, timeWindowMs: 60000 } */
  backtestRateLimit?: { max: number; timeWindowMs: number };
  /**
   * Evaluation time for "current" SLO status when a request gives no `at`. The default is
   * the warehouse's event-time watermark (newest `occurred_at`, capped at the wall clock),
   * so a replay of past data reads as it did live.
   */
  now?: () => Date | Promise<Date>;
  /** Fastify request logging. @default false */
  logger?: boolean;
  /** Status page self-refresh period. @default 15000 */
  statusRefreshMs?: number;
  /** How long an SLO status evaluation is shared between requests for the same time. 0 disables. @default 5000 */
  statusCacheMs?: number;
  /**
   * `startApi` keeps the Grafana SLO boards' rows (`slo_board_minute`) current by running
   * the board feed on this period; `false` leaves that to another process.
   * @default { intervalMs: 60000 }
   */
  boardFeed?: false | { intervalMs?: number; maxBackfillMinutes?: number };
  /** The process's Prometheus registry, served on `/metrics` (sre/admin keys). @default none: no /metrics */
  metrics?: Registry;
}

export interface ResolvedApiOptions {
  warehouse: Warehouse;
  slos: SloCatalog;
  keys: readonly ApiKeyEntry[];
  publicStatus: boolean;
  host: string;
  port: number;
  health: HealthProvider | undefined;
  reportingCurrency: string;
  backtestRateLimit: { max: number; timeWindowMs: number };
  now: (() => Date | Promise<Date>) | undefined;
  logger: boolean;
  statusRefreshMs: number;
  statusCacheMs: number;
  boardFeed: false | { intervalMs: number; maxBackfillMinutes: number };
  metrics: Registry | undefined;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

export function resolveOptions(options: ApiOptions): ResolvedApiOptions {
  const host = options.host ?? '127.0.0.1';
  return {
    warehouse: options.warehouse,
    slos: options.sloCatalog ?? new SloCatalog(options.sloDir !== undefined ? { dir: options.sloDir } : {}),
    keys: options.auth?.keys ?? [],
    publicStatus: options.auth?.publicStatus ?? isLoopback(host),
    host,
    port: options.port ?? 8080,
    health: options.health,
    metrics: options.metrics,
    reportingCurrency: options.reportingCurrency ?? 'EUR',
    backtestRateLimit: options.backtestRateLimit ?? { max: 10, timeWindowMs: 60_000 },
    now: options.now,
    logger: options.logger ?? false,
    statusRefreshMs: options.statusRefreshMs ?? 15_000,
    statusCacheMs: options.statusCacheMs ?? 5_000,
    boardFeed:
      options.boardFeed === false
        ? false
        : { intervalMs: options.boardFeed?.intervalMs ?? 60_000, maxBackfillMinutes: options.boardFeed?.maxBackfillMinutes ?? 7 * 24 * 60 },
  };
}
