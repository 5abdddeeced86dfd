import type { GroundTruth } from './types.js';

export interface OutcomeCounts {
  completed: number;
  failed: number;
  abandoned: number;
  total: number;
}

/**
 * Journey outcomes of a product version whose final event lies in [from, to) (epoch ms,
 * whole minutes count): what an SLO over JOURNEY_* events sees in that window.
 */
export function outcomesBetween(truth: GroundTruth, productVersionId: string, from: number, to: number): OutcomeCounts {
  const out: OutcomeCounts = { completed: 0, failed: 0, abandoned: 0, total: 0 };
  for (const [minute, completed, failed, abandoned] of truth.journey_outcomes_per_minute[productVersionId] ?? []) {
    if (minute < from || minute >= to) continue;
    out.completed += completed;
    out.failed += failed;
    out.abandoned += abandoned;
  }
  out.total = out.completed + out.failed + out.abandoned;
  return out;
}
