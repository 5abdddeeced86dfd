/**
 * ClickHouse Native blocks, written column by column straight from events: the ingest hot
 * path's format. The engine reads a Native block at memory speed (no text to parse, no
 * escaping); a TabSeparated payload of the same rows cost it two to four times the CPU
 * (bench/spine-phases.ts). The layout, for one block without block info:
 *
 *   varUInt columns, varUInt rows, then per column: name (String), type (String), data.
 *
 * String values are a varUInt byte length and the UTF-8 bytes; integers and floats are
 * little-endian; Nullable(T) is a null map (one byte per row) followed by T's data with a
 * default value in null rows; Array(T) is the cumulative end offset of each row (UInt64)
 * followed by T's data for all elements. Low-cardinality columns are sent as plain strings:
 * the insert converts them, which costs the engine little compared with parsing text.
 */
export type ColumnKind = 'string' | 'nstring' | 'int' | 'nint' | 'float' | 'nfloat' | 'time' | 'strings';

/** One column of a fact table: its value is `map(e[field])` (`map` defaults to the value itself). */
export interface Column {
  name: string;
  kind: ColumnKind;
  field: string;
  map?: (v: never) => unknown;
}

/** The ClickHouse type each kind is sent as. */
export const NATIVE_TYPE: Record<ColumnKind, string> = {
  string: 'String',
  nstring: 'Nullable(String)',
  int: 'Int64',
  nint: 'Nullable(Int64)',
  float: 'Float64',
  nfloat: 'Nullable(Float64)',
  time: "DateTime64(3, 'UTC')",
  strings: 'Array(String)',
};

const TWO_32 = 4294967296;
const RELEASED = Buffer.alloc(0);
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/**
 * Column buffers for reuse. A block's buffers are a few hundred bytes per row (megabytes per
 * batch); allocated fresh for every batch, that external memory made V8 run a full collection
 * every few batches (about a tenth of the preparation's CPU). The pipeline gives a block's
 * buffers back once its insert has completed (PreparedBatch.release); buffers never given back
 * are simply collected. Capacities are powers of two from 4 KiB; at most `maxBytes` wait here.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private held = 0;

  constructor(private readonly maxBytes = 128 * 1024 * 1024) {}

  /** A buffer of at least `min` bytes (contents undefined). */
  take(min: number): Buffer {
    let cap = 4096;
    while (cap < min) cap *= 2;
    const list = this.free.get(cap);
    const b = list?.pop();
    if (b) {
      this.held -= cap;
      return b;
    }
    return Buffer.allocUnsafeSlow(cap);
  }

  /** Gives a buffer from {@link take} back; nothing may use it afterwards. */
  give(b: Buffer): void {
    const cap = b.length;
    if (cap < 4096 || (cap & (cap - 1)) !== 0 || this.held + cap > this.maxBytes) return;
    let list = this.free.get(cap);
    if (!list) this.free.set(cap, (list = []));
    list.push(b);
    this.held += cap;
  }

  /** Bytes waiting for reuse. */
  get idleBytes(): number {
    return this.held;
  }
}

/**
 * A growing byte buffer for one column's data. Short ASCII strings are copied by a JS loop
 * (cheaper than a native call per cell); other text falls back to Buffer#write.
 */
export class ColumnBuffer {
  private buf: Buffer;
  private pos = 0;

  /**
   * @param expectedBytes a size hint (the buffer doubles when it is exceeded)
   * @param pool where large buffers come from and go back to ({@link release})
   */
  constructor(
    expectedBytes = 256,
    private readonly pool?: BufferPool,
  ) {
    const n = Math.max(64, Math.ceil(expectedBytes));
    this.buf = pool && n >= 4096 ? pool.take(n) : Buffer.allocUnsafe(n);
  }

