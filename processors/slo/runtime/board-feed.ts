import type { SloDefinition } from '../definitions/model.js';
import { MINUTE_MS } from '../definitions/duration.js';
import { sloWindow } from '../core/evaluate.js';
import { evaluateSloSeries } from '../replay/history.js';
import { evaluateCompositeSeries } from '../replay/composite-status.js';
import type { CompositeSlo } from '../definitions/composite.js';
import { sliChangesSince, writeBoardRows, type BoardRow } from '../store/board.js';
import type { Warehouse } from '../../../sinks/warehouse/types.js';
import type { Logger } from '../../observability/logger.js';
import type { SloCatalog } from '../definitions/catalog.js';
import { changedFrom, withMaintenance } from '../core/maintenance.js';
import { selectsSlo, windowKey, type MaintenanceWindow } from '../definitions/maintenance.js';
import { storedWindowsIfAny } from '../store/maintenance-windows.js';
import { withCompositeMaintenance } from '../core/composite-maintenance.js';

export interface BoardFeedReport {
  slos: number;
  rows: number;
  /** Minutes of SLO windows still to be written by later ticks (a backfill under way). */
  backlogMinutes: number;
}

/**
 * Writes the board rows of every SLO for the minutes in [fromMs, toMs]. Idempotent:
 * re-running a range replaces its rows (ReplacingMergeTree by version). `run` calls it
 * once for the history it starts with, then every minute for a trailing range (late
 * events change recent minutes). An SLO whose id is in `composites` is that composite's
 * definition, evaluated from its components (replay/composite-status.ts).
 */
export async function refreshSloBoard(
  wh: Warehouse,
  slos: readonly SloDefinition[],
  fromMs: number,
  toMs: number,
  version = Date.now(),
  composites: ReadonlyMap<string, CompositeSlo> = new Map(),
): Promise<BoardFeedReport> {
  let rows = 0;
  for (const slo of slos) {
    const composite = composites.get(slo.id);
    const series = composite ? await evaluateCompositeSeries(wh, composite, fromMs, toMs) : await evaluateSloSeries(wh, slo, fromMs, toMs);
    const batch = series.map((e): BoardRow => ({
      slo_id: e.slo_id,
      minute: Math.floor(e.at / 1000),
      service: slo.service,
      target: slo.target,
      time_window: slo.window.text,
      good: e.good,
      total: e.total,
      sli: e.sli,
      error_budget_remaining: e.error_budget_remaining,
      burn_rates: e.burn_rates,
      time_to_exhaustion_seconds: e.time_to_exhaustion_seconds,
      firing_page: e.firing.PAGE ? 1 : 0,
      firing_ticket: e.firing.TICKET ? 1 : 0,
      version,
    }));
    await writeBoardRows(wh, batch);
    rows += batch.length;
  }
  return { slos: slos.length, rows, backlogMinutes: 0 };
}

/** How long an insert may take to become visible after its rows got their `_ingested_at`. */
const SETTLE_MS = 5_000;
/** How long one tick spends on backfill steps before it hands the leader back (the runner calls again soon). */
const STEP_BUDGET_MS = 2_000;
/**
 * The newest minutes of every SLO a refresh redoes at once (what the boards show first); older
 * ones wait for the backfill steps. A day of 45 SLOs is some 20 s of reads and evaluation.
 */
const NEWEST_MINUTES = 24 * 60;
/** The pause between ticks while a backfill is under way. */
const BACKFILL_PAUSE_MS = 250;

export interface SloBoardFeedOptions {
  /**
   * The most minutes of one SLO evaluated in one step. A refresh does the newest day of an
   * SLO (at most this) at once; older minutes (a first start on a long history, changed definitions, a late
   * event far back) are done in further steps of this size, newest first, until the SLO's
   * whole window is on the board. @default 7 days (minutes)
   */
  maxBackfillMinutes?: number;
  /** How long one tick may spend on backfill steps. @default 2 seconds */
  stepBudgetMs?: number;
}

