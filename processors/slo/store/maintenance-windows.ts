import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { withCompositeMaintenance } from '../core/composite-maintenance.js';
import { withMaintenance } from '../core/maintenance.js';
import type { CompositeSlo } from '../definitions/composite.js';
import { buildMaintenanceWindow, type MaintenanceSpecT, type MaintenanceWindow } from '../definitions/maintenance.js';
import type { SloDefinition } from '../definitions/model.js';

/**
 * Maintenance windows declared through the API, in `slo_maintenance_windows`
 * (dwh/sql/032_maintenance_windows.sql): one row per change, the latest version of a name
 * in force. Every value is a bound parameter.
 */
export interface StoredWindow {
  window: MaintenanceWindow;
  changedBy: string;
  /** Epoch ms of the last change. */
  changedAt: number;
}

interface Row {
  name: string;
  selector_slos: string[];
  selector_labels: Record<string, string>;
  start: string;
  duration: string;
  rrule: string;
  time_zone: string;
  reason: string;
  changed_by: string;
  changed_ms: string | number;
}

/** The windows in force, by name. A stored row that no longer validates (a time zone the platform dropped) is left out. */
export async function listStoredWindows(wh: Warehouse): Promise<StoredWindow[]> {
  const rows = await wh.query<Row>(
    `SELECT name, selector_slos, selector_labels, start, duration, rrule, time_zone, reason, changed_by, toUnixTimestamp64Milli(changed_at) AS changed_ms
       FROM slo_maintenance_windows FINAL
      WHERE is_deleted = 0
      ORDER BY name`,
  );
  const out: StoredWindow[] = [];
  for (const r of rows) {
    const spec: MaintenanceSpecT = {
      selector: { slos: r.selector_slos, labels: { ...r.selector_labels } },
      start: r.start,
      duration: r.duration,
      ...(r.rrule ? { rrule: r.rrule } : {}),
      timeZone: r.time_zone,
      reason: r.reason,
    };
    const b = buildMaintenanceWindow(r.name, spec, 'api');
    if (b.ok) out.push({ window: b.window, changedBy: r.changed_by, changedAt: Number(r.changed_ms) });
  }
  return out;
}

/**
 * The windows in force, or none when the warehouse predates them (no `slo_maintenance_windows`:
 * a folder or server not migrated to 032 yet, read by a command that does not migrate).
 */
export async function storedWindowsIfAny(wh: Warehouse): Promise<MaintenanceWindow[]> {
  try {
    return (await listStoredWindows(wh)).map((s) => s.window);
  } catch (e) {
    if (/UNKNOWN_TABLE|slo_maintenance_windows.*(does not|doesn't) exist/i.test(e instanceof Error ? e.message : String(e))) return [];
    throw e;
  }
}

/**
 * The SLOs with the windows declared through the API added to those of their files (each
 * SLO gets the stored windows whose selector picks it, by id, name or labels): what every
 * reader evaluating figures evaluates (status, history, backtests, sweeps, the board feed).
 */
export async function withStoredWindows<S extends SloDefinition>(wh: Warehouse, slos: readonly S[]): Promise<S[]> {
  return withMaintenance(slos, await storedWindowsIfAny(wh));
}

/**
 * The composite SLOs with the windows declared through the API applied to their components
 * (core/composite-maintenance.ts has the rule): what every reader evaluating composites evaluates.
 */
export async function withStoredCompositeWindows(wh: Warehouse, composites: readonly CompositeSlo[]): Promise<CompositeSlo[]> {
  if (composites.length === 0) return [];
  return withCompositeMaintenance(composites, await storedWindowsIfAny(wh));
}

/** SLOs and composites with the stored windows, read once (and the windows, e.g. to key a cache). */
export async function withStoredWindowsAll<S extends SloDefinition>(
  wh: Warehouse,
  slos: readonly S[],
  composites: readonly CompositeSlo[],
): Promise<{ slos: S[]; composites: CompositeSlo[]; windows: MaintenanceWindow[] }> {
  const windows = await storedWindowsIfAny(wh);
  return { slos: withMaintenance(slos, windows), composites: withCompositeMaintenance(composites, windows), windows };
}

function row(w: MaintenanceWindow, by: string, atMs: number, deleted: boolean): Record<string, unknown> {
  return {
    name: w.name,
    selector_slos: [...w.selector.slos],
    selector_labels: { ...w.selector.labels },
    start: w.start,
    duration: w.duration,
    rrule: w.rrule ?? '',
    time_zone: w.timeZone,
    reason: w.reason,
    changed_by: by,
    changed_at: atMs,
    is_deleted: deleted ? 1 : 0,
    version: atMs,
  };
}

/**
 * Creates or replaces the window of its name. The version is the change time, raised past
 * the stored one, so two changes within a millisecond still order.
 */
export async function putStoredWindow(wh: Warehouse, w: MaintenanceWindow, by: string, atMs: number): Promise<void> {
  await wh.insert('slo_maintenance_windows', [row(w, by, await nextVersion(wh, w.name, atMs), false)]);
}

/** Deletes the window of that name; false when none is in force. */
export async function deleteStoredWindow(wh: Warehouse, name: string, by: string, atMs: number): Promise<boolean> {
  const current = (await listStoredWindows(wh)).find((s) => s.window.name === name);
  if (!current) return false;
  await wh.insert('slo_maintenance_windows', [row(current.window, by, await nextVersion(wh, name, atMs), true)]);
  return true;
}

async function nextVersion(wh: Warehouse, name: string, atMs: number): Promise<number> {
  const [r] = await wh.query<{ v: string | number }>('SELECT max(version) AS v FROM slo_maintenance_windows WHERE name = {name:String}', { name });
  return Math.max(atMs, Number(r?.v ?? 0) + 1);
}
