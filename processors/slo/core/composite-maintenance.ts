import type { CompositeSlo } from '../definitions/composite.js';
import { selectsSlo, type MaintenanceWindow } from '../definitions/maintenance.js';
import type { SloDefinition } from '../definitions/model.js';

/**
 * Maintenance windows in composite SLOs (core/composite.ts), the one rule, with no I/O:
 *
 * - A window selecting a component SLO (its id, name or labels, as for any SLO) takes its
 *   minutes out of that component in every composite that uses it: the component counts no
 *   events there, so it is left out of the composite's burn average over a window holding
 *   nothing else of it, exactly as the same data without its events in those minutes.
 * - A window selecting the composite itself (its id or its `metadata.labels`) takes its
 *   minutes out of every component, for that composite only (the component SLOs on their own
 *   and in other composites keep counting them), and holds back the composite's FIRING /
 *   RESOLVED signals whose instant is inside, as a single SLO's (runtime/maintenance-hold.ts).
 * - A window selecting only components holds back no signal of the composite: it still
 *   measures the others.
 *
 * So each component's `.maintenance` holds the windows selecting it or its composite, and
 * the composite's `definition.maintenance` those selecting the composite. Every reader
 * reads components through `readCounts` (store/series-reader.ts), which excludes a
 * component's minutes by its `.maintenance`.
 */
export function withCompositeMaintenance(composites: readonly CompositeSlo[], windows: readonly MaintenanceWindow[]): CompositeSlo[] {
  if (windows.length === 0) return [...composites];
  return composites.map((c) => {
    const own = windows.filter((w) => selectsSlo(w, c.definition));
    let changed = own.length > 0;
    const components = c.components.map((comp) => {
      const mine = windows.filter((w) => own.includes(w) || selectsSlo(w, comp.slo));
      if (mine.length === 0) return comp;
      changed = true;
      return { ...comp, slo: withWindows(comp.slo, mine) };
    });
    return changed ? { definition: own.length > 0 ? withWindows(c.definition, own) : c.definition, components } : c;
  });
}

function withWindows(slo: SloDefinition, windows: readonly MaintenanceWindow[]): SloDefinition {
  return { ...slo, maintenance: [...(slo.maintenance ?? []), ...windows] };
}

/** Every SLO id a window may name in a set with these composites: the composites' and their objectives'. */
export function compositeIds(composites: readonly CompositeSlo[]): string[] {
  return composites.flatMap((c) => [c.definition.id, ...c.components.filter((comp) => !comp.referenced).map((comp) => comp.slo.id)]);
}
