import type { Logger } from 'pino';
import type { PipelineMetrics } from '../../processors/observability/metrics.js';
import type { Transport } from '../../processors/transport/types.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';

/** What `run --role` accepts; `all` is every role in one process. */
export const ROLE_NAMES = ['ingest', 'evaluate', 'api'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export interface RoleHealth {
  /** `standby`: healthy and waiting (an evaluator candidate that does not lead). */
  status: 'ok' | 'degraded' | 'standby' | 'stopped';
  [detail: string]: unknown;
}

/**
 * One part of the running pipeline. `run` is a table of roles: it starts them in order, asks
 * their health, stops them in reverse order, and ends (non-zero) when one of them fails.
 */
export interface Role {
  readonly name: RoleName;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): Promise<RoleHealth>;
  /** Set when the role hit an error it cannot heal from: the process stops. */
  readonly failure: unknown;
}

/** What every role of one process shares. */
export interface RoleContext {
  wh: Warehouse;
  transport: Transport;
  metrics: PipelineMetrics;
  log: Logger;
  env: NodeJS.ProcessEnv;
  /** The ingest's consumer group: the ingest role consumes in it, the evaluator follows its progress. */
  groupId: string;
}

/** `ingest,evaluate` or `all` -> the roles, in start order. */
export function parseRoles(text: string): RoleName[] {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 1 && parts[0] === 'all') return [...ROLE_NAMES];
  const out: RoleName[] = [];
  for (const p of parts) {
    if (!(ROLE_NAMES as readonly string[]).includes(p)) return [];
    if (!out.includes(p as RoleName)) out.push(p as RoleName);
  }
  return ROLE_NAMES.filter((r) => out.includes(r));
}
