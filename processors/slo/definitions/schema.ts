import { z } from 'zod';
import { isValidTimeZone, parseStartTime } from './calendar.js';

/**
 * Zod schemas of the OpenSLO v1 kinds (docs/interfaces.md, "SLIs, error budgets and burn rates"): SLO, SLI,
 * Service, DataSource, AlertPolicy, AlertCondition, AlertNotificationTarget. Every object
 * is strict: an unknown field is an error naming it, so a typo never silently changes what
 * an SLO measures. What the documents mean together (references, metric sources, windows,
 * alert policies) is checked when they are built (build.ts), with the same file, document
 * and field in every message.
 */
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const Name = z.string().regex(NAME, 'must be a DNS-style name: lowercase letters, digits and "-", at most 63 characters');
/**
 * Names of the other kinds: OpenSLO requires RFC 1123 labels at least, and its own examples
 * name targets and policies in CamelCase (`OnCallDevopsMailNotification`), so letters of
 * either case, digits, ".", "_" and "-" are accepted there. SLO and SLI names stay DNS labels
 * (an SLO's name is its slo_id).
 */
const OBJECT_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
export const ObjectName = z.string().regex(OBJECT_NAME, 'must be a name of at most 63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit');
const NonEmpty = z.string().min(1, 'must not be empty');
/** OpenSLO caps descriptions at 1050 characters. */
const Description = z.string().max(1050, 'must be at most 1050 characters');

const metadata = (name: z.ZodString) =>
  z.strictObject({
    name,
    displayName: z.string().optional(),
    labels: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  });

/** Metadata of kinds whose names may be CamelCase (Service, DataSource, the alerting kinds). */
export const ObjectMetadata = metadata(ObjectName);

export const Metadata = metadata(Name);

/** `metricSource.spec` of the `slo-pipeline` source (the topic may come from its DataSource). */
export const MetricSourceSpec = z.strictObject({
  topic: z.string().optional(),
  eventTypes: z.array(z.string()).min(1, 'must list at least one event type'),
  where: z.record(z.string(), NonEmpty).optional(),
  latencyBelowMs: z.number().int('must be a whole number of milliseconds').positive('must be > 0').optional(),
});

/**
 * `metricSource`: `type` and/or `metricSourceRef` (a DataSource); `spec` is read as the
 * `slo-pipeline` spec only once the type is known to be ours (build.ts), so a foreign spec
 * is reported as "unsupported type", not as a list of unknown fields.
 */
const MetricSource = z.strictObject({
  metricSourceRef: ObjectName.optional(),
  type: z.string().optional(),
  spec: z.unknown().optional(),
});

const Query = z.strictObject({ metricSource: MetricSource });

const RatioMetric = z.strictObject({
  counter: z.boolean().optional(),
  good: Query.optional(),
  bad: Query.optional(),
  total: Query.optional(),
  rawType: z.enum(['success', 'failure'], { error: 'must be success or failure' }).optional(),
  raw: Query.optional(),
});

const ThresholdMetric = z.strictObject({ metricSource: MetricSource });

