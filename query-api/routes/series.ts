import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { KeyStore } from '../auth.js';
import type { ResolvedApiOptions } from '../options.js';
import { defineRoute } from '../route.js';
import type { Services } from '../service-types.js';

export const MAX_POINTS = 1000;
export const MAX_COST_DAYS = 366;

const money = z.string().regex(/^-?\d+\.\d+$|^-?\d+$/).describe('Decimal string in the reporting currency.');

const sloPointSchema = z.object({
  at: z.string().describe('Evaluation time T (a minute boundary; every window ends at T).'),
  sli: z.number().nullable().describe('good / total over the time window; null without traffic.'),
  error_budget_remaining: z.number().describe('Fraction; negative when overspent.'),
  burn_rates: z.record(z.string(), z.number()).describe('Burn rate per window, keyed like `1h`.'),
});

export const statusSeriesSchema = z.object({
  generated_at: z.string(),
  evaluated_at: z.string().describe('The evaluation time of the SLO status (the event-time watermark unless the server sets a clock).'),
  data_age: z.object({
    checked_at: z.string(),
    newest_ingested_at: z.string().nullable().describe('When the newest fact row was written.'),
    ingest_age_seconds: z.number().nullable(),
    newest_event_at: z.string().nullable().describe('The newest event time (`occurred_at`) the facts hold.'),
    event_age_seconds: z.number().nullable(),
    pipeline: z
      .object({ status: z.string(), watermark: z.string().nullable(), notes: z.array(z.string()) })
      .nullable()
      .describe('What the running pipeline reports; null when none reports to this API.'),
  }),
  slos: z.array(
    z.object({
      slo_id: z.string(),
      display_name: z.string().nullable(),
      service: z.string(),
      group: z
        .object({ template: z.string(), values: z.record(z.string(), z.string()) })
        .nullable()
        .describe('A grouped SLO (`ops.group.by`): the document it comes from (`metadata.name`) and its values of the group keys.'),
      target: z.number(),
      time_window: z.string(),
      alert_rules: z
        .array(z.object({ severity: z.string(), threshold: z.number(), long_window: z.string(), short_window: z.string() }))
        .describe('The burn-rate alert rules, in evaluation order: a rule fires when both windows burn at or above its threshold.'),
      window_start: z.string().nullable().describe('Start of the SLO\'s window at `to`; null before the board feed wrote an evaluation.'),
      from: z
        .string()
        .nullable()
        .describe('First evaluation shown: the window\'s start, or the board\'s first minute when later (history shorter than the window, or the board feed still filling it).'),
      to: z.string().nullable().describe('Newest evaluation on the SLO board; null before the board feed wrote one.'),
      step_minutes: z.number().int().describe('Sampling step: the points are `from`, every whole multiple of this many minutes (UTC) between, and `to`.'),
      points: z.array(sloPointSchema),
      kind: z.literal('composite').optional().describe('Present for a composite SLO (composites follow the SLOs); its curve is its board rows, evaluated from its components.'),
      components: z
        .array(
          z.object({
            slo_id: z.string(),
            weight: z.number(),
            share: z.number().describe('weight / the sum of the weights.'),
            target: z.number().describe('The component\'s own target (its burn is taken against it).'),
            referenced: z.boolean().describe('true: an SLO of the set; false: an objective of the composite document.'),
          }),
        )
        .optional()
        .describe('A composite\'s components, in definition order.'),
    }),
  ),
  cost: z.object({
    currency: z.string(),
    from: z.string().describe('First UTC day, YYYY-MM-DD.'),
    to: z.string().describe('Last UTC day: the later of the evaluation day and the newest money event\'s day.'),
    days: z
      .array(
        z.object({
          day: z.string(),
          compensation_cost: money,
          refund_cost: money,
          lost_revenue: money,
          total_cost: money,
          incidents: z.number().int().describe('Incidents with money dated that day.'),
          unconverted: z.number().int(),
        }),
      )
      .describe('Every day of the range, oldest first; money dated by its `occurred_at`, as the P&L does.'),
  }),
});

const count = (what: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback)
    .describe(`${what} (${min}..${max}).`);

/**
 * The status page's charts: SLO curves from the SLO board, cost per day, data age. Readable
 * by whoever may read the status page's data (public on a loopback server by default).
 */
export function registerSeriesRoutes(app: FastifyInstance, keys: KeyStore, opts: ResolvedApiOptions, services: Services): void {
  defineRoute(app, keys, {
    method: 'GET',
    url: '/status/series',
    area: opts.publicStatus ? 'public' : 'status',
    summary: `Time series of the built-in status page: per SLO (composite SLOs after the SLOs, with their components) the SLI, remaining error budget and burn rates over its window; incident cost per day; data age. ${
      opts.publicStatus ? 'Public on this server.' : 'Any role, including the read-only `viewer` role.'
    }`,
    description:
      'SLO curves are read from the SLO board (`slo_board_minute`, one evaluation per SLO and minute by the SLO engine, over each SLO\'s whole window), ' +
      'sampled at the first minute shown, every whole multiple of the step and the newest minute. Money is exact decimal strings in the reporting currency.',
    tags: ['status'],
    query: z
      .object({
        points: count('Points per SLO curve at most', 2, MAX_POINTS, 240),
        days: count('UTC days of incident cost', 1, MAX_COST_DAYS, 30),
      })
      .strict(),
    response: statusSeriesSchema,
    handler: async ({ query }, _request, reply) => {
      void reply.header('cache-control', 'no-store');
      return services.statusSeries(query);
    },
  });
}
