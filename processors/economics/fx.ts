import { decimalRate, type DecimalRate } from './money.js';
import type { FxRateIn } from './types.js';

export interface RateInForce {
  rate: number;
  decimal: DecimalRate;
  effective_at: number;
  event_id: string;
}

/**
 * FX rates per currency, answering "which rate was in force at instant t": the latest rate
 * effective at or before t (a rate effective exactly at t counts). Two rates for the same
 * currency and instant are resolved by the greater event_id, so the answer depends only on
 * the set of rates. Rates that are not finite and > 0 are ignored (validation dead-letters
 * them; this is the second line).
 */
export class FxTable {
  private readonly byCurrency = new Map<string, RateInForce[]>();

  constructor(rates: Iterable<FxRateIn>) {
    const best = new Map<string, RateInForce>();
    for (const r of rates) {
      const decimal = decimalRate(r.rate_to_reporting);
      if (!decimal) continue;
      const k = `${r.currency}\u0000${r.occurred_at}`;
      const prev = best.get(k);
      if (!prev || r.event_id > prev.event_id) {
        best.set(k, { rate: r.rate_to_reporting, decimal, effective_at: r.occurred_at, event_id: r.event_id });
      }
    }
    for (const [k, v] of best) {
      const currency = k.slice(0, k.indexOf('\u0000'));
      const list = this.byCurrency.get(currency);
      if (list) list.push(v);
      else this.byCurrency.set(currency, [v]);
    }
    for (const list of this.byCurrency.values()) list.sort((a, b) => a.effective_at - b.effective_at);
  }

  /** The rate in force for `currency` at `at` (epoch ms), or null when none is effective yet. */
  rateAt(currency: string, at: number): RateInForce | null {
    const list = this.byCurrency.get(currency);
    if (!list) return null;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid]?.effective_at ?? Infinity) <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? null : (list[lo - 1] ?? null);
  }
}
