/**
 * Money arithmetic: integer minor units (bigint), exact FX conversion, half-to-even
 * rounding and decimal formatting. No floating point touches an amount.
 */

/** A rate as an exact decimal: value = mantissa * 10^exponent. */
export interface DecimalRate {
  mantissa: bigint;
  exponent: number;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/;

/**
 * The exact decimal a `rate_to_reporting` double stands for: the shortest decimal that
 * round-trips to the same double (what the publisher wrote, e.g. `1.0856`). The binary
 * value of 0.0062 is 0.00619999999999999993..., and converting at that would round
 * 125 JPY to 0.77 EUR where finance expects 0.775 -> 0.78; the shortest round-trip
 * decimal is unique for every double, so the warehouse, the simulator and an auditor with
 * a calculator agree. Returns null for anything but a finite rate > 0.
 */
export function decimalRate(rate: number): DecimalRate | null {
  if (!Number.isFinite(rate) || rate <= 0) return null;
  const m = DECIMAL.exec(String(rate));
  if (!m) return null;
  const intPart = m[1] ?? '0';
  const frac = m[2] ?? '';
  const exp = m[3] ? Number(m[3]) : 0;
  return { mantissa: BigInt(intPart + frac), exponent: exp - frac.length };
}

/** 10^n as a bigint (n >= 0). */
export function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/**
 * n / d rounded half-to-even (banker's rounding), for d > 0 and any sign of n. Ties go to
 * the even neighbour so that rounding many amounts has no upward drift.
 */
export function divHalfEven(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const neg = n < 0n;
  const a = neg ? -n : n;
  let q = a / d;
  const r2 = (a % d) * 2n;
  if (r2 > d || (r2 === d && q % 2n === 1n)) q += 1n;
  return neg ? -q : q;
}

/**
 * Converts an amount in minor units of a currency with `fromDigits` decimals into minor
 * units of the reporting currency (`toDigits` decimals) at `rate` (reporting units per one
 * unit of the source currency), exactly, then rounds once, half-to-even.
 */
export function convertMinor(amountMinor: bigint, fromDigits: number, rate: DecimalRate, toDigits: number): bigint {
  const scaled = amountMinor * rate.mantissa;
  const k = rate.exponent + toDigits - fromDigits;
  return k >= 0 ? scaled * pow10(k) : divHalfEven(scaled, pow10(-k));
}

/**
 * Formats minor units as a decimal string with exactly `digits` places: 1250n, 2 -> "12.50";
 * -5n, 2 -> "-0.05"; 1250n, 0 -> "1250"; 1250n, 3 -> "1.250".
 */
export function formatMinor(minor: bigint, digits: number): string {
  const neg = minor < 0n;
  const s = (neg ? -minor : minor).toString().padStart(digits + 1, '0');
  const body = digits === 0 ? s : `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
  return neg ? `-${body}` : body;
}

/** Largest amount the contracts allow (Avro long, validated to the JS safe integer range). */
export const MAX_AMOUNT_MINOR = BigInt(Number.MAX_SAFE_INTEGER);

/** Bounds of an Int64 column: converted amounts beyond them are reported unconverted. */
export const INT64_MAX = 2n ** 63n - 1n;
