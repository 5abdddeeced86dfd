import { describe, expect, it } from 'vitest';
import { BufferPool, ColumnBuffer, compileBlock, NATIVE_TYPE } from './native.js';

const hex = (f: (b: ColumnBuffer) => void): string => {
  const b = new ColumnBuffer(1); // grows from the smallest size on every write
  f(b);
  return b.bytes().toString('hex');
};

describe('ColumnBuffer writes ClickHouse Native values', () => {
  it('varUInt: LEB128', () => {
    expect(hex((b) => b.varUInt(0))).toBe('00');
    expect(hex((b) => b.varUInt(127))).toBe('7f');
    expect(hex((b) => b.varUInt(128))).toBe('8001');
    expect(hex((b) => b.varUInt(300))).toBe('ac02');
    expect(hex((b) => b.varUInt(2 ** 35))).toBe('8080808080' + '01');
  });

  it('strings: UTF-8 byte length, then the bytes, whatever the characters', () => {
    expect(hex((b) => b.str(''))).toBe('00');
    expect(hex((b) => b.str('ab'))).toBe('026162');
    expect(hex((b) => b.str('a€'))).toBe('0461e282ac');
    expect(hex((b) => b.str('😀'))).toBe('04f09f9880');
    const long = 'é'.repeat(100); // 100 characters, 200 bytes: a two-byte length
    expect(hex((b) => b.str(long))).toBe('c801' + 'c3a9'.repeat(100));
    expect(hex((b) => b.str('x'.repeat(128)))).toBe('8001' + '78'.repeat(128));
  });

  it('Int64 little-endian, negative values in two’s complement, bigint exact', () => {
    expect(hex((b) => b.i64(1))).toBe('0100000000000000');
    expect(hex((b) => b.i64(-1))).toBe('ffffffffffffffff');
    expect(hex((b) => b.i64(2 ** 32))).toBe('0000000001000000');
    expect(hex((b) => b.i64(Number.MAX_SAFE_INTEGER))).toBe('ffffffffffff1f00');
    expect(hex((b) => b.i64(-(2 ** 40) - 1))).toBe('fffffffffffeffff');
    expect(hex((b) => b.i64(-9223372036854775808n))).toBe('0000000000000080');
  });

  it('refuses a number Int64 cannot hold exactly instead of writing a wrong value', () => {
    expect(() => hex((b) => b.i64(1.5))).toThrow(RangeError);
    expect(() => hex((b) => b.i64(2 ** 53))).toThrow(/not an integer that Int64 holds exactly/);
  });

  it('UInt64 offsets from decimal strings, beyond 2^53 exactly', () => {
    expect(hex((b) => b.u64('5'))).toBe('0500000000000000');
    expect(hex((b) => b.u64('18446744073709551615'))).toBe('ffffffffffffffff');
    expect(hex((b) => b.u64('9007199254740993'))).toBe('0100000000002000');
  });

  it('Float64 little-endian', () => {
    expect(hex((b) => b.f64(1))).toBe('000000000000f03f');
    expect(hex((b) => b.f64(-0.5))).toBe('000000000000e0bf');
  });
});

describe('compileBlock', () => {
  it('lays out header, then name, type and data per column, null maps and array offsets first', () => {
    const make = compileBlock<{ a: string; n: string | null; xs: string[] }>('t', [
      { name: 'a', kind: 'string', field: 'a' },
      { name: 'n', kind: 'nstring', field: 'n' },
      { name: 'xs', kind: 'strings', field: 'xs' },
    ]);
    const b = make('tp', 3, 1);
    b.row({ a: 'x', n: null, xs: ['p', 'q'] }, '7');
    b.row({ a: 'y', n: 'z', xs: [] }, '8');
    expect(b.rows()).toBe(2);
    const bytes = Buffer.concat(b.finish()).toString('hex');
    const s = (v: string): string => Buffer.concat([Buffer.from([Buffer.byteLength(v)]), Buffer.from(v)]).toString('hex');
    expect(bytes).toBe(
      '06' + '02' + // 6 columns, 2 rows
        s('a') + s('String') + s('x') + s('y') +
        s('n') + s(NATIVE_TYPE.nstring) + '0100' + '00' + s('z') +
        s('xs') + s('Array(String)') + '0200000000000000' + '0200000000000000' + s('p') + s('q') +
        s('_topic') + s('String') + s('tp') + s('tp') +
        s('_partition') + s('UInt32') + '03000000' + '03000000' +
        s('_offset') + s('UInt64') + '0700000000000000' + '0800000000000000',
    );
  });

  it('an empty block has its header and every column, with no rows', () => {
    const b = compileBlock<{ a: string }>('t', [{ name: 'a', kind: 'string', field: 'a' }])('tp', 0, 0);
    expect(b.rows()).toBe(0);
    expect(Buffer.concat(b.finish()).subarray(0, 2).toString('hex')).toBe('0400');
  });

  it('refuses field names that are not plain identifiers (they are compiled into code)', () => {
    expect(() => compileBlock('t', [{ name: 'a', kind: 'string', field: 'a; process.exit()' }])).toThrow(/not a plain identifier/);
  });
});

