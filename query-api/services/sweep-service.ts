import { sweepComposite, sweepSlo, type CompositeSlo, type SloDefinition, type SweepOptions, type SweepSlo } from '../../processors/slo/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';

/**
 * The backtest sweep of one deployed SLO (processors/slo/replay/sweep.ts) over [from, to):
 * undefined when no definition or composite SLO has this id.
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
  const slo = definitions.find((s) => s.id === sloId);
  const composite = slo ? undefined : composites.find((c) => c.definition.id === sloId);
  if (composite) return sweepComposite(wh, composite, from.getTime(), to.getTime(), options);
  if (!slo) return undefined;
  return sweepSlo(wh, slo, from.getTime(), to.getTime(), options);
}
