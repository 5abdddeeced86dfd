import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultCodec } from '../codec/avro-codec.js';
import { SAMPLE_COMPENSATION, SAMPLE_JOURNEY, SAMPLE_LEM } from '../codec/samples.js';
import { INPUT_TOPICS } from '../contracts/topics.js';
import type { DeadLetterCode } from '../errors/codes.js';
import { avroDeadLetterEncoder, createJsonDeadLetterEncoder, deadLetterRow, jsonDeadLetterEncoder, payloadReader, type DeadLetter } from './dead-letters.js';
import { createPiiHasher } from './normalize.js';
import { REDACTED, TOO_DEEP_MARKER } from './redact.js';

const codec = defaultCodec();
const hasher = createPiiHasher('0123456789abcdef-test');
const read = payloadReader((b) => codec.decode(b));
const SECRET = 'USR-SECRET-42';

const letter = (topic: string, payload: Buffer, code: DeadLetterCode = 'INVALID_FIELD'): DeadLetter => ({
  source_topic: topic,
  source_partition: 0,
  source_offset: '7',
  reason_code: code,
  reason: 'refused',
  field: null,
  key: Buffer.from('k'),
  payload,
});

/** What the warehouse row, the Avro `.dlq` record and the JSON encoding keep of a dead letter. */
function everything(d: DeadLetter): { row: Record<string, unknown>; stored: string; avro: Record<string, unknown>; forwarded: string; json: string } {
  const row = deadLetterRow(d, hasher, read);
  const avro = codec.decode(avroDeadLetterEncoder(codec)(d)).value as Record<string, unknown>;
  const original = avro['original_value'];
  return {
    row,
    stored: Buffer.from(String(row['payload_base64']), 'base64').toString('utf8'),
    avro,
    forwarded: original instanceof Uint8Array ? Buffer.from(original).toString('latin1') : '',
    json: jsonDeadLetterEncoder(d).toString('utf8'),
  };
}

function expectNoSecret(d: DeadLetter): ReturnType<typeof everything> {
  const all = everything(d);
  for (const text of [JSON.stringify(all.row), all.stored, all.forwarded, all.json, JSON.stringify(all.avro)]) expect(text).not.toContain(SECRET);
  return all;
}

const hmac = (v: string): string => `hmac:${hasher(v)}`;