  /** Gives the buffer back to the pool; the column (and every view of it) is dead afterwards. */
  release(): void {
    this.pool?.give(this.buf);
    // A write after release (a misuse) then grows into a new buffer instead of one the pool lent out again.
    this.buf = RELEASED;
    this.pos = 0;
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (a view of the buffer). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  byte(c: number): void {
    if (this.pos === this.buf.length) this.grow(1);
    this.buf[this.pos++] = c;
  }

  varUInt(n: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    while (n >= 0x80) {
      b[p++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    b[p++] = n;
    this.pos = p;
  }

  /** A String value: byte length, then UTF-8 bytes. */
  str(s: string): void {
    const n = s.length;
    if (n < 0x80) {
      this.ensure(n + 1);
      const b = this.buf;
      let p = this.pos;
      b[p++] = n;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          this.utf8(s);
          return;
        }
        b[p++] = c;
      }
      this.pos = p;
      return;
    }
    this.utf8(s);
  }

  /** An Int64 (also DateTime64 ticks): a safe integer, or a bigint within Int64. */
  i64(v: number | bigint): void {
    if (typeof v === 'bigint') {
      this.ensure(8);
      this.buf.writeBigInt64LE(v, this.pos);
      this.pos += 8;
      return;
    }
    if (!Number.isSafeInteger(v)) throw new RangeError(`${v} is not an integer that Int64 holds exactly`);
    const hi = Math.floor(v / TWO_32);
    this.u32(v - hi * TWO_32);
    this.u32(hi >>> 0);
  }

  /** A UInt64 given as a decimal string (Kafka offsets). */
  u64(decimal: string): void {
    const v = Number(decimal);
    if (Number.isSafeInteger(v) && v >= 0) {
      const hi = Math.floor(v / TWO_32);
      this.u32(v - hi * TWO_32);
      this.u32(hi);
      return;
    }
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(decimal), this.pos);
    this.pos += 8;
  }

  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v & 0xff;
    b[p + 1] = (v >>> 8) & 0xff;
    b[p + 2] = (v >>> 16) & 0xff;
    b[p + 3] = (v >>> 24) & 0xff;
    this.pos = p + 4;
  }

  f64(v: number): void {
    this.ensure(8);
    f64[0] = v;
    const b = this.buf;
    const p = this.pos;
    for (let i = 0; i < 8; i++) b[p + i] = f64Bytes[i] as number;
    this.pos = p + 8;
  }

  zeros(n: number): void {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }

  private utf8(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.varUInt(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
  }

  private ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const size = Math.max(this.buf.length * 2, this.pos + n);
    const next = this.pool && size >= 4096 ? this.pool.take(size) : Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.pool?.give(this.buf); // no view of it exists before the block is finished
    this.buf = next;
  }
}

/** A null map: one byte per row, 1 for NULL. */
export class NullMap {
  private map: Uint8Array;
  private n = 0;

  constructor(expectedRows = 64) {
    this.map = new Uint8Array(Math.max(16, expectedRows));
  }

  get length(): number {
    return this.n;
  }

  push(isNull: boolean): void {
    if (this.n === this.map.length) {
      const next = new Uint8Array(this.map.length * 2);
      next.set(this.map);
      this.map = next;
    }
    this.map[this.n++] = isNull ? 1 : 0;
  }

  bytes(): Buffer {
    return Buffer.from(this.map.buffer, this.map.byteOffset, this.n);
  }
}

/**
 * One column of a block under construction. `kind` decides which of its parts are used:
 * `nulls` for the Nullable kinds, `ends` and `total` for arrays.
 */
export class NativeColumn {
  readonly nulls: NullMap | undefined;
  readonly data: ColumnBuffer;
  readonly ends: ColumnBuffer | undefined;
  total = 0;

  constructor(
    readonly name: string,
    readonly type: string,
    readonly kind: ColumnKind | 'u32' | 'u64',
    rows: number,
    bytesPerRow: number,
    pool?: BufferPool,
  ) {
    const nullable = kind === 'nstring' || kind === 'nint' || kind === 'nfloat';
    this.nulls = nullable ? new NullMap(rows) : undefined;
    this.ends = kind === 'strings' ? new ColumnBuffer(rows * 8, pool) : undefined;
    this.data = new ColumnBuffer(rows * bytesPerRow, pool);
  }

  /** Gives the column's buffers back to their pool (the block's chunks are dead afterwards). */
  release(): void {
    this.data.release();
    this.ends?.release();
  }

  str(v: string): void {
    this.data.str(v);
  }

  nstr(v: string | null | undefined): void {
    const isNull = v == null;
    (this.nulls as NullMap).push(isNull);
    if (isNull) this.data.byte(0);
    else this.data.str(v);
  }

  i64(v: number | bigint): void {
    this.data.i64(v);
  }

  ni64(v: number | bigint | null | undefined): void {
    const isNull = v == null;
    (this.nulls as NullMap).push(isNull);
    if (isNull) this.data.zeros(8);
    else this.data.i64(v);
  }

  f64(v: number): void {
    this.data.f64(v);
  }

