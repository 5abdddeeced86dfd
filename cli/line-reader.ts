import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { MAX_RECORD_BYTES } from '../processors/ingest/json-guard.js';

export interface LineReaderOptions {
  /**
   * Longest line accepted, in bytes without its terminator. A longer line is never held
   * whole: its first `prefixBytes` and a running SHA-256 are all that is kept of it.
   * @default MAX_RECORD_BYTES (1 MiB, Kafka's default max.message.bytes: a line is a record)
   */
  maxLineBytes?: number;
  /** Bytes kept of a line over the limit. @default 4096 */
  prefixBytes?: number;
}

/** One line of a file, numbered from 1; its terminator ('\n' or '\r\n') is not part of it. */
export type ReadLine =
  | { kind: 'text'; line: number; text: string }
  | { kind: 'invalid-utf8'; line: number; bytes: Buffer }
  | { kind: 'too-large'; line: number; size: number; sha256: string; prefix: Buffer };

/** The lines completed by one chunk of input, and how many bytes were read so far. */
export interface LineChunk {
  lines: ReadLine[];
  bytesRead: number;
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = '\ufeff';

/**
 * Splits bytes into lines, chunk by chunk. Lines are found on the bytes ('\n' never occurs
 * inside a multi-byte UTF-8 sequence), then each is decoded as strict UTF-8: a replacement
 * character would change the record and its digest silently, so an invalid line is reported
 * with its bytes instead. Decoding line by line also keeps every string small: a string of a
 * whole 256 KiB chunk lands in V8's large-object space, which made decoding ten times slower.
 */
export class LineSplitter {
  private readonly max: number;
  private readonly prefixBytes: number;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private line = 1;
  /** The current line's bytes so far, while it fits the limit (plus one byte for a '\r'). */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** The current line once it is over the limit. */
  private over: { hash: Hash; size: number; prefix: Buffer; pendingCr: boolean } | null = null;

  constructor(options: LineReaderOptions = {}) {
    this.max = options.maxLineBytes ?? MAX_RECORD_BYTES;
    this.prefixBytes = options.prefixBytes ?? 4096;
  }

  /** The lines the chunk completes. The chunk must not be modified afterwards. */
  push(chunk: Buffer): ReadLine[] {
    const out: ReadLine[] = [];
    let pos = 0;
    if (this.carryBytes > 0 || this.over) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.extend(chunk);
        return out;
      }
      this.extend(chunk.subarray(0, nl));
      this.finish(out);
      pos = nl + 1;
    }
    const last = chunk.lastIndexOf(LF);
    if (last >= pos) {
      this.region(chunk, pos, last, out);
      pos = last + 1;
    }
    if (pos < chunk.length) this.extend(chunk.subarray(pos));
    return out;
  }

  /** The last line, when the input does not end with a newline. */
  end(): ReadLine[] {
    const out: ReadLine[] = [];
    if (this.carryBytes > 0 || this.over) this.finish(out);
    return out;
  }

  /** `buf[start, end)` is whole lines separated by '\n'. */
  private region(buf: Buffer, start: number, end: number, out: ReadLine[]): void {
    for (let p = start; ; ) {
      const nl = buf.indexOf(LF, p);
      const stop = nl < 0 || nl > end ? end : nl;
      this.complete(buf.subarray(p, stop), out);
      if (stop === end) return;
      p = stop + 1;
    }
  }

  /** A decoded line (terminator removed): '\r' of a CRLF dropped, a byte-order mark at the start of the input too. */
  private text(s: string): ReadLine {
    let text = s.length > 0 && s.charCodeAt(s.length - 1) === CR ? s.slice(0, -1) : s;
    if (this.line === 1 && text.startsWith(BOM)) text = text.slice(1);
    return { kind: 'text', line: this.line++, text };
  }

  /** A whole line's bytes without '\n'. */
  private complete(bytes: Buffer, out: ReadLine[]): void {
    const content = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes;
    if (content.length > this.max) {
      out.push({
        kind: 'too-large',
        line: this.line++,
        size: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
        prefix: Buffer.from(content.subarray(0, this.prefixBytes)),
      });
      return;
    }
    let text: string;
    try {
      text = this.decoder.decode(content);
    } catch {
      out.push({ kind: 'invalid-utf8', line: this.line++, bytes: Buffer.from(content) });
      return;
    }
    out.push(this.text(text));
  }

  /** More bytes of the current line (no '\n' among them). */
  private extend(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.over) {
      this.hash(piece);
      return;
    }
    // One byte over the limit may still be the '\r' of a CRLF; past that the line is too long.
    const room = this.max + 1 - this.carryBytes;
    if (piece.length <= room) {
      this.carry.push(piece);
      this.carryBytes += piece.length;
      return;
    }
    const held = Buffer.concat([...this.carry, piece.subarray(0, room)]);
    this.carry = [];
    this.carryBytes = 0;
    this.over = { hash: createHash('sha256'), size: 0, prefix: Buffer.from(held.subarray(0, this.prefixBytes)), pendingCr: false };
    this.hash(held);
    this.hash(piece.subarray(room));
  }

  /** Hashes a piece of an over-long line, holding back a final '\r' that may turn out to be the terminator's. */
  private hash(piece: Buffer): void {
    const over = this.over;
    if (!over || piece.length === 0) return;
    if (over.pendingCr) {
      over.hash.update(Buffer.of(CR));
      over.size++;
      over.pendingCr = false;
    }
    const crLast = piece[piece.length - 1] === CR;
    const body = crLast ? piece.subarray(0, -1) : piece;
    over.hash.update(body);
    over.size += body.length;
    over.pendingCr = crLast;
  }

  /** The current line ended (at a '\n' or at the end of the input). */
  private finish(out: ReadLine[]): void {
    const over = this.over;
    if (over) {
      this.over = null;
      out.push({ kind: 'too-large', line: this.line++, size: over.size, sha256: over.hash.digest('hex'), prefix: over.prefix });
      return;
    }
    const bytes = this.carry.length === 1 ? (this.carry[0] as Buffer) : Buffer.concat(this.carry);
    this.carry = [];
    this.carryBytes = 0;
    this.complete(bytes, out);
  }
}

/** The lines of a byte stream, one chunk's worth at a time. */
export async function* readLines(source: AsyncIterable<Buffer>, options?: LineReaderOptions): AsyncGenerator<LineChunk> {
  const splitter = new LineSplitter(options);
  let bytesRead = 0;
  for await (const chunk of source) {
    bytesRead += chunk.length;
    yield { lines: splitter.push(chunk), bytesRead };
  }
  const rest = splitter.end();
  if (rest.length > 0) yield { lines: rest, bytesRead };
}

/** Bytes read from a file per chunk: larger chunks, fewer turns of the loop per line. */
const READ_CHUNK = 256 * 1024;

/** The lines of a file, read as raw bytes (no decoding on the way in). */
export function readFileLines(path: string, options?: LineReaderOptions): AsyncGenerator<LineChunk> {
  return readLines(createReadStream(path, { highWaterMark: READ_CHUNK }), options);
}
