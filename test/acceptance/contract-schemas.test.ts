import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { INPUT_TOPICS, KEY_FIELD_OF_FAMILY, OUTPUT_TOPICS, RECORD_OF_FAMILY, dlqTopic } from '../../processors/contracts/topics.js';
import { avscType, readSchema, SCHEMA_DIR } from './support.js';

// CONTRACTS.md tables, transcribed by hand. `T?` is the union ["null", T] with default null;
// `ts` is a long with logicalType timestamp-millis; `[]` marks an array whose default is [].
const enumOf = (...symbols: string[]): string => `enum(${symbols.join(',')})`;
const COMMON = { event_id: 'string', occurred_at: 'ts' };

const CONTRACT: Record<string, { topic: string; key: string; fields: Record<string, string> }> = {
  JourneyEvent: {
    topic: 'tjm.journey.v1',
    key: 'journey_instance_id',
    fields: {
      ...COMMON,
      event_type: enumOf('PREFLIGHT_CHECKED', 'JOURNEY_STARTED', 'NODE_COMPLETED', 'NODE_FAILED', 'JOURNEY_COMPLETED', 'JOURNEY_FAILED', 'JOURNEY_ABANDONED'),
      journey_instance_id: 'string', journey_blueprint_id: 'string', product_version_id: 'string', market_code: 'string', city_code: 'string',
      product_runtime_session_id: 'string?', route_id: 'string?', vendor_id: 'string?', service_point_id: 'string?', journey_node_id: 'string?',
      preflight_status: `${enumOf('OK', 'DEGRADED', 'BLOCKED')}?`,
      preflight_reason: `${enumOf('NONE', 'SLO_BREACH', 'SAFETY_RISK', 'QUALITY_LOW')}?`,
      duration_ms: 'long?', error_code: 'string?', order_id: 'string?', order_value_minor: 'long?', currency: 'string?', user_id: 'string?',
    },
  },
  LemSignal: {
    topic: 'lem.signals.v1',
    key: 'scope_id',
    fields: {
      ...COMMON,
      event_type: enumOf('SCORE_UPDATED', 'SAFETY_DEGRADED', 'SAFETY_RESTORED', 'COVERAGE_DEGRADED', 'COVERAGE_RESTORED'),
      city_code: 'string', scope: enumOf('SERVICE_POINT', 'ROUTE', 'CLUSTER'), scope_id: 'string',
      metric: enumOf('SAFETY_SCORE', 'NIGHT_RISK_SCORE', 'COVERAGE_SCORE'),
      current_score: 'double', previous_score: 'double?', threshold: 'double?', risk_tags: 'array<string>[]',
    },
  },
  OpsIncidentEvent: {
    topic: 'ops.incidents.v1',
    key: 'incident_id',
    fields: {
      ...COMMON,
      event_type: enumOf('OPENED', 'UPDATED', 'RESOLVED'),
      incident_id: 'string', severity: enumOf('SEV1', 'SEV2', 'SEV3', 'SEV4'), source: enumOf('PRG', 'TJM', 'LEM', 'TRUTTA', 'MONITORING'),
      reason_code: 'string', fault: enumOf('VENDOR', 'PLATFORM', 'MIXED', 'UNKNOWN'),
      product_version_id: 'string?', market_code: 'string?', city_code: 'string?', vendor_id: 'string?', route_id: 'string?',
      journey_instance_ids: 'array<string>[]',
    },
  },
  CompensationEvent: {
    topic: 'trutta.compensations.v1',
    key: 'incident_id',
    fields: {
      ...COMMON,
      event_type: enumOf('PROPOSED', 'ISSUED', 'REDEEMED', 'REVOKED'),
      compensation_id: 'string', incident_id: 'string', user_id: 'string?', compensation_profile_id: 'string?', reason_code: 'string?',
      channel: enumOf('TRUTTA_TOKEN', 'REFUND', 'MIXED'), amount_minor: 'long', currency: 'string',
    },
  },
  RefundEvent: {
    topic: 'billing.refunds.v1',
    key: 'order_id',
    fields: {
      ...COMMON,
      event_type: enumOf('REQUESTED', 'SUCCEEDED', 'FAILED'),
      refund_id: 'string', order_id: 'string', incident_id: 'string?', compensation_id: 'string?', user_id: 'string?', psp: 'string?',
      failure_reason: 'string?', amount_minor: 'long', currency: 'string',
    },
  },
  FxRate: {
    topic: 'finance.fx.v1',
    key: 'currency',
    fields: { ...COMMON, event_type: enumOf('RATE'), currency: 'string', rate_to_reporting: 'double' },
  },
  SloBreachSignal: {
    topic: 'ops.slo.breach.v1',
    key: 'slo_id',
    fields: {
      signal_id: 'string', status: enumOf('FIRING', 'RESOLVED'), severity: enumOf('PAGE', 'TICKET'), slo_id: 'string', service: 'string',
      reason: enumOf('SLO_BREACH', 'SAFETY_RISK', 'QUALITY_LOW'),
      product_version_id: 'string?', market_code: 'string?', city_code: 'string?', route_id: 'string?', vendor_id: 'string?',
      target: 'double', sli: 'double', error_budget_remaining: 'double', long_window: 'string', short_window: 'string',
      burn_rate_long: 'double', burn_rate_short: 'double', burn_rate_threshold: 'double', evaluated_at: 'ts',
      // The contract states no default here; the schema's [] only helps readers of older writers.
      recommended_actions: 'array<string>[]',
    },
  },
  QualityScoreUpdate: {
    topic: 'ops.quality.scores.v1',
    key: 'scope_id',
    fields: {
      scope: enumOf('VENDOR', 'ROUTE', 'PRODUCT_VERSION'), scope_id: 'string',
      score_type: enumOf('JOURNEY_SUCCESS_RATE', 'INCIDENT_RATE', 'COMPENSATION_RATE'), value: 'double', window: 'string', computed_at: 'ts',
    },
  },
};
const INPUT_RECORDS = ['JourneyEvent', 'LemSignal', 'OpsIncidentEvent', 'CompensationEvent', 'RefundEvent', 'FxRate'];

