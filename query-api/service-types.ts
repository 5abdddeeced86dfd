import { z } from 'zod';
import type { BacktestResult } from '../processors/slo/index.js';
import type { SeriesQuery, StatusSeries } from './services/series-service.js';

/**
 * The shapes the API answers with, as zod schemas (they document the OpenAPI responses)
 * and as types (what services.ts produces from the SLO engine and the economics module).
 */
export const alertSchema = z.object({
  severity: z.enum(['PAGE', 'TICKET']),
  status: z.enum(['FIRING', 'RESOLVED']),
  long_window: z.string(),
  short_window: z.string(),
});

export const sloSummarySchema = z.object({
  slo_id: z.string(),
  display_name: z.string().nullable(),
  service: z.string(),
  description: z.string().nullable(),
  target: z.number(),
  indicator: z.enum(['ratio', 'threshold', 'composite']).describe('`composite`: a composite SLO (its components in its status).'),
  time_window: z.string().describe('e.g. `28d` (rolling) or `1M calendar`.'),
  budgeting_method: z.enum(['Occurrences', 'Timeslices']),
  file: z.string().nullable(),
  labels: z.record(z.string(), z.string()).describe('`metadata.labels` (a list joined with ","), with the group keys of a grouped SLO.'),
});
export type SloSummary = z.infer<typeof sloSummarySchema>;

export const sloStatusSchema = z.object({
  slo_id: z.string(),
  service: z.string(),
  target: z.number(),
  sli: z.number().nullable().describe('good / total over the time window; null without traffic.'),
  error_budget_remaining: z.number().nullable().describe('Fraction; negative when overspent.'),
  burn_rates: z.record(z.string(), z.number()).describe('Burn rate per window, keyed like `1h`.'),
  alerts: z.array(alertSchema).describe('Rules firing at the evaluation time.'),
  time_to_exhaustion_seconds: z.number().nullable().describe('At the current burn; null when the budget is not burning.'),
  evaluated_at: z.string(),
  labels: z.record(z.string(), z.string()).describe('The SLO\'s `metadata.labels` (a list joined with ","), with the group keys of a grouped SLO.'),
  budget_alerts: z
    .array(z.object({ severity: z.enum(['PAGE', 'TICKET']), status: z.literal('FIRING'), remaining_below: z.number(), firing_since: z.string() }))
    .optional()
    .describe('SLOs with `ops.alert.budget` only: the budget alerts firing at the evaluation time (remaining budget below `remaining_below`).'),
  budget_exhausted_at: z.string().nullable().optional().describe('SLOs with `ops.alert.budget` and composites: the forecast instant the budget runs out at the current burn; null when not burning.'),
  kind: z.literal('composite').optional().describe('Composite SLOs only.'),
  components: z
    .array(
      z.object({
        slo_id: z.string(),
        weight: z.number(),
        share: z.number(),
        target: z.number(),
        sli: z.number().nullable(),
        burn_rate: z.number(),
        error_budget_remaining: z.number(),
        referenced: z.boolean(),
      }),
    )
    .optional()
    .describe('Composite SLOs only: each component over the composite\'s window (its burn against its own target, its weight and share).'),
});
export type SloStatus = z.infer<typeof sloStatusSchema>;

export const historyPointSchema = z.object({
  at: z.string(),
  sli: z.number().nullable(),
  error_budget_remaining: z.number().nullable(),
  burn_rates: z.record(z.string(), z.number()),
});
export type HistoryPoint = z.infer<typeof historyPointSchema>;

export const signalSchema = z.object({
  signal_id: z.string(),
  status: z.enum(['FIRING', 'RESOLVED']),
  severity: z.enum(['PAGE', 'TICKET']),
  slo_id: z.string(),
  service: z.string(),
  reason: z.string(),
  target: z.number(),
  sli: z.number().nullable(),
  error_budget_remaining: z.number().nullable(),
  long_window: z.string(),
  short_window: z.string(),
  burn_rate_long: z.number(),
  burn_rate_short: z.number(),
  burn_rate_threshold: z.number(),
  evaluated_at: z.string(),
  recommended_actions: z.array(z.string()),
  labels: z.record(z.string(), z.string()).describe('The SLO\'s labels as the signal carries them (`{}` for signals recorded before signals carried labels).'),
});
export type Signal = z.infer<typeof signalSchema>;

export interface SignalFilter {
  sloId?: string;
  status?: 'FIRING' | 'RESOLVED';
  severity?: 'PAGE' | 'TICKET';
  from?: Date;
  to?: Date;
  /** Only signals whose labels hold this key with this value. */
  label?: { key: string; value: string };
  limit: number;
  offset: number;
}

