import type { SloBreachSignal } from '../../contracts/events.js';
import type { Warehouse } from '../../../sinks/warehouse/types.js';
import type { AlertTransition } from '../core/alert-machine.js';
import { budgetAlertTimeline, budgetSignal, type BudgetAlertTransition } from '../core/budget-alerts.js';
import { evaluate, sloWindow, type WindowSource } from '../core/evaluate.js';
import { excludedMinutes } from '../core/maintenance.js';
import { UnitSeries } from '../core/series.js';
import { breachSignal } from '../core/signal.js';
import { quietAnchor, runAlerts } from '../core/timeline.js';
import type { CompositeSlo } from '../definitions/composite.js';
import { MINUTE_MS } from '../definitions/duration.js';
import { MAX_MAINTENANCE_MINUTES } from '../definitions/maintenance.js';
import type { SloDefinition } from '../definitions/model.js';
import { readCounts } from '../store/series-reader.js';
import { BUDGET_LOOKBACK_MINUTES } from './budget-status.js';
import { readCompositeSource } from './composite-status.js';
import { lookbackStart, QUIET_SEARCH_MINUTES } from './history.js';

/**
 * The breach signals a replay of the minutes [fromMinute, toMinute] sends, with the
 * maintenance windows of the definition itself (`slo.maintenance`; for a composite, those
 * selecting the composite, core/composite-maintenance.ts) holding back what the running
 * evaluator holds back (runtime/maintenance-hold.ts): a transition whose minute is inside a
 * window is not sent; at the first minute after the window, per alert, the RESOLVED of an
 * episode that fired before it and the FIRING of an episode still firing are sent, with
 * their ids and the figures of that minute. The replay is stateless: a range that ends a
 * window starts at the window's first minute (at most `MAX_MAINTENANCE_MINUTES` back) to
 * know what it held. Without such windows these are the plain replay's signals.
 */
export interface ReplayOptions {
  /** Replay the burn-rate alerts (composites); false for SLOs the evaluator alerts on itself. */
  alerts: boolean;
  /** How far before the range a budget alert episode is looked for. */
  budgetLookbackMinutes: number;
}

interface Step {
  minute: number;
  /** One alert machine: a severity's burn-rate alerts, or one budget rule. */
  key: string;
  status: 'FIRING' | 'RESOLVED';
  firingSinceMs: number;
  /** The signal as sent at `atMinute` (its own minute, or the first after a window). */
  make(atMinute: number): SloBreachSignal;
}

/** The first minute of the held run containing `fromMinute - 1` when it ends by `toMinute`, else `fromMinute`. */
export function replayStart(slo: SloDefinition, fromMinute: number, toMinute: number): number {
  const runs = excludedMinutes(slo, fromMinute - MAX_MAINTENANCE_MINUTES, fromMinute);
  const last = runs[runs.length - 1];
  if (!last || last[1] !== fromMinute) return fromMinute;
  const run = excludedMinutes(slo, fromMinute - 1, toMinute + 1)[0];
  return run && run[1] <= toMinute ? last[0] : fromMinute;
}

/** The minutes to read for a replay starting at `start`: alert lookback, quiet search, budget episodes. */
export function readStart(slo: SloDefinition, start: number, o: ReplayOptions): number {
  const alerts = o.alerts ? Math.min(lookbackStart(slo, start), sloWindow(slo, (start - QUIET_SEARCH_MINUTES) * MINUTE_MS).fromMinute) : Infinity;
  const budget = slo.budgetAlerts?.length ? sloWindow(slo, (start - o.budgetLookbackMinutes) * MINUTE_MS).fromMinute : Infinity;
  return Math.min(alerts, budget, start);
}