  nf64(v: number | null | undefined): void {
    const isNull = v == null;
    (this.nulls as NullMap).push(isNull);
    this.data.f64(isNull ? 0 : v);
  }

  strs(v: readonly string[] | null | undefined): void {
    if (v) {
      for (let i = 0; i < v.length; i++) this.data.str(v[i] as string);
      this.total += v.length;
    }
    (this.ends as ColumnBuffer).i64(this.total);
  }

  /** The column's part of the block: name, type, data. */
  chunks(): Buffer[] {
    const out = [this.head()];
    if (this.nulls) out.push(this.nulls.bytes());
    if (this.ends) out.push(this.ends.bytes());
    out.push(this.data.bytes());
    return out;
  }

  /**
   * The column's part of a block of the rows `keep` marks (1 = kept), of `rows` rows: the
   * bytes of every kept row copied in order, the array ends recomputed. Fresh buffers.
   */
  filteredChunks(keep: Uint8Array, rows: number, kept: number): Buffer[] {
    const out = [this.head()];
    const data = this.data.bytes();
    if (this.nulls) {
      const nulls = this.nulls.bytes();
      const n = Buffer.allocUnsafe(kept);
      let j = 0;
      for (let i = 0; i < rows; i++) if (keep[i]) n[j++] = nulls[i] as number;
      out.push(n);
    }
    const width = FIXED_WIDTH[this.kind];
    if (width !== undefined) {
      const d = Buffer.allocUnsafe(kept * width);
      let j = 0;
      for (let i = 0; i < rows; i++) {
        if (!keep[i]) continue;
        data.copy(d, j, i * width, (i + 1) * width);
        j += width;
      }
      out.push(d);
      return out;
    }
    // Strings, one per row; for arrays, ends[i] - ends[i - 1] strings per row.
    const ends = this.ends ? this.ends.bytes() : null;
    const newEnds = ends ? Buffer.allocUnsafe(kept * 8) : null;
    const d = Buffer.allocUnsafe(data.length);
    let from = 0;
    let to = 0;
    let prevEnd = 0;
    let total = 0;
    let k = 0;
    for (let i = 0; i < rows; i++) {
      let cells = 1;
      if (ends) {
        const end = ends.readUInt32LE(i * 8) + ends.readUInt32LE(i * 8 + 4) * TWO_32;
        cells = end - prevEnd;
        prevEnd = end;
      }
      const start = from;
      for (let c = 0; c < cells; c++) from = skipString(data, from);
      if (!keep[i]) continue;
      to += data.copy(d, to, start, from);
      if (newEnds) {
        total += cells;
        const hi = Math.floor(total / TWO_32);
        newEnds.writeUInt32LE(total - hi * TWO_32, k * 8);
        newEnds.writeUInt32LE(hi, k * 8 + 4);
      }
      k++;
    }
    if (newEnds) out.push(newEnds);
    out.push(d.subarray(0, to));
    return out;
  }

  private head(): Buffer {
    const head = new ColumnBuffer(this.name.length + this.type.length + 4);
    head.str(this.name);
    head.str(this.type);
    return head.bytes();
  }
}

/** Bytes per row of the fixed-width kinds (Nullable ones after their null map). */
const FIXED_WIDTH: Partial<Record<ColumnKind | 'u32' | 'u64', number>> = { int: 8, nint: 8, float: 8, nfloat: 8, time: 8, u32: 4, u64: 8 };

/** The position after the String value (varUInt length, bytes) at `at`. */
function skipString(b: Buffer, at: number): number {
  let n = 0;
  let shift = 1;
  for (;;) {
    const c = b[at++] as number;
    n += (c & 0x7f) * shift;
    if (c < 0x80) return at + n;
    shift *= 0x80;
  }
}

/** The call writing `v` (already read) into column `c`. */
function cellCode(kind: ColumnKind, c: string): string {
  switch (kind) {
    case 'string':
      return `${c}.str(v);`;
    case 'nstring':
      return `${c}.nstr(v);`;
    case 'int':
    case 'time': // integer epoch ms: DateTime64(3) ticks, exactly
      return `${c}.i64(v);`;
    case 'nint':
      return `${c}.ni64(v);`;
    case 'float':
      return `${c}.f64(v);`;
    case 'nfloat':
      return `${c}.nf64(v);`;
    case 'strings':
      return `${c}.strs(v);`;
  }
}

/** Writes one event's row into a block's columns; `offset` is its Kafka offset. */
export type RowFn<E> = (e: E, offset: string) => void;

