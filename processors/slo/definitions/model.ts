import type { AlertSeverity, BreachReason } from '../../contracts/enums.js';
import type { CalendarSpec } from './calendar.js';
import type { MaintenanceWindow } from './maintenance.js';
import type { BudgetAlertRule } from './budget-alerts.js';

/**
 * The normalized SLO model every other part works on. The OpenSLO YAML is validated
 * once at the edge (load.ts) and turned into these plain values.
 */
export type SliTopic = 'tjm.journey.v1' | 'lem.signals.v1';
export type SliFamily = 'journey' | 'lem';

/** A selection of events: `metricSource.spec` of one OpenSLO query. */
export interface Selector {
  family: SliFamily;
  topic: SliTopic;
  /** Sorted, unique. */
  eventTypes: readonly string[];
  /** Equality filters, keys sorted. */
  where: Readonly<Record<string, string>>;
  /** Only events with `duration_ms <= latencyMaxMs` count (journeys only); null: no cut. */
  latencyMaxMs: number | null;
}

export type ComparisonOp = 'lt' | 'lte' | 'gt' | 'gte';

export type Indicator =
  /** good (or bad) events over total events. */
  | { kind: 'ratio'; total: Selector; good: Selector; goodIsBad: boolean }
  /**
   * Journey latency: one value per event (`duration_ms`), good when it satisfies the
   * objective. Durations are whole milliseconds, so every op reduces to `<= cutMs` or
   * `> cutMs`. Events without a duration do not count.
   */
  | { kind: 'latency'; events: Selector; cutMs: number; goodWhenAbove: boolean }
  /** LEM score as a level held per scope_id+metric; each minute slice is one occurrence. */
  | { kind: 'level'; events: Selector; op: ComparisonOp; value: number };

export type TimeWindow =
  | { kind: 'rolling'; text: string; minutes: number }
  | ({ kind: 'calendar'; text: string } & CalendarSpec);

/**
 * Timeslices: a slice is one unit, good when its own ratio reaches `sliceTarget`.
 * RatioTimeslices (OpenSLO): `sliceTarget` is null and a slice counts its ratio (good/total)
 * as its good share of one unit, so the SLI is the mean of the slice ratios.
 */
export type Budgeting = { method: 'Occurrences' } | { method: 'Timeslices'; sliceMinutes: number; sliceTarget: number | null };

/** An `AlertNotificationTarget` an alert is routed to (OpenSLO `spec.target`, e.g. `pagerduty`). */
export interface NotificationTarget {
  /** `metadata.name` of the target. */
  name: string;
  /** `spec.target`: the receiver kind or address the signals side routes by. */
  target: string;
  description: string | null;
}

export interface AlertRule {
  severity: AlertSeverity;
  /** Burn-rate factor both windows must reach. */
  threshold: number;
  longWindow: string;
  longMinutes: number;
  shortWindow: string;
  shortMinutes: number;
  /** The OpenSLO `AlertCondition` this rule comes from (absent for default and annotation rules). */
  condition?: string;
  /** The OpenSLO `AlertPolicy` this rule comes from. */
  policy?: string;
  /** Where a signal of this rule should go: the policy's `notificationTargets` (absent: the default receivers). */
  targets?: readonly NotificationTarget[];
  /**
   * false: the policy says `alertWhenResolved: false`; the RESOLVED signal is still written
   * (it closes the episode for every consumer), receivers should not notify anyone of it.
   */
  notifyResolved?: false;
}

export interface AlertPolicy {
  /** Rules in evaluation order (per severity, highest threshold first as written). */
  rules: readonly AlertRule[];
  /** The condition must hold this long before the alert fires (pending state). */
  pendingForMinutes: number;
  /** A firing alert resolves only after its condition was false this long (no flapping). */
  keepFiringForMinutes: number;
}

/** Scope fields copied into breach signals (docs/interfaces.md: from the SLO's `where`). */
export interface SignalScope {
  product_version_id: string | null;
  market_code: string | null;
  city_code: string | null;
  route_id: string | null;
  vendor_id: string | null;
}

export interface SloDefinition {
  /** `slo_id`: `metadata.name`, suffixed `/<objective>` when there are several objectives. */
  id: string;
  name: string;
  displayName: string | null;
  description: string | null;
  service: string;
  file: string;
  /** 1-based document index in its file. */
  document: number;
  indicator: Indicator;
  target: number;
  window: TimeWindow;
  budgeting: Budgeting;
  alerting: AlertPolicy;
  reason: BreachReason;
  recommendedActions: readonly string[];
  scope: SignalScope;
  /** `metadata.labels` (list values joined with ","), plus the group keys of a grouped SLO. */
  labels: Readonly<Record<string, string>>;
  /** The `kind: Service` named by `spec.service`, when the set declares it. */
  serviceInfo?: { displayName: string | null; description: string | null };
  /** A grouped SLO (`ops.group.by`): the document it comes from and its values of the group keys. */
  group?: { template: string; values: Readonly<Record<string, string>> };
  /** The maintenance windows that select this SLO (definitions/maintenance.ts): their minutes count as no events. */
  maintenance?: readonly MaintenanceWindow[];
  /** `ops.alert.budget`: alerts on the remaining error budget (definitions/budget-alerts.ts). */
  budgetAlerts?: readonly BudgetAlertRule[];
}
