import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listNotifications, outboxSummary } from '../../sinks/signals/outbox-report.js';
import type { KeyStore } from '../auth.js';
import type { ResolvedApiOptions } from '../options.js';
import { defineRoute } from '../route.js';

const receiverFigures = z.object({
  receiver: z.string(),
  pending: z.number().int(),
  delivered: z.number().int(),
  failed: z.number().int(),
  oldest_pending_at: z.string().nullable(),
});

export const outboxSummarySchema = z.object({
  pending: z.number().int().describe('Notifications waiting for delivery, all receivers.'),
  failed: z.number().int().describe('Notifications rejected by their receiver or expired (kept 30 days).'),
  oldest_pending_age_seconds: z.number().int().describe('Age of the oldest waiting notification; 0 when none waits.'),
  receivers: z.array(receiverFigures),
});

const notificationRow = z.object({
  receiver: z.string(),
  signal_id: z.string(),
  slo_id: z.string(),
  severity: z.string(),
  status: z.string(),
  evaluated_at: z.string(),
  enqueued_at: z.string(),
  state: z.enum(['PENDING', 'DELIVERED', 'REJECTED', 'EXPIRED']),
  attempts: z.number().int(),
  detail: z.string(),
  settled_at: z.string().nullable(),
});

const listQuery = z.strictObject({
  state: z.enum(['PENDING', 'DELIVERED', 'REJECTED', 'EXPIRED', 'FAILED']).optional().describe('FAILED: rejected or expired.'),
  receiver: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** The notification outbox: depth, deliveries and failures per receiver, and the notifications themselves. */
export function registerNotificationRoutes(app: FastifyInstance, keys: KeyStore, opts: ResolvedApiOptions): void {
  defineRoute(app, keys, {
    method: 'GET',
    url: '/v1/notifications',
    area: 'alerts',
    summary: 'Notifications to receivers (webhooks, Alertmanager, PagerDuty, Slack): outbox depth and outcomes per receiver, and the notifications newest first.',
    tags: ['slo'],
    query: listQuery,
    response: z.object({ summary: outboxSummarySchema, notifications: z.array(notificationRow) }),
    handler: async ({ query }) => {
      const [summary, notifications] = await Promise.all([
        outboxSummary(opts.warehouse),
        listNotifications(opts.warehouse, { limit: query.limit, ...(query.state ? { state: query.state } : {}), ...(query.receiver ? { receiver: query.receiver } : {}) }),
      ]);
      return { summary, notifications };
    },
  });
  defineRoute(app, keys, {
    method: 'GET',
    url: '/v1/notifications/summary',
    area: 'status',
    summary: 'Notification outbox in figures for the status page: waiting, failed, age of the oldest waiting, per receiver.',
    tags: ['status'],
    response: outboxSummarySchema,
    handler: async () => outboxSummary(opts.warehouse),
  });
}