/** One block under construction: `row` appends, `finish` returns its bytes as chunks. */
export interface BlockBuilder<E> {
  row: RowFn<E>;
  rows(): number;
  /** The block: header, then each column's name, type and data (chunks, in order). */
  finish(): Buffer[];
  /**
   * A block of the rows `keep` marks (1 = kept, one byte per row in order), in fresh buffers:
   * it stays valid after `release`. Call after the last `row`.
   */
  filtered(keep: Uint8Array): Buffer[];
  /** Gives the columns' buffers back for the next blocks: the chunks must not be used afterwards. */
  release(): void;
}

/** Average data bytes per row of each column, learned from the blocks built so far. */
type Sizes = Map<string, number>;

const IDENT = /^[a-z_][a-z0-9_]*$/;

/**
 * Compiles one table's block writer. The row function is generated so each family reads its
 * fields by name with its own inline caches and calls each column at its own call site (a
 * shared loop over column closures goes megamorphic across the six event shapes). The source
 * position columns `_topic`, `_partition`, `_offset` close every row.
 */
export function compileBlock<E>(
  name: string,
  columns: readonly Column[],
  pool?: BufferPool,
): (topic: string, partition: number, expectedRows: number) => BlockBuilder<E> {
  if (!IDENT.test(name)) throw new Error(`block writer name ${name} is not a plain identifier`);
  let body = '';
  columns.forEach((c, i) => {
    if (!IDENT.test(c.field)) throw new Error(`field name ${c.field} is not a plain identifier`);
    body += `    v = ${c.map ? `m${i}(e.${c.field})` : `e.${c.field}`}; ${cellCode(c.kind, `c${i}`)}\n`;
  });
  const n = columns.length;
  const colParams = columns.map((_, i) => `c${i}`);
  const maps = columns.map((c, i) => [`m${i}`, c.map ?? null] as const);
  const factory = new Function(
    ...maps.map(([m]) => m),
    `return function bind_${name}(${[...colParams, 'topic', 'partition', 'tc', 'pc', 'oc'].join(', ')}) {\n` +
      `  return function row_${name}(e, offset) {\n    let v;\n${body}` +
      `    tc.data.str(topic);\n    pc.data.u32(partition);\n    oc.data.u64(offset);\n  };\n};`,
  ) as (...args: unknown[]) => (...args: unknown[]) => RowFn<E>;
  const bind = factory(...maps.map(([, m]) => m));
  const sizes: Sizes = new Map();
  const defs: Array<{ name: string; type: string; kind: ColumnKind | 'u32' | 'u64' }> = [
    ...columns.map((c) => ({ name: c.name, type: NATIVE_TYPE[c.kind], kind: c.kind })),
    { name: '_topic', type: 'String', kind: 'string' },
    { name: '_partition', type: 'UInt32', kind: 'u32' },
    { name: '_offset', type: 'UInt64', kind: 'u64' },
  ];
  return (topic, partition, expectedRows) => {
    const rows = Math.max(1, expectedRows);
    const cols = defs.map((d) => new NativeColumn(d.name, d.type, d.kind, rows, (sizes.get(d.name) ?? 16) * 1.1, pool));
    let released = false;
    const offsets = cols[n + 2] as NativeColumn;
    // Every row writes exactly 8 bytes of _offset: the row count needs no counter of its own.
    const rowCount = (): number => offsets.data.length / 8;
    return {
      row: bind(...cols.slice(0, n), topic, partition, cols[n], cols[n + 1], offsets),
      rows: rowCount,
      finish: () => {
        const count = rowCount();
        const head = new ColumnBuffer(16);
        head.varUInt(cols.length);
        head.varUInt(count);
        const out = [head.bytes()];
        for (const c of cols) {
          if (count > 0) sizes.set(c.name, Math.ceil(c.data.length / count));
          out.push(...c.chunks());
        }
        return out;
      },
      filtered: (keep) => {
        const count = rowCount();
        if (keep.length !== count) throw new Error(`a row mask of ${keep.length} for a block of ${count} rows`);
        let kept = 0;
        for (let i = 0; i < count; i++) if (keep[i]) kept++;
        const head = new ColumnBuffer(16);
        head.varUInt(cols.length);
        head.varUInt(kept);
        const out = [head.bytes()];
        for (const c of cols) out.push(...c.filteredChunks(keep, count, kept));
        return out;
      },
      release: () => {
        if (released) return;
        released = true;
        for (const c of cols) c.release();
      },
    };
  };
}
