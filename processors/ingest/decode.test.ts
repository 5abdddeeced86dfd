import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { defaultCodec } from '../codec/avro-codec.js';
import { SAMPLE_COMPENSATION, SAMPLE_FX, SAMPLE_JOURNEY, SAMPLE_LEM } from '../codec/samples.js';
import { INPUT_TOPICS } from '../contracts/topics.js';
import type { Message } from '../transport/types.js';
import { CONTENT_TYPE_HEADER, JSON_CONTENT_TYPE, decodeMessage, type Decoded } from './decode.js';
import { createDefaultDecoder } from './default-decoder.js';
import { MAX_RECORD_BYTES } from './json-guard.js';

const codec = defaultCodec();
const decoder = createDefaultDecoder(codec, () => SAMPLE_JOURNEY.occurred_at + 60_000);
const msg = (topic: string, value: Buffer, json: boolean): Message => ({
  topic,
  partition: 0,
  offset: '0',
  key: null,
  value,
  headers: json ? { [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE } : {},
  timestamp: 0,
});
const json = (topic: string, text: string): Decoded => decodeMessage(msg(topic, Buffer.from(text), true), decoder);
const verdict = (d: Decoded): unknown => (d.ok ? 'ok' : [d.code, d.field]);
const journey = (patch: string): string => JSON.stringify(SAMPLE_JOURNEY).replace('"duration_ms":1250', `"duration_ms":${patch}`);

describe('decode: hostile JSON values', () => {
  it('a long takes 2^53 - 1 and refuses 2^53', () => {
    expect(verdict(json(INPUT_TOPICS.journey, journey('9007199254740991')))).toBe('ok');
    expect(verdict(json(INPUT_TOPICS.journey, journey('9007199254740992')))).toEqual(['NUMBER_OUT_OF_RANGE', 'duration_ms']);
    expect(verdict(json(INPUT_TOPICS.journey, journey('-9007199254740992')))).toEqual(['NUMBER_OUT_OF_RANGE', 'duration_ms']);
  });

  it('refuses numbers beyond double range, fractions and rounded fractions where a long is due', () => {
    for (const n of ['1e400', '-1E+309', '12.5', '1250.0000000000000001', '1e-400']) {
      expect(verdict(json(INPUT_TOPICS.journey, journey(n))), n).toEqual(['NUMBER_OUT_OF_RANGE', 'duration_ms']);
    }
    const score = JSON.stringify(SAMPLE_LEM).replace('"current_score":0.42', '"current_score":1e999');
    expect(score).toContain('1e999');
    expect(verdict(json(INPUT_TOPICS.lem, score))).toEqual(['NUMBER_OUT_OF_RANGE', 'current_score']);
    // A double is read as doubles are: a long fraction rounded to 1 is still 1.
    const rounded = JSON.stringify(SAMPLE_LEM).replace('"current_score":0.42', '"current_score":0.99999999999999999999');
    const d = json(INPUT_TOPICS.lem, rounded);
    expect(d.ok && (d.event as { current_score: number }).current_score).toBe(1);
  });

  it('reads JSON written with spaces, and sees through a repeated key to the literal JSON.parse kept', () => {
    const spaced = JSON.stringify(SAMPLE_JOURNEY, null, 2);
    const d = json(INPUT_TOPICS.journey, spaced);
    expect(d.ok && (d.event as { duration_ms: number }).duration_ms).toBe(1250);
    const repeated = journey('1250,"duration_ms":1250.0000000000000001');
    expect(verdict(json(INPUT_TOPICS.journey, repeated))).toEqual(['NUMBER_OUT_OF_RANGE', 'duration_ms']);
    const escaped = journey('1250').replace('"duration_ms":1250', '"duration\\u005fms":1e-400');
    expect(escaped).toContain('duration\\u005fms');
    expect(verdict(json(INPUT_TOPICS.journey, escaped))).toEqual(['NUMBER_OUT_OF_RANGE', 'duration_ms']);
  });

  it('refuses a value nested deeper than 64 levels, and invalid UTF-8', () => {
    // The value object is the first level: 63 arrays inside it make 64 levels, 64 make 65.
    const nestedIn = (arrays: number): string => JSON.stringify(SAMPLE_JOURNEY).replace('"error_code":null', `"error_code":${'['.repeat(arrays)}${']'.repeat(arrays)}`);
    expect(verdict(json(INPUT_TOPICS.journey, nestedIn(63)))).toEqual(['SCHEMA_MISMATCH', 'error_code']);
    expect(verdict(json(INPUT_TOPICS.journey, nestedIn(64)))).toEqual(['TOO_DEEP', undefined]);
    const bytes = Buffer.from(JSON.stringify(SAMPLE_JOURNEY));
    bytes[bytes.indexOf('VIE')] = 0xc0;
    expect(verdict(decodeMessage(msg(INPUT_TOPICS.journey, bytes, true), decoder))).toEqual(['INVALID_UTF8', undefined]);
  });

  it('names the path of a wrong type at any depth', () => {
    const tags = JSON.stringify({ ...SAMPLE_LEM, risk_tags: ['a', 'b', 7] });
    expect(verdict(json(INPUT_TOPICS.lem, tags))).toEqual(['SCHEMA_MISMATCH', 'risk_tags[2]']);
    const object = JSON.stringify({ ...SAMPLE_JOURNEY, route_id: { user_id: 'USR-SECRET-1' } });
    const d = json(INPUT_TOPICS.journey, object);
    expect(verdict(d)).toEqual(['SCHEMA_MISMATCH', 'route_id']);
    expect(d.ok ? '' : d.reason).not.toContain('USR-SECRET');
    const user = json(INPUT_TOPICS.journey, JSON.stringify({ ...SAMPLE_JOURNEY, user_id: ['USR-SECRET-2'] }));
    expect(verdict(user)).toEqual(['SCHEMA_MISMATCH', 'user_id']);
  });
});

describe('decode: record size', () => {
  /** A JSON FX value of exactly `size` bytes (padding in the event id). */
  const fxOfSize = (size: number): Buffer => {
    const base = JSON.stringify({ ...SAMPLE_FX, event_id: '' });
    return Buffer.from(base.replace('"event_id":""', `"event_id":"${'x'.repeat(size - base.length)}"`));
  };

  it('reads a value of exactly 1 MiB and refuses one byte more before decoding it', () => {
    const exact = fxOfSize(MAX_RECORD_BYTES);
    expect(exact.length).toBe(MAX_RECORD_BYTES);
    // Decoded and validated: the id is too long, but the size was accepted.
    expect(verdict(decodeMessage(msg(INPUT_TOPICS.fx, exact, true), decoder))).toEqual(['INVALID_FIELD', 'event_id']);
    const over = decodeMessage(msg(INPUT_TOPICS.fx, fxOfSize(MAX_RECORD_BYTES + 1), true), decoder);
    expect(over.ok ? 'ok' : [over.code, over.reason]).toEqual(['RECORD_TOO_LARGE', 'value of 1048577 bytes is over the limit of 1048576 bytes (1 MiB)']);
    const avro = Buffer.concat([codec.encode('FxRate', SAMPLE_FX), Buffer.alloc(MAX_RECORD_BYTES)]);
    expect(verdict(decodeMessage(msg(INPUT_TOPICS.fx, avro, false), decoder))).toEqual(['RECORD_TOO_LARGE', undefined]);
  });
});

describe('decode: hostile Avro values', () => {
  it('refuses a NaN or infinite double as out of range', () => {
    for (const x of [NaN, Infinity, -Infinity]) {
      const bytes = codec.encode('LemSignal', { ...SAMPLE_LEM, current_score: x });
      expect(verdict(decodeMessage(msg(INPUT_TOPICS.lem, bytes, false), decoder))).toEqual(['NUMBER_OUT_OF_RANGE', 'current_score']);
    }
    const rate = codec.encode('FxRate', { ...SAMPLE_FX, rate_to_reporting: Infinity });
    expect(verdict(decodeMessage(msg(INPUT_TOPICS.fx, rate, false), decoder))).toEqual(['NUMBER_OUT_OF_RANGE', 'rate_to_reporting']);
  });

  it('a long takes 2^53 - 1 and refuses 2^53 (written by a producer with 64-bit longs)', () => {
    const bigLong = avsc.types.LongType.__with({
      fromBuffer: (b: Buffer) => b.readBigInt64LE(0),
      toBuffer: (n: bigint) => {
        const b = Buffer.alloc(8);
        b.writeBigInt64LE(n);
        return b;
      },
      fromJSON: (x: string | number) => BigInt(x),
      toJSON: (n: bigint) => Number(n),
      isValid: (n: unknown) => typeof n === 'bigint',
      compare: () => 0,
    });
    const schema = JSON.parse(JSON.stringify(codec.schema('CompensationEvent')).replaceAll('{"type":"long","logicalType":"timestamp-millis"}', '"long"')) as avsc.Schema;
    const writer = avsc.Type.forSchema(schema, { registry: { long: bigLong } });
    const write = (amount: bigint): Buffer =>
      Buffer.concat([Buffer.from([0xc3, 0x01]), codec.fingerprint('CompensationEvent'), writer.toBuffer({ ...SAMPLE_COMPENSATION, occurred_at: BigInt(SAMPLE_COMPENSATION.occurred_at), amount_minor: amount })]);
    const ok = decodeMessage(msg(INPUT_TOPICS.compensation, write(2n ** 53n - 1n), false), decoder);
    expect(ok.ok && (ok.event as { amount_minor: number }).amount_minor).toBe(Number.MAX_SAFE_INTEGER);
    expect(verdict(decodeMessage(msg(INPUT_TOPICS.compensation, write(2n ** 53n), false), decoder))).toEqual(['AMOUNT_OVERFLOW', 'amount_minor']);
  });
});