const backtestAlert = z.object({
  severity: z.string(),
  status: z.string(),
  at: z.string(),
  long_window: z.string(),
  short_window: z.string(),
  burn_rate_long: z.number(),
  burn_rate_short: z.number(),
  burn_rate_threshold: z.number(),
  signal_id: z.string(),
});
const backtestRun = z.object({
  final: sloStatusSchema.omit({ labels: true }).nullable(),
  curve: z.array(historyPointSchema),
  alerts: z.array(backtestAlert).describe('Every FIRING and RESOLVED transition the definition would have sent.'),
});

/** The SLO engine's backtest result (processors/slo/replay/backtest.ts). */
export const backtestSchema = z.object({
  from: z.string(),
  to: z.string(),
  step_minutes: z.number().int(),
  slos: z.array(
    z.object({
      slo_id: z.string(),
      kind: z.literal('composite').optional().describe('Present for a composite SLO, evaluated from its components; composites follow the SLOs.'),
      proposed: backtestRun,
      current: backtestRun.nullable().describe('The deployed definition with the same id, when there is one.'),
      incidents: z.array(
        z.object({
          incident_id: z.string(),
          proposed_first_alert: z.string().nullable(),
          proposed_lead_minutes: z.number().nullable(),
          current_first_alert: z.string().nullable(),
          current_lead_minutes: z.number().nullable(),
        }),
      ).describe('Incidents in the SLO\'s scope and whether (and how early) each definition alerted.'),
    }),
  ),
  incidents: z.array(
    z.object({
      incident_id: z.string(),
      severity: z.string(),
      opened_at: z.string(),
      resolved_at: z.string().nullable(),
      product_version_id: z.string().nullable(),
      market_code: z.string().nullable(),
      city_code: z.string().nullable(),
      route_id: z.string().nullable(),
      vendor_id: z.string().nullable(),
    }),
  ),
});
export type { BacktestResult };

/** P&L grouping dimensions (docs/interfaces.md "Incident cost"); the allow-list for `by`. */
export const PNL_DIMENSIONS = [
  'month',
  'product_version_id',
  'market_code',
  'city_code',
  'vendor_id',
  'route_id',
  'fault',
  'severity',
  'reason_code',
] as const;
export type PnlDimension = (typeof PNL_DIMENSIONS)[number];

const money = z.string().regex(/^-?\d+\.\d+$|^-?\d+$/).describe('Decimal string in the reporting currency.');

export const pnlRowSchema = z
  .object({
    compensation_cost: money,
    compensation_redeemed: money,
    refund_cost: money,
    lost_revenue: money,
    total_cost: money,
    incidents: z.number().int(),
    unconverted: z.number().int(),
  })
  .catchall(z.string().nullable())
  .describe('The `by` dimensions (strings; null when the incident has no value) plus the figures.');
export type PnlRow = {
  compensation_cost: string;
  compensation_redeemed: string;
  refund_cost: string;
  lost_revenue: string;
  total_cost: string;
  incidents: number;
  unconverted: number;
} & Partial<Record<PnlDimension, string | null>>;

export interface PnlFilter {
  by: PnlDimension[];
  /** First UTC day included, YYYY-MM-DD. */
  from?: string;
  /** Last UTC day included, YYYY-MM-DD. */
  to?: string;
}

export const incidentSummarySchema = z.object({
  incident_id: z.string(),
  severity: z.string(),
  fault: z.string(),
  reason_code: z.string(),
  source: z.string(),
  state: z.string().describe('Latest event type: OPENED, UPDATED or RESOLVED.'),
  opened_at: z.string().nullable(),
  resolved_at: z.string().nullable(),
  product_version_id: z.string().nullable(),
  market_code: z.string().nullable(),
  city_code: z.string().nullable(),
  vendor_id: z.string().nullable(),
  route_id: z.string().nullable(),
  total_cost: money,
  unconverted: z.number().int(),
});
export type IncidentSummary = z.infer<typeof incidentSummarySchema>;

export interface IncidentFilter {
  /** First UTC day the incident opened on, YYYY-MM-DD. */
  from?: string;
  /** Last UTC day, inclusive. */
  to?: string;
  severity?: string;
  fault?: string;
  vendor_id?: string;
  route_id?: string;
  city_code?: string;
  limit: number;
  offset: number;
}

