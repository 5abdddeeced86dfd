import {
  COMPENSATION_CHANNELS,
  COMPENSATION_EVENT_TYPES,
  FAULTS,
  FX_EVENT_TYPES,
  INCIDENT_EVENT_TYPES,
  INCIDENT_SOURCES,
  JOURNEY_EVENT_TYPES,
  LEM_EVENT_TYPES,
  LEM_METRICS,
  LEM_SCOPES,
  PREFLIGHT_REASONS,
  PREFLIGHT_STATUSES,
  REFUND_EVENT_TYPES,
  SEVERITIES,
  type Family,
} from '../contracts/index.js';
import type { ErrorCode } from '../errors/index.js';

/**
 * The semantic rules of every input family, as data. Both the zod schemas (the documented,
 * introspectable form) and the hand-written hot-path checks are generated from this table,
 * and a test keeps the two in agreement.
 */

/** Longest id / code string accepted; anything longer is a corrupt or hostile value. */
export const MAX_ID_LENGTH = 256;
/** Longest free-text string accepted (`failure_reason`). */
export const MAX_TEXT_LENGTH = 2048;
/** Most items in an id list (`journey_instance_ids`, `risk_tags`). */
export const MAX_LIST_ITEMS = 10_000;
/** `occurred_at` earlier than this is a unit or clock error: 2000-01-01T00:00:00Z. */
export const MIN_OCCURRED_AT = Date.UTC(2000, 0, 1);
/** `occurred_at` may lead the caller's `now` by at most this much (producer clock skew). */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

/**
 * Fields holding personal data (docs/interfaces.md, Conventions). Their values never appear in a
 * message, a dead letter or the warehouse in clear, whatever the shape of the record.
 */
export const PERSONAL_FIELDS: ReadonlySet<string> = new Set(['user_id']);

const PERSONAL_MENTION = new RegExp(`${[...PERSONAL_FIELDS].join('|')}|\\\\u[0-9a-fA-F]{4}`);

/**
 * True when text names a personal field, or may once its `\uXXXX` escapes are decoded (JSON
 * inside a string): such text may carry personal data, so messages describe it, never quote it.
 */
export function mentionsPersonal(text: string): boolean {
  return PERSONAL_MENTION.test(text);
}

/** True when a field path (`user_id`, `user_id[0]`, `user_id.x`) starts at a personal field. */
export function isPersonalPath(path: string): boolean {
  for (const f of PERSONAL_FIELDS) {
    if (path === f || (path.startsWith(f) && (path[f.length] === '[' || path[f.length] === '.'))) return true;
  }
  return false;
}

export type FieldKind =
  | 'id'
  | 'optionalId'
  | 'optionalText'
  | 'eventType'
  | 'enum'
  | 'optionalEnum'
  | 'timestamp'
  | 'score'
  | 'optionalScore'
  | 'amount'
  | 'optionalAmount'
  | 'currency'
  | 'optionalCurrency'
  | 'rate'
  | 'optionalDuration'
  | 'idList';

export interface FieldRule {
  field: string;
  kind: FieldKind;
  /** Allowed symbols for `eventType`, `enum` and `optionalEnum`. */
  symbols?: readonly string[];
}

/** One check a kind performs, with the code it reports. */
export interface KindCheck {
  check: string;
  code: ErrorCode;
  doc: string;
}

