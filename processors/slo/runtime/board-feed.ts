import type { SloDefinition } from '../definitions/model.js';
import { MINUTE_MS } from '../definitions/duration.js';
import { evaluateSloSeries } from '../replay/history.js';
import { sliChangesSince, writeBoardRows, type BoardRow } from '../store/board.js';
import type { Warehouse } from '../../../sinks/warehouse/types.js';
import type { Logger } from '../../observability/logger.js';
import type { SloCatalog } from '../definitions/catalog.js';

export interface BoardFeedReport {
  slos: number;
  rows: number;
}

/**
 * Writes the board rows of every SLO for the minutes in [fromMs, toMs]. Idempotent:
 * re-running a range replaces its rows (ReplacingMergeTree by version). `run` calls it
 * once for the history it starts with, then every minute for a trailing range (late
 * events change recent minutes).
 */
export async function refreshSloBoard(
  wh: Warehouse,
  slos: readonly SloDefinition[],
  fromMs: number,
  toMs: number,
  version = Date.now(),
): Promise<BoardFeedReport> {
  let rows = 0;
  for (const slo of slos) {
    const series = await evaluateSloSeries(wh, slo, fromMs, toMs);
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
  return { slos: slos.length, rows };
}

/** How long an insert may take to become visible after its rows got their `_ingested_at`. */
const SETTLE_MS = 5_000;

export interface SloBoardFeedOptions {
  /** The longest history (before the event-time watermark) one refresh re-evaluates. @default 7 days (minutes) */
  maxBackfillMinutes?: number;
}

/**
 * Keeps `slo_board_minute` current. Each tick finds the earliest event time among the SLI
 * events ingested since the last tick (late events included) and re-evaluates every
 * minute from there to the watermark: an event at time e changes the windows of every
 * evaluation after e, so that whole span is redone, and nothing else is.
 */
export class SloBoardFeed {
  private marker = 0;
  private invalidations = 0;
  private readonly maxBackfill: number;

  constructor(
    private readonly wh: Warehouse,
    private readonly definitions: () => readonly SloDefinition[],
    options: SloBoardFeedOptions = {},
  ) {
    this.maxBackfill = options.maxBackfillMinutes ?? 7 * 24 * 60;
  }

  /**
   * The next tick redoes the whole backfill (up to `maxBackfillMinutes` before the
   * watermark): what a change of the definitions needs, since it changes every evaluation.
   */
  invalidate(): void {
    this.marker = 0;
    this.invalidations++;
  }

  /**
   * One refresh. `now` is the wall clock: the marker never passes `now - SETTLE_MS`, so
   * rows of an insert still in flight around the read are read again by the next tick
   * (re-evaluating is idempotent; missing an event is not).
   */
  async tick(options: { version?: number; now?: number } = {}): Promise<BoardFeedReport | null> {
    const now = options.now ?? Date.now();
    const version = options.version ?? now;
    const invalidations = this.invalidations;
    const changed = await sliChangesSince(this.wh, this.marker);
    if (changed.count === 0) return null;
    const watermark = Math.min(changed.newestEventMs, now);
    const from = Math.max(changed.firstEventMs, watermark - this.maxBackfill * MINUTE_MS);
    // An event in minute m is first inside a window that ends at m + 1 minute.
    const report = await refreshSloBoard(this.wh, this.definitions(), (Math.floor(from / MINUTE_MS) + 1) * MINUTE_MS, watermark, version);
    // Invalidated while this tick ran (e.g. by the definitions it read): the next redoes all.
    this.marker = invalidations === this.invalidations ? Math.min(changed.newestIngestedMs, now - SETTLE_MS) : 0;
    return report;
  }
}

/**
 * Runs the board feed of `catalog`'s SLOs on its period: a failed tick is logged and retried on
 * the next one, and changed definitions redo the whole backfill (they change every minute's
 * evaluation).
 */
export function startBoardFeed(
  wh: Warehouse,
  catalog: SloCatalog,
  o: { intervalMs: number; maxBackfillMinutes?: number; logger: Logger },
): { stop(): Promise<void> } {
  const feed = new SloBoardFeed(wh, () => catalog.current(), o.maxBackfillMinutes !== undefined ? { maxBackfillMinutes: o.maxBackfillMinutes } : {});
  const unsubscribe = catalog.onChange(() => feed.invalidate());
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = (): void => {
    running = running
      .then(() => (stopped ? null : feed.tick()))
      .catch((err: unknown) => o.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'SLO board feed tick failed'));
  };
  tick();
  const timer = setInterval(tick, o.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      unsubscribe();
      clearInterval(timer);
      await running;
    },
  };
}
