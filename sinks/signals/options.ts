import { z } from 'zod';
import type { AlertSeverity } from '../../processors/contracts/enums.js';
import { PipelineError } from '../../processors/errors/pipeline-error.js';

export interface WebhookSinkOptions {
  /** Endpoint per severity; signals of a severity without an endpoint are not sent. */
  endpoints: Partial<Record<AlertSeverity, string>>;
  /** Key of the HMAC-SHA256 signature (`X-Slo-Signature`). */
  secret: string;
  /** Attempts per signal, the first included. @default 6 */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt. @default 500 */
  initialBackoffMs?: number;
  /** @default 30_000 */
  maxBackoffMs?: number;
  /** Per request. @default 10_000 */
  timeoutMs?: number;
}

export const WEBHOOK_DEFAULTS = { maxAttempts: 6, initialBackoffMs: 500, maxBackoffMs: 30_000, timeoutMs: 10_000 } as const;

const Env = z.strictObject({
  secret: z.string().min(16, 'must be at least 16 characters'),
  PAGE: z.url({ protocol: /^https?$/ }).optional(),
  TICKET: z.url({ protocol: /^https?$/ }).optional(),
});

/**
 * Webhook configuration from the environment: `SLO_WEBHOOK_PAGE_URL`,
 * `SLO_WEBHOOK_TICKET_URL` and `SLO_WEBHOOK_SECRET`. Null when no URL is set; an
 * invalid value is an INVALID_CONFIG error naming the variable.
 */
export function webhookOptionsFromEnv(env: NodeJS.ProcessEnv): WebhookSinkOptions | null {
  const page = env['SLO_WEBHOOK_PAGE_URL'];
  const ticket = env['SLO_WEBHOOK_TICKET_URL'];
  if (!page && !ticket) return null;
  const parsed = Env.safeParse({ secret: env['SLO_WEBHOOK_SECRET'] ?? '', ...(page ? { PAGE: page } : {}), ...(ticket ? { TICKET: ticket } : {}) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? 'secret');
    const variable = key === 'secret' ? 'SLO_WEBHOOK_SECRET' : `SLO_WEBHOOK_${key}_URL`;
    throw new PipelineError('INVALID_CONFIG', `${variable}: ${issue?.message ?? 'invalid'}`, { field: variable });
  }
  const v = parsed.data;
  return { secret: v.secret, endpoints: { ...(v.PAGE ? { PAGE: v.PAGE } : {}), ...(v.TICKET ? { TICKET: v.TICKET } : {}) } };
}
