import avsc from 'avsc';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INPUT_TOPICS, OUTPUT_TOPICS, RECORD_OF_FAMILY, FAMILIES, dlqTopic } from '../contracts/index.js';
import { PipelineError } from '../errors/index.js';
import { createCodec, defaultCodec } from './avro-codec.js';
import { schemaFingerprint } from './fingerprint.js';
import { InexactNumber } from './json-values.js';
import { SAMPLE_COMPENSATION, SAMPLE_DEAD_LETTER, SAMPLE_JOURNEY, SAMPLE_RECORDS } from './samples.js';
import { defaultSchemaDir } from './schema-files.js';

const codec = createCodec();
const schemaDir = defaultSchemaDir();

function readSchema(relative: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(schemaDir, relative), 'utf8')) as Record<string, unknown>;
}

/** Single-object bytes written by an arbitrary writer schema, as another producer would. */
function writeWith(schema: Record<string, unknown>, value: unknown, opts: Parameters<typeof avsc.Type.forSchema>[1] = {}): Buffer {
  const type = avsc.Type.forSchema(schema as avsc.Schema, opts);
  const header = Buffer.concat([Buffer.from([0xc3, 0x01]), schemaFingerprint(JSON.stringify(type.schema()))]);
  return Buffer.concat([header, type.toBuffer(value)]);
}

function caught(fn: () => unknown): PipelineError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PipelineError) return e;
    throw e;
  }
  throw new Error('expected a PipelineError');
}

describe('encode/decode round trip', () => {
  it.each(Object.entries(SAMPLE_RECORDS))('%s decodes to exactly what was encoded, as a plain object', (name, value) => {
    const bytes = codec.encode(name, value);
    expect([...bytes.subarray(0, 2)]).toEqual([0xc3, 0x01]);
    expect(bytes.subarray(2, 10).equals(codec.fingerprint(name))).toBe(true);
    const decoded = codec.decode(bytes);
    expect(decoded.recordName).toBe(name);
    expect(decoded.value).toStrictEqual(value);
    expect(Object.getPrototypeOf(decoded.value)).toBe(Object.prototype);
  });

  it('fills absent optionals with null and absent arrays with [] when encoding', () => {
    const { risk_tags: _tags, previous_score: _prev, threshold: _thr, ...required } = SAMPLE_RECORDS['LemSignal'] as Record<string, unknown>;
    const decoded = codec.decode(codec.encode('LemSignal', required)).value as Record<string, unknown>;
    expect(decoded['previous_score']).toBeNull();
    expect(decoded['threshold']).toBeNull();
    expect(decoded['risk_tags']).toEqual([]);
  });

  it('keeps the exact largest safe amount and timestamps as numbers, not Dates', () => {
    const value = { ...SAMPLE_COMPENSATION, amount_minor: Number.MAX_SAFE_INTEGER };
    const decoded = codec.decode(codec.encode('CompensationEvent', value)).value as Record<string, unknown>;
    expect(decoded['amount_minor']).toBe(9007199254740991);
    expect(decoded['occurred_at']).toBe(SAMPLE_COMPENSATION.occurred_at);
  });

  it('encodes values larger than its scratch buffer', () => {
    const big = { ...SAMPLE_DEAD_LETTER, original_value: Buffer.alloc(200_000, 7) };
    const decoded = codec.decode(codec.encode('DeadLetter', big)).value as Record<string, unknown>;
    expect((decoded['original_value'] as Buffer).equals(big.original_value)).toBe(true);
    expect(codec.decode(codec.encode('DeadLetter', SAMPLE_DEAD_LETTER)).value).toStrictEqual(SAMPLE_DEAD_LETTER);
  });

  it('decodes 20,000 mixed events, each to the value it was encoded from', () => {
    const names = Object.keys(SAMPLE_RECORDS);
    const encoded = Array.from({ length: 20_000 }, (_, i) => {
      const name = names[i % names.length] as string;
      return { name, bytes: codec.encode(name, SAMPLE_RECORDS[name]) };
    });
    let same = 0;
    for (const { name, bytes } of encoded) {
      const d = codec.decode(bytes);
      if (d.recordName === name && JSON.stringify(d.value) === JSON.stringify(SAMPLE_RECORDS[name])) same++;
    }
    expect(same).toBe(20_000);
  });
});

