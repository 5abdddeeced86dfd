import { createHmac } from 'node:crypto';
import type { Family } from '../contracts/topics.js';
import type { EventOfFamily } from '../contracts/events.js';
import { tsvWriter, type Column, type ColumnKind, type TsvWriter } from './tsv.js';

/** Fact table of each input family (dwh/sql/001_facts.sql). */
export const FACT_TABLE: Record<Family, string> = {
  journey: 'journey_events',
  lem: 'lem_signals',
  incident: 'incident_events',
  compensation: 'compensation_events',
  refund: 'refund_events',
  fx: 'fx_rates',
};

/** Where a record came from; stored with each fact row for audit and lag. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Keyed hash of personal data (CONTRACTS.md, Privacy). HMAC-SHA256 so equal user_ids
 * still join and count, while the clear value never reaches the warehouse. The key comes
 * from configuration (SLO_PII_HMAC_KEY); without it the hash cannot be reversed by
 * hashing guessed ids. Results are cached (users recur; HMAC is the costliest step per event).
 */
export type PiiHasher = (value: string) => string;

export function createPiiHasher(key: string | Buffer, cacheSize = 100_000): PiiHasher {
  const cache = new Map<string, string>();
  return (value) => {
    let h = cache.get(value);
    if (h === undefined) {
      h = createHmac('sha256', key).update(value).digest('hex');
      if (cache.size >= cacheSize) cache.clear();
      cache.set(value, h);
    }
    return h;
  };
}

type Spec<E> = Array<[name: string, kind: ColumnKind, get: (e: E) => unknown]>;

/** Column order and kinds of each fact table, as the DDL declares them. */
function specs(h: PiiHasher): { [F in Family]: Spec<EventOfFamily[F]> } {
  const hashed = (v: string | null): string | null => (v == null ? null : h(v));
  return {
    journey: [
      ['event_id', 'string', (e) => e.event_id],
      ['event_type', 'string', (e) => e.event_type],
      ['occurred_at', 'time', (e) => e.occurred_at],
      ['journey_instance_id', 'string', (e) => e.journey_instance_id],
      ['journey_blueprint_id', 'string', (e) => e.journey_blueprint_id],
      ['product_version_id', 'string', (e) => e.product_version_id],
      ['market_code', 'string', (e) => e.market_code],
      ['city_code', 'string', (e) => e.city_code],
      ['product_runtime_session_id', 'nstring', (e) => e.product_runtime_session_id],
      ['route_id', 'nstring', (e) => e.route_id],
      ['vendor_id', 'nstring', (e) => e.vendor_id],
      ['service_point_id', 'nstring', (e) => e.service_point_id],
      ['journey_node_id', 'nstring', (e) => e.journey_node_id],
      ['preflight_status', 'nstring', (e) => e.preflight_status],
      ['preflight_reason', 'nstring', (e) => e.preflight_reason],
      ['duration_ms', 'nint', (e) => e.duration_ms],
      ['error_code', 'nstring', (e) => e.error_code],
      ['order_id', 'nstring', (e) => e.order_id],
      ['order_value_minor', 'nint', (e) => e.order_value_minor],
      ['currency', 'nstring', (e) => e.currency],
      ['user_hash', 'nstring', (e) => hashed(e.user_id)],
    ],
    lem: [
      ['event_id', 'string', (e) => e.event_id],
      ['event_type', 'string', (e) => e.event_type],
      ['occurred_at', 'time', (e) => e.occurred_at],
      ['city_code', 'string', (e) => e.city_code],
      ['scope', 'string', (e) => e.scope],
      ['scope_id', 'string', (e) => e.scope_id],
      ['metric', 'string', (e) => e.metric],
      ['current_score', 'float', (e) => e.current_score],
      ['previous_score', 'nfloat', (e) => e.previous_score],
      ['threshold', 'nfloat', (e) => e.threshold],
      ['risk_tags', 'strings', (e) => e.risk_tags],
    ],
    incident: [
      ['event_id', 'string', (e) => e.event_id],
      ['event_type', 'string', (e) => e.event_type],
      ['occurred_at', 'time', (e) => e.occurred_at],
      ['incident_id', 'string', (e) => e.incident_id],
      ['severity', 'string', (e) => e.severity],
      ['source', 'string', (e) => e.source],
      ['reason_code', 'string', (e) => e.reason_code],
      ['fault', 'string', (e) => e.fault],
      ['product_version_id', 'nstring', (e) => e.product_version_id],
      ['market_code', 'nstring', (e) => e.market_code],
      ['city_code', 'nstring', (e) => e.city_code],
      ['vendor_id', 'nstring', (e) => e.vendor_id],
      ['route_id', 'nstring', (e) => e.route_id],
      ['journey_instance_ids', 'strings', (e) => e.journey_instance_ids],
    ],
    compensation: [
      ['event_id', 'string', (e) => e.event_id],
      ['event_type', 'string', (e) => e.event_type],
      ['occurred_at', 'time', (e) => e.occurred_at],
      ['compensation_id', 'string', (e) => e.compensation_id],
      ['incident_id', 'string', (e) => e.incident_id],
      ['user_hash', 'nstring', (e) => hashed(e.user_id)],
      ['compensation_profile_id', 'nstring', (e) => e.compensation_profile_id],
      ['reason_code', 'nstring', (e) => e.reason_code],
      ['channel', 'string', (e) => e.channel],
      ['amount_minor', 'int', (e) => e.amount_minor],
      ['currency', 'string', (e) => e.currency],
    ],
    refund: [
      ['event_id', 'string', (e) => e.event_id],
      ['event_type', 'string', (e) => e.event_type],
      ['occurred_at', 'time', (e) => e.occurred_at],
      ['refund_id', 'string', (e) => e.refund_id],
      ['order_id', 'string', (e) => e.order_id],
      ['incident_id', 'nstring', (e) => e.incident_id],
      ['compensation_id', 'nstring', (e) => e.compensation_id],
      ['user_hash', 'nstring', (e) => hashed(e.user_id)],
      ['psp', 'nstring', (e) => e.psp],
      ['failure_reason', 'nstring', (e) => e.failure_reason],
      ['amount_minor', 'int', (e) => e.amount_minor],
      ['currency', 'string', (e) => e.currency],
    ],
    fx: [
      ['event_id', 'string', (e) => e.event_id],
      ['event_type', 'string', (e) => e.event_type],
      ['occurred_at', 'time', (e) => e.occurred_at],
      ['currency', 'string', (e) => e.currency],
      ['rate_to_reporting', 'float', (e) => e.rate_to_reporting],
    ],
  };
}