type Field = { name: string; type: unknown; default?: unknown };

/** The field's type in the notation of the table above. */
function typeText(type: unknown): string {
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) {
    if (type.length === 2 && type[0] === 'null') return `${typeText(type[1])}?`;
    return `union(${type.map(typeText).join(',')})`;
  }
  const o = type as Record<string, unknown>;
  if (o['type'] === 'long' && o['logicalType'] === 'timestamp-millis') return 'ts';
  if (o['type'] === 'enum') return enumOf(...(o['symbols'] as string[]));
  if (o['type'] === 'array') return `array<${typeText(o['items'])}>`;
  if (typeof o['logicalType'] === 'string') return `${String(o['type'])}/${o['logicalType']}`;
  return typeText(o['type']);
}

function describeField(f: Field): string {
  const t = typeText(f.type);
  const hasDefault = Object.prototype.hasOwnProperty.call(f, 'default');
  if (t.endsWith('?')) return hasDefault && f.default === null ? t : `${t} (default ${hasDefault ? JSON.stringify(f.default) : 'missing'})`;
  if (t.startsWith('array<') && hasDefault) return Array.isArray(f.default) && f.default.length === 0 ? `${t}[]` : `${t}=${JSON.stringify(f.default)}`;
  return t;
}

describe('CONTRACTS.md records against schemas/avro/*.avsc', () => {
  it('has one .avsc per contract record, each a valid Avro record named as the contract names it', () => {
    const files = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.avsc'));
    for (const name of Object.keys(CONTRACT)) {
      expect(files).toContain(`${name}.avsc`);
      const schema = readSchema(name);
      expect(schema['type']).toBe('record');
      expect(schema['name']).toBe(name);
      expect(() => avscType(name)).not.toThrow();
    }
  });

  for (const [name, spec] of Object.entries(CONTRACT)) {
    it(`${name}: every field, type, optionality, default and enum symbol as the contract states`, () => {
      const fields = readSchema(name)['fields'] as Field[];
      const got = Object.fromEntries(fields.map((f) => [f.name, describeField(f)]));
      const contracted = Object.fromEntries(Object.keys(spec.fields).map((k) => [k, got[k]]));
      expect(contracted).toEqual(spec.fields);
      // Upstream producers write the contract's fields only: anything extra on an input must be optional.
      if (INPUT_RECORDS.includes(name)) {
        const extra = fields.filter((f) => !(f.name in spec.fields));
        for (const f of extra) expect(describeField(f), `${name}.${f.name} is not in the contract`).toMatch(/\?$/);
      }
    });
  }

  it('a producer whose schema holds only the contract fields is read by the current schema', () => {
    for (const name of INPUT_RECORDS) {
      const spec = CONTRACT[name];
      if (!spec) throw new Error(name);
      const current = readSchema(name);
      const writer = avsc.Type.forSchema({ ...current, fields: (current['fields'] as Field[]).filter((f) => f.name in spec.fields) } as avsc.Schema);
      const reader = avscType(name);
      const sample = writer.random() as unknown as Record<string, unknown>;
      const read = reader.fromBuffer(writer.toBuffer(sample), reader.createResolver(writer)) as Record<string, unknown>;
      for (const k of Object.keys(spec.fields)) expect(read[k], `${name}.${k}`).toEqual(sample[k]);
    }
  });

  it('topics, keys and dead-letter topics carry the contract names', () => {
    const inputs = Object.fromEntries(Object.entries(RECORD_OF_FAMILY).map(([family, record]) => [record, INPUT_TOPICS[family as keyof typeof INPUT_TOPICS]]));
    const keys = Object.fromEntries(Object.entries(RECORD_OF_FAMILY).map(([family, record]) => [record, KEY_FIELD_OF_FAMILY[family as keyof typeof KEY_FIELD_OF_FAMILY]]));
    for (const name of INPUT_RECORDS) {
      expect(inputs[name]).toBe(CONTRACT[name]?.topic);
      expect(keys[name]).toBe(CONTRACT[name]?.key);
      expect(dlqTopic(CONTRACT[name]?.topic ?? '')).toBe(`${CONTRACT[name]?.topic}.dlq`);
    }
    expect(OUTPUT_TOPICS.breach).toBe(CONTRACT['SloBreachSignal']?.topic);
    expect(OUTPUT_TOPICS.quality).toBe(CONTRACT['QualityScoreUpdate']?.topic);
  });
});