describe('schema evolution', () => {
  it('decodes a value written with the older JourneyEvent v0 schema into the current shape', () => {
    const v0 = readSchema('history/JourneyEvent.v0.avsc');
    const { product_runtime_session_id: _a, service_point_id: _b, journey_node_id: _c, preflight_status: _d, preflight_reason: _e, user_id: _f, ...old } =
      SAMPLE_JOURNEY;
    const bytes = writeWith(v0, old);
    expect(bytes.subarray(2, 10).equals(codec.fingerprint('JourneyEvent'))).toBe(false);
    const decoded = codec.decode(bytes);
    expect(decoded.recordName).toBe('JourneyEvent');
    expect(decoded.value).toStrictEqual({
      ...SAMPLE_JOURNEY,
      product_runtime_session_id: null,
      service_point_id: null,
      journey_node_id: null,
      preflight_status: null,
      preflight_reason: null,
      user_id: null,
    });
    expect(Object.getPrototypeOf(decoded.value)).toBe(Object.prototype);
  });

  it('accepts Confluent framing for configured registry ids, with the id mapped to its writer schema', () => {
    const v0 = readSchema('history/JourneyEvent.v0.avsc');
    const withIds = createCodec({ confluentSchemas: { 7: JSON.stringify(v0), 8: readSchema('FxRate.avsc') } });
    const { user_id: _u, product_runtime_session_id: _p, service_point_id: _s, journey_node_id: _n, preflight_status: _ps, preflight_reason: _pr, ...old } =
      SAMPLE_JOURNEY;
    const body = avsc.Type.forSchema(v0 as avsc.Schema).toBuffer(old);
    const decoded = withIds.decode(Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), body]));
    expect(decoded.recordName).toBe('JourneyEvent');
    expect((decoded.value as Record<string, unknown>)['order_value_minor']).toBe(2490);
    const unknownId = caught(() => withIds.decode(Buffer.concat([Buffer.from([0, 0, 0, 0, 9]), body])));
    expect(unknownId.code).toBe('UNKNOWN_SCHEMA');
    // Without the option, Confluent framing is not accepted at all.
    expect(caught(() => codec.decode(Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), body]))).code).toBe('BAD_FRAMING');
  });

  it('refuses at start-up a historical schema the current reader cannot resolve', () => {
    const dir = mkdtempSync(join(tmpdir(), 'codec-schemas-'));
    mkdirSync(join(dir, 'history'), { recursive: true });
    try {
      cpSync(join(schemaDir, 'FxRate.avsc'), join(dir, 'FxRate.avsc'));
      const bad = { ...readSchema('FxRate.avsc'), fields: [{ name: 'rate_to_reporting', type: 'string' }] };
      writeFileSync(join(dir, 'history', 'FxRate.bad.avsc'), JSON.stringify(bad));
      const e = caught(() => createCodec({ schemaDir: dir }));
      expect(e.code).toBe('INVALID_CONFIG');
      expect(e.message).toContain('FxRate.bad.avsc');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('decode failures', () => {
  const good = codec.encode('CompensationEvent', SAMPLE_COMPENSATION);

  it('wrong magic is BAD_FRAMING', () => {
    const e = caught(() => codec.decode(Buffer.from('{"event_id":"x"}')));
    expect(e.code).toBe('BAD_FRAMING');
    expect(e.message).toContain('0x7b22');
  });

  it('an empty value or a header cut short is BAD_FRAMING', () => {
    expect(caught(() => codec.decode(Buffer.alloc(0))).code).toBe('BAD_FRAMING');
    expect(caught(() => codec.decode(good.subarray(0, 6))).code).toBe('BAD_FRAMING');
  });

  it('an unknown fingerprint is UNKNOWN_SCHEMA naming it', () => {
    const bytes = Buffer.from(good);
    bytes.writeUInt32LE(0xdeadbeef, 2);
    const e = caught(() => codec.decode(bytes));
    expect(e.code).toBe('UNKNOWN_SCHEMA');
    expect(e.message).toMatch(/[0-9a-f]{8}deadbeef/);
  });

  it('a truncated body is UNDECODABLE', () => {
    for (const cut of [1, 5, good.length - 11]) {
      expect(caught(() => codec.decode(good.subarray(0, good.length - cut))).code).toBe('UNDECODABLE');
    }
  });

  it('a header with no body at all is UNDECODABLE', () => {
    expect(caught(() => codec.decode(good.subarray(0, 10))).code).toBe('UNDECODABLE');
  });

  it('trailing bytes after the record are UNDECODABLE', () => {
    expect(caught(() => codec.decode(Buffer.concat([good, Buffer.from([0])]))).code).toBe('UNDECODABLE');
  });

  it('corrupt bytes (an enum index out of range) are UNDECODABLE', () => {
    const bytes = Buffer.from(good);
    // event_id is a 1-byte length + 7 chars; the event_type enum index follows it.
    const enumAt = 10 + 1 + SAMPLE_COMPENSATION.event_id.length;
    bytes[enumAt] = 0x7e; // zigzag 63: no such symbol
    const e = caught(() => codec.decode(bytes));
    expect(e.code).toBe('UNDECODABLE');
    expect(e.message).toContain('CompensationEvent');
  });
});

describe('longs beyond 2^53 - 1', () => {
  const bigLong = avsc.types.LongType.__with({
    fromBuffer: (b: Buffer) => b.readBigInt64LE(0),
    toBuffer: (n: bigint) => {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(n);
      return b;
    },
    fromJSON: (x: number) => BigInt(x),
    toJSON: (n: bigint) => Number(n),
    isValid: (n: unknown) => typeof n === 'bigint',
    compare: () => 0,
  });
  /** Writes with the current schema but BigInt longs, as a Java producer could. */
  function writeExact(record: string, value: Record<string, unknown>, longs: string[]): Buffer {
    const schema = JSON.parse(JSON.stringify(readSchema(`${record}.avsc`)).replaceAll('{"type":"long","logicalType":"timestamp-millis"}', '"long"')) as Record<string, unknown>;
    const v: Record<string, unknown> = { ...value };
    for (const f of longs) v[f] = typeof v[f] === 'bigint' ? v[f] : BigInt(v[f] as number);
    const type = avsc.Type.forSchema(schema as avsc.Schema, { registry: { long: bigLong } });
    const plain = avsc.Type.forSchema(readSchema(`${record}.avsc`) as avsc.Schema);
    const header = Buffer.concat([Buffer.from([0xc3, 0x01]), schemaFingerprint(JSON.stringify(plain.schema()))]);
    return Buffer.concat([header, type.toBuffer(v)]);
  }

  it('an amount is AMOUNT_OVERFLOW with the exact value', () => {
    const bytes = writeExact('CompensationEvent', { ...SAMPLE_COMPENSATION, amount_minor: 2n ** 60n }, ['amount_minor', 'occurred_at']);
    const e = caught(() => codec.decode(bytes));
    expect(e.code).toBe('AMOUNT_OVERFLOW');
    expect(e.location).toEqual({ field: 'amount_minor', value: '1152921504606846976' });
  });

  it('an order value is AMOUNT_OVERFLOW, a duration NUMBER_OUT_OF_RANGE, a timestamp BAD_TIMESTAMP', () => {
    const longs = ['occurred_at', 'duration_ms', 'order_value_minor'];
    const order = caught(() => codec.decode(writeExact('JourneyEvent', { ...SAMPLE_JOURNEY, order_value_minor: 2n ** 53n }, longs)));
    expect([order.code, order.location.field]).toEqual(['AMOUNT_OVERFLOW', 'order_value_minor']);
    const duration = caught(() => codec.decode(writeExact('JourneyEvent', { ...SAMPLE_JOURNEY, duration_ms: -(2n ** 62n) }, longs)));
    expect([duration.code, duration.location.field, duration.location.value]).toEqual(['NUMBER_OUT_OF_RANGE', 'duration_ms', '-4611686018427387904']);
    const time = caught(() => codec.decode(writeExact('JourneyEvent', { ...SAMPLE_JOURNEY, occurred_at: 2n ** 63n - 1n }, longs)));
    expect([time.code, time.location.field]).toEqual(['BAD_TIMESTAMP', 'occurred_at']);
  });

  it('2^53 - 1 itself is exact and decodes as a number', () => {
    const bytes = writeExact('CompensationEvent', { ...SAMPLE_COMPENSATION, amount_minor: 2n ** 53n - 1n }, ['amount_minor', 'occurred_at']);
    expect(codec.decode(bytes).value).toStrictEqual({ ...SAMPLE_COMPENSATION, amount_minor: Number.MAX_SAFE_INTEGER });
  });
});

describe('encode failures', () => {
  it('a missing required field is SCHEMA_MISMATCH naming it', () => {
    const { incident_id: _i, ...rest } = SAMPLE_COMPENSATION;
    const e = caught(() => codec.encode('CompensationEvent', rest));
    expect([e.code, e.location.field]).toEqual(['SCHEMA_MISMATCH', 'incident_id']);
  });

  it('an unsafe amount is AMOUNT_OVERFLOW, an unknown record UNKNOWN_SCHEMA', () => {
    const e = caught(() => codec.encode('CompensationEvent', { ...SAMPLE_COMPENSATION, amount_minor: 2 ** 60 }));
    expect([e.code, e.location.field]).toEqual(['AMOUNT_OVERFLOW', 'amount_minor']);
    expect(caught(() => codec.encode('NoSuchRecord', {})).code).toBe('UNKNOWN_SCHEMA');
  });
});

describe('fromJson (JSON Lines values)', () => {
  it.each(Object.entries(SAMPLE_RECORDS).filter(([n]) => n !== 'DeadLetter'))('%s JSON gives the same value as the Avro path', (name, value) => {
    const json: unknown = JSON.parse(JSON.stringify(value));
    expect(codec.fromJson(name, json)).toStrictEqual(codec.decode(codec.encode(name, value)).value);
  });

  it('absent optionals and arrays take their defaults', () => {
    const value = codec.fromJson('OpsIncidentEvent', {
      event_id: 'e1',
      event_type: 'OPENED',
      occurred_at: 1736937000000,
      incident_id: 'OPS-INC-1',
      severity: 'SEV1',
      source: 'MONITORING',
      reason_code: 'PLATFORM_BUG',
      fault: 'PLATFORM',
    }) as Record<string, unknown>;
    expect(value['vendor_id']).toBeNull();
    expect(value['journey_instance_ids']).toEqual([]);
  });

  const bad: Array<[string, Record<string, unknown>, string, string, unknown]> = [
    ['missing required field', { incident_id: undefined }, 'SCHEMA_MISMATCH', 'incident_id', undefined],
    ['extra field', { surprise: 1 }, 'SCHEMA_MISMATCH', 'surprise', 1],
    ['string for a long', { amount_minor: '500' }, 'SCHEMA_MISMATCH', 'amount_minor', '500'],
    ['fraction for a long', { amount_minor: 5.5 }, 'NUMBER_OUT_OF_RANGE', 'amount_minor', '5.5'],
    ['infinity for a long', { amount_minor: Infinity }, 'NUMBER_OUT_OF_RANGE', 'amount_minor', 'Infinity'],
    ['a rounded fraction for a long', { amount_minor: new InexactNumber('12.0000000000000001', 12) }, 'NUMBER_OUT_OF_RANGE', 'amount_minor', '12.0000000000000001'],
    ['ISO date for a timestamp', { occurred_at: '2025-01-15T10:30:00Z' }, 'SCHEMA_MISMATCH', 'occurred_at', '2025-01-15T10:30:00Z'],
    ['unknown enum symbol', { channel: 'CASH' }, 'SCHEMA_MISMATCH', 'channel', 'CASH'],
    ['null for a required field', { currency: null }, 'SCHEMA_MISMATCH', 'currency', null],
    ['number for an optional string', { user_id: 9 }, 'SCHEMA_MISMATCH', 'user_id', 9],
    ['amount beyond 2^53 - 1', { amount_minor: 2 ** 60 }, 'AMOUNT_OVERFLOW', 'amount_minor', String(2 ** 60)],
  ];
  it.each(bad)('%s -> %s on %s', (_case, patch, code, field, value) => {
    const json: Record<string, unknown> = { ...(JSON.parse(JSON.stringify(SAMPLE_COMPENSATION)) as Record<string, unknown>), ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete json[k];
    const e = caught(() => codec.fromJson('CompensationEvent', json));
    expect(e.code).toBe(code);
    expect(e.location.field).toBe(field);
    expect(e.location.value).toStrictEqual(value);
    expect(e.message).toContain(field);
  });

  it('never quotes text that names a personal field, in a value or in a member name', () => {
    const base = JSON.parse(JSON.stringify(SAMPLE_COMPENSATION)) as Record<string, unknown>;
    const secret = JSON.stringify({ user_id: 'USR-SECRET-1' });
    const inValue = caught(() => codec.fromJson('CompensationEvent', { ...base, channel: secret }));
    expect([inValue.code, inValue.location.field]).toEqual(['SCHEMA_MISMATCH', 'channel']);
    expect(inValue.message).not.toContain('USR-SECRET');
    const inName = caught(() => codec.fromJson('CompensationEvent', { ...base, [secret]: 1 }));
    expect(inName.code).toBe('SCHEMA_MISMATCH');
    expect(`${inName.message} ${String(inName.location.field)}`).not.toContain('USR-SECRET');
    const lem = JSON.parse(JSON.stringify(SAMPLE_RECORDS['LemSignal'])) as Record<string, unknown>;
    expect(caught(() => codec.fromJson('LemSignal', { ...lem, user_id: 'USR-SECRET-2' })).message).toBe('LemSignal: unknown field user_id');
  });

  it('an array item of the wrong type is named with its index', () => {
    const e = caught(() => codec.fromJson('LemSignal', { ...JSON.parse(JSON.stringify(SAMPLE_RECORDS['LemSignal'])), risk_tags: ['a', 3] }));
    expect([e.code, e.location.field, e.location.value]).toEqual(['SCHEMA_MISMATCH', 'risk_tags[1]', 3]);
  });

  it('a value that is not an object is SCHEMA_MISMATCH', () => {
    expect(caught(() => codec.fromJson('FxRate', [1, 2])).code).toBe('SCHEMA_MISMATCH');
    expect(caught(() => codec.fromJson('FxRate', 'x')).code).toBe('SCHEMA_MISMATCH');
  });
});

describe('topics and options', () => {
  it('maps every input, output and dead-letter topic to its record', () => {
    for (const family of FAMILIES) {
      expect(codec.recordForTopic(INPUT_TOPICS[family])).toBe(RECORD_OF_FAMILY[family]);
      expect(codec.recordForTopic(dlqTopic(INPUT_TOPICS[family]))).toBe('DeadLetter');
    }
    expect(codec.recordForTopic(OUTPUT_TOPICS.breach)).toBe('SloBreachSignal');
    expect(codec.recordForTopic(OUTPUT_TOPICS.quality)).toBe('QualityScoreUpdate');
    expect(codec.recordForTopic('some.other.topic')).toBeUndefined();
    expect(codec.recordForTopic('some.other.topic.dlq')).toBeUndefined();
  });

  it('rejects unknown options and a missing schema folder with INVALID_CONFIG naming them', () => {
    const unknown = caught(() => createCodec({ schemaDirectory: 'x' } as never));
    expect(unknown.code).toBe('INVALID_CONFIG');
    expect(unknown.message).toContain('schemaDirectory');
    const missing = caught(() => createCodec({ schemaDir: '/nonexistent/schemas' }));
    expect([missing.code, missing.location.field]).toEqual(['INVALID_CONFIG', 'schemaDir']);
  });

  it('shares one default codec per process', () => {
    expect(defaultCodec()).toBe(defaultCodec());
    expect(defaultCodec().recordNames).toEqual(codec.recordNames);
  });
});
