import { z } from 'zod';
import { INPUT_TOPIC_LIST } from '../../contracts/topics.js';
import { isValidTimeZone, parseStartTime } from './calendar.js';
import { parseDuration } from './duration.js';
import { familyOfSliTopic, SLI_FAMILIES } from './selector.js';

/**
 * Zod schemas of the OpenSLO v1 subset this pipeline evaluates (CONTRACTS.md, "SLO
 * definitions"). Every object is strict: an unknown field is an error naming it, so a
 * typo never silently changes what an SLO measures.
 */
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const Name = z.string().regex(NAME, 'must be a DNS-style name: lowercase letters, digits and "-", at most 63 characters');
const NonEmpty = z.string().min(1, 'must not be empty');

const Metadata = z.strictObject({
  name: Name,
  displayName: z.string().optional(),
  labels: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const Duration = (units: string, allowed: RegExp) =>
  z.string().refine((s) => parseDuration(s) !== null && allowed.test(s), { message: `must be a duration like ${units}` });

const MetricSourceSpec = z
  .strictObject({
    topic: z.string(),
    eventTypes: z.array(z.string()).min(1, 'must list at least one event type'),
    where: z.record(z.string(), NonEmpty).optional(),
    latencyBelowMs: z.number().int('must be a whole number of milliseconds').positive('must be > 0').optional(),
  })
  .superRefine((v, ctx) => {
    const family = familyOfSliTopic(v.topic);
    if (!family) {
      const known = (INPUT_TOPIC_LIST as readonly string[]).includes(v.topic);
      ctx.addIssue({
        code: 'custom',
        path: ['topic'],
        message: known
          ? `topic ${v.topic} has no SLI data; SLOs read tjm.journey.v1 or lem.signals.v1`
          : `unknown topic ${JSON.stringify(v.topic)}; SLOs read tjm.journey.v1 or lem.signals.v1`,
      });
      return;
    }
    const f = SLI_FAMILIES[family];
    v.eventTypes.forEach((t, i) => {
      if (!f.eventTypes.includes(t)) {
        ctx.addIssue({ code: 'custom', path: ['eventTypes', i], message: `unknown event type ${JSON.stringify(t)} for ${v.topic} (one of ${f.eventTypes.join(', ')})` });
      }
    });
    for (const k of Object.keys(v.where ?? {})) {
      if (!f.whereKeys.includes(k)) {
        ctx.addIssue({ code: 'custom', path: ['where', k], message: `unknown field ${JSON.stringify(k)} for ${v.topic} (one of ${f.whereKeys.join(', ')})` });
      }
    }
    if (v.latencyBelowMs !== undefined && family !== 'journey') {
      ctx.addIssue({ code: 'custom', path: ['latencyBelowMs'], message: `only journey events (tjm.journey.v1) carry duration_ms` });
    }
  });

const MetricSource = z.strictObject({
  type: z.literal('slo-pipeline', { error: 'must be "slo-pipeline"' }),
  spec: MetricSourceSpec,
});

const Query = z.strictObject({ metricSource: MetricSource });

const RatioMetric = z
  .strictObject({
    counter: z.boolean().optional(),
    good: Query.optional(),
    bad: Query.optional(),
    total: Query,
  })
  .superRefine((v, ctx) => {
    if ((v.good === undefined) === (v.bad === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'needs exactly one of `good` or `bad`' });
      return;
    }
    const part = v.good ?? v.bad;
    if (v.counter === false) ctx.addIssue({ code: 'custom', path: ['counter'], message: 'only counters (event counts) are supported' });
    const topics = [part?.metricSource.spec.topic ?? '', v.total.metricSource.spec.topic];
    // An unknown topic is already reported where it is written.
    if (topics.every((t) => familyOfSliTopic(t)) && topics[0] !== topics[1]) {
      ctx.addIssue({ code: 'custom', path: [v.good ? 'good' : 'bad', 'metricSource', 'spec', 'topic'], message: 'must be the same topic as `total`' });
    }
  });

const ThresholdMetric = z.strictObject({ metricSource: MetricSource });

export const SliSpec = z
  .strictObject({
    description: z.string().optional(),
    ratioMetric: RatioMetric.optional(),
    thresholdMetric: ThresholdMetric.optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.ratioMetric === undefined) === (v.thresholdMetric === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'needs exactly one of `ratioMetric` or `thresholdMetric`' });
    }
  });

