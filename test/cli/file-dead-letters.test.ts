import { describe, expect, it } from 'vitest';
import { FileDeadLetters, lineDeadLetter, topicNamedAt } from '../../cli/file-dead-letters.js';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { createPiiHasher, payloadReader } from '../../processors/ingest/index.js';
import type { InsertOptions, Warehouse } from '../../sinks/warehouse/index.js';

interface Insert {
  table: string;
  rows: ReadonlyArray<Record<string, unknown>>;
  token: string | undefined;
}

/** A warehouse that only records inserts. */
function recorder(): { wh: Warehouse; inserts: Insert[] } {
  const inserts: Insert[] = [];
  const refuse = async (): Promise<never> => {
    throw new Error('not used');
  };
  const wh: Warehouse = {
    kind: 'chdb',
    database: 'test',
    exec: refuse,
    query: refuse,
    insertJsonEachRow: refuse,
    insertNative: refuse,
    close: async () => {},
    insert: async (table: string, rows: ReadonlyArray<Record<string, unknown>>, options?: InsertOptions) => {
      inserts.push({ table, rows, token: options?.dedupToken });
    },
  };
  return { wh, inserts };
}

const read = payloadReader((b) => defaultCodec().decode(b));
const hasher = createPiiHasher('file-dead-letters-test-key');

async function deadLettersOf(file: string, lines: string[], maxRows: number): Promise<Insert[]> {
  const { wh, inserts } = recorder();
  const dl = new FileDeadLetters(wh, hasher, read, { maxRows });
  for (const [i, l] of lines.entries()) await dl.add(lineDeadLetter(file, i + 1, 'NOT_JSON', 'line is not JSON', Buffer.from(l)));
  await dl.flush();
  return inserts;
}

describe('dead letters of unroutable file lines', () => {
  const bad = Array.from({ length: 7 }, (_, i) => `not json ${i} {"user_id":"USR-CLEAR-${i}"`);

  it('are written in chunks of at most maxRows as they come, the rest at the end of the file', async () => {
    const { wh, inserts } = recorder();
    const dl = new FileDeadLetters(wh, hasher, read, { maxRows: 3 });
    for (const [i, l] of bad.entries()) {
      await dl.add(lineDeadLetter('a.jsonl', i + 1, 'NOT_JSON', 'line is not JSON', Buffer.from(l)));
      expect(inserts.length, `after line ${i + 1}`).toBe(Math.floor((i + 1) / 3));
    }
    await dl.flush();
    expect(inserts.map((x) => x.rows.length)).toEqual([3, 3, 1]);
    expect(dl.count).toBe(7);
    expect(inserts.every((x) => x.table === 'dead_letters')).toBe(true);
    expect(inserts.flatMap((x) => x.rows.map((r) => r['reason']))).toEqual(bad.map((_, i) => `a.jsonl:${i + 1}: line is not JSON`));
  });

  it('a chunk is a chunk of a payload bound too', async () => {
    const { wh, inserts } = recorder();
    const dl = new FileDeadLetters(wh, hasher, read, { maxRows: 1000, maxPayloadBytes: 100 });
    for (let i = 1; i <= 3; i++) {
      await dl.add(lineDeadLetter('b.jsonl', i, 'UNKNOWN_TOPIC', 'no such topic', Buffer.from(JSON.stringify({ topic: 'x', value: { pad: 'p'.repeat(80) } }))));
    }
    await dl.flush();
    expect(inserts.map((x) => x.rows.length)).toEqual([1, 1, 1]);
  });

  it('tokens: the same file gives the same tokens, another file or other content other ones', async () => {
    const once = await deadLettersOf('a.jsonl', bad, 3);
    const again = await deadLettersOf('a.jsonl', bad, 3);
    expect(again.map((x) => x.token)).toEqual(once.map((x) => x.token));
    expect(new Set(once.map((x) => x.token)).size).toBe(3);
    const otherFile = await deadLettersOf('b.jsonl', bad, 3);
    const otherContent = await deadLettersOf('a.jsonl', bad.map((l) => `${l}!`), 3);
    const seen = new Set(once.map((x) => x.token));
    for (const x of [...otherFile, ...otherContent]) expect(seen.has(x.token)).toBe(false);
    expect(once.every((x) => /^file-dead-letters-[0-9a-f]{64}$/.test(x.token ?? ''))).toBe(true);
  });

  it('never carry a clear user_id, and a truncated line keeps its own digest and size', async () => {
    const { wh, inserts } = recorder();
    const dl = new FileDeadLetters(wh, hasher, read);
    const envelope = JSON.stringify({ topic: 'no.such.topic', value: { user_id: 'USR-CLEAR-JSON' } });
    await dl.add(lineDeadLetter('c.jsonl', 1, 'UNKNOWN_TOPIC', 'no such topic', Buffer.from(envelope), 'no.such.topic'));
    await dl.add(lineDeadLetter('c.jsonl', 2, 'NOT_JSON', 'line is not JSON', Buffer.from('{"user_id":"USR-CLEAR-TEXT", oops')));
    const prefix = Buffer.from('{"topic":"tjm.journey.v1","value":{"user_id":"USR-CLEAR-BIG"');
    await dl.add(lineDeadLetter('c.jsonl', 3, 'RECORD_TOO_LARGE', 'too large', prefix, topicNamedAt(prefix)), { sha256: 'ab'.repeat(32), size: 2_000_000 });
    await dl.flush();
    const rows = inserts.flatMap((x) => x.rows);
    const stored = JSON.stringify(rows) + rows.map((r) => Buffer.from(String(r['payload_base64']), 'base64').toString('utf8')).join('');
    expect(stored).not.toContain('USR-CLEAR');
    expect(rows[2]).toMatchObject({ source_topic: 'tjm.journey.v1', source_offset: '3', payload_sha256: 'ab'.repeat(32), payload_size: 2_000_000 });
  });

  it('a line that cannot be parsed is filed under the input topic its first bytes name, else under the file', () => {
    expect(topicNamedAt(Buffer.from(' { "topic" : "billing.refunds.v1", "value": {'))).toBe('billing.refunds.v1');
    expect(topicNamedAt(Buffer.from('{"topic":"no.such.topic","value":{'))).toBe('');
    expect(topicNamedAt(Buffer.from('{"value":{},"topic":"billing.refunds.v1"}'))).toBe('');
    expect(lineDeadLetter('f.jsonl', 9, 'INVALID_UTF8', 'bad', Buffer.alloc(0)).source_topic).toBe('f.jsonl');
  });
});
