import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { Family } from '../contracts/topics.js';
import type { EventOfFamily } from '../contracts/events.js';
import { BufferPool, compileBlock, type BlockBuilder, type Column, type ColumnKind } from './native.js';

export { FACT_TABLE } from '../contracts/topics.js';

/** Where a record came from; stored with each fact row for audit and lag. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Keyed hash of personal data (docs/interfaces.md, Conventions). HMAC-SHA256 so equal user_ids
 * still join and count, while the clear value never reaches the warehouse. The key comes
 * from configuration (SLO_PII_HMAC_KEY); without it the hash cannot be reversed by
 * hashing guessed ids. Results are cached (users recur; HMAC is the costliest step per event).
 */
export type PiiHasher = (value: string) => string;

export function createPiiHasher(key: string | Buffer, cacheSize = 100_000): PiiHasher {
  const cache = new Map<string, string>();
  // A KeyObject is prepared once; a raw key would be re-imported by every createHmac.
  const secret: KeyObject = createSecretKey(typeof key === 'string' ? Buffer.from(key, 'utf8') : key);
  return (value) => {
    let h = cache.get(value);
    if (h === undefined) {
      h = createHmac('sha256', secret).update(value).digest('hex');
      if (cache.size >= cacheSize) cache.clear();
      cache.set(value, h);
    }
    return h;
  };
}

type Spec<E> = ReadonlyArray<readonly [name: string, kind: ColumnKind, field: keyof E & string, map?: (v: never) => unknown]>;

/** Column order and kinds of each fact table, as the DDL declares them. */
function specs(h: PiiHasher): { [F in Family]: Spec<EventOfFamily[F]> } {
  const hashed = (v: string | null): string | null => (v == null ? null : h(v));
  return {
    journey: [
      ['event_id', 'string', 'event_id'],
      ['event_type', 'string', 'event_type'],
      ['occurred_at', 'time', 'occurred_at'],
      ['journey_instance_id', 'string', 'journey_instance_id'],
      ['journey_blueprint_id', 'string', 'journey_blueprint_id'],
      ['product_version_id', 'string', 'product_version_id'],
      ['market_code', 'string', 'market_code'],
      ['city_code', 'string', 'city_code'],
      ['product_runtime_session_id', 'nstring', 'product_runtime_session_id'],
      ['route_id', 'nstring', 'route_id'],
      ['vendor_id', 'nstring', 'vendor_id'],
      ['service_point_id', 'nstring', 'service_point_id'],
      ['journey_node_id', 'nstring', 'journey_node_id'],
      ['preflight_status', 'nstring', 'preflight_status'],
      ['preflight_reason', 'nstring', 'preflight_reason'],
      ['duration_ms', 'nint', 'duration_ms'],
      ['error_code', 'nstring', 'error_code'],
      ['order_id', 'nstring', 'order_id'],
      ['order_value_minor', 'nint', 'order_value_minor'],
      ['currency', 'nstring', 'currency'],
      ['user_hash', 'nstring', 'user_id', hashed],
    ],
    lem: [
      ['event_id', 'string', 'event_id'],
      ['event_type', 'string', 'event_type'],
      ['occurred_at', 'time', 'occurred_at'],
      ['city_code', 'string', 'city_code'],
      ['scope', 'string', 'scope'],
      ['scope_id', 'string', 'scope_id'],
      ['metric', 'string', 'metric'],
      ['current_score', 'float', 'current_score'],
      ['previous_score', 'nfloat', 'previous_score'],
      ['threshold', 'nfloat', 'threshold'],
      ['risk_tags', 'strings', 'risk_tags'],
    ],
    incident: [
      ['event_id', 'string', 'event_id'],
      ['event_type', 'string', 'event_type'],
      ['occurred_at', 'time', 'occurred_at'],
      ['incident_id', 'string', 'incident_id'],
      ['severity', 'string', 'severity'],
      ['source', 'string', 'source'],
      ['reason_code', 'string', 'reason_code'],
      ['fault', 'string', 'fault'],
      ['product_version_id', 'nstring', 'product_version_id'],
      ['market_code', 'nstring', 'market_code'],
      ['city_code', 'nstring', 'city_code'],
      ['vendor_id', 'nstring', 'vendor_id'],
      ['route_id', 'nstring', 'route_id'],
      ['journey_instance_ids', 'strings', 'journey_instance_ids'],
    ],
    compensation: [
      ['event_id', 'string', 'event_id'],
      ['event_type', 'string', 'event_type'],
      ['occurred_at', 'time', 'occurred_at'],
      ['compensation_id', 'string', 'compensation_id'],
      ['incident_id', 'string', 'incident_id'],
      ['user_hash', 'nstring', 'user_id', hashed],
      ['compensation_profile_id', 'nstring', 'compensation_profile_id'],
      ['reason_code', 'nstring', 'reason_code'],
      ['channel', 'string', 'channel'],
      ['amount_minor', 'int', 'amount_minor'],
      ['currency', 'string', 'currency'],
    ],
    refund: [
      ['event_id', 'string', 'event_id'],
      ['event_type', 'string', 'event_type'],
      ['occurred_at', 'time', 'occurred_at'],
      ['refund_id', 'string', 'refund_id'],
      ['order_id', 'string', 'order_id'],
      ['incident_id', 'nstring', 'incident_id'],
      ['compensation_id', 'nstring', 'compensation_id'],
      ['user_hash', 'nstring', 'user_id', hashed],
      ['psp', 'nstring', 'psp'],
      ['failure_reason', 'nstring', 'failure_reason'],
      ['amount_minor', 'int', 'amount_minor'],
      ['currency', 'string', 'currency'],
    ],
    fx: [
      ['event_id', 'string', 'event_id'],
      ['event_type', 'string', 'event_type'],
      ['occurred_at', 'time', 'occurred_at'],
      ['currency', 'string', 'currency'],
      ['rate_to_reporting', 'float', 'rate_to_reporting'],
    ],
  };
}