describe('dead letters keep no personal data in clear', () => {
  it('an Avro compensation refused for its amount: the .dlq record carries it as redacted JSON, keyed-hashed', () => {
    const bytes = codec.encode('CompensationEvent', { ...SAMPLE_COMPENSATION, user_id: SECRET, amount_minor: -5 });
    const all = expectNoSecret(letter(INPUT_TOPICS.compensation, bytes, 'NEGATIVE_AMOUNT'));
    expect(all.avro).toMatchObject({ original_value_form: 'redacted-json', original_value_size: bytes.length, original_value_sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(JSON.parse(all.forwarded)).toMatchObject({ user_id: hmac(SECRET), amount_minor: -5 });
    expect(all.row['payload_format']).toBe('redacted-json');
    expect(JSON.parse(all.stored)).toMatchObject({ user_id: hmac(SECRET) });
  });

  it('the hash is keyed: another key gives another hash', () => {
    const bytes = codec.encode('CompensationEvent', { ...SAMPLE_COMPENSATION, user_id: SECRET, amount_minor: -5 });
    const other = createPiiHasher('another-key-0123456789');
    const a = JSON.parse(Buffer.from(String(deadLetterRow(letter(INPUT_TOPICS.compensation, bytes), hasher, read)['payload_base64']), 'base64').toString()) as Record<string, unknown>;
    const b = JSON.parse(Buffer.from(String(deadLetterRow(letter(INPUT_TOPICS.compensation, bytes), other, read)['payload_base64']), 'base64').toString()) as Record<string, unknown>;
    expect(a['user_id']).toBe(hmac(SECRET));
    expect(b['user_id']).toBe(`hmac:${other(SECRET)}`);
    expect(a['user_id']).not.toBe(b['user_id']);
  });

  it('an Avro record without personal data is forwarded as received', () => {
    const bytes = codec.encode('CompensationEvent', { ...SAMPLE_COMPENSATION, user_id: null, amount_minor: -5 });
    const all = everything(letter(INPUT_TOPICS.compensation, bytes, 'NEGATIVE_AMOUNT'));
    expect(all.avro['original_value_form']).toBe('original');
    expect(Buffer.from(all.avro['original_value'] as Uint8Array).equals(bytes)).toBe(true);
  });

  it('undecodable bytes: omitted for a family with personal fields, kept for one without (unless they name one)', () => {
    const journey = codec.encode('JourneyEvent', { ...SAMPLE_JOURNEY, user_id: SECRET });
    const truncated = journey.subarray(0, journey.length - 3);
    const omitted = expectNoSecret(letter(INPUT_TOPICS.journey, truncated, 'UNDECODABLE'));
    expect(omitted.avro).toMatchObject({ original_value: null, original_value_form: 'omitted', original_value_size: truncated.length });
    expect(omitted.avro['original_value_sha256']).toBe(createHash('sha256').update(truncated).digest('hex'));
    expect(omitted.row).toMatchObject({ payload_format: 'omitted', payload_base64: '', payload_size: truncated.length });

    const lem = codec.encode('LemSignal', SAMPLE_LEM);
    const cut = lem.subarray(0, lem.length - 2);
    expect(everything(letter(INPUT_TOPICS.lem, cut, 'UNDECODABLE')).avro).toMatchObject({ original_value_form: 'original', original_value: cut });
    const naming = Buffer.concat([cut.subarray(0, 10), Buffer.from(`{"user_id":"${SECRET}"`)]);
    expect(expectNoSecret(letter(INPUT_TOPICS.lem, naming, 'UNDECODABLE')).avro['original_value_form']).toBe('omitted');
  });

  it('a JSON string as value: the JSON inside it is redacted too', () => {
    const line = JSON.stringify({ topic: INPUT_TOPICS.journey, value: JSON.stringify({ ...SAMPLE_JOURNEY, user_id: SECRET }) });
    const all = expectNoSecret(letter('events.jsonl', Buffer.from(line), 'BAD_ENVELOPE'));
    const inner = JSON.parse((JSON.parse(all.stored) as { value: string }).value) as Record<string, unknown>;
    expect(inner['user_id']).toBe(hmac(SECRET));
    expect(all.avro['original_value_form']).toBe('redacted-json');
  });

  it('a user_id at any depth is hashed up to the depth limit, and nothing beyond it is kept', () => {
    const at = (levels: number): string => '{"a":'.repeat(levels - 1) + `{"user_id":"${SECRET}"}` + '}'.repeat(levels - 1);
    const shallow = expectNoSecret(letter(INPUT_TOPICS.journey, Buffer.from(at(64)), 'TOO_DEEP'));
    expect(shallow.stored).toContain(hmac(SECRET));
    const deep = expectNoSecret(letter(INPUT_TOPICS.journey, Buffer.from(at(6000)), 'TOO_DEEP'));
    expect(deep.stored).toContain(TOO_DEEP_MARKER);
    expect(deep.avro['original_value_form']).toBe('redacted-json');
  });

  it('tricks that hide a user_id from a naive walk are redacted', () => {
    const tricks = [
      `{"user_id":"${SECRET}","user_id":null}`, // the first value of a repeated key is in the text only
      `{"user\\u005fid":"${SECRET}"}`, // an escaped name
      JSON.stringify({ error_code: JSON.stringify({ note: JSON.stringify({ user_id: SECRET }) }) }), // JSON in JSON in a string
      JSON.stringify({ error_code: `{"user_id":"${SECRET}"` }), // truncated JSON in a string
      JSON.stringify({ [`{"user_id":"${SECRET}"}`]: 1 }), // in a key
      JSON.stringify({ user_id: { nested: [SECRET] } }), // not a string: removed
      JSON.stringify([{ user_id: SECRET }]),
    ];
    for (const t of tricks) {
      const all = expectNoSecret(letter(INPUT_TOPICS.refund, Buffer.from(t), 'SCHEMA_MISMATCH'));
      expect(all.avro['original_value_form'], t).toBe('redacted-json');
    }
    expect(JSON.parse(everything(letter(INPUT_TOPICS.refund, Buffer.from(tricks[5] as string))).stored)).toEqual({ user_id: REDACTED });
  });

  it('JSON without a personal field is forwarded as received; unparsable JSON of such a family is omitted', () => {
    const text = JSON.stringify({ ...SAMPLE_JOURNEY, user_id: undefined, duration_ms: 'slow' });
    expect(everything(letter(INPUT_TOPICS.journey, Buffer.from(text))).avro).toMatchObject({ original_value_form: 'original', original_value: Buffer.from(text) });
    const truncated = Buffer.from(JSON.stringify({ ...SAMPLE_JOURNEY, user_id: SECRET }).slice(0, -20));
    expect(expectNoSecret(letter(INPUT_TOPICS.journey, truncated, 'NOT_JSON')).avro['original_value_form']).toBe('omitted');
    expect(expectNoSecret(letter('events.jsonl', truncated, 'NOT_JSON')).row['payload_format']).toBe('omitted');
  });

  it('a record over 1 MiB is never forwarded nor parsed', () => {
    const big = Buffer.from(JSON.stringify({ user_id: SECRET, pad: 'x'.repeat(1_048_576) }));
    const all = expectNoSecret(letter(INPUT_TOPICS.lem, big, 'RECORD_TOO_LARGE'));
    expect(all.avro).toMatchObject({ original_value: null, original_value_form: 'omitted', original_value_size: big.length });
    expect(all.row).toMatchObject({ payload_format: 'omitted', payload_size: big.length });
  });

  it('an encoder reuses the hashing of the warehouse row; on its own, without a key, it removes personal values', () => {
    const bytes = Buffer.from(JSON.stringify({ ...SAMPLE_JOURNEY, user_id: SECRET }));
    const alone = JSON.parse(createJsonDeadLetterEncoder()(letter(INPUT_TOPICS.journey, bytes)).toString()) as { payload_base64: string };
    expect(JSON.parse(Buffer.from(alone.payload_base64, 'base64').toString())).toMatchObject({ user_id: REDACTED });
    const withKey = JSON.parse(createJsonDeadLetterEncoder({ hasher })(letter(INPUT_TOPICS.journey, bytes)).toString()) as { payload_base64: string };
    expect(JSON.parse(Buffer.from(withKey.payload_base64, 'base64').toString())).toMatchObject({ user_id: hmac(SECRET) });
    const d = letter(INPUT_TOPICS.journey, bytes);
    deadLetterRow(d, hasher, read);
    expect(JSON.parse(everything(d).forwarded)).toMatchObject({ user_id: hmac(SECRET) });
  });

  it('an empty payload is forwarded as null, without a form', () => {
    const all = everything(letter(INPUT_TOPICS.lem, Buffer.alloc(0), 'EMPTY_VALUE'));
    expect(all.avro).toMatchObject({ original_value: null, original_value_form: null, original_value_sha256: null, original_value_size: 0 });
  });
});
