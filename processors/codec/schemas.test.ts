import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as E from '../contracts/enums.js';
import { SAMPLE_RECORDS } from './samples.js';
import { defaultSchemaDir } from './schema-files.js';

interface AvroField {
  name: string;
  type: unknown;
  default?: unknown;
}
const dir = defaultSchemaDir();
const schemas = new Map(
  readdirSync(dir)
    .filter((f) => f.endsWith('.avsc'))
    .map((f) => [f.replace(/\.avsc$/, ''), JSON.parse(readFileSync(join(dir, f), 'utf8')) as { name: string; namespace: string; fields: AvroField[] }]),
);

/** Every enum of the contract, by the Avro enum name that carries it. */
const ENUMS: Record<string, readonly string[]> = {
  JourneyEventType: E.JOURNEY_EVENT_TYPES,
  PreflightStatus: E.PREFLIGHT_STATUSES,
  PreflightReason: E.PREFLIGHT_REASONS,
  LemEventType: E.LEM_EVENT_TYPES,
  LemScope: E.LEM_SCOPES,
  LemMetric: E.LEM_METRICS,
  IncidentEventType: E.INCIDENT_EVENT_TYPES,
  Severity: E.SEVERITIES,
  IncidentSource: E.INCIDENT_SOURCES,
  Fault: E.FAULTS,
  CompensationEventType: E.COMPENSATION_EVENT_TYPES,
  CompensationChannel: E.COMPENSATION_CHANNELS,
  RefundEventType: E.REFUND_EVENT_TYPES,
  FxEventType: E.FX_EVENT_TYPES,
  BreachStatus: E.BREACH_STATUSES,
  AlertSeverity: E.ALERT_SEVERITIES,
  BreachReason: E.BREACH_REASONS,
  QualityScope: E.QUALITY_SCOPES,
  QualityScoreType: E.QUALITY_SCORE_TYPES,
};

function enumsIn(type: unknown, out: Map<string, string[]>): void {
  if (Array.isArray(type)) type.forEach((t) => enumsIn(t, out));
  else if (typeof type === 'object' && type !== null) {
    const t = type as { type?: unknown; name?: unknown; symbols?: unknown; items?: unknown };
    if (t.type === 'enum' && typeof t.name === 'string') out.set(t.name, t.symbols as string[]);
    if (t.items !== undefined) enumsIn(t.items, out);
  }
}

describe('schemas/avro', () => {
  it('has one file per record, named by record, all in one namespace', () => {
    expect([...schemas.keys()].sort()).toEqual(Object.keys(SAMPLE_RECORDS).sort());
    for (const [file, schema] of schemas) {
      expect(schema.name).toBe(file);
      expect(schema.namespace).toBe('io.slopipeline.v1');
    }
  });

  it.each(Object.keys(SAMPLE_RECORDS))('%s has exactly the fields of its contract type, in order', (name) => {
    expect(schemas.get(name)?.fields.map((f) => f.name)).toEqual(Object.keys(SAMPLE_RECORDS[name] as object));
  });

  it('carries every contract enum with exactly its symbols, in order', () => {
    const found = new Map<string, string[]>();
    for (const schema of schemas.values()) for (const f of schema.fields) enumsIn(f.type, found);
    for (const [name, symbols] of Object.entries(ENUMS)) expect(found.get(name), name).toEqual(symbols);
    expect([...found.keys()].sort()).toEqual(Object.keys(ENUMS).sort());
  });

  it('makes optionals ["null", T] with default null, arrays default [], times timestamp-millis longs, money long', () => {
    for (const [name, schema] of schemas) {
      for (const f of schema.fields) {
        const where = `${name}.${f.name}`;
        if (Array.isArray(f.type)) {
          expect(f.type[0], where).toBe('null');
          expect(f.type, where).toHaveLength(2);
          expect(f.default, where).toBeNull();
        }
        if (typeof f.type === 'object' && f.type !== null && (f.type as { type?: string }).type === 'array') expect(f.default, where).toEqual([]);
        if (['occurred_at', 'evaluated_at', 'computed_at', 'dead_lettered_at'].includes(f.name)) {
          expect(f.type, where).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
        }
        if (f.name === 'amount_minor') expect(f.type, where).toBe('long');
        if (f.name === 'order_value_minor') expect(f.type, where).toEqual(['null', 'long']);
      }
    }
  });

  it('keeps an older JourneyEvent writer that lacks optional fields', () => {
    const v0 = JSON.parse(readFileSync(join(dir, 'history', 'JourneyEvent.v0.avsc'), 'utf8')) as { name: string; fields: AvroField[] };
    const current = schemas.get('JourneyEvent')?.fields.map((f) => f.name) ?? [];
    const old = v0.fields.map((f) => f.name);
    expect(v0.name).toBe('JourneyEvent');
    expect(old.every((f) => current.includes(f))).toBe(true);
    expect(current.filter((f) => !old.includes(f))).toEqual([
      'product_runtime_session_id',
      'service_point_id',
      'journey_node_id',
      'preflight_status',
      'preflight_reason',
      'user_id',
    ]);
  });
});
