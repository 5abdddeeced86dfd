import { recostAll } from '../../processors/economics/warehouse/recost.js';
import { MINUTE_MS } from '../../processors/slo/duration.js';
import { loadSloDirOrThrow } from '../../processors/slo/load-dir.js';
import type { SloDefinition } from '../../processors/slo/model.js';
import { UnitSeries } from '../../processors/slo/series.js';
import { readCounts } from '../../processors/slo/store/series-reader.js';
import { runAlerts } from '../../processors/slo/timeline.js';
import type { SimOutput } from '../../processors/simulator/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { refreshSloBoard } from '../../dashboards/feed.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { loadSimulated } from './simulated.js';

const dt64 = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/**
 * The breach signals the SLO engine's alert machines emit over [from, to], recorded in
 * `slo_signals` the way the evaluator records them (one row per deterministic signal_id).
 */
export async function recordSignals(wh: Warehouse, slos: readonly SloDefinition[], fromMs: number, toMs: number): Promise<number> {
  let n = 0;
  for (const slo of slos) {
    const fromMinute = Math.ceil(fromMs / MINUTE_MS);
    const toMinute = Math.floor(toMs / MINUTE_MS);
    const longest = Math.max(0, ...slo.alerting.rules.map((r) => r.longMinutes));
    const src = new UnitSeries(await readCounts(wh, slo, fromMinute - longest, toMinute), slo.budgeting);
    const rows = runAlerts(slo, src, fromMinute, toMinute).notified.map(({ signal }) => ({ ...signal, evaluated_at: dt64(signal.evaluated_at) }));
    if (rows.length > 0) await wh.insert('slo_signals', rows);
    n += rows.length;
  }
  return n;
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
  const signals = await recordSignals(t.wh, slos, sim.truth.start, sim.truth.end);
  return { t, sim, slos, signals };
}
