import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { KeyStore } from '../auth.js';
import { ApiError } from '../errors.js';
import type { ResolvedApiOptions } from '../options.js';
import { defineRoute } from '../route.js';
import { checkRange, identifier, instant, page, paginate, pagination } from '../schemas.js';
import {
  backtestSchema,
  historyPointSchema,
  signalSchema,
  sloStatusSchema,
  sloSummarySchema,
  sweepSchema,
  type Services,
} from '../service-types.js';

const MAX_HISTORY_POINTS = 5000;
const MAX_BACKTEST_DAYS = 92;
const MAX_SWEEP_LIST = 6;

const sloIdParams = z.object({ id: identifier.describe('The SLO id (`metadata.name`).') }).strict();

export function registerSloRoutes(app: FastifyInstance, keys: KeyStore, opts: ResolvedApiOptions, services: Services): void {
  defineRoute(app, keys, {
    method: 'GET',
    url: '/v1/slos',
    area: 'slo',
    summary: 'List the SLO definitions.',
    tags: ['slo'],
    query: z.object(pagination).strict(),
    response: page(sloSummarySchema),
    handler: async ({ query }) => paginate(await services.sloList(), query.limit, query.offset),
  });

  defineRoute(app, keys, {
    method: 'GET',
    url: '/v1/slos/status',
    area: 'slo',
    summary: 'Status of every SLO: SLI, error budget, burn rates, firing alerts, time to exhaustion.',
    tags: ['slo'],
    query: z
      .object({
        at: instant('Evaluation time; default: the end of the last complete minute of stored data, as `slo status`.').optional(),
        ...pagination,
      })
      .strict(),
    response: page(sloStatusSchema),
    handler: async ({ query }) => paginate(await services.sloStatus(query.at), query.limit, query.offset),
  });

  defineRoute(app, keys, {
    method: 'GET',
    url: '/v1/slos/:id/status',
    area: 'slo',
    summary: 'Status of one SLO.',
    tags: ['slo'],
    params: sloIdParams,
    query: z.object({ at: instant('Evaluation time; default: the end of the last complete minute of stored data, as `slo status`.').optional() }).strict(),
    response: sloStatusSchema,
    handler: async ({ params, query }) => {
      const found = (await services.sloStatus(query.at)).find((s) => s.slo_id === params.id);
      if (!found) throw new ApiError('NOT_FOUND', `No SLO "${params.id}".`, 'params.id');
      return found;
    },
  });

  defineRoute(app, keys, {
    method: 'GET',
    url: '/v1/slos/:id/history',
    area: 'slo',
    summary: 'SLI, error budget and burn rates of one SLO over time.',
    tags: ['slo'],
    params: sloIdParams,
    query: z
      .object({
        from: instant('Start (inclusive).'),
        to: instant('End (exclusive).'),
        step_minutes: z.coerce
          .number({ error: 'must be a whole number' })
          .int('must be a whole number')
          .min(1, 'must be at least 1')
          .max(1440, 'must be at most 1440')
          .default(60)
          .describe('Minutes between points (1..1440).'),
        ...pagination,
      })
      .strict(),
    response: page(historyPointSchema),
    handler: async ({ params, query }) => {
      const bad = checkRange(query.from, query.to);
      if (bad) throw new ApiError('BAD_ARGUMENT', bad, 'query.from');
      const points = (query.to.getTime() - query.from.getTime()) / (query.step_minutes * 60_000);
      if (points > MAX_HISTORY_POINTS) {
        throw new ApiError('BAD_ARGUMENT', `query.step_minutes: the range needs ${Math.ceil(points)} points; at most ${MAX_HISTORY_POINTS}`, 'query.step_minutes');
      }
      const history = await services.sloHistory(params.id, query.from, query.to, query.step_minutes);
      if (!history) throw new ApiError('NOT_FOUND', `No SLO "${params.id}".`, 'params.id');
      return paginate(history, query.limit, query.offset);
    },
  });

  defineRoute(app, keys, {
    method: 'GET',
    url: '/v1/alerts',
    area: 'alerts',
    summary: 'Breach signal history (FIRING and RESOLVED), newest first.',
    tags: ['slo'],
    query: z
      .object({
        slo_id: identifier.optional().describe('Only this SLO.'),
        status: z.enum(['FIRING', 'RESOLVED']).optional(),
        severity: z.enum(['PAGE', 'TICKET']).optional(),
        from: instant('Evaluated at or after.').optional(),
        to: instant('Evaluated before.').optional(),
        label: z
          .string()
          .regex(/^[^=]+=/, 'must be KEY=VALUE, e.g. team=coffee')
          .max(512, 'must be at most 512 characters')
          .optional()
          .describe('Only signals of SLOs with this label, `KEY=VALUE` (e.g. `team=coffee`).'),
        ...pagination,
      })
      .strict(),
    response: page(signalSchema),
    handler: async ({ query }) => {
      const bad = checkRange(query.from, query.to);
      if (bad) throw new ApiError('BAD_ARGUMENT', bad, 'query.from');
      const { items, total } = await services.signals({
        ...(query.slo_id ? { sloId: query.slo_id } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.severity ? { severity: query.severity } : {}),
        ...(query.from ? { from: query.from } : {}),
        ...(query.to ? { to: query.to } : {}),
        ...(query.label ? { label: splitLabel(query.label) } : {}),
        limit: query.limit,
        offset: query.offset,
      });
      return { items, limit: query.limit, offset: query.offset, total };
    },
  });

  defineRoute(app, keys, {
    method: 'POST',
    url: '/v1/backtest',
    area: 'backtest',
    summary: 'Backtest a proposed SLO definition (OpenSLO YAML body) on recorded data.',
    description:
      'Replays the proposed definition over [from, to) and returns its SLI and budget curve, the alerts it would have raised, ' +
      'the same for the deployed definition with the same id, and the incidents recorded in that period. Rate limited per key.',
    tags: ['slo'],
    query: z.object({ from: instant('Start (inclusive).'), to: instant('End (exclusive).') }).strict(),
    body: z
      .string({ error: 'must be OpenSLO YAML (Content-Type: application/yaml)' })
      .min(1, 'must not be empty')
      .max(64 * 1024, 'must be at most 64 KiB'),
    bodyContentTypes: ['application/yaml', 'text/plain'],
    response: backtestSchema,
    rateLimit: opts.backtestRateLimit,
    handler: async ({ query, body }) => {
      const bad = checkRange(query.from, query.to);
      if (bad) throw new ApiError('BAD_ARGUMENT', bad, 'query.from');
      if (query.to.getTime() - query.from.getTime() > MAX_BACKTEST_DAYS * 86_400_000) {
        throw new ApiError('BAD_ARGUMENT', `query.to: a backtest covers at most ${MAX_BACKTEST_DAYS} days`, 'query.to');
      }
      return services.backtest(body, query.from, query.to);
    },
  });

  defineRoute(app, keys, {
    method: 'GET',
    url: '/v1/slos/:id/sweep',
    area: 'backtest',
    summary: 'Backtest sweep of one SLO: what each target x latency threshold would have paged, and when.',
    description:
      'Replays the deployed definition over [from, to) once per variant and returns per variant its pages and tickets with their times, ' +
      'for latency SLIs the distribution of duration_ms with each threshold marked, and warnings when the history is too short or sparse. Rate limited per key, as /v1/backtest.',
    tags: ['slo'],
    params: sloIdParams,
    query: z
      .object({
        from: instant('Start (inclusive).'),
        to: instant('End (exclusive).'),
        targets: z
          .string()
          .regex(/^0?\.\d+(,0?\.\d+)*$/, 'must be objectives between 0 and 1, comma-separated, e.g. 0.99,0.995')
          .optional()
          .describe(`Objectives to try (at most ${MAX_SWEEP_LIST}); default the SLO's own.`),
        thresholds: z
          .string()
          .regex(/^\d+(,\d+)*$/, 'must be whole milliseconds, comma-separated, e.g. 2500,3000')
          .optional()
          .describe(`Latency thresholds in ms to try (at most ${MAX_SWEEP_LIST}; latency SLIs); default the SLO's own.`),
      })
      .strict(),
    response: sweepSchema,
    rateLimit: opts.backtestRateLimit,
    handler: async ({ params, query }) => {
      const bad = checkRange(query.from, query.to);
      if (bad) throw new ApiError('BAD_ARGUMENT', bad, 'query.from');
      if (query.to.getTime() - query.from.getTime() > MAX_BACKTEST_DAYS * 86_400_000) {
        throw new ApiError('BAD_ARGUMENT', `query.to: a sweep covers at most ${MAX_BACKTEST_DAYS} days`, 'query.to');
      }
      const targets = query.targets?.split(',').map(Number);
      const thresholdsMs = query.thresholds?.split(',').map(Number);
      if ((targets?.length ?? 0) > MAX_SWEEP_LIST) throw new ApiError('BAD_ARGUMENT', `query.targets: at most ${MAX_SWEEP_LIST} targets`, 'query.targets');
      if ((thresholdsMs?.length ?? 0) > MAX_SWEEP_LIST) throw new ApiError('BAD_ARGUMENT', `query.thresholds: at most ${MAX_SWEEP_LIST} thresholds`, 'query.thresholds');
      if (targets?.some((t) => t <= 0 || t >= 1)) throw new ApiError('BAD_ARGUMENT', 'query.targets: every objective must be between 0 and 1', 'query.targets');
      const found = await services.sweep(params.id, query.from, query.to, { ...(targets ? { targets } : {}), ...(thresholdsMs ? { thresholdsMs } : {}) });
      if (!found) throw new ApiError('NOT_FOUND', `No SLO "${params.id}".`, 'params.id');
      return found;
    },
  });
}

/** `KEY=VALUE` (the value may hold further `=`). */
function splitLabel(text: string): { key: string; value: string } {
  const at = text.indexOf('=');
  return { key: text.slice(0, at), value: text.slice(at + 1) };
}