const SOURCE_COLUMNS: ReadonlyArray<{ name: string; kind: ColumnKind }> = [
  { name: '_topic', kind: 'string' },
  { name: '_partition', kind: 'int' },
  { name: '_offset', kind: 'int' },
];

/** Per-family normalizers built once per pipeline (the hasher is bound in). */
export interface Normalizer {
  /** The fact row as an object (tests, audits, JSON inserts). */
  row<F extends Family>(family: F, e: EventOfFamily[F], source: SourcePosition): Record<string, unknown>;
  /** The same row as one TabSeparated line (the hot path). */
  tsv<F extends Family>(family: F, e: EventOfFamily[F], source: SourcePosition): string;
  /** Column list of a family's TSV lines. */
  columns(family: Family): readonly string[];
}

export function createNormalizer(hasher: PiiHasher): Normalizer {
  const all = specs(hasher);
  const writers = new Map<Family, TsvWriter<unknown>>();
  for (const f of Object.keys(all) as Family[]) {
    const cols = (all[f] as Spec<unknown>).map(([name, kind, get]): Column<unknown> => ({ name, kind, get }));
    writers.set(f, tsvWriter(cols, SOURCE_COLUMNS));
  }
  return {
    row(family, e, source) {
      const out: Record<string, unknown> = {};
      for (const [name, , get] of all[family] as Spec<EventOfFamily[typeof family]>) out[name] = get(e);
      out['_topic'] = source.topic;
      out['_partition'] = source.partition;
      out['_offset'] = source.offset;
      return out;
    },
    tsv(family, e, source) {
      return (writers.get(family) as TsvWriter<EventOfFamily[typeof family]>).line(e, [source.topic, source.partition, source.offset]);
    },
    columns(family) {
      return (writers.get(family) as TsvWriter<unknown>).columns;
    },
  };
}

/** Maps a validated event to its fact row (personal data hashed, source position attached). */
export function toFactRow<F extends Family>(
  family: F,
  event: EventOfFamily[F],
  hasher: PiiHasher,
  source: SourcePosition,
): Record<string, unknown> {
  return createNormalizer(hasher).row(family, event, source);
}
