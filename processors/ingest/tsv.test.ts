import { describe, expect, it } from 'vitest';
import { escapeTsv, TsvBuffer } from './tsv.js';

const written = (f: (w: TsvBuffer) => void, size = 16): string => {
  const w = new TsvBuffer(size);
  f(w);
  return w.bytes().toString('utf8');
};

describe('TsvBuffer writes cells byte for byte as the string forms did', () => {
  const ints = [
    0, 1, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 99_999_999, 100_000_000, 100_000_001, 199_999_999_999,
    1_700_000_000_123, 1_799_999_999_999, 2 ** 53 - 1, 2 ** 53 - 2, 123_456_789_012_345, -1, -10, -(2 ** 31), -(2 ** 53 - 1),
  ];
  it.each(ints)('integer %d', (v) => {
    expect(written((w) => w.num(v))).toBe(String(v));
  });

  it('every integer in sampled ranges, including around 1e8 boundaries', () => {
    let seed = 42;
    const rnd = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20_000; i++) {
      const v = Math.floor(rnd() * 2 ** 53) - (i % 2 === 0 ? 0 : 2 ** 52);
      const near = Math.floor(rnd() * 1e7) * 1e8 + (i % 3) - 1;
      expect(written((w) => w.num(v))).toBe(String(v));
      expect(written((w) => w.num(near))).toBe(String(near));
    }
  });

  it.each([0.1, 1e-7, 1.5e300, -0.25, 0.30000000000000004, 2 ** 60, Number.MAX_VALUE])('float %d', (v) => {
    expect(written((w) => w.num(v))).toBe(String(v));
  });

  it('bigint and numeric strings are printed as given', () => {
    expect(written((w) => w.num(9_223_372_036_854_775_807n))).toBe('9223372036854775807');
    expect(written((w) => w.num('12'))).toBe('12');
  });

  const nasty = ['', 'plain', 'tab\there', 'new\nline', 'back\\slash', 'cr\rhere', 'nul\0here', "quote's", 'ünïcödé €', 'a\tü\\b\n€', '\\N', '\u0001ctl', '𝄞 clef'];
  it.each(nasty)('string %j', (s) => {
    expect(written((w) => w.str(s))).toBe(escapeTsv(s));
  });

  it('arrays: elements escaped once, quotes included', () => {
    const arrayLiteral = (xs: string[]): string => `[${xs.map((x) => `'${escapeTsv(x).replace(/'/g, "\\'")}'`).join(',')}]`;
    for (const xs of [[], ['a'], nasty, ["it's", 'ü\'s\\', '\t']]) expect(written((w) => w.arr(xs))).toBe(arrayLiteral(xs));
  });

  it('grows from a tiny hint without losing bytes', () => {
    const parts = Array.from({ length: 5000 }, (_, i) => `cell-${i}-${i % 7 === 0 ? 'ü' : ''}`);
    const out = written((w) => {
      for (const p of parts) {
        w.str(p);
        w.byte(9);
        w.num(p.length);
        w.nul();
        w.text('\tt\t0\t');
        w.byte(10);
      }
    }, 1);
    expect(out).toBe(parts.map((p) => `${p}\t${p.length}\\N\tt\t0\t\n`).join(''));
  });
});
