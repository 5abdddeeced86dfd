import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { KeyStore } from '../auth.js';
import type { ResolvedApiOptions } from '../options.js';
import { defineRoute } from '../route.js';
import {
  incidentSummarySchema,
  pnlRowSchema,
  sloStatusSchema,
  type IncidentSummary,
  type PnlRow,
  type Services,
  type SloStatus,
} from '../service-types.js';
import { outboxSummary, type OutboxSummary } from '../../sinks/signals/outbox-report.js';
import { outboxSummarySchema } from './notifications.js';
import { STATUS_JS } from '../status-page/app-js.js';
import { STATUS_CSS, STATUS_HTML } from '../status-page/page.js';

const MONTHS_SHOWN = 6;
const TOP_INCIDENTS = 5;

export const statusDataSchema = z.object({
  generated_at: z.string(),
  evaluated_at: z.string().nullable(),
  refresh_ms: z.number().int(),
  slos: z.array(sloStatusSchema),
  finance: z.object({
    currency: z.string(),
    total: pnlRowSchema,
    months: z.array(pnlRowSchema).describe(`The latest ${MONTHS_SHOWN} months with cost, newest first.`),
    top_incidents: z.array(incidentSummarySchema),
  }),
  notifications: outboxSummarySchema.describe(
    'The notification outbox in figures (waiting, failed, delivered per receiver), as `/v1/notifications/summary` gives it: no notification bodies.',
  ),
});
export interface StatusData {
  generated_at: string;
  evaluated_at: string | null;
  refresh_ms: number;
  slos: SloStatus[];
  finance: { currency: string; total: PnlRow; months: PnlRow[]; top_incidents: IncidentSummary[] };
  notifications: OutboxSummary;
}

const ZERO: PnlRow = {
  compensation_cost: '0.00',
  compensation_redeemed: '0.00',
  refund_cost: '0.00',
  lost_revenue: '0.00',
  total_cost: '0.00',
  incidents: 0,
  unconverted: 0,
};

/** What the status page shows: every SLO's status, a finance summary and the notification outbox in figures. */
export async function statusData(services: Services, refreshMs: number, outbox: () => Promise<OutboxSummary>): Promise<StatusData> {
  const [slos, total, months, top, notifications] = await Promise.all([
    services.sloStatus(undefined),
    services.pnl({ by: [] }),
    services.pnl({ by: ['month'] }),
    services.incidents({ limit: TOP_INCIDENTS, offset: 0 }),
    outbox(),
  ]);
  return {
    generated_at: new Date().toISOString(),
    evaluated_at: slos[0]?.evaluated_at ?? null,
    refresh_ms: refreshMs,
    slos,
    finance: {
      currency: services.reportingCurrency,
      total: total[0] ?? ZERO,
      months: [...months].sort((a, b) => String(b.month).localeCompare(String(a.month))).slice(0, MONTHS_SHOWN),
      top_incidents: top.items,
    },
    notifications,
  };
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function registerStatusRoutes(app: FastifyInstance, keys: KeyStore, opts: ResolvedApiOptions, services: Services): void {
  const assets: Array<[string, string, string]> = [
    ['/status', 'text/html; charset=utf-8', STATUS_HTML],
    ['/status/app.js', 'text/javascript; charset=utf-8', STATUS_JS],
    ['/status/style.css', 'text/css; charset=utf-8', STATUS_CSS],
  ];
  for (const [url, type, body] of assets) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) =>
      reply.headers(SECURITY_HEADERS).header('cache-control', 'no-cache').type(type).send(body),
    );
  }
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/status'));

  defineRoute(app, keys, {
    method: 'GET',
    url: '/status/data',
    area: opts.publicStatus ? 'public' : 'status',
    summary: `Data of the built-in status page (/status): SLO board and finance summary. ${
      opts.publicStatus ? 'Public on this server.' : 'Any role, including the read-only `viewer` role.'
    }`,
    tags: ['status'],
    response: statusDataSchema,
    handler: async (_input, _request, reply) => {
      void reply.header('cache-control', 'no-store');
      return statusData(services, opts.statusRefreshMs, () => outboxSummary(opts.warehouse));
    },
  });
}
