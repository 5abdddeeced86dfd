import { sweepComposite, sweepSlo, withStoredCompositeWindows, withStoredWindows, type CompositeSlo, type SloDefinition, type SweepOptions, type SweepSlo } from '../../processors/slo/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';

/**
 * The backtest sweep of one deployed SLO (processors/slo/replay/sweep.ts) over [from, to),
 * with the maintenance windows declared through the API added to its own (every variant keeps
 * them), or of the composite SLO with that id: undefined when neither has this id.
 */
export async function sweepDeployed(
  wh: Warehouse,
  definitions: readonly SloDefinition[],
  sloId: string,
  from: Date,
  to: Date,
  options: SweepOptions,
  composites: readonly CompositeSlo[] = [],
): Promise<SweepSlo | undefined> {
  const found = definitions.find((s) => s.id === sloId);
  if (found) {
    const [slo] = await withStoredWindows(wh, [found]);
    return sweepSlo(wh, slo ?? found, from.getTime(), to.getTime(), options);
  }
  const composite = composites.find((c) => c.definition.id === sloId);
  if (!composite) return undefined;
  const [withWindows] = await withStoredCompositeWindows(wh, [composite]);
  return sweepComposite(wh, withWindows ?? composite, from.getTime(), to.getTime(), options);
}
