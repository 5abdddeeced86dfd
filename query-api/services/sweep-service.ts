import { sweepSlo, type SloDefinition, type SweepOptions, type SweepSlo } from '../../processors/slo/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';

/**
 * The backtest sweep of one deployed SLO (processors/slo/replay/sweep.ts) over [from, to):
 * undefined when no definition has this id.
 */
export async function sweepDeployed(
  wh: Warehouse,
  definitions: readonly SloDefinition[],
  sloId: string,
  from: Date,
  to: Date,
  options: SweepOptions,
): Promise<SweepSlo | undefined> {
  const slo = definitions.find((s) => s.id === sloId);
  if (!slo) return undefined;
  return sweepSlo(wh, slo, from.getTime(), to.getTime(), options);
}
