import {
  buildMaintenanceWindow,
  deleteStoredWindow,
  listStoredWindows,
  occurrences,
  putStoredWindow,
  selectsSlo,
  statusInstant,
  type MaintenanceSpecT,
  type MaintenanceWindow,
  type SloCatalog,
  type SloDefinition,
} from '../../processors/slo/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { ApiError } from '../errors.js';

/** One window as the API lists it. */
export interface MaintenanceWindowView {
  name: string;
  /** `file` (the SLO folder; `declared_in` names it) or `api`. */
  origin: 'file' | 'api';
  declared_in: string | null;
  selector: { slos: string[]; labels: Record<string, string> };
  /** Wall-clock start in `time_zone`. */
  start: string;
  duration: string;
  rrule: string | null;
  time_zone: string;
  reason: string;
  /** The SLOs of the deployed set it selects, then the composite SLOs it selects itself. */
  slo_ids: string[];
  /** The occurrence holding T, if any. */
  active: { from: string; to: string } | null;
  /** The first occurrence starting after T (within a year), if any. */
  next: { from: string; to: string } | null;
  changed_by: string | null;
  changed_at: string | null;
}

/** How far ahead `next` looks. */
const AHEAD_MS = 366 * 86_400_000;

export interface MaintenanceInput extends MaintenanceSpecT {
  name: string;
}

/**
 * The maintenance windows of the SLO folder and of the API: listed together, the API's
 * created, replaced and deleted here. Names are one namespace: the API cannot take or delete
 * a window its files declare (edit the file instead).
 */
export class MaintenanceService {
  constructor(
    private readonly wh: Warehouse,
    private readonly catalog: SloCatalog,
    private readonly clock?: () => Date | Promise<Date>,
  ) {}

  /** T for `active` and `next`: the configured clock, else the status instant (as the status routes use). */
  async evaluationTime(): Promise<number> {
    return this.clock ? (await this.clock()).getTime() : statusInstant(this.wh);
  }

  /** The deployed SLOs, then the composites' definitions (a window may select a composite too). */
  private deployed(): SloDefinition[] {
    return [...this.catalog.current(), ...this.catalog.composites().map((c) => c.definition)];
  }

  private fileWindows(slos: readonly SloDefinition[]): MaintenanceWindow[] {
    const byName = new Map<string, MaintenanceWindow>();
    for (const s of slos) for (const w of s.maintenance ?? []) if (w.origin !== 'api' && !byName.has(w.name)) byName.set(w.name, w);
    return [...byName.values()];
  }

  async list(atMs?: number): Promise<{ evaluated_at: string; windows: MaintenanceWindowView[] }> {
    const t = atMs ?? (await this.evaluationTime());
    const slos = this.deployed();
    const stored = await listStoredWindows(this.wh);
    const views: MaintenanceWindowView[] = [
      ...this.fileWindows(slos).map((w) => this.view(w, slos, t, null)),
      ...stored.map((s) => this.view(s.window, slos, t, s)),
    ].sort((a, b) => a.name.localeCompare(b.name));
    return { evaluated_at: new Date(t).toISOString(), windows: views };
  }

  private view(w: MaintenanceWindow, slos: readonly SloDefinition[], t: number, stored: { changedBy: string; changedAt: number } | null): MaintenanceWindowView {
    const span = (o: { fromMs: number; toMs: number } | undefined): { from: string; to: string } | null =>
      o ? { from: new Date(o.fromMs).toISOString(), to: new Date(o.toMs).toISOString() } : null;
    const active = occurrences(w, t, t + 1)[0];
    const next = occurrences(w, t + 1, t + AHEAD_MS).find((o) => o.fromMs > t);
    return {
      name: w.name,
      origin: stored ? 'api' : 'file',
      declared_in: stored ? null : w.origin,
      selector: { slos: [...w.selector.slos], labels: { ...w.selector.labels } },
      start: w.start,
      duration: w.duration,
      rrule: w.rrule,
      time_zone: w.timeZone,
      reason: w.reason,
      slo_ids: slos.filter((s) => selectsSlo(w, s)).map((s) => s.id),
      active: span(active),
      next: span(next),
      changed_by: stored?.changedBy ?? null,
      changed_at: stored ? new Date(stored.changedAt).toISOString() : null,
    };
  }

  /** Creates or replaces the API window of that name; problems are 400s naming the body field. */
  async put(input: MaintenanceInput, role: string): Promise<MaintenanceWindowView> {
    const { name, ...spec } = input;
    const b = buildMaintenanceWindow(name, spec, 'api');
    if (!b.ok) {
      const p = b.problems[0];
      throw new ApiError('BAD_ARGUMENT', `body.${apiField(p?.path ?? '')}: ${p?.message ?? 'invalid'}`, `body.${apiField(p?.path ?? '')}`);
    }
    const slos = this.deployed();
    const fileWindow = this.fileWindows(slos).find((w) => w.name === name);
    if (fileWindow) throw new ApiError('BAD_ARGUMENT', `body.name: maintenance window ${name} is declared in ${fileWindow.origin}; choose another name or edit that file`, 'body.name');
    const known = new Set(slos.flatMap((s) => [s.id, s.name]));
    const unknown = b.window.selector.slos.find((id) => !known.has(id));
    if (unknown !== undefined) throw new ApiError('BAD_ARGUMENT', `body.selector.slos: no SLO ${JSON.stringify(unknown)} in the deployed set`, 'body.selector.slos');
    const now = Date.now();
    await putStoredWindow(this.wh, b.window, role, now);
    return this.view(b.window, slos, await this.evaluationTime(), { changedBy: role, changedAt: now });
  }

  async remove(name: string, role: string): Promise<void> {
    const fileWindow = this.fileWindows(this.deployed()).find((w) => w.name === name);
    if (fileWindow) throw new ApiError('BAD_ARGUMENT', `maintenance window ${name} is declared in ${fileWindow.origin}; remove it from that file`, 'params.name');
    if (!(await deleteStoredWindow(this.wh, name, role, Date.now()))) throw new ApiError('NOT_FOUND', `No maintenance window ${name}.`);
  }
}

/** The API names the file's `timeZone` `time_zone`. */
function apiField(path: string): string {
  return path === 'timeZone' ? 'time_zone' : path;
}
