import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../errors/index.js';
import avsc from 'avsc';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCodec } from './avro-codec.js';
import { buildDeadLetter } from './dead-letter.js';
import { schemaFingerprint } from './fingerprint.js';
import { SAMPLE_DEAD_LETTER } from './samples.js';
import { defaultSchemaDir } from './schema-files.js';

const codec = createCodec();

describe('buildDeadLetter', () => {
  it('keeps the original bytes, the source position and the reason, and encodes as a DeadLetter', () => {
    const value = Buffer.from([0xc3, 0x01, 1, 2, 3]);
    const error = new PipelineError('NEGATIVE_AMOUNT', 'amount_minor must not be negative, got -5', { field: 'amount_minor', value: -5 });
    const dl = buildDeadLetter({ topic: 'billing.refunds.v1', partition: 2, offset: '41', key: 'ORD-1', value }, error, 1_736_937_000_000);
    expect(dl).toEqual({
      source_topic: 'billing.refunds.v1',
      source_partition: 2,
      source_offset: '41',
      source_file: null,
      source_line: null,
      original_key: Buffer.from('ORD-1'),
      original_value: value,
      reason_code: 'NEGATIVE_AMOUNT',
      message: 'amount_minor must not be negative, got -5',
      field: 'amount_minor',
      field_value: '-5',
      dead_lettered_at: 1_736_937_000_000,
      original_value_form: 'original',
      original_value_sha256: createHash('sha256').update(value).digest('hex'),
      original_value_size: 5,
    });
    expect(codec.decode(codec.encode('DeadLetter', dl)).value).toStrictEqual(dl);
  });

  it('records file inputs by file and line, and truncates long offending values', () => {
    const error = new PipelineError('INVALID_FIELD', 'too long', { field: 'event_id', value: 'x'.repeat(1000) });
    const dl = buildDeadLetter({ topic: 'tjm.journey.v1', file: 'events.jsonl', line: 7, value: '{"topic":...}' }, error, 0);
    expect([dl.source_partition, dl.source_offset, dl.source_file, dl.source_line]).toEqual([null, null, 'events.jsonl', 7]);
    expect(dl.field_value).toHaveLength(201);
  });

  it('never renders the offending value of a personal field', () => {
    const error = new PipelineError('INVALID_FIELD', 'user_id must be at most 256 characters', { field: 'user_id', value: 'USR-9'.repeat(60) });
    expect(buildDeadLetter({ topic: 'billing.refunds.v1', value: 'x' }, error, 0).field_value).toBeNull();
  });

  it('rethrows errors that are not input problems instead of dead-lettering them', () => {
    expect(() => buildDeadLetter({ topic: 't' }, new Error('bug'), 0)).toThrow('bug');
    expect(() => buildDeadLetter({ topic: 't' }, new PipelineError('WAREHOUSE_UNAVAILABLE', 'down'), 0)).toThrow('down');
  });

  it('reads dead letters written before original_value_form existed: the new fields are null', () => {
    const v0 = JSON.parse(readFileSync(join(defaultSchemaDir(), 'history', 'DeadLetter.v0.avsc'), 'utf8')) as avsc.Schema;
    const writer = avsc.Type.forSchema(v0);
    const { original_value_form: _f, original_value_sha256: _s, original_value_size: _n, ...old } = SAMPLE_DEAD_LETTER;
    const bytes = Buffer.concat([Buffer.from([0xc3, 0x01]), schemaFingerprint(JSON.stringify(writer.schema())), writer.toBuffer(old)]);
    expect(codec.decode(bytes).value).toStrictEqual({ ...old, original_value_form: null, original_value_sha256: null, original_value_size: null });
  });
});