/** Minutes [from, to] (epoch minutes, evaluation times T) still to be evaluated for one SLO. */
interface Span {
  from: number;
  to: number;
}

/** One SLO's progress on the board. */
interface SloProgress {
  /** The newest T evaluated. */
  doneTo: number;
  /** Older minutes not (or no longer) current, done by backfill steps, newest first. */
  stale: Span | null;
}

const hull = (a: Span | null, b: Span): Span => (a ? { from: Math.min(a.from, b.from), to: Math.max(a.to, b.to) } : b);

/**
 * Keeps `slo_board_minute` current over every SLO's whole window. Each tick finds the
 * earliest event time among the SLI events ingested since the last tick (late events
 * included) and re-evaluates every minute from there to the watermark: an event at time e
 * changes the evaluations after e, so that span is redone. The SLOs are evaluated with the
 * maintenance windows declared through the API (`slo_maintenance_windows`, read every tick)
 * added to those of their files; when that set changed since the last tick, each SLO whose
 * windows changed is redone the same way from the first minute the change excludes or
 * counts again (a window added, replaced or deleted after the fact), and so is each composite
 * whose windows or components' windows changed. Of that span a tick does the
 * newest day (at most `maxBackfillMinutes`) at once; the rest, and on a first start (or after changed
 * definitions) every minute back to the start of the SLO's window at the watermark, is
 * done in steps of `maxBackfillMinutes` per SLO, newest first, at most `stepBudgetMs` per
 * tick, so the process stays responsive and the curves fill from the present backwards.
 * Minutes before the first SLI event are not written: without events they hold nothing.
 */
export class SloBoardFeed {
  private marker = 0;
  private invalidations = 0;
  /** The invalidation the progress below starts from. */
  private startedOver = 0;
  private progress = new Map<string, SloProgress>();
  /** The newest watermark (epoch minute) and the earliest SLI event (epoch ms) seen. */
  private watermark: number | null = null;
  private earliestEventMs = Infinity;
  private readonly maxStep: number;
  private readonly stepBudgetMs: number;

  private composites = new Map<string, CompositeSlo>();
  /** The API's maintenance windows the last tick evaluated with (null before the first). */
  private storedWindows: readonly MaintenanceWindow[] | null = null;

  constructor(
    private readonly wh: Warehouse,
    private readonly definitions: () => readonly SloDefinition[],
    options: SloBoardFeedOptions = {},
    /** The composite SLOs, on the board after the SLOs. @default none */
    private readonly compositeSlos: () => readonly CompositeSlo[] = () => [],
  ) {
    this.maxStep = Math.max(1, options.maxBackfillMinutes ?? 7 * 24 * 60);
    this.stepBudgetMs = options.stepBudgetMs ?? STEP_BUDGET_MS;
  }

  /** The next tick starts over (every SLO's window again): what a change of the definitions needs, since it changes every evaluation. */
  invalidate(): void {
    this.marker = 0;
    this.invalidations++;
  }

  /** Minutes still to be backfilled, over every SLO. */
  backlogMinutes(): number {
    let n = 0;
    for (const p of this.progress.values()) if (p.stale) n += p.stale.to - p.stale.from + 1;
    return n;
  }

