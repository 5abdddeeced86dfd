import { describe, expect, it } from 'vitest';
import { convertMinor, decimalRate, divHalfEven, formatMinor } from '../../processors/economics/index.js';

describe('decimalRate: the decimal a double stands for', () => {
  it.each([
    [0.1, 1n, -1],
    [1.0856, 10856n, -4],
    [1, 1n, 0],
    [160.5, 1605n, -1],
    [0.0062, 62n, -4],
    [1e-7, 1n, -7],
    [2.5e-5, 25n, -6],
    [1.5e21, 15n, 20],
    [1 / 3, 3333333333333333n, -16],
  ])('%s -> %s * 10^%s', (rate, mantissa, exponent) => {
    expect(decimalRate(rate)).toEqual({ mantissa, exponent });
  });

  it.each([0, -1.2, Number.NaN, Number.POSITIVE_INFINITY])('rejects %s', (rate) => {
    expect(decimalRate(rate)).toBeNull();
  });
});

describe('divHalfEven', () => {
  it.each([
    [5n, 2n, 2n], // 2.5 -> 2
    [15n, 10n, 2n], // 1.5 -> 2
    [25n, 10n, 2n], // 2.5 -> 2
    [35n, 10n, 4n], // 3.5 -> 4
    [24n, 10n, 2n],
    [26n, 10n, 3n],
    [-25n, 10n, -2n],
    [-35n, 10n, -4n],
    [-26n, 10n, -3n],
    [0n, 7n, 0n],
    [10n ** 30n + 5n, 10n, 10n ** 29n], // ...0.5 with an even neighbour, beyond 2^64
  ])('%s / %s = %s', (n, d, q) => {
    expect(divHalfEven(n, d)).toBe(q);
  });
});

describe('convertMinor: exact, rounded once, half-to-even', () => {
  const r = (x: number) => {
    const d = decimalRate(x);
    if (!d) throw new Error('bad rate');
    return d;
  };
  it.each([
    // amount, from digits, rate, to digits, expected
    ['125 JPY at 0.0062 = 0.775 EUR -> 0.78 (77.5 cents, tie to even)', 125n, 0, 0.0062, 2, 78n],
    ['45 JPY at 0.0062 = 0.279 EUR -> 0.28', 45n, 0, 0.0062, 2, 28n],
    ['10.00 USD at 0.9 = 9.00 EUR', 1000n, 2, 0.9, 2, 900n],
    ['0.05 USD at 0.5 = 0.025 EUR -> 0.02 (tie to even)', 5n, 2, 0.5, 2, 2n],
    ['0.07 USD at 0.5 = 0.035 EUR -> 0.04 (tie to even)', 7n, 2, 0.5, 2, 4n],
    ['1.000 BHD at 2.43 = 2.43 EUR', 1000n, 3, 2.43, 2, 243n],
    ['0.001 BHD at 2.43 = 0.00243 EUR -> 0.00', 1n, 3, 2.43, 2, 0n],
    ['1.00 EUR into JPY at 160.5 = 160.5 JPY -> 160', 100n, 2, 160.5, 0, 160n],
    ['3.00 EUR into JPY at 160.5 = 481.5 JPY -> 482', 300n, 2, 160.5, 0, 482n],
    ['12.34 EUR into BHD at 0.411 = 5.07174 BHD -> 5.072', 1234n, 2, 0.411, 3, 5072n],
    ['2^53-1 minor at 1.0856 = ...819.8096 -> ...820 (no float involved)', BigInt(Number.MAX_SAFE_INTEGER), 2, 1.0856, 2, 9778215510946820n],
  ])('%s', (_label, amount, from, rate, to, expected) => {
    expect(convertMinor(amount, from, r(rate), to)).toBe(expected);
  });
});

describe('formatMinor', () => {
  it.each([
    [1250n, 2, '12.50'],
    [5n, 2, '0.05'],
    [0n, 2, '0.00'],
    [-5n, 2, '-0.05'],
    [-1250n, 2, '-12.50'],
    [1250n, 0, '1250'],
    [1250n, 3, '1.250'],
    [7n, 3, '0.007'],
    [10n ** 20n, 2, '1000000000000000000.00'],
  ])('%s with %s places -> %s', (minor, digits, s) => {
    expect(formatMinor(minor, digits)).toBe(s);
  });
});
