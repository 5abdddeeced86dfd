import { z } from 'zod';
import { minorUnits } from '../../contracts/currencies.js';
import { PipelineError } from '../../errors/index.js';

/** Options of the incident-cost join in the warehouse. */
export interface EconomicsOptions {
  /**
   * ISO 4217 code all costs are reported in. Changing it needs a full re-costing
   * (`recostAll`); the P&L only reads rows computed for the configured currency.
   * @default 'EUR'
   */
  reportingCurrency?: string;
  /** Incidents re-costed per round trip. @default 500 */
  chunkSize?: number;
  /** Marks read per refresh round. @default 20000 */
  markBatch?: number;
  /**
   * How far behind the last refresh marks are re-read, for inserts that were still in
   * flight (written, not yet visible) when it ran. @default 600000 (10 minutes)
   */
  graceMs?: number;
}

export type ResolvedEconomicsOptions = Required<EconomicsOptions>;

export const ECONOMICS_DEFAULTS: ResolvedEconomicsOptions = {
  reportingCurrency: 'EUR',
  chunkSize: 500,
  markBatch: 20_000,
  graceMs: 600_000,
};

const schema = z
  .object({
    reportingCurrency: z
      .string()
      .refine((c) => minorUnits(c) !== undefined, { message: 'not an ISO 4217 money currency' })
      .optional(),
    chunkSize: z.number().int().min(1).max(100_000).optional(),
    markBatch: z.number().int().min(1).max(1_000_000).optional(),
    graceMs: z.number().int().min(0).optional(),
  })
  .strict();

/** Validates options once, at the edge; an unknown or bad field is named in the error. */
export function resolveEconomicsOptions(options: EconomicsOptions = {}): ResolvedEconomicsOptions {
  const r = schema.safeParse(options);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue?.path.join('.') || (issue && 'keys' in issue ? String(issue.keys) : 'options');
    throw new PipelineError('INVALID_CONFIG', `economics option ${field}: ${issue?.message ?? 'invalid'}`, { field });
  }
  return { ...ECONOMICS_DEFAULTS, ...stripUndefined(r.data) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The reporting currency from the environment (`SLO_REPORTING_CURRENCY`), else the default. */
export function reportingCurrencyFromEnv(env: NodeJS.ProcessEnv): string {
  return env['SLO_REPORTING_CURRENCY'] ?? ECONOMICS_DEFAULTS.reportingCurrency;
}