  /**
   * One refresh. `now` is the wall clock: the marker never passes `now - SETTLE_MS`, so
   * rows of an insert still in flight around the read are read again by the next tick
   * (re-evaluating is idempotent; missing an event is not). Returns null when there was
   * nothing to do.
   */
  async tick(options: { version?: number; now?: number } = {}): Promise<BoardFeedReport | null> {
    const now = options.now ?? Date.now();
    const version = options.version ?? now;
    const invalidations = this.invalidations;
    if (invalidations !== this.startedOver) {
      this.startedOver = invalidations;
      this.progress = new Map();
      this.watermark = null;
      this.earliestEventMs = Infinity;
    }
    const stored = await storedWindowsIfAny(this.wh);
    const definitions = withMaintenance(this.definitions(), stored);
    // Composites count the windows of their components and their own (core/composite-maintenance.ts).
    const composites = withCompositeMaintenance(this.compositeSlos(), stored);
    this.composites = new Map(composites.map((c) => [c.definition.id, c]));
    const slos = [...definitions, ...composites.map((c) => c.definition)];
    const redo = this.windowChanges([...definitions.map((s) => ({ id: s.id, refs: [s] })), ...composites.map((c) => ({ id: c.definition.id, refs: [c.definition, ...c.components.map((comp) => comp.slo)] }))], stored);
    this.storedWindows = stored;
    const changed = await sliChangesSince(this.wh, this.marker);
    let rows = 0;
    if (changed.count > 0) {
      this.earliestEventMs = Math.min(this.earliestEventMs, changed.firstEventMs);
      const watermark = Math.floor(Math.min(changed.newestEventMs, now) / MINUTE_MS);
      this.watermark = Math.max(this.watermark ?? watermark, watermark);
    }
    if (this.watermark !== null && (changed.count > 0 || redo.size > 0)) {
      // An event in minute m is first inside a window that ends at m + 1 minute.
      const eventsFrom = changed.count > 0 ? Math.floor(changed.firstEventMs / MINUTE_MS) + 1 : Infinity;
      rows += await this.refreshChanged(slos, (id) => Math.min(eventsFrom, redo.get(id) ?? Infinity), this.watermark, version);
    }
    rows += await this.backfillSteps(slos, version);
    // Invalidated while this tick ran (e.g. by the definitions it read): the next redoes all.
    if (invalidations === this.invalidations) {
      if (changed.count > 0) this.marker = Math.min(changed.newestIngestedMs, now - SETTLE_MS);
    } else {
      this.marker = 0;
    }
    if (changed.count === 0 && rows === 0) return null;
    return { slos: slos.length, rows, backlogMinutes: this.backlogMinutes() };
  }

  /**
   * The SLOs whose API-declared windows differ from the last tick's, each with the first T
   * (epoch minute) the difference changes: a minute m excluded or counted again changes the
   * evaluations from m + 1 minute on. A composite's windows are those selecting it or any of
   * its components (`refs`). Only minutes the board holds (from the first SLI event
   * to the watermark) are looked at; later ones are evaluated with the new windows anyway.
   */
  private windowChanges(slos: ReadonlyArray<{ id: string; refs: readonly SloDefinition[] }>, stored: readonly MaintenanceWindow[]): Map<string, number> {
    const out = new Map<string, number>();
    const before = this.storedWindows;
    if (before === null || this.watermark === null || !Number.isFinite(this.earliestEventMs)) return out;
    if (JSON.stringify(before.map(windowKey)) === JSON.stringify(stored.map(windowKey))) return out;
    for (const slo of slos) {
      const mine = (ws: readonly MaintenanceWindow[]): MaintenanceWindow[] => ws.filter((w) => slo.refs.some((r) => selectsSlo(w, r)));
      const fromMs = changedFrom(mine(before), mine(stored), this.earliestEventMs, this.watermark * MINUTE_MS);
      if (fromMs !== null) out.set(slo.id, Math.floor(fromMs / MINUTE_MS) + 1);
    }
    return out;
  }

  /** The oldest T an SLO's board needs at the watermark: its window's start, not before the first SLI event. */
  private oldestNeeded(slo: SloDefinition, watermark: number): number {
    return Math.max(sloWindow(slo, watermark * MINUTE_MS).fromMinute, Math.floor(this.earliestEventMs / MINUTE_MS) + 1);
  }

