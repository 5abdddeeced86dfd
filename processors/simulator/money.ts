import { REPORTING_CURRENCY, SIM_CURRENCIES } from './catalog.js';

/**
 * Exact money arithmetic for the ground truth, independent of the pipeline's own code.
 *
 * A rate is taken as the decimal number its shortest round-trip text denotes (what JSON
 * shows and what finance publishes: 0.00615 means exactly 0.00615, not the nearest binary
 * double). Conversion is done in BigInt on that decimal, so half-to-even ties are real
 * ties: 1500 JPY at 0.00615 is exactly 922.5 cents and rounds to 922.
 */
export function decimalOf(rate: number): { digits: bigint; scale: number } {
  if (!Number.isFinite(rate) || rate < 0) throw new RangeError(`not a rate: ${rate}`);
  const text = String(rate);
  const [mantissa = '0', expText] = text.split('e');
  const exp = expText === undefined ? 0 : Number(expText);
  const [int = '0', frac = ''] = mantissa.split('.');
  const scale = frac.length - exp;
  const digits = BigInt(int + frac);
  return scale >= 0 ? { digits, scale } : { digits: digits * 10n ** BigInt(-scale), scale: 0 };
}

/** Rounds num/den (both >= 0, den > 0) half-to-even. */
export function divHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twice = (num % den) * 2n;
  if (twice > den) return q + 1n;
  if (twice < den) return q;
  return q % 2n === 0n ? q : q + 1n;
}

export function minorUnitsOf(currency: string): number {
  const units = (SIM_CURRENCIES as Record<string, number>)[currency];
  if (units === undefined) throw new RangeError(`simulator: unknown currency ${currency}`);
  return units;
}

/** amount (minor units of `currency`) x rate, in minor units of the reporting currency, rounded half-to-even. */
export function convertMinor(amountMinor: number, currency: string, rate: number): number {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) throw new RangeError(`not an amount: ${amountMinor}`);
  const { digits, scale } = decimalOf(rate);
  const from = minorUnitsOf(currency);
  const to = minorUnitsOf(REPORTING_CURRENCY);
  const num = BigInt(amountMinor) * digits * 10n ** BigInt(to);
  const den = 10n ** BigInt(scale + from);
  return Number(divHalfEven(num, den));
}

export interface FxPoint {
  currency: string;
  occurred_at: number;
  rate_to_reporting: number;
}

/** Rates per currency; `rateAt` is the latest rate effective at or before the instant. */
export class FxTable {
  private readonly byCurrency = new Map<string, FxPoint[]>();

  constructor(points: readonly FxPoint[]) {
    for (const p of points) {
      let list = this.byCurrency.get(p.currency);
      if (!list) this.byCurrency.set(p.currency, (list = []));
      list.push(p);
    }
    for (const list of this.byCurrency.values()) list.sort((a, b) => a.occurred_at - b.occurred_at);
  }

  /** The reporting currency always converts at 1 (configuration, not an FX event). */
  rateAt(currency: string, at: number): number | null {
    if (currency === REPORTING_CURRENCY) return 1;
    const list = this.byCurrency.get(currency);
    if (!list) return null;
    let lo = 0;
    let hi = list.length - 1;
    let found: FxPoint | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const p = list[mid] as FxPoint;
      if (p.occurred_at <= at) {
        found = p;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found ? found.rate_to_reporting : null;
  }
}

/** Minor units as a decimal string with the currency's digits (EUR 12345 -> "123.45", negative kept). */
export function formatMinor(minor: number, digits = minorUnitsOf(REPORTING_CURRENCY)): string {
  const neg = minor < 0;
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const body = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return neg ? `-${body}` : body;
}
