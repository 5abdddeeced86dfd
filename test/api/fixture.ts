import { recostAll } from '../../processors/economics/warehouse/recost.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import type { SloDefinition } from '../../processors/slo/definitions/model.js';
import { SloEvaluator } from '../../processors/slo/runtime/index.js';
import { WarehouseSignalSink } from '../../sinks/signals/index.js';
import type { SimOutput } from '../../processors/simulator/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { refreshSloBoard } from '../../processors/slo/runtime/board-feed.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { loadSimulated } from './simulated.js';

/** The breach signals over [from, to], written by the SLO engine's own evaluator to `slo_signals`. */
export async function recordSignals(wh: Warehouse, slos: readonly SloDefinition[], toMs: number): Promise<number> {
  const sink = new WarehouseSignalSink(wh);
  const evaluator = new SloEvaluator({ warehouse: wh, slos, sinks: [sink], qualityEveryMinutes: 0, name: 'surfaces-test' });
  await evaluator.advanceTo(toMs);
  await evaluator.stop();
  await sink.close();
  const [n] = await wh.query<{ n: string }>('SELECT count() AS n FROM slo_signals_v');
  return Number(n?.n ?? 0);
}

export interface SurfaceFixture {
  t: TestWarehouse;
  sim: SimOutput;
  slos: SloDefinition[];
  signals: number;
}

/**
 * A warehouse with two simulated days through the real ingest path, incident costs
 * computed by the economics module, the boards' SLO rows and the breach signals of the
 * repository's SLO definitions (slos/).
 */
export async function surfaceFixture(): Promise<SurfaceFixture> {
  const t = await openTestWarehouse();
  const sim = await loadSimulated(t.wh, { seed: 21, days: 2, journeysPerDay: 2000, incidentsPerDay: 3 });
  await recostAll(t.wh);
  const slos = loadSloDirOrThrow(projectPath('slos'));
  await refreshSloBoard(t.wh, slos, sim.truth.start, sim.truth.end);
  const signals = await recordSignals(t.wh, slos, sim.truth.end);
  return { t, sim, slos, signals };
}
