import { z } from 'zod';
import type { AlertSeverity } from '../../processors/contracts/enums.js';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { durationMs } from '../../processors/util/duration-text.js';
import { loadNotifyFile, notifyMaxAgeFromEnv, NOTIFY_MAX_AGE_DEFAULT_MS, OUTBOX_DEFAULTS, type NotifyOptions } from './notify-config.js';
import { webhookReceivers } from './webhook-receivers.js';

export interface WebhookSinkOptions {
  /** Endpoint per severity; signals of a severity without an endpoint are not sent. */
  endpoints: Partial<Record<AlertSeverity, string>>;
  /** Key of the HMAC-SHA256 signature (`X-Slo-Signature`). */
  secret: string;
  /**
   * A signal the receiver did not accept this long after it was enqueued is given up
   * (outcome EXPIRED, logged and counted). @default 86_400_000 (24h)
   */
  giveUpAfterMs?: number;
  /** First retry delay; doubles per attempt. @default 500 */
  initialBackoffMs?: number;
  /** @default 60_000 */
  maxBackoffMs?: number;
  /** Per request. @default 10_000 */
  timeoutMs?: number;
  /** Signals evaluated longer ago than this notify nobody (null: no limit). @default 900_000 (15m) */
  maxAgeMs?: number | null;
}

export const WEBHOOK_DEFAULTS = { giveUpAfterMs: 86_400_000, initialBackoffMs: 500, maxBackoffMs: 60_000, timeoutMs: 10_000 } as const;

const Env = z.strictObject({
  secret: z.string().min(16, 'must be at least 16 characters'),
  PAGE: z.url({ protocol: /^https?$/ }).optional(),
  TICKET: z.url({ protocol: /^https?$/ }).optional(),
  giveUp: z
    .string()
    .optional()
    .refine((v) => v === undefined || (durationMs(v) ?? 0) > 0, 'must be a duration like 30m, 6h or 2d'),
});

/**
 * Webhook configuration from the environment: `SLO_WEBHOOK_PAGE_URL`,
 * `SLO_WEBHOOK_TICKET_URL`, `SLO_WEBHOOK_SECRET` and `SLO_WEBHOOK_GIVE_UP_AFTER`. Null when
 * no URL is set; an invalid value is an INVALID_CONFIG error naming the variable.
 */
export function webhookOptionsFromEnv(env: NodeJS.ProcessEnv): WebhookSinkOptions | null {
  const page = env['SLO_WEBHOOK_PAGE_URL'];
  const ticket = env['SLO_WEBHOOK_TICKET_URL'];
  if (!page && !ticket) return null;
  const giveUp = env['SLO_WEBHOOK_GIVE_UP_AFTER'];
  const parsed = Env.safeParse({
    secret: env['SLO_WEBHOOK_SECRET'] ?? '',
    ...(page ? { PAGE: page } : {}),
    ...(ticket ? { TICKET: ticket } : {}),
    ...(giveUp !== undefined ? { giveUp } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? 'secret');
    const variable = key === 'secret' ? 'SLO_WEBHOOK_SECRET' : key === 'giveUp' ? 'SLO_WEBHOOK_GIVE_UP_AFTER' : `SLO_WEBHOOK_${key}_URL`;
    throw new PipelineError('INVALID_CONFIG', `${variable}: ${issue?.message ?? 'invalid'}`, { field: variable });
  }
  const v = parsed.data;
  return {
    secret: v.secret,
    endpoints: { ...(v.PAGE ? { PAGE: v.PAGE } : {}), ...(v.TICKET ? { TICKET: v.TICKET } : {}) },
    ...(v.giveUp !== undefined ? { giveUpAfterMs: durationMs(v.giveUp) as number } : {}),
  };
}

/**
 * Every receiver from the environment: the signed webhooks of `SLO_WEBHOOK_*` (each routed its
 * severity) and the receivers and routes of the file named by `SLO_NOTIFY_ROUTES`, with
 * `SLO_NOTIFY_MAX_AGE` (overrides the file's `notify_max_age`) and `SLO_WEBHOOK_GIVE_UP_AFTER`
 * (overrides the file's `outbox.give_up_after`). Null when neither is configured; an invalid
 * value is an INVALID_CONFIG error naming the variable, or the file, field and value.
 */
export function notifyOptionsFromEnv(env: NodeJS.ProcessEnv): NotifyOptions | null {
  const webhook = webhookOptionsFromEnv(env);
  const file = env['SLO_NOTIFY_ROUTES'] ? loadNotifyFile(env['SLO_NOTIFY_ROUTES'], env) : null;
  if (!webhook && !file) return null;
  const hooks = webhook ? webhookReceivers(webhook) : { receivers: [], routes: [] };
  for (const r of hooks.receivers) {
    if (file?.receivers.some((x) => x.name === r.name)) {
      throw new PipelineError('INVALID_CONFIG', `${env['SLO_NOTIFY_ROUTES']}: receivers: the name ${r.name} is taken by SLO_WEBHOOK_*`, { file: env['SLO_NOTIFY_ROUTES'], field: 'receivers', value: r.name });
    }
  }
  const maxAge = notifyMaxAgeFromEnv(env);
  const outbox = file?.outbox ?? { ...OUTBOX_DEFAULTS };
  return {
    receivers: [...hooks.receivers, ...(file?.receivers ?? [])],
    routes: [...hooks.routes, ...(file?.routes ?? [])],
    targets: file?.targets ?? [],
    outbox: webhook?.giveUpAfterMs !== undefined ? { ...outbox, giveUpAfterMs: webhook.giveUpAfterMs } : outbox,
    maxAgeMs: maxAge !== undefined ? maxAge : file ? file.maxAgeMs : NOTIFY_MAX_AGE_DEFAULT_MS,
  };
}
