import { burnOf, trailingSums, type WindowSource } from './evaluate.js';
import type { AlertRule, SloDefinition } from '../definitions/model.js';

/**
 * The alert conditions of an SLO's rules at the minutes [first, last]: per rule whether
 * both of its windows burn at or above its threshold (what `matchSeverity` and a rule's own
 * match test) and whether its short window holds no units (`shortWindowEmpty`). A replay
 * searches back from `last` for a quiet point and then steps forward over the same
 * minutes, so the conditions are computed backwards in blocks (the first small, each next
 * as long as all before it), each window sum once, over the source's `trailing` sums, with
 * the same sums and the same burn rate as the window-by-window functions.
 */
const HOLDS = 1;
const EMPTY = 2;
const FIRST_BLOCK = 64;

/** Buffers of one block's window sums, shared by every replay (all synchronous). */
let scratch = { good: new Float64Array(0), total: new Float64Array(0), long: new Uint8Array(0) };

function buffers(n: number): typeof scratch {
  if (scratch.good.length < n) scratch = { good: new Float64Array(n), total: new Float64Array(n), long: new Uint8Array(n) };
  return scratch;
}

/**
 * `burnOf(good, total, target) >= threshold`, decided without the burn's divisions and
 * rounding where the burn is clearly above or below the threshold: more than 1e-9 x
 * (1 + |threshold|) away, far beyond `clean`'s 1e-12 and the float error of either side;
 * near it, by `burnOf` itself.
 */
export function burnAtLeast(target: number, threshold: number): (good: number, total: number) => boolean {
  const margin = 1e-9 * (1 + Math.abs(threshold));
  const above = (threshold + margin) * (1 - target);
  const below = (threshold - margin) * (1 - target);
  return (good, total) => {
    if (total > 0) {
      const bad = total - good;
      if (bad > above * total) return true;
      if (bad < below * total) return false;
    }
    return burnOf(good, total, target) >= threshold;
  };
}

export class RuleConditions {
  readonly rules: readonly AlertRule[];
  private readonly target: number;
  /** Per minute and rule ((last - t) * rules + r): HOLDS | EMPTY bits, for minutes [low, last]; grown with them. */
  private flags = new Uint8Array(0);
  /** The first minute computed; `last + 1` before any. */
  private low: number;

  constructor(
    slo: SloDefinition,
    private readonly src: WindowSource,
    private readonly first: number,
    private readonly last: number,
  ) {
    this.rules = slo.alerting.rules;
    this.target = slo.target;
    this.low = last + 1;
  }

  /** Computes the minutes [from, low). */
  private extend(t: number): void {
    if (t < this.first || t > this.last) throw new Error(`alert conditions of minute ${t} asked outside [${this.first}, ${this.last}]`);
    const from = Math.max(this.first, Math.min(t, this.low - Math.max(FIRST_BLOCK, this.last + 1 - this.low)));
    const n = this.low - from;
    const { good, total, long } = buffers(n);
    const nr = this.rules.length;
    if (this.flags.length < (this.last + 1 - from) * nr) {
      const grown = new Uint8Array((this.last + 1 - from) * nr);
      grown.set(this.flags);
      this.flags = grown;
    }
    const flags = this.flags;
    for (let r = 0; r < nr; r++) {
      const rule = this.rules[r] as AlertRule;
      const burns = burnAtLeast(this.target, rule.threshold);
      trailingSums(this.src, rule.longMinutes, from, n, good, total);
      for (let k = 0; k < n; k++) long[k] = burns(good[k] as number, total[k] as number) ? 1 : 0;
      trailingSums(this.src, rule.shortMinutes, from, n, good, total);
      for (let k = 0, i = (this.last - from) * nr + r; k < n; k++, i -= nr) {
        const tot = total[k] as number;
        let v = tot <= 0 ? EMPTY : 0;
        if (long[k] === 1 && burns(good[k] as number, tot)) v |= HOLDS;
        flags[i] = v;
      }
    }
    this.low = from;
  }

  private bits(t: number, r: number): number {
    if (t < this.low || t > this.last) this.extend(t);
    return this.flags[(this.last - t) * this.rules.length + r] as number;
  }

  /** Both windows of rule `r` at or above its threshold at T = `t`. */
  holds(r: number, t: number): boolean {
    return (this.bits(t, r) & HOLDS) !== 0;
  }

  /** The short window of rule `r` holds no units at T = `t`. */
  shortEmpty(r: number, t: number): boolean {
    return (this.bits(t, r) & EMPTY) !== 0;
  }

  /** No rule holds and no short window is empty at `t`: a minute that counts towards quiet. */
  clear(t: number): boolean {
    for (let r = 0; r < this.rules.length; r++) if ((this.bits(t, r) & (HOLDS | EMPTY)) !== 0) return false;
    return true;
  }
}
