/**
 * ClickHouse TabSeparated rows, written straight from events into the insert payload: the
 * hot path's format. TSV parses faster than JSON in ClickHouse and needs no per-row object.
 *
 * Escaping (ClickHouse TabSeparated): backslash, tab, newline (and CR, NUL) are written
 * as backslash escapes; NULL is `\N`. An Array(String) value is written in ClickHouse's
 * literal syntax `['a','b']`, its elements escaped once, quote included (see TsvBuffer.arr).
 */
export type ColumnKind = 'string' | 'nstring' | 'int' | 'nint' | 'float' | 'nfloat' | 'time' | 'strings';

/** One column of a fact table: its value is `map(e[field])` (`map` defaults to the value itself). */
export interface Column {
  name: string;
  kind: ColumnKind;
  field: string;
  map?: (v: never) => unknown;
}

const NEEDS_ESCAPE = /[\\\t\n\r\0]/;

export function escapeTsv(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) out += '\\\\';
    else if (c === 9) out += '\\t';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 0) out += '\\0';
    else out += s[i];
  }
  return out;
}

const BACKSLASH = 92;
const QUOTE = 39;

/** The escape letter of a control character, or 0 when it is written as is. */
function escapeLetter(c: number): number {
  return c === 9 ? 116 : c === 10 ? 110 : c === 13 ? 114 : c === 0 ? 48 : 0;
}

/**
 * A growing byte buffer that TSV cells are written into directly. Building each line as a
 * string costs a rope of ~50 string pieces per row that V8 must flatten and copy again
 * before it is UTF-8 encoded; writing bytes here costs about a third (bench/spine-phases.ts).
 * ASCII is copied by a JS loop (cells are short: cheaper than a native call each); other text
 * falls back to Buffer#write.
 */
export class TsvBuffer {
  private buf: Buffer;
  private pos = 0;

  /** @param expectedBytes a size hint (the buffer doubles when it is exceeded) */
  constructor(expectedBytes = 4096) {
    this.buf = Buffer.allocUnsafe(Math.max(256, Math.ceil(expectedBytes)));
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (a view: valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  byte(c: number): void {
    if (this.pos === this.buf.length) this.grow(1);
    this.buf[this.pos++] = c;
  }

  nul(): void {
    this.ensure(2);
    this.buf[this.pos++] = BACKSLASH;
    this.buf[this.pos++] = 78; // N
  }

  /** A string cell, escaped. */
  str(s: string): void {
    this.escaped(s, false);
  }

  /** A number cell as JavaScript prints it (integers exactly; floats round-trip). */
  num(v: unknown): void {
    if (typeof v === 'number' && Number.isSafeInteger(v)) this.int(v);
    else this.escaped(String(v), false);
  }

  /** An Array(String) cell: `['a','b']`. */
  arr(xs: readonly string[]): void {
    this.byte(91); // [
    for (let i = 0; i < xs.length; i++) {
      if (i > 0) this.byte(44); // ,
      this.byte(QUOTE);
      this.escaped(xs[i] ?? '', true);
      this.byte(QUOTE);
    }
    this.byte(93); // ]
  }

  /** Text that is already escaped (source columns, offsets). */
  text(s: string): void {
    this.ensure(s.length);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = p;
        this.utf8(s.slice(i));
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  private escaped(s: string, quote: boolean): void {
    const n = s.length;
    this.ensure(2 * n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = p;
        const rest = escapeTsv(s.slice(i));
        this.utf8(quote ? rest.replace(/'/g, "\\'") : rest);
        return;
      }
      if (c === BACKSLASH || (quote && c === QUOTE)) {
        b[p++] = BACKSLASH;
        b[p++] = c;
      } else if (c < 0x20 && escapeLetter(c) !== 0) {
        b[p++] = BACKSLASH;
        b[p++] = escapeLetter(c);
      } else {
        b[p++] = c;
      }
    }
    this.pos = p;
  }

  private int(v: number): void {
    this.ensure(21);
    if (v < 0) {
      this.buf[this.pos++] = 45; // -
      v = -v;
    }
    if (v < 2 ** 31) {
      this.digits(v, 0);
      return;
    }
    // Two exact halves below 2^31 each: Smi arithmetic instead of float division per digit.
    let hi = Math.floor(v / 1e8);
    let lo = v - hi * 1e8;
    if (lo < 0) {
      hi -= 1;
      lo += 1e8;
    } else if (lo >= 1e8) {
      hi += 1;
      lo -= 1e8;
    }
    this.digits(hi, 0);
    this.digits(lo, 8);
  }

  /** Decimal digits of 0 <= v < 2^31, left-padded with zeros to `width`. */
  private digits(v: number, width: number): void {
    let len = 1;
    for (let x = v; x >= 10; x = (x / 10) | 0) len++;
    if (len < width) len = width;
    const b = this.buf;
    let p = this.pos + len;
    this.pos = p;
    for (let i = 0; i < len; i++) {
      const q = (v / 10) | 0;
      b[--p] = 48 + v - q * 10;
      v = q;
    }
  }

  private utf8(s: string): void {
    this.ensure(3 * s.length);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  private ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

/** The call writing `v` (already read) as one cell; NULL as `\N` for every kind. */
function cellCode(kind: ColumnKind): string {
  switch (kind) {
    case 'string':
    case 'nstring':
      return 'if (v == null) w.nul(); else w.str(v);';
    case 'int':
    case 'nint':
    case 'time': // integer epoch ms: read by DateTime64(3) as ticks, exactly
    case 'float':
    case 'nfloat':
      return 'if (v == null) w.nul(); else w.num(v);';
    case 'strings':
      return 'if (v == null) w.nul(); else w.arr(v);';
  }
}

/** Writes one row: the event's cells, then `tail` (pre-escaped source columns) and `offset`, then a newline. */
export type LineFn<E> = (e: E, w: TsvBuffer, tail: string, offset: string) => void;

/**
 * Compiles one table's row writer. Generated so each family reads its fields by name with
 * its own inline caches (like validation/fast-checks.ts): a shared loop over column closures
 * goes megamorphic across the six event shapes.
 */
export function compileLine<E>(name: string, columns: readonly Column[]): LineFn<E> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`row writer name ${name} is not a plain identifier`);
  let body = '';
  columns.forEach((c, i) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(c.field)) throw new Error(`field name ${c.field} is not a plain identifier`);
    if (i > 0) body += '  w.byte(9);\n';
    body += `  v = ${c.map ? `m${i}(e.${c.field})` : `e.${c.field}`}; ${cellCode(c.kind)}\n`;
  });
  const maps = columns.map((c, i) => [`m${i}`, c.map ?? null] as const);
  const factory = new Function(
    ...maps.map(([n]) => n),
    `return function row_${name}(e, w, tail, offset) {\n  let v;\n${body}  w.text(tail);\n  w.text(offset);\n  w.byte(10);\n};`,
  ) as (...args: unknown[]) => LineFn<E>;
  return factory(...maps.map(([, m]) => m));
}