export const SliSpec = z
  .strictObject({
    description: Description.optional(),
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

const TimeWindowSchema = z.strictObject({
  duration: z.string(),
  /** Omitted: false when `calendar` is given (OpenSLO v1). */
  isRolling: z.boolean().optional(),
  calendar: Calendar.optional(),
});

const Objective = z.strictObject({
  displayName: z.string().optional(),
  op: z.enum(['lt', 'lte', 'gt', 'gte'], { error: 'must be lt, lte, gt or gte' }).optional(),
  value: z.number().optional(),
  target: z.number().gt(0, 'must be > 0').lt(1, 'must be < 1 (a 100% target leaves no error budget)').optional(),
  targetPercent: z.number().gt(0, 'must be > 0').lt(100, 'must be < 100').optional(),
  timeSliceTarget: z.number().gt(0, 'must be > 0').lte(1, 'must be <= 1').optional(),
  /** A duration shorthand, or a number of seconds. */
  timeSliceWindow: z.union([z.string(), z.number()]).optional(),
  /** Composite SLOs (definitions/composite.ts): the objective's own indicator and weight. */
  indicator: z.strictObject({ metadata: Metadata, spec: SliSpec }).optional(),
  indicatorRef: Name.optional(),
  compositeWeight: z.number().gt(0, 'must be > 0').optional(),
});

/** A composite SLO's components (definitions/composite.ts). */
const CompositeSpec = z.strictObject({
  target: z.number().gt(0, 'must be > 0').lt(1, 'must be < 1 (a 100% target leaves no error budget)').optional(),
  components: z.array(z.strictObject({ slo: NonEmpty, weight: z.number().gt(0, 'must be > 0').optional() })).min(1, 'must hold at least one component').optional(),
});

const ApiVersion = z.literal('openslo/v1', { error: 'must be "openslo/v1"' });

export const AlertConditionSpec = z.strictObject({
  description: Description.optional(),
  severity: NonEmpty,
  condition: z.strictObject({
    kind: z.string(),
    op: z.enum(['lt', 'lte', 'gt', 'gte'], { error: 'must be lt, lte, gt or gte' }).optional(),
    threshold: z.number(),
    lookbackWindow: z.string(),
    alertAfter: z.string().optional(),
  }),
});

export const AlertNotificationTargetSpec = z.strictObject({
  description: Description.optional(),
  target: NonEmpty,
});

/** An inline object of another kind (`apiVersion` may be left out inside its parent). */
const inline = <K extends string, S extends z.ZodType>(kind: K, spec: S) =>
  z.strictObject({ apiVersion: ApiVersion.optional(), kind: z.literal(kind, { error: `must be "${kind}"` }), metadata: ObjectMetadata, spec });

const ConditionItem = z.union(
  [z.strictObject({ conditionRef: ObjectName, operator: z.string().optional() }), inline('AlertCondition', AlertConditionSpec)],
  { error: 'must be {conditionRef: NAME} or an inline kind: AlertCondition' },
);

const TargetItem = z.union([z.strictObject({ targetRef: ObjectName }), inline('AlertNotificationTarget', AlertNotificationTargetSpec)], {
  error: 'must be {targetRef: NAME} or an inline kind: AlertNotificationTarget',
});

export const AlertPolicySpec = z.strictObject({
  description: Description.optional(),
  alertWhenNoData: z.boolean().optional(),
  alertWhenResolved: z.boolean().optional(),
  alertWhenBreaching: z.boolean().optional(),
  conditions: z.array(ConditionItem).min(1, 'must hold at least one condition'),
  notificationTargets: z.array(TargetItem).optional(),
});

const AlertPolicyItem = z.union(
  [ObjectName, z.strictObject({ alertPolicyRef: ObjectName }), inline('AlertPolicy', AlertPolicySpec)],
  { error: 'must be a policy name, {alertPolicyRef: NAME} or an inline kind: AlertPolicy' },
);

const SloSpec = z.strictObject({
  description: Description.optional(),
  service: NonEmpty,
  indicator: z.strictObject({ metadata: Metadata, spec: SliSpec }).optional(),
  indicatorRef: Name.optional(),
  /** @default Occurrences */
  budgetingMethod: z.enum(['Occurrences', 'Timeslices', 'RatioTimeslices'], { error: 'must be Occurrences, Timeslices or RatioTimeslices' }).default('Occurrences'),
  /** @default a rolling 30d window (as Sloth's default period) */
  timeWindow: z.array(TimeWindowSchema).length(1, 'must hold exactly one window').default([{ duration: '30d', isRolling: true }]),
  objectives: z.array(Objective).min(1, 'must hold at least one objective'),
  composite: CompositeSpec.optional(),
  /** Left empty (`alertPolicies:` with nothing after it): the default rules; `[]`: no alerts. */
  alertPolicies: z.array(AlertPolicyItem).nullable().optional(),
});

const doc = <K extends string, S extends z.ZodType>(kind: K, spec: S, meta: typeof Metadata = ObjectMetadata) =>
  z.strictObject({ apiVersion: ApiVersion, kind: z.literal(kind), metadata: meta, spec });

export const SloDocument = doc('SLO', SloSpec, Metadata);
export const SliDocument = doc('SLI', SliSpec, Metadata);
export const ServiceDocument = z.strictObject({
  apiVersion: ApiVersion,
  kind: z.literal('Service'),
  metadata: ObjectMetadata,
  spec: z.strictObject({ description: Description.optional() }).optional(),
});
export const DataSourceDocument = doc(
  'DataSource',
  z.strictObject({ description: Description.optional(), type: NonEmpty, connectionDetails: z.unknown().optional() }),
);
export const AlertPolicyDocument = doc('AlertPolicy', AlertPolicySpec);
export const AlertConditionDocument = doc('AlertCondition', AlertConditionSpec);
export const AlertNotificationTargetDocument = doc('AlertNotificationTarget', AlertNotificationTargetSpec);

/** The kinds of OpenSLO v1, in the order of the specification. */
export const KINDS = ['Service', 'SLI', 'SLO', 'DataSource', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget'] as const;
export type Kind = (typeof KINDS)[number];

export type SloDocumentT = z.infer<typeof SloDocument>;
export type SliSpecT = z.infer<typeof SliSpec>;
export type MetricSourceT = z.infer<typeof MetricSource>;
export type MetricSourceSpecT = z.infer<typeof MetricSourceSpec>;
export type ObjectiveT = z.infer<typeof Objective>;
export type TimeWindowT = z.infer<typeof TimeWindowSchema>;
export type AlertPolicySpecT = z.infer<typeof AlertPolicySpec>;
export type AlertConditionSpecT = z.infer<typeof AlertConditionSpec>;
export type AlertNotificationTargetSpecT = z.infer<typeof AlertNotificationTargetSpec>;
export type AlertPolicyItemT = z.infer<typeof AlertPolicyItem>;
export type MetadataT = z.infer<typeof Metadata>;