const Calendar = z.strictObject({
  startTime: z.string().refine((s) => parseStartTime(s) !== null, { message: 'must be a wall-clock time like "2024-01-01 00:00:00"' }),
  timeZone: z.string().refine(isValidTimeZone, { message: 'must be an IANA time zone such as "Europe/Vienna"' }),
});

const TimeWindowSchema = z
  .strictObject({
    duration: z.string(),
    isRolling: z.boolean(),
    calendar: Calendar.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.isRolling) {
      if (!/^[1-9][0-9]*[mhdw]$/.test(v.duration)) {
        ctx.addIssue({ code: 'custom', path: ['duration'], message: `rolling windows take a duration like 28d, 30d, 1w or 12h; got ${JSON.stringify(v.duration)}` });
      }
      if (v.calendar) ctx.addIssue({ code: 'custom', path: ['calendar'], message: 'a rolling window has no calendar' });
    } else {
      if (v.duration !== '1w' && v.duration !== '1M') {
        ctx.addIssue({ code: 'custom', path: ['duration'], message: `calendar windows take 1w or 1M; got ${JSON.stringify(v.duration)}` });
      }
      if (!v.calendar) ctx.addIssue({ code: 'custom', path: ['calendar'], message: 'a calendar window (isRolling: false) needs calendar: {startTime, timeZone}' });
    }
  });

const Objective = z.strictObject({
  displayName: z.string().optional(),
  op: z.enum(['lt', 'lte', 'gt', 'gte']).optional(),
  value: z.number().optional(),
  target: z.number().gt(0, 'must be > 0').lt(1, 'must be < 1 (a 100% target leaves no error budget)').optional(),
  targetPercent: z.number().gt(0, 'must be > 0').lt(100, 'must be < 100').optional(),
  timeSliceTarget: z.number().gt(0, 'must be > 0').lte(1, 'must be <= 1').optional(),
  timeSliceWindow: Duration('1m or 5m', /^[0-9]+[mh]$/).optional(),
});

const SloSpec = z.strictObject({
  description: z.string().optional(),
  service: NonEmpty,
  indicator: z.strictObject({ metadata: Metadata, spec: SliSpec }).optional(),
  indicatorRef: Name.optional(),
  budgetingMethod: z.enum(['Occurrences', 'Timeslices'], { error: 'must be Occurrences or Timeslices' }),
  timeWindow: z.array(TimeWindowSchema).length(1, 'must hold exactly one window'),
  objectives: z.array(Objective).min(1, 'must hold at least one objective'),
});

const ApiVersion = z.literal('openslo/v1', { error: 'must be "openslo/v1"' });

export const SloDocument = z.strictObject({ apiVersion: ApiVersion, kind: z.literal('SLO'), metadata: Metadata, spec: SloSpec });
export const SliDocument = z.strictObject({ apiVersion: ApiVersion, kind: z.literal('SLI'), metadata: Metadata, spec: SliSpec });
export const ServiceDocument = z.strictObject({
  apiVersion: ApiVersion,
  kind: z.literal('Service'),
  metadata: Metadata,
  spec: z.strictObject({ description: z.string().optional() }).optional(),
});

export type SloDocumentT = z.infer<typeof SloDocument>;
export type SliSpecT = z.infer<typeof SliSpec>;
export type MetricSourceSpecT = z.infer<typeof MetricSourceSpec>;
export type ObjectiveT = z.infer<typeof Objective>;
export type TimeWindowT = z.infer<typeof TimeWindowSchema>;