export const incidentDetailSchema = z.object({
  incident: incidentSummarySchema,
  costs: pnlRowSchema.describe('Computed from the stored events with the P&L formulas.'),
  journeys: z.array(
    z.object({
      journey_instance_id: z.string(),
      final_state: z.string().nullable().describe('JOURNEY_COMPLETED, JOURNEY_FAILED, JOURNEY_ABANDONED; null while running.'),
      final_at: z.string().nullable(),
      order_id: z.string().nullable(),
      order_value_minor: z.string().nullable(),
      currency: z.string().nullable(),
    }),
  ),
  compensations: z.array(
    z.object({
      compensation_id: z.string(),
      event_id: z.string(),
      event_type: z.string(),
      occurred_at: z.string(),
      amount_minor: z.string(),
      currency: z.string(),
    }),
  ),
  refunds: z.array(
    z.object({
      refund_id: z.string(),
      order_id: z.string(),
      state: z.string().describe('Latest event: REQUESTED, SUCCEEDED or FAILED.'),
      occurred_at: z.string(),
      amount_minor: z.string(),
      currency: z.string(),
      incident_id: z.string().nullable(),
    }),
  ),
  conversions: z
    .array(
      z.object({
        fact_id: z.string(),
        cost_kind: z.string(),
        occurred_at: z.string(),
        source_event_id: z.string(),
        amount: z.string().describe('In the original currency.'),
        currency: z.string(),
        rate: z.number().nullable(),
        rate_effective_at: z.string().nullable(),
        converted: z.string().nullable().describe('In the reporting currency; null when unconverted.'),
        unconverted_reason: z.string().nullable(),
      }),
    )
    .describe('The stored money facts with the rate each used: the audit trail.'),
});
export type IncidentDetail = Omit<z.infer<typeof incidentDetailSchema>, 'costs'> & { costs: PnlRow };

/** A backtest sweep of one SLO (processors/slo/replay/sweep.ts). */
export const sweepSchema = z.object({
  slo_id: z.string(),
  indicator: z.enum(['ratio', 'latency', 'level', 'composite']).describe('`composite`: a composite SLO; only its own target is varied.'),
  time_window: z.string(),
  target: z.number(),
  threshold_ms: z.number().nullable().describe('The latency threshold as defined; null for an SLI without one.'),
  variants: z
    .array(
      z.object({
        target: z.number(),
        threshold_ms: z.number().nullable(),
        as_defined: z.boolean().describe('The definition as written.'),
        pages: z.number().int(),
        tickets: z.number().int(),
        page_times: z.array(z.string()).describe('When each PAGE episode fired.'),
        ticket_times: z.array(z.string()),
        page_minutes: z.number().int().describe('Minutes with a PAGE alert firing inside the span.'),
        final_sli: z.number().nullable(),
        final_error_budget_remaining: z.number().nullable(),
      }),
    )
    .describe('Every target x threshold, targets outermost.'),
  distribution: z
    .object({
      events: z.number().int(),
      buckets: z.array(z.object({ le_ms: z.number(), count: z.number().int() })).describe('Events with a duration in (previous le_ms, le_ms].'),
      thresholds: z.array(z.object({ threshold_ms: z.number(), share_at_most: z.number() })),
    })
    .nullable()
    .describe('For latency SLIs: the distribution of duration_ms over the span, each threshold with the share of events at most that slow.'),
  history: z.object({
    first_data_at: z.string().nullable(),
    minutes: z.number().int(),
    minutes_with_data: z.number().int(),
    units: z.number(),
  }),
  warnings: z
    .array(z.object({ code: z.enum(['NO_DATA', 'HISTORY_SHORTER_THAN_WINDOW', 'SPAN_SHORTER_THAN_ALERT_WINDOW', 'SPARSE_HISTORY', 'THRESHOLDS_NOT_APPLICABLE', 'COMPOSITE_TARGET_MOVES_SLI_ONLY']), message: z.string() }))
    .describe('Why the figures may not carry a judgement.'),
});
export type SweepAnswer = z.infer<typeof sweepSchema>;

export interface Services {
  sloList(): Promise<SloSummary[]>;
  sloStatus(at: Date | undefined): Promise<SloStatus[]>;
  sloHistory(sloId: string, from: Date, to: Date, stepMinutes: number): Promise<HistoryPoint[] | undefined>;
  signals(filter: SignalFilter): Promise<{ items: Signal[]; total: number }>;
  backtest(yaml: string, from: Date, to: Date): Promise<BacktestResult>;
  /** undefined: no SLO with this id. */
  sweep(sloId: string, from: Date, to: Date, options: { targets?: number[]; thresholdsMs?: number[] }): Promise<SweepAnswer | undefined>;
  pnl(filter: PnlFilter): Promise<PnlRow[]>;
  incidents(filter: IncidentFilter): Promise<{ items: IncidentSummary[]; total: number }>;
  incident(id: string): Promise<IncidentDetail | undefined>;
  statusSeries(query: SeriesQuery): Promise<StatusSeries>;
  reportingCurrency: string;
}