describe('BufferPool and released blocks', () => {
  it('hands out powers of two from 4 KiB, reuses what was given back, holds at most its limit', () => {
    const pool = new BufferPool(64 * 1024);
    const a = pool.take(5000);
    expect(a.length).toBe(8192);
    pool.give(a);
    expect(pool.idleBytes).toBe(8192);
    expect(pool.take(8000)).toBe(a); // the same memory again
    expect(pool.idleBytes).toBe(0);
    expect(pool.take(1).length).toBe(4096);
    pool.give(Buffer.alloc(100)); // not one of its own sizes: ignored
    pool.give(Buffer.alloc(5000));
    expect(pool.idleBytes).toBe(0);
    pool.give(pool.take(64 * 1024));
    pool.give(pool.take(4096)); // beyond the limit: dropped
    expect(pool.idleBytes).toBe(64 * 1024);
  });

  it('a block built in released buffers has the same bytes as one built fresh', () => {
    type E = { id: string; n: number | null; tags: string[] };
    const cols = [
      { name: 'id', kind: 'string', field: 'id' },
      { name: 'n', kind: 'nint', field: 'n' },
      { name: 'tags', kind: 'strings', field: 'tags' },
    ] as const;
    const rows = (k: number): E[] => Array.from({ length: 3000 }, (_, i) => ({ id: `id-${k}-${i}-${'x'.repeat(i % 50)}`, n: i % 3 ? i * k : null, tags: i % 4 ? ['a', `t${i}`] : [] }));
    const build = (factory: ReturnType<typeof compileBlock<E>>, k: number) => {
      const b = factory('topic', 1, 10); // too small a guess: the columns grow
      rows(k).forEach((e, i) => b.row(e, String(i)));
      return b;
    };
    const pool = new BufferPool();
    const pooled = compileBlock<E>('pooled', cols, pool);
    const fresh = compileBlock<E>('fresh', cols);
    const first = build(pooled, 1);
    expect(Buffer.concat(first.finish())).toEqual(Buffer.concat(build(fresh, 1).finish()));
    first.release();
    first.release(); // twice is harmless
    const idle = pool.idleBytes;
    expect(idle).toBeGreaterThan(0);
    const second = build(pooled, 2);
    expect(pool.idleBytes).toBeLessThan(idle); // reused
    expect(Buffer.concat(second.finish())).toEqual(Buffer.concat(build(fresh, 2).finish()));
  });
});

describe('a filtered block', () => {
  interface Row {
    s: string;
    ns: string | null;
    i: number;
    ni: number | null;
    f: number;
    nf: number | null;
    t: number;
    xs: string[] | null;
  }
  const make = compileBlock<Row>('every_kind', [
    { name: 's', kind: 'string', field: 's' },
    { name: 'ns', kind: 'nstring', field: 'ns' },
    { name: 'i', kind: 'int', field: 'i' },
    { name: 'ni', kind: 'nint', field: 'ni' },
    { name: 'f', kind: 'float', field: 'f' },
    { name: 'nf', kind: 'nfloat', field: 'nf' },
    { name: 't', kind: 'time', field: 't' },
    { name: 'xs', kind: 'strings', field: 'xs' },
  ], new BufferPool());
  // Seeded rows of every kind: long and non-ASCII strings (multi-byte lengths), nulls, empty and long arrays.
  let seed = 7;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const text = (): string => ['', 'a', 'é€😀', 'x'.repeat(200 + rnd(300)), `id-${rnd(1e6)}`][rnd(5)] as string;
  const rows: Row[] = Array.from({ length: 500 }, (_, k) => ({
    s: text(),
    ns: rnd(3) === 0 ? null : text(),
    i: rnd(2) ? -rnd(1e9) * 1e4 : rnd(1e9),
    ni: rnd(3) === 0 ? null : rnd(1e6),
    f: rnd(1e6) / 7,
    nf: rnd(3) === 0 ? null : -rnd(1e6) / 3,
    t: 1_700_000_000_000 + k,
    xs: rnd(4) === 0 ? null : Array.from({ length: rnd(6) }, text),
  }));
  const block = (keep: (k: number) => boolean): Buffer => {
    const b = make('topic', 3, 16);
    rows.forEach((r, k) => keep(k) && b.row(r, String(1000 + k)));
    return Buffer.concat(b.finish());
  };

  it('is byte for byte the block built from the kept rows only, for every kind of column', () => {
    const masks: Array<(k: number) => boolean> = [() => true, () => false, (k) => k % 3 !== 0, (k) => k === 0 || k === rows.length - 1, (k) => k > 250, () => rnd(2) === 1];
    for (const keepRow of masks) {
      const keep = Uint8Array.from(rows, (_, k) => (keepRow(k) ? 1 : 0));
      const all = make('topic', 3, 16);
      rows.forEach((r, k) => all.row(r, String(1000 + k)));
      const filtered = Buffer.concat(all.filtered(keep));
      all.release(); // the filtered block owns its buffers
      expect(filtered.equals(block((k) => keep[k] === 1))).toBe(true);
    }
  });

  it('refuses a mask of another length', () => {
    const b = make('topic', 0, 4);
    b.row(rows[0] as Row, '0');
    expect(() => b.filtered(new Uint8Array(2))).toThrow('a row mask of 2 for a block of 1 rows');
  });
});
