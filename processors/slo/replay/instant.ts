import { SLI_FAMILIES } from '../definitions/selector.js';
import { MINUTE_MS } from '../definitions/duration.js';
import { newestStoredEvent } from '../store/newest-event.js';
import type { Warehouse } from '../../../sinks/warehouse/types.js';

/**
 * Events may arrive this much later than newer ones and still count where the evaluator
 * first evaluates their minute (the evaluator's default allowed lateness).
 */
export const STATUS_LATENESS_MS = 30_000;

/**
 * The instant `slo status`, `GET /v1/slos/status` and the status page answer for when no
 * time is given: the end of the last complete minute of stored data, the ingest watermark
 * cut-off. With E the newest event time stored for the SLI topics, that is
 * floor((E - allowed lateness) / 1 min), never later than the wall clock's last whole
 * minute; the wall clock's last whole minute when nothing is stored. A replayed day reads
 * as it did live, and the three surfaces agree for the same warehouse.
 */
export async function statusInstant(wh: Warehouse, nowMs: number = Date.now()): Promise<number> {
  const newest = await newestStoredEvent(wh, [SLI_FAMILIES.journey.topic, SLI_FAMILIES.lem.topic]);
  const cutoff = newest === null ? nowMs : Math.min(newest - STATUS_LATENESS_MS, nowMs);
  return Math.floor(cutoff / MINUTE_MS) * MINUTE_MS;
}
