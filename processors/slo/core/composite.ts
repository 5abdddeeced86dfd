import type { CompositeSlo } from '../definitions/composite.js';
import { budgetRemaining, burnRate, clean, sli, sloWindow, type WindowSource } from './evaluate.js';
import type { Sums } from './series.js';

/**
 * The math of composite SLOs (definitions/composite.ts), as Nobl9's composites 2.0: over
 * any window, the composite burns its budget at the weighted average of its components'
 * burn rates, each component's burn taken against its own target in its own units (events,
 * time slices, LEM scope-minutes):
 *
 *   burn_i = (bad_i / total_i) / (1 - target_i)        for each component with units in the window
 *   B      = sum(w_i * burn_i) / sum(w_i)              over those components (weights renormalized)
 *   bad fraction f = min(1, B * (1 - target))          with the composite's own target
 *
 * A component without units in the window is left out of that window's average (it has
 * spent nothing and measured nothing); with none, the window is empty (total 0). The
 * window's units are the components' units added up (`total`), of which a fraction f is bad,
 * so every formula of docs/interfaces.md applies unchanged: sli = 1 - f, burn rate = B, error
 * budget remaining = 1 - B over the composite's window (f capped at 1: B up to
 * 1 / (1 - target)). The composite is therefore an ordinary `WindowSource`: its burn-rate
 * alerts, status, time to exhaustion and breach signals are the engine's own functions.
 */
export interface WeightedSource {
  src: WindowSource;
  weight: number;
  target: number;
}

export class CompositeSource implements WindowSource {
  constructor(
    private readonly parts: readonly WeightedSource[],
    private readonly target: number,
  ) {}

  sum(fromMinute: number, toMinute: number): Sums {
    let weighted = 0;
    let weights = 0;
    let total = 0;
    for (const p of this.parts) {
      const s = p.src.sum(fromMinute, toMinute);
      if (s.total <= 0) continue;
      weighted += p.weight * ((s.total - s.good) / s.total / (1 - p.target));
      weights += p.weight;
      total += s.total;
    }
    if (weights <= 0) return { good: 0, total: 0 };
    const bad = Math.min(1, (weighted / weights) * (1 - this.target));
    return { good: total * (1 - bad), total };
  }
}

/** The composite's source over its components' sources (in `c.components` order). */
export function compositeSource(c: CompositeSlo, sources: readonly WindowSource[]): CompositeSource {
  if (sources.length !== c.components.length) throw new Error(`composite ${c.definition.id}: ${sources.length} sources for ${c.components.length} components`);
  return new CompositeSource(
    c.components.map((comp, i) => ({ src: sources[i] as WindowSource, weight: comp.weight, target: comp.slo.target })),
    c.definition.target,
  );
}

/** One component at T, over the composite's window: what it contributes. */
export interface ComponentFigures {
  slo_id: string;
  weight: number;
  /** weight / sum of the weights. */
  share: number;
  target: number;
  sli: number | null;
  /** Its burn rate over the composite's window (its own target). */
  burn_rate: number;
  error_budget_remaining: number;
  /** true: an SLO of the set; false: an objective of the composite document. */
  referenced: boolean;
}

export function componentFigures(c: CompositeSlo, sources: readonly WindowSource[], atMs: number): ComponentFigures[] {
  const w = sloWindow(c.definition, atMs);
  const weights = c.components.reduce((a, comp) => a + comp.weight, 0);
  return c.components.map((comp, i) => {
    const s = (sources[i] as WindowSource).sum(w.fromMinute, w.toMinute);
    return {
      slo_id: comp.slo.id,
      weight: comp.weight,
      share: clean(comp.weight / weights),
      target: comp.slo.target,
      sli: sli(s),
      burn_rate: burnRate(s, comp.slo.target),
      error_budget_remaining: budgetRemaining(s, comp.slo.target),
      referenced: comp.referenced,
    };
  });
}