  /**
   * Redoes [firstChanged(slo), watermark] of every SLO (and any minutes since its last refresh):
   * the newest step now, the rest as backlog. Infinity: nothing of that SLO changed.
   */
  private async refreshChanged(slos: readonly SloDefinition[], firstChanged: (sloId: string) => number, watermark: number, version: number): Promise<number> {
    let rows = 0;
    for (const slo of slos) {
      const lo = this.oldestNeeded(slo, watermark);
      const p = this.progress.get(slo.id);
      const dirtyFrom = Math.max(lo, p ? Math.min(firstChanged(slo.id), p.doneTo + 1) : lo);
      if (dirtyFrom > watermark) continue;
      const nowFrom = Math.max(dirtyFrom, watermark - Math.min(this.maxStep, NEWEST_MINUTES) + 1);
      rows += await this.evaluateSpan(slo, { from: nowFrom, to: watermark }, version);
      let stale = p?.stale ?? null;
      if (nowFrom > dirtyFrom) stale = hull(stale, { from: dirtyFrom, to: nowFrom - 1 });
      this.progress.set(slo.id, { doneTo: watermark, stale });
    }
    return rows;
  }

  /** Backfill steps, newest minutes first, SLO after SLO: at least one per tick, then until the step budget is spent. */
  private async backfillSteps(slos: readonly SloDefinition[], version: number): Promise<number> {
    if (this.watermark === null) return 0;
    const started = Date.now();
    const spent = (): boolean => Date.now() - started >= this.stepBudgetMs;
    let rows = 0;
    let steps = 0;
    for (const slo of slos) {
      const p = this.progress.get(slo.id);
      if (!p?.stale) continue;
      // The window moves on: minutes before its start at the watermark are no longer needed.
      const from = Math.max(p.stale.from, this.oldestNeeded(slo, this.watermark));
      while (p.stale && (steps === 0 || !spent())) {
        const stepFrom = Math.max(from, p.stale.to - this.maxStep + 1);
        if (stepFrom <= p.stale.to) rows += await this.evaluateSpan(slo, { from: stepFrom, to: p.stale.to }, version);
        p.stale = stepFrom > from ? { from, to: stepFrom - 1 } : null;
        steps++;
        // Let the process's other work (the evaluator, API requests) run between steps.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (steps > 0 && spent()) break;
    }
    return rows;
  }

  private async evaluateSpan(slo: SloDefinition, span: Span, version: number): Promise<number> {
    const report = await refreshSloBoard(this.wh, [slo], span.from * MINUTE_MS, span.to * MINUTE_MS, version, this.composites);
    return report.rows;
  }
}

/** How soon the runner calls again: at once while a backfill is under way, else on its period. */
export function nextTickDelay(report: BoardFeedReport | null, intervalMs: number): number {
  return report && report.backlogMinutes > 0 ? Math.min(BACKFILL_PAUSE_MS, intervalMs) : intervalMs;
}

/**
 * Runs the board feed of `catalog`'s SLOs on its period: a failed tick is logged and retried on
 * the next one, changed definitions redo every SLO's window (they change every minute's
 * evaluation), a changed set of API-declared maintenance windows redoes what it touches at the
 * next tick, and while a backfill is under way the ticks follow each other closely.
 */
export function startBoardFeed(
  wh: Warehouse,
  catalog: SloCatalog,
  o: { intervalMs: number; maxBackfillMinutes?: number; logger: Logger },
): { stop(): Promise<void> } {
  const feed = new SloBoardFeed(wh, () => catalog.current(), o.maxBackfillMinutes !== undefined ? { maxBackfillMinutes: o.maxBackfillMinutes } : {}, () => catalog.composites());
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const schedule = (ms: number): void => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, ms);
    timer.unref();
  };
  const tick = (): void => {
    running = running
      .then(() => (stopped ? null : feed.tick()))
      .then(
        (report) => schedule(nextTickDelay(report, o.intervalMs)),
        (err: unknown) => {
          o.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'SLO board feed tick failed');
          schedule(o.intervalMs);
        },
      );
  };
  const unsubscribe = catalog.onChange(() => {
    feed.invalidate();
    schedule(0);
  });
  tick();
  return {
    stop: async () => {
      stopped = true;
      unsubscribe();
      clearTimeout(timer);
      await running;
    },
  };
}
