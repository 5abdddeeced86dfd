import type { EventOfFamily } from '../contracts/events.js';
import type { Family, InputTopic, INPUT_TOPICS } from '../contracts/topics.js';
import type { DeadLetterCode } from '../errors/codes.js';

/** A valid event as delivered: topic, Kafka key and the value with the docs/interfaces.md field names. */
export type EventRecord = {
  [F in Family]: { kind: 'event'; topic: (typeof INPUT_TOPICS)[F]; key: string; value: EventOfFamily[F] };
}[Family];

/** A JSON Lines line that must be dead-lettered before any topic is known (not JSON, bad envelope). */
export interface RawLineRecord {
  kind: 'raw-line';
  line: string;
  expected: DeadLetterCode;
}

/** A well-formed envelope whose topic or value must be dead-lettered. */
export interface BadEventRecord {
  kind: 'bad-event';
  topic: string;
  key: string;
  value: Record<string, unknown>;
  expected: DeadLetterCode;
}

/** Bytes as a byte transport (Kafka) would carry them; skipped in JSON Lines. */
export interface RawBytesRecord {
  kind: 'raw-bytes';
  topic: InputTopic;
  key: string;
  bytes: Buffer;
  expected: DeadLetterCode;
}

export type SimRecord = EventRecord | RawLineRecord | BadEventRecord | RawBytesRecord;

/** Money figures in minor units of one currency. */
export interface CostFigures {
  compensation_cost: number;
  compensation_redeemed: number;
  refund_cost: number;
  lost_revenue: number;
  total_cost: number;
}

/** Figures in the reporting currency (minor units) plus how many money events had no rate. */
export interface ReportingFigures extends CostFigures {
  unconverted: number;
}

export type MoneyKind = 'compensation_issued' | 'compensation_revoked' | 'compensation_redeemed' | 'refund' | 'lost_revenue';

/** One money event of an incident, as finance would audit it. */
export interface MoneyItem {
  kind: MoneyKind;
  /** compensation_id, refund_id or (lost revenue) order_id. */
  ref: string;
  /** event_id of the money event; for lost revenue the journey's final event. */
  event_id: string;
  occurred_at: number;
  amount_minor: number;
  currency: string;
  /** Rate used (the latest effective at or before occurred_at), null when none. */
  rate: number | null;
  /** Converted and rounded half-to-even to the reporting minor unit; null when unconverted. */
  converted_minor: number | null;
}

export const INCIDENT_KINDS = ['VENDOR_NO_SHOW', 'PLATFORM_BUG', 'SAFETY_RISK'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** What the incident did to traffic: journeys of `product_version_id` (on `route_id` when set) started in [from, to). */
export interface IncidentWindow {
  incident_id: string;
  kind: IncidentKind;
  product_version_id: string;
  market_code: string;
  city_code: string;
  route_id: string | null;
  vendor_id: string | null;
  /** Effect window, epoch ms (whole minutes). */
  from: number;
  to: number;
  /** Share of journeys in scope that fail or are abandoned during the window. */
  bad_share: number;
  /** LEM: the route's SAFETY_SCORE is below `threshold` from `from` until `to` (SAFETY_RISK only). */
  lem: { scope_id: string; metric: 'SAFETY_SCORE'; threshold: number } | null;
}

export interface IncidentTruth {
  incident_id: string;
  kind: IncidentKind;
  /** Final dimensions (the latest incident event wins). */
  severity: string;
  source: string;
  reason_code: string;
  fault: string;
  product_version_id: string | null;
  market_code: string | null;
  city_code: string | null;
  vendor_id: string | null;
  route_id: string | null;
  /** Month of the OPENED event (YYYY-MM); costs are split by their own month in `by_month`. */
  month: string;
  /** Journeys in scope (product version, and route when set) started in [from, to) were hit. */
  window: { from: number; to: number; from_minute: string; to_minute: string };
  /** Share of in-scope journeys failed or abandoned during the window. */
  bad_share: number;
  /** SAFETY_RISK: the route's SAFETY_SCORE is below `threshold` from window.from until window.to. */
  lem: IncidentWindow['lem'];
  opened_at: number;
  updated_at: number[];
  resolved_at: number;
  journey_instance_ids: string[];
  /** Per original currency, minor units (every money event, converted or not). */
  original: Record<string, CostFigures>;
  /** Reporting currency (EUR) minor units; unconverted money events are left out and counted. */
  reporting: ReportingFigures;
  /** The reporting figures split by the month of each money event's occurred_at. */
  by_month: Record<string, ReportingFigures>;
  money: MoneyItem[];
}

/** Journey outcomes of one minute of event time: [minute start (epoch ms), completed, failed, abandoned]. */
export type MinuteOutcomes = [number, number, number, number];

export interface DeadLetterTruth {
  total: number;
  by_code: Partial<Record<DeadLetterCode, number>>;
}

export interface GroundTruth {
  version: 1;
  /** Tag in every generated id; depends on the content options only. */
  run_id: string;
  seed: number;
  delivery_seed: number;
  start: number;
  end: number;
  reporting_currency: string;
  /** Delivered records by kind (duplicates included). */
  records: { total: number; event: number; raw_line: number; bad_event: number; raw_bytes: number };
  /** Lines `toJsonLines` writes and messages a byte transport receives. */
  deliveries: { jsonl_lines: number; byte_messages: number };
  /** Distinct events (after dedup by event_id). */
  events: { total: number; by_topic: Record<string, number>; by_topic_event_type: Record<string, Record<string, number>> };
  duplicates: { total: number; by_topic: Record<string, number> };
  /** Events delivered at least an hour after their occurred_at. */
  late: number;
  /** Events delivered after an event of the same topic with a later occurred_at. */
  out_of_order: number;
  /** Dead letters expected when ingesting the JSON Lines output, and when publishing to a byte transport. */
  dead_letters: { jsonl: DeadLetterTruth; bytes: DeadLetterTruth };
  journeys: { total: number; by_product_version: Record<string, { completed: number; failed: number; abandoned: number }> };
  /** Per product version, minutes with at least one outcome, ascending. */
  journey_outcomes_per_minute: Record<string, MinuteOutcomes[]>;
  incidents: IncidentTruth[];
  fx_rates: Array<{ currency: string; occurred_at: number; rate_to_reporting: number }>;
  /** How the figures above are defined where docs/interfaces.md leaves room. */
  notes: string[];
}