export const KIND_CHECKS: Readonly<Record<FieldKind, readonly KindCheck[]>> = {
  id: [
    { check: 'required', code: 'INVALID_FIELD', doc: 'a non-blank string' },
    { check: 'length', code: 'INVALID_FIELD', doc: `at most ${MAX_ID_LENGTH} characters` },
  ],
  optionalId: [
    { check: 'blank', code: 'INVALID_FIELD', doc: 'null or a non-blank string' },
    { check: 'length', code: 'INVALID_FIELD', doc: `at most ${MAX_ID_LENGTH} characters` },
  ],
  optionalText: [{ check: 'text', code: 'INVALID_FIELD', doc: `null or a string of at most ${MAX_TEXT_LENGTH} characters` }],
  eventType: [{ check: 'allowed', code: 'INVALID_FIELD', doc: "one of the family's event types" }],
  enum: [{ check: 'symbol', code: 'INVALID_FIELD', doc: 'one of the enum symbols' }],
  optionalEnum: [{ check: 'symbol', code: 'INVALID_FIELD', doc: 'null or one of the enum symbols' }],
  timestamp: [{ check: 'range', code: 'BAD_TIMESTAMP', doc: 'epoch ms from 2000-01-01 to now + 1 day' }],
  score: [
    { check: 'finite', code: 'NUMBER_OUT_OF_RANGE', doc: 'a finite number (not NaN or infinity)' },
    { check: 'range', code: 'INVALID_FIELD', doc: 'a number in [0, 1]' },
  ],
  optionalScore: [
    { check: 'finite', code: 'NUMBER_OUT_OF_RANGE', doc: 'null or a finite number (not NaN or infinity)' },
    { check: 'range', code: 'INVALID_FIELD', doc: 'null or a number in [0, 1]' },
  ],
  amount: [
    { check: 'type', code: 'INVALID_FIELD', doc: 'a number of minor units' },
    { check: 'integer', code: 'NUMBER_OUT_OF_RANGE', doc: 'an exact integer (no fraction, NaN or infinity)' },
    { check: 'negative', code: 'NEGATIVE_AMOUNT', doc: 'not below zero' },
    { check: 'overflow', code: 'AMOUNT_OVERFLOW', doc: 'at most 2^53 - 1' },
  ],
  optionalAmount: [
    { check: 'type', code: 'INVALID_FIELD', doc: 'null or a number of minor units' },
    { check: 'integer', code: 'NUMBER_OUT_OF_RANGE', doc: 'an exact integer (no fraction, NaN or infinity)' },
    { check: 'negative', code: 'NEGATIVE_AMOUNT', doc: 'not below zero' },
    { check: 'overflow', code: 'AMOUNT_OVERFLOW', doc: 'at most 2^53 - 1' },
  ],
  currency: [{ check: 'iso', code: 'UNKNOWN_CURRENCY', doc: 'an ISO 4217 code with a minor unit' }],
  optionalCurrency: [{ check: 'iso', code: 'UNKNOWN_CURRENCY', doc: 'null or an ISO 4217 code with a minor unit' }],
  rate: [
    { check: 'finite', code: 'NUMBER_OUT_OF_RANGE', doc: 'a finite number (not NaN or infinity)' },
    { check: 'positive', code: 'INVALID_FIELD', doc: 'a number > 0' },
  ],
  optionalDuration: [
    { check: 'integer', code: 'NUMBER_OUT_OF_RANGE', doc: 'null or an exact integer within +-(2^53 - 1) (a long)' },
    { check: 'non_negative', code: 'INVALID_FIELD', doc: 'null or a number >= 0 (milliseconds)' },
  ],
  idList: [{ check: 'items', code: 'INVALID_FIELD', doc: `an array of at most ${MAX_LIST_ITEMS} non-blank strings of at most ${MAX_ID_LENGTH} characters` }],
};

const base = (eventTypes: readonly string[]): FieldRule[] => [
  { field: 'event_id', kind: 'id' },
  { field: 'event_type', kind: 'eventType', symbols: eventTypes },
  { field: 'occurred_at', kind: 'timestamp' },
];

/** Field rules per family, in schema order (the first failing field is the one reported). */
export const FIELD_RULES: Readonly<Record<Family, readonly FieldRule[]>> = {
  journey: [
    ...base(JOURNEY_EVENT_TYPES),
    { field: 'journey_instance_id', kind: 'id' },
    { field: 'journey_blueprint_id', kind: 'id' },
    { field: 'product_version_id', kind: 'id' },
    { field: 'market_code', kind: 'id' },
    { field: 'city_code', kind: 'id' },
    { field: 'product_runtime_session_id', kind: 'optionalId' },
    { field: 'route_id', kind: 'optionalId' },
    { field: 'vendor_id', kind: 'optionalId' },
    { field: 'service_point_id', kind: 'optionalId' },
    { field: 'journey_node_id', kind: 'optionalId' },
    { field: 'preflight_status', kind: 'optionalEnum', symbols: PREFLIGHT_STATUSES },
    { field: 'preflight_reason', kind: 'optionalEnum', symbols: PREFLIGHT_REASONS },
    { field: 'duration_ms', kind: 'optionalDuration' },
    { field: 'error_code', kind: 'optionalId' },
    { field: 'order_id', kind: 'optionalId' },
    { field: 'order_value_minor', kind: 'optionalAmount' },
    { field: 'currency', kind: 'optionalCurrency' },
    { field: 'user_id', kind: 'optionalId' },
  ],
  lem: [
    ...base(LEM_EVENT_TYPES),
    { field: 'city_code', kind: 'id' },
    { field: 'scope', kind: 'enum', symbols: LEM_SCOPES },
    { field: 'scope_id', kind: 'id' },
    { field: 'metric', kind: 'enum', symbols: LEM_METRICS },
    { field: 'current_score', kind: 'score' },
    { field: 'previous_score', kind: 'optionalScore' },
    { field: 'threshold', kind: 'optionalScore' },
    { field: 'risk_tags', kind: 'idList' },
  ],
  incident: [
    ...base(INCIDENT_EVENT_TYPES),
    { field: 'incident_id', kind: 'id' },
    { field: 'severity', kind: 'enum', symbols: SEVERITIES },
    { field: 'source', kind: 'enum', symbols: INCIDENT_SOURCES },
    { field: 'reason_code', kind: 'id' },
    { field: 'fault', kind: 'enum', symbols: FAULTS },
    { field: 'product_version_id', kind: 'optionalId' },
    { field: 'market_code', kind: 'optionalId' },
    { field: 'city_code', kind: 'optionalId' },
    { field: 'vendor_id', kind: 'optionalId' },
    { field: 'route_id', kind: 'optionalId' },
    { field: 'journey_instance_ids', kind: 'idList' },
  ],
  compensation: [
    ...base(COMPENSATION_EVENT_TYPES),
    { field: 'compensation_id', kind: 'id' },
    { field: 'incident_id', kind: 'id' },
    { field: 'user_id', kind: 'optionalId' },
    { field: 'compensation_profile_id', kind: 'optionalId' },
    { field: 'reason_code', kind: 'optionalId' },
    { field: 'channel', kind: 'enum', symbols: COMPENSATION_CHANNELS },
    { field: 'amount_minor', kind: 'amount' },
    { field: 'currency', kind: 'currency' },
  ],
  refund: [
    ...base(REFUND_EVENT_TYPES),
    { field: 'refund_id', kind: 'id' },
    { field: 'order_id', kind: 'id' },
    { field: 'incident_id', kind: 'optionalId' },
    { field: 'compensation_id', kind: 'optionalId' },
    { field: 'user_id', kind: 'optionalId' },
    { field: 'psp', kind: 'optionalId' },
    { field: 'failure_reason', kind: 'optionalText' },
    { field: 'amount_minor', kind: 'amount' },
    { field: 'currency', kind: 'currency' },
  ],
  fx: [...base(FX_EVENT_TYPES), { field: 'currency', kind: 'currency' }, { field: 'rate_to_reporting', kind: 'rate' }],
};