const SOURCE_COLUMNS = ['_topic', '_partition', '_offset'] as const;

/** Starts a block of one topic-partition's rows for a family's fact table. */
export type BlockFactory<E> = (topic: string, partition: number, expectedRows: number) => BlockBuilder<E>;

/** Per-family normalizers built once per pipeline (the hasher is bound in). */
export interface Normalizer {
  /** The fact row as an object (tests, audits, JSON inserts). */
  row<F extends Family>(family: F, e: EventOfFamily[F], source: SourcePosition): Record<string, unknown>;
  /**
   * The hot path: `block(family)(topic, partition, n)` starts a Native block whose `row(e, offset)`
   * writes the same values as `row(...)`, column by column.
   */
  block<F extends Family>(family: F): BlockFactory<EventOfFamily[F]>;
  /** Column list of a family's blocks (the fact table's columns it fills). */
  columns(family: Family): readonly string[];
}

export function createNormalizer(hasher: PiiHasher): Normalizer {
  const all = specs(hasher) as unknown as Record<Family, Spec<Record<string, unknown>>>;
  const blocks = new Map<Family, BlockFactory<unknown>>();
  const names = new Map<Family, readonly string[]>();
  const pool = new BufferPool();
  for (const f of Object.keys(all) as Family[]) {
    const cols = all[f].map(([name, kind, field, map]): Column => ({ name, kind, field, ...(map ? { map } : {}) }));
    blocks.set(f, compileBlock(f, cols, pool) as BlockFactory<unknown>);
    names.set(f, [...cols.map((c) => c.name), ...SOURCE_COLUMNS]);
  }
  return {
    row(family, e, source) {
      const out: Record<string, unknown> = {};
      const ev = e as unknown as Record<string, unknown>;
      for (const [name, , field, map] of all[family]) out[name] = map ? (map as (v: unknown) => unknown)(ev[field]) : ev[field];
      out['_topic'] = source.topic;
      out['_partition'] = source.partition;
      out['_offset'] = source.offset;
      return out;
    },
    block: <F extends Family>(family: F) => blocks.get(family) as BlockFactory<EventOfFamily[F]>,
    columns(family) {
      return names.get(family) ?? [];
    },
  };
}

/** toFactRow callers pass one hasher for many rows: compile its writers once. */
const normalizers = new WeakMap<PiiHasher, Normalizer>();

/** Maps a validated event to its fact row (personal data hashed, source position attached). */
export function toFactRow<F extends Family>(
  family: F,
  event: EventOfFamily[F],
  hasher: PiiHasher,
  source: SourcePosition,
): Record<string, unknown> {
  let n = normalizers.get(hasher);
  if (!n) normalizers.set(hasher, (n = createNormalizer(hasher)));
  return n.row(family, event, source);
}
