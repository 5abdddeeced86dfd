import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineSplitter, readFileLines, readLines, type ReadLine } from '../../cli/line-reader.js';

const MiB = 1_048_576;
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Every line of `input` fed as the given chunks. */
function split(chunks: Buffer[], options?: ConstructorParameters<typeof LineSplitter>[0]): ReadLine[] {
  const s = new LineSplitter(options);
  return [...chunks.flatMap((c) => s.push(c)), ...s.end()];
}

const texts = (lines: ReadLine[]): Array<[number, string]> =>
  lines.map((l) => [l.line, l.kind === 'text' ? l.text : `<${l.kind}>`]);

describe('line reader: boundaries', () => {
  it('a line of exactly 1 MiB is a line; one byte more is refused with its size, digest and a prefix', () => {
    const exact = 'a'.repeat(MiB);
    const over = 'b'.repeat(MiB + 1);
    const lines = split([Buffer.from(`${exact}\n${over}\nnext\n`)]);
    expect(lines.map((l) => l.kind)).toEqual(['text', 'too-large', 'text']);
    expect(lines[0]).toMatchObject({ line: 1, text: exact });
    expect(lines[1]).toMatchObject({ line: 2, size: MiB + 1, sha256: sha(over) });
    expect(lines[1]?.kind === 'too-large' && lines[1].prefix.toString()).toBe('b'.repeat(4096));
    expect(lines[2]).toMatchObject({ line: 3, text: 'next' });
  });

  it('the limit counts the line without its CRLF, also when the line arrives in pieces', () => {
    const exact = 'c'.repeat(MiB);
    const input = Buffer.from(`${exact}\r\n${exact}x\r\n`);
    for (const size of [input.length, 64 * 1024, 1000, MiB, MiB + 1, MiB + 2]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < input.length; i += size) chunks.push(input.subarray(i, i + size));
      const lines = split(chunks);
      expect(lines.map((l) => l.kind), `chunks of ${size}`).toEqual(['text', 'too-large']);
      expect(lines[1], `chunks of ${size}`).toMatchObject({ size: MiB + 1, sha256: sha(`${exact}x`) });
    }
  });

  it('an over-long line is hashed as it streams: the digest is of the whole line (inner CRs too), not of its terminator', () => {
    const line = Buffer.from('0123456789\rabcdefghij\r');
    const input = Buffer.concat([line, Buffer.from('\r\nok')]);
    for (let size = 1; size <= input.length; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < input.length; i += size) chunks.push(input.subarray(i, i + size));
      const lines = split(chunks, { maxLineBytes: 8, prefixBytes: 4 });
      expect(lines[0], `chunks of ${size}`).toEqual({ kind: 'too-large', line: 1, size: line.length, sha256: sha(line), prefix: Buffer.from('0123') });
      expect(lines[1], `chunks of ${size}`).toEqual({ kind: 'text', line: 2, text: 'ok' });
    }
  });

  it('a line split across chunks, anywhere (inside a multi-byte character too), reads the same as in one chunk', () => {
    const input = Buffer.from('{"a":"é€𝄞"}\r\n\nsecond line\r\nlast without newline é', 'utf8');
    const whole = split([input]);
    expect(texts(whole)).toEqual([
      [1, '{"a":"é€𝄞"}'],
      [2, ''],
      [3, 'second line'],
      [4, 'last without newline é'],
    ]);
    for (let a = 0; a <= input.length; a++) {
      for (let b = a; b <= input.length; b += 3) {
        const lines = split([input.subarray(0, a), input.subarray(a, b), input.subarray(b)]);
        expect(lines, `cut at ${a} and ${b}`).toEqual(whole);
      }
    }
  });

  it('CRLF and LF lines, and a final line without a newline', () => {
    expect(texts(split([Buffer.from('a\r\nb\nc\r\n')]))).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
    expect(texts(split([Buffer.from('a\nb')]))).toEqual([[1, 'a'], [2, 'b']]);
    expect(texts(split([Buffer.from('a\n'), Buffer.from('b\r')]))).toEqual([[1, 'a'], [2, 'b']]);
    // A lone \r inside a line is content.
    expect(texts(split([Buffer.from('a\rb\n')]))).toEqual([[1, 'a\rb']]);
  });

  it('an empty input has no lines; a newline alone is one blank line', () => {
    expect(split([])).toEqual([]);
    expect(split([Buffer.alloc(0)])).toEqual([]);
    expect(texts(split([Buffer.from('\n')]))).toEqual([[1, '']]);
  });

  it('invalid UTF-8 is reported with the line\'s own bytes (never replaced), and the next lines go on', () => {
    const bad = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const truncated = Buffer.from([0x61, 0xe2, 0x82]); // a three-byte sequence cut short
    const lines = split([Buffer.concat([Buffer.from('ok\n'), bad, Buffer.from('\r\n'), truncated, Buffer.from('\nstill ok')])]);
    expect(lines).toEqual([
      { kind: 'text', line: 1, text: 'ok' },
      { kind: 'invalid-utf8', line: 2, bytes: bad },
      { kind: 'invalid-utf8', line: 3, bytes: truncated },
      { kind: 'text', line: 4, text: 'still ok' },
    ]);
    // Surrogate code points encoded in UTF-8 are not UTF-8 either.
    expect(split([Buffer.from([0xed, 0xa0, 0x80])])[0]?.kind).toBe('invalid-utf8');
  });

  it('a byte-order mark is dropped at the start of the input only', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const lines = split([bom.subarray(0, 1), Buffer.concat([bom.subarray(1), Buffer.from('{}\n'), bom, Buffer.from('{}\n')])]);
    expect(texts(lines)).toEqual([[1, '{}'], [2, '\ufeff{}']]);
  });
});

describe('line reader: files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'line-reader-'));

  it('reads a file as bytes, reporting how far it got', async () => {
    const file = join(dir, 'f.jsonl');
    writeFileSync(file, 'one\r\ntwo\nthree');
    const chunks = [];
    for await (const c of readFileLines(file)) chunks.push(c);
    expect(chunks.flatMap((c) => texts(c.lines))).toEqual([[1, 'one'], [2, 'two'], [3, 'three']]);
    expect(chunks.at(-1)?.bytesRead).toBe(14);
  });

  it('an empty file gives no lines', async () => {
    const file = join(dir, 'empty.jsonl');
    writeFileSync(file, '');
    const lines: ReadLine[] = [];
    for await (const c of readFileLines(file)) lines.push(...c.lines);
    expect(lines).toEqual([]);
  });

  it('any byte source: the lines of each chunk as it comes', async () => {
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from('a\nb');
      yield Buffer.from('c\nd');
    }
    const got = [];
    for await (const c of readLines(source())) got.push({ lines: texts(c.lines), bytesRead: c.bytesRead });
    expect(got).toEqual([
      { lines: [[1, 'a']], bytesRead: 3 },
      { lines: [[2, 'bc']], bytesRead: 6 },
      { lines: [[3, 'd']], bytesRead: 6 },
    ]);
  });
});
