import type { SloBreachSignal } from '../../processors/contracts/events.js';
import type { SimRecord } from '../../processors/simulator/index.js';
import type { SloDefinition } from '../../processors/slo/definitions/model.js';
import { referenceCounts } from '../../processors/slo/core/reference.js';
import { UnitSeries } from '../../processors/slo/core/series.js';
import { runAlerts } from '../../processors/slo/core/timeline.js';
import { sliEventsOf } from './sim-events.js';

export const bySignalOrder = (a: SloBreachSignal, b: SloBreachSignal): number =>
  a.evaluated_at - b.evaluated_at || (a.slo_id < b.slo_id ? -1 : a.slo_id > b.slo_id ? 1 : 0) || (a.signal_id < b.signal_id ? -1 : 1);

/**
 * The breach signals the definitions imply for the simulator's own events (ground truth,
 * no pipeline): from the first hour with events to `endMs`, in a stable order.
 */
export function expectedSignals(slos: readonly SloDefinition[], records: readonly SimRecord[], endMs: number): SloBreachSignal[] {
  const events = sliEventsOf(records);
  const firstMs = Math.min(...events.journey.map((e) => e.occurred_at), ...events.lem.map((e) => e.occurred_at));
  const first = Math.floor(firstMs / 3_600_000) * 60;
  const end = endMs / 60_000;
  const out: SloBreachSignal[] = [];
  for (const slo of slos) {
    const series = new UnitSeries(referenceCounts(slo, events, first, end - first), slo.budgeting);
    out.push(...runAlerts(slo, series, first + 1, end).notified.map((n) => n.signal));
  }
  return out.sort(bySignalOrder);
}
