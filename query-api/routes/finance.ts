import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { KeyStore } from '../auth.js';
import { toCsv } from '../csv.js';
import { ApiError } from '../errors.js';
import type { ResolvedApiOptions } from '../options.js';
import { defineRoute } from '../route.js';
import { checkDays, day, identifier, page, pagination } from '../schemas.js';
import {
  PNL_DIMENSIONS,
  incidentDetailSchema,
  incidentSummarySchema,
  pnlRowSchema,
  type PnlDimension,
  type Services,
} from '../service-types.js';

const PNL_FIGURES = ['compensation_cost', 'compensation_redeemed', 'refund_cost', 'lost_revenue', 'total_cost', 'incidents', 'unconverted'] as const;

/** `by=month,vendor_id`: each name checked against the allow-list, no repeats. */
const byParam = z
  .string()
  .max(300)
  .transform((s, ctx) => {
    const names = s.split(',').map((n) => n.trim()).filter((n) => n.length > 0);
    const allowed = PNL_DIMENSIONS as readonly string[];
    for (const n of names) {
      if (!allowed.includes(n)) {
        ctx.addIssue({ code: 'custom', message: `unknown dimension ${JSON.stringify(n.slice(0, 60))} (allowed: ${PNL_DIMENSIONS.join(', ')})` });
        return z.NEVER;
      }
    }
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: 'custom', message: 'a dimension is named twice' });
      return z.NEVER;
    }
    return names as PnlDimension[];
  })
  .describe(`Comma-separated grouping dimensions, any of: ${PNL_DIMENSIONS.join(', ')}. Empty: one total row.`);

/** Optional equality filters on incident attributes: plain identifiers or enum symbols. */
const code = (what: string) => identifier.optional().describe(what);

export function registerFinanceRoutes(app: FastifyInstance, keys: KeyStore, opts: ResolvedApiOptions, services: Services): void {
  defineRoute(app, keys, {
    method: 'GET',
    url: '/v1/pnl',
    area: 'finance',
    summary: 'Incident P&L in the reporting currency, grouped by the chosen dimensions; JSON or CSV.',
    description:
      'Money is decimal strings with the reporting currency\'s minor unit. `from`/`to` are inclusive UTC days and select money ' +
      'events by their `occurred_at` (the month of cost), as `slo-pipeline pnl` does. CSV with `format=csv` or `Accept: text/csv`.',
    tags: ['finance'],
    query: z
      .object({
        by: byParam.optional(),
        from: day('First UTC day of money events included (YYYY-MM-DD).').optional(),
        to: day('Last UTC day of money events included (YYYY-MM-DD).').optional(),
        format: z.enum(['json', 'csv']).optional().describe('Default: json, or csv when the Accept header asks for text/csv.'),
        ...pagination,
      })
      .strict(),
    response: page(pnlRowSchema).extend({ currency: z.string(), by: z.array(z.string()) }),
    produces: ['text/csv'],
    handler: async ({ query }, request, reply) => {
      const bad = checkDays(query.from, query.to);
      if (bad) throw new ApiError('BAD_ARGUMENT', bad, 'query.from');
      const by = query.by ?? [];
      const rows = await services.pnl({ by, ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}) });
      const items = rows.slice(query.offset, query.offset + query.limit);
      const accept = request.headers.accept ?? '';
      const csv = query.format === 'csv' || (query.format === undefined && /\btext\/csv\b/.test(accept));
      if (csv) {
        const name = `pnl${by.length ? `-by-${by.join('-')}` : ''}.csv`;
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}"`)
          .header('x-total-count', String(rows.length))
          .send(toCsv([...by, ...PNL_FIGURES, 'currency'], items.map((r) => ({ ...r, currency: opts.reportingCurrency }))));
      }
      return { items, limit: query.limit, offset: query.offset, total: rows.length, currency: opts.reportingCurrency, by };
    },
  });

  defineRoute(app, keys, {
    method: 'GET',
    url: '/v1/incidents',
    area: 'finance',
    summary: 'Incidents with their total cost, most expensive first.',
    tags: ['finance'],
    query: z
      .object({
        from: day('First UTC day the incident opened on (YYYY-MM-DD).').optional(),
        to: day('Last UTC day the incident opened on (YYYY-MM-DD).').optional(),
        severity: z.enum(['SEV1', 'SEV2', 'SEV3', 'SEV4']).optional(),
        fault: z.enum(['VENDOR', 'PLATFORM', 'MIXED', 'UNKNOWN']).optional(),
        vendor_id: code('Only incidents of this vendor.'),
        route_id: code('Only incidents on this route.'),
        city_code: code('Only incidents in this city.'),
        ...pagination,
      })
      .strict(),
    response: page(incidentSummarySchema).extend({ currency: z.string() }),
    handler: async ({ query }) => {
      const bad = checkDays(query.from, query.to);
      if (bad) throw new ApiError('BAD_ARGUMENT', bad, 'query.from');
      const { items, total } = await services.incidents(query);
      return { items, limit: query.limit, offset: query.offset, total, currency: opts.reportingCurrency };
    },
  });

  defineRoute(app, keys, {
    method: 'GET',
    url: '/v1/incidents/:id',
    area: 'finance',
    summary: 'One incident: its costs, affected journeys, compensations, refunds and every conversion used.',
    tags: ['finance'],
    params: z.object({ id: identifier.describe('The incident id, e.g. OPS-INC-42.') }).strict(),
    response: incidentDetailSchema.extend({ currency: z.string() }),
    handler: async ({ params }) => {
      const detail = await services.incident(params.id);
      if (!detail) throw new ApiError('NOT_FOUND', `No incident "${params.id}".`, 'params.id');
      return { ...detail, currency: opts.reportingCurrency };
    },
  });
}