/** The signals of [fromMinute, toMinute] over `src` (which holds the minutes `readStart` names), windows held back. */
export function replaySignals(slo: SloDefinition, src: WindowSource, fromMinute: number, toMinute: number, o: ReplayOptions): SloBreachSignal[] {
  if (toMinute < fromMinute) return [];
  const start = replayStart(slo, fromMinute, toMinute);
  const steps: Step[] = [];
  if (o.alerts) {
    const anchor = quietAnchor(slo, src, start, start - QUIET_SEARCH_MINUTES);
    const { states } = runAlerts(slo, src, anchor + 1, start - 1);
    for (const n of runAlerts(slo, src, start, toMinute, states).notified) steps.push(alertStep(slo, src, n.transition));
  }
  for (const t of budgetAlertTimeline(slo, src, start, toMinute, start - o.budgetLookbackMinutes)) steps.push(budgetStep(slo, src, t));
  steps.sort((a, b) => a.minute - b.minute);

  const runs = excludedMinutes(slo, start, toMinute + 1);
  const out: SloBreachSignal[] = [];
  const held = new Map<string, Step[]>();
  let r = 0;
  const release = (upTo: number): void => {
    // Every run that ended by `upTo` releases what it held at its end (the first minute after it).
    for (; r < runs.length && (runs[r] as [number, number])[1] <= upTo; r++) {
      const end = (runs[r] as [number, number])[1];
      for (const s of owed(held)) if (end >= fromMinute) out.push(s.make(end));
    }
  };
  const inside = (m: number): boolean => runs.some(([a, b]) => m >= a && m < b);
  for (const s of steps) {
    release(s.minute);
    if (inside(s.minute)) {
      const list = held.get(s.key);
      if (list) list.push(s);
      else held.set(s.key, [s]);
    } else if (s.minute >= fromMinute) out.push(s.make(s.minute));
  }
  release(toMinute);
  return out.sort((a, b) => a.evaluated_at - b.evaluated_at);
}

function alertStep(slo: SloDefinition, src: WindowSource, t: AlertTransition): Step {
  return {
    minute: t.at,
    key: `alert\u0000${t.severity}`,
    status: t.status,
    firingSinceMs: t.firingSince * MINUTE_MS,
    make: (m) => breachSignal(slo, { ...t, at: m }, evaluate(slo, src, m * MINUTE_MS), src),
  };
}

function budgetStep(slo: SloDefinition, src: WindowSource, t: BudgetAlertTransition): Step {
  return {
    minute: t.at / MINUTE_MS,
    key: `budget\u0000${t.severity}\u0000${t.remaining_below}`,
    status: t.status,
    firingSinceMs: t.firing_since,
    make: (m) => budgetSignal(slo, { ...t, at: m * MINUTE_MS }, src),
  };
}

/** As runtime/maintenance-hold.ts `owed`: per alert, a RESOLVED whose FIRING was sent before, a FIRING not resolved inside. Clears `held`. */
function owed(held: Map<string, Step[]>): Step[] {
  const out: Step[] = [];
  for (const list of held.values()) {
    const fired = new Set(list.filter((s) => s.status === 'FIRING').map((s) => s.firingSinceMs));
    const resolved = new Set(list.filter((s) => s.status === 'RESOLVED').map((s) => s.firingSinceMs));
    for (const s of list) {
      if (s.status === 'RESOLVED' && !fired.has(s.firingSinceMs)) out.push(s);
      if (s.status === 'FIRING' && !resolved.has(s.firingSinceMs)) out.push(s);
    }
  }
  held.clear();
  return out;
}

/** A composite's burn-rate and budget alert signals at the minutes [fromMinute, toMinute], its windows held back. */
export async function heldCompositeSignals(wh: Warehouse, c: CompositeSlo, fromMinute: number, toMinute: number): Promise<SloBreachSignal[]> {
  if (toMinute < fromMinute) return [];
  const slo = c.definition;
  const o: ReplayOptions = { alerts: true, budgetLookbackMinutes: QUIET_SEARCH_MINUTES };
  const { src } = await readCompositeSource(wh, c, readStart(slo, replayStart(slo, fromMinute, toMinute), o), toMinute);
  return replaySignals(slo, src, fromMinute, toMinute, o);
}

/** An SLO's budget alert signals at the minutes [fromMinute, toMinute], its windows held back. */
export async function heldBudgetSignals(wh: Warehouse, slo: SloDefinition, fromMinute: number, toMinute: number): Promise<SloBreachSignal[]> {
  if (!slo.budgetAlerts?.length || toMinute < fromMinute) return [];
  const o: ReplayOptions = { alerts: false, budgetLookbackMinutes: BUDGET_LOOKBACK_MINUTES };
  const start = readStart(slo, replayStart(slo, fromMinute, toMinute), o);
  const src = new UnitSeries(await readCounts(wh, slo, start, toMinute), slo.budgeting);
  return replaySignals(slo, src, fromMinute, toMinute, o);
}
