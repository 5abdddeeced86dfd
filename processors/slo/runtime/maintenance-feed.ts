import type { Logger } from 'pino';
import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { windowKey } from '../definitions/maintenance.js';
import { listStoredWindows } from '../store/maintenance-windows.js';
import type { SloEvaluator } from './evaluator.js';

/**
 * Keeps the evaluator's API-declared maintenance windows current: reads them once before
 * the first cycle, then every `everyMs` (default 10 s); a changed set goes to
 * `setMaintenance`, which re-evaluates what the change touches (the late-data correction).
 * A failed read keeps the windows in force and is tried again at the next tick.
 */
export interface MaintenanceFeed {
  /** Reads the stored windows now and hands a changed set to the evaluator. */
  refresh(): Promise<void>;
  stop(): void;
}

export async function startMaintenanceFeed(wh: Warehouse, evaluator: Pick<SloEvaluator, 'setMaintenance'>, logger?: Logger, everyMs = 10_000): Promise<MaintenanceFeed> {
  let seen = '';
  const refresh = async (): Promise<void> => {
    const windows = (await listStoredWindows(wh)).map((s) => s.window);
    const key = JSON.stringify(windows.map(windowKey));
    if (key === seen) return;
    seen = key;
    evaluator.setMaintenance(windows);
    logger?.info({ windows: windows.map((w) => w.name) }, 'maintenance windows of the API in force');
  };
  await refresh().catch((e: unknown) => logger?.warn({ err: e }, 'maintenance windows not read; tried again in a moment'));
  const timer = setInterval(() => {
    refresh().catch((e: unknown) => logger?.warn({ err: e }, 'maintenance windows not read; the previous ones stay in force'));
  }, everyMs);
  timer.unref();
  return { refresh, stop: () => clearInterval(timer) };
}
