import { z } from 'zod';
import { PipelineError } from '../errors/index.js';
import { CATALOG } from './catalog.js';
import { INCIDENT_KINDS, type IncidentKind } from './types.js';

/** An incident at a chosen time (live demos, tests), besides the planned ones. */
export interface ScheduledIncident {
  /** First instant (epoch ms, or ISO-8601 text). */
  at: number | string;
  minutes: number;
  kind: IncidentKind;
  product_version_id: string;
}

/** Options of a simulation run. Content options decide the traffic; delivery options only how it is delivered. */
export interface SimOptions {
  /** Seed of the traffic (and of the delivery, unless `deliverySeed` is given). */
  seed: number;
  /** Simulated days. @default 2 */
  days?: number;
  /** First simulated instant: ISO-8601 text or epoch milliseconds. @default '2026-11-01T00:00:00Z' */
  start?: string | number;
  /** Journeys per day over all product versions (the actual count varies with the seed). @default 10000 */
  journeysPerDay?: number;
  /**
   * Journeys through the day: `diurnal` follows each city's local day (quiet nights, lunch and
   * evening peaks), `flat` keeps the daily mean at every hour (a live demo that shows the same
   * at any time). @default 'diurnal'
   */
  load?: 'diurnal' | 'flat';
  /** Incidents per day (each on a different product version). @default 3 */
  incidentsPerDay?: number;
  /** Incidents at chosen times on chosen product versions, besides the `incidentsPerDay` planned ones. @default none */
  scheduledIncidents?: ScheduledIncident[];
  /** Seed of the delivery imperfections; the same seed with another delivery seed gives the same events in another order. @default seed */
  deliverySeed?: number;
  /** Share of events delivered a second time later (same event_id). @default 0.01 */
  duplicateRate?: number;
  /** Share of events delivered hours late. @default 0.005 */
  lateRate?: number;
  /** Longest delay of a late event, in hours (a late event is 1 h to this late). @default 6 */
  lateMaxHours?: number;
  /** Mean delivery delay in ms; events whose delays differ arrive out of order. 0 delivers in event-time order. @default 2000 */
  jitterMs?: number;
  /** Share of extra malformed records (each kind at least once when above 0). @default 0.002 */
  malformedRate?: number;
  /**
   * Also produce `raw-bytes` records (bad framing, unknown schema, truncated body, empty value)
   * for byte transports. JSON Lines output skips them. @default true
   */
  byteFaults?: boolean;
  /**
   * Encodes an event as Avro single-object bytes (`codec.encode(recordName, value)`); used to
   * build truncated bodies (UNDECODABLE). Without it no UNDECODABLE records are produced.
   * @default undefined
   */
  encodeAvro?: (recordName: string, value: unknown) => Buffer;
}

export type ResolvedSimOptions = Required<Omit<SimOptions, 'start' | 'encodeAvro' | 'scheduledIncidents'>> & {
  /** Epoch milliseconds of the first simulated instant. */
  start: number;
  scheduledIncidents: Array<ScheduledIncident & { at: number }>;
  encodeAvro: ((recordName: string, value: unknown) => Buffer) | undefined;
};

export const DEFAULT_START = '2026-11-01T00:00:00Z';

const rate = z.number().min(0).max(0.5);
const seed = z.number().int().min(-0x80000000).max(0xffffffff);

const schema = z.strictObject({
  seed,
  days: z.number().int().min(1).max(366).default(2),
  start: z.union([z.string(), z.number().int()]).default(DEFAULT_START),
  journeysPerDay: z.number().int().min(0).max(5_000_000).default(10_000),
  incidentsPerDay: z.number().int().min(0).max(8).default(3),
  scheduledIncidents: z
    .array(
      z.strictObject({
        at: z.union([z.string(), z.number().int()]),
        minutes: z.number().int().min(1).max(1440),
        kind: z.enum(INCIDENT_KINDS),
        product_version_id: z.string().refine((pv) => CATALOG.productVersions.some((p) => p.product_version_id === pv), 'unknown product version'),
      }),
    )
    .default([]),
  load: z.enum(['diurnal', 'flat']).default('diurnal'),
  deliverySeed: seed.optional(),
  duplicateRate: rate.default(0.01),
  lateRate: rate.default(0.005),
  lateMaxHours: z.number().min(1).max(48).default(6),
  jitterMs: z.number().min(0).max(600_000).default(2000),
  malformedRate: rate.default(0.002),
  byteFaults: z.boolean().default(true),
  encodeAvro: z.custom<(recordName: string, value: unknown) => Buffer>((v) => typeof v === 'function', 'must be a function').optional(),
});

function parseStart(start: string | number): number {
  const ms = typeof start === 'number' ? start : Date.parse(start);
  if (!Number.isFinite(ms) || ms < Date.UTC(2000, 0, 1) || ms > Date.UTC(2200, 0, 1)) {
    throw new PipelineError('INVALID_CONFIG', `simulator option start: ${JSON.stringify(start)} is not an instant between 2000 and 2200`, {
      field: 'start',
      value: start,
    });
  }
  return ms;
}

/** Validates options once at the edge; unknown keys are rejected and the bad field is named. */
export function resolveSimOptions(input: unknown): ResolvedSimOptions {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : '') : '';
    const message = issue?.code === 'unrecognized_keys' ? `unknown option ${issue.keys.join(', ')}` : (issue?.message ?? 'invalid');
    throw new PipelineError('INVALID_CONFIG', `simulator option ${field}: ${message}`, { field });
  }
  const o = parsed.data;
  return {
    seed: o.seed,
    days: o.days,
    start: parseStart(o.start),
    journeysPerDay: o.journeysPerDay,
    load: o.load,
    incidentsPerDay: o.incidentsPerDay,
    scheduledIncidents: o.scheduledIncidents.map((i) => ({ ...i, at: parseStart(i.at) })),
    deliverySeed: o.deliverySeed ?? o.seed,
    duplicateRate: o.duplicateRate,
    lateRate: o.lateRate,
    lateMaxHours: o.lateMaxHours,
    jitterMs: o.jitterMs,
    malformedRate: o.malformedRate,
    byteFaults: o.byteFaults,
    encodeAvro: o.encodeAvro,
  };
}