/** A rule across fields, checked once every field is valid on its own. */
export interface CrossRule {
  check: string;
  field: string;
  code: ErrorCode;
  doc: string;
  /** A message when the value breaks the rule, else undefined. */
  test(value: Readonly<Record<string, unknown>>): string | undefined;
}

const PREFLIGHT = 'PREFLIGHT_CHECKED';

export const CROSS_RULES: Readonly<Record<Family, readonly CrossRule[]>> = {
  journey: [
    {
      check: 'only_on_preflight',
      field: 'preflight_status',
      code: 'INVALID_FIELD',
      doc: 'set only on PREFLIGHT_CHECKED',
      test: (v) => (v['event_type'] !== PREFLIGHT && v['preflight_status'] !== null ? `preflight_status is set on ${String(v['event_type'])}; only PREFLIGHT_CHECKED carries it` : undefined),
    },
    {
      check: 'only_on_preflight',
      field: 'preflight_reason',
      code: 'INVALID_FIELD',
      doc: 'set only on PREFLIGHT_CHECKED',
      test: (v) => (v['event_type'] !== PREFLIGHT && v['preflight_reason'] !== null ? `preflight_reason is set on ${String(v['event_type'])}; only PREFLIGHT_CHECKED carries it` : undefined),
    },
    {
      check: 'required_on_preflight',
      field: 'preflight_status',
      code: 'INVALID_FIELD',
      doc: 'required on PREFLIGHT_CHECKED',
      test: (v) => (v['event_type'] === PREFLIGHT && v['preflight_status'] === null ? 'PREFLIGHT_CHECKED without preflight_status' : undefined),
    },
    {
      check: 'required_with_order_value',
      field: 'currency',
      code: 'UNKNOWN_CURRENCY',
      doc: 'required when order_value_minor is set',
      test: (v) => (v['order_value_minor'] !== null && v['currency'] === null ? 'order_value_minor is set without a currency' : undefined),
    },
  ],
  lem: [],
  incident: [],
  compensation: [],
  refund: [],
  fx: [],
};

/** One enumerable rule: what tests iterate and the README documents. */
export interface ValidationRule {
  /** `<family>.<field>.<check>`, e.g. `compensation.amount_minor.negative`. */
  id: string;
  family: Family;
  field: string;
  code: ErrorCode;
  doc: string;
}

export const VALIDATION_RULES: readonly ValidationRule[] = (Object.keys(FIELD_RULES) as Family[]).flatMap((family) => [
  ...FIELD_RULES[family].flatMap((rule) =>
    KIND_CHECKS[rule.kind].map((c) => ({ id: `${family}.${rule.field}.${c.check}`, family, field: rule.field, code: c.code, doc: c.doc })),
  ),
  ...CROSS_RULES[family].map((c) => ({ id: `${family}.${c.field}.${c.check}`, family, field: c.field, code: c.code, doc: c.doc })),
]);
