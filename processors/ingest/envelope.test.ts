import { describe, expect, it } from 'vitest';
import { SAMPLE_JOURNEY } from '../codec/samples.js';
import { parseEnvelope } from './envelope.js';
import { MAX_RECORD_BYTES } from './json-guard.js';

const TOPIC = 'tjm.journey.v1';
const line = (value: unknown, extra: Record<string, unknown> = {}): string => JSON.stringify({ topic: TOPIC, key: 'k', value, ...extra });

/** A line of exactly `size` UTF-8 bytes (a padding string inside the value). */
function lineOfSize(size: number): string {
  const base = line({ pad: '' });
  return base.replace('"pad":""', `"pad":"${'é'.repeat(Math.floor((size - base.length) / 2))}${'x'.repeat((size - base.length) % 2)}"`);
}

describe('parseEnvelope', () => {
  it('routes a valid line, the value as JSON bytes', () => {
    const env = parseEnvelope(line(SAMPLE_JOURNEY));
    expect(env).toEqual({ ok: true, topic: TOPIC, key: 'k', value: Buffer.from(JSON.stringify(SAMPLE_JOURNEY)) });
    expect(parseEnvelope(Buffer.from(line(SAMPLE_JOURNEY)))).toEqual(env);
  });

  it('takes a line of exactly 1 MiB and refuses one byte more, as text and as bytes', () => {
    const exact = lineOfSize(MAX_RECORD_BYTES);
    expect(Buffer.byteLength(exact)).toBe(MAX_RECORD_BYTES);
    expect(parseEnvelope(exact).ok).toBe(true);
    expect(parseEnvelope(Buffer.from(exact)).ok).toBe(true);
    const over = lineOfSize(MAX_RECORD_BYTES + 1);
    expect(Buffer.byteLength(over)).toBe(MAX_RECORD_BYTES + 1);
    for (const input of [over, Buffer.from(over)]) {
      const env = parseEnvelope(input);
      expect(env.ok ? 'ok' : [env.code, env.reason]).toEqual(['RECORD_TOO_LARGE', 'line of 1048577 bytes is over the limit of 1048576 bytes (1 MiB)']);
    }
  });

  it('refuses bytes that are not UTF-8, naming the offset', () => {
    const bytes = Buffer.from(line({ a: 'x' }));
    bytes[bytes.indexOf('x')] = 0xff;
    const env = parseEnvelope(bytes);
    expect(env.ok ? 'ok' : [env.code, env.reason]).toEqual(['INVALID_UTF8', `line is not valid UTF-8: byte 0xff at offset ${bytes.indexOf(0xff)} of ${bytes.length}`]);
  });

  it('lets the value nest exactly 64 levels and refuses 65', () => {
    const value = (levels: number): string => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);
    const at = (levels: number) => parseEnvelope(`{"topic":"${TOPIC}","value":${value(levels)}}`);
    expect(at(64).ok).toBe(true);
    const deep = at(65);
    expect(deep.ok ? 'ok' : deep.code).toBe('TOO_DEEP');
    const thousands = parseEnvelope(`{"topic":"${TOPIC}","value":${'['.repeat(6000)}${']'.repeat(6000)}}`);
    expect(thousands.ok ? 'ok' : thousands.code).toBe('TOO_DEEP');
  });

  it('hands a number JSON.parse cannot carry on as written (never as a re-serialized null)', () => {
    const text = `{"topic":"${TOPIC}","value":{"event_id":"e","duration_ms":1e400,"n":[12345678.0000000001]}}`;
    const env = parseEnvelope(text);
    expect(env.ok && env.value.toString()).toBe('{"event_id":"e","duration_ms":1e400,"n":[12345678.0000000001]}');
  });

  it('refuses a value sent as a JSON string without quoting it', () => {
    const env = parseEnvelope(line(JSON.stringify({ ...SAMPLE_JOURNEY, user_id: 'USR-SECRET-9' })));
    expect(env.ok ? 'ok' : env.code).toBe('BAD_ENVELOPE');
    if (!env.ok) {
      expect(env.reason).toMatch(/^envelope field "value" must be a JSON object, got a string of \d+ characters/);
      expect(env.reason).not.toContain('USR-SECRET');
      expect(env.topic).toBe(TOPIC);
    }
  });

  it.each([
    ['not JSON', '{"topic":"tjm.journey.v1","value":{"user_id":"USR-SECRET-1",', 'NOT_JSON'],
    ['an array', '[1]', 'BAD_ENVELOPE'],
    ['no topic', '{"value":{}}', 'BAD_ENVELOPE'],
    ['a numeric topic', '{"topic":7,"value":{}}', 'BAD_ENVELOPE'],
    ['an unknown topic', '{"topic":"tjm.journey.v2","value":{}}', 'UNKNOWN_TOPIC'],
    ['a numeric key', `{"topic":"${TOPIC}","key":1e400,"value":{}}`, 'BAD_ENVELOPE'],
    ['an array value', `{"topic":"${TOPIC}","value":[{}]}`, 'BAD_ENVELOPE'],
    ['no value', `{"topic":"${TOPIC}"}`, 'BAD_ENVELOPE'],
  ])('%s -> %s', (_name, text, code) => {
    const env = parseEnvelope(text);
    expect(env.ok ? 'ok' : env.code).toBe(code);
    if (!env.ok) expect(env.reason).not.toContain('USR-SECRET');
  });
});
