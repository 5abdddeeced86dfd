import type { SloBreachSignal } from '../../contracts/events.js';
import type { Logger } from '../../observability/logger.js';
import type { SignalSink } from '../../../sinks/signals/types.js';
import type { Warehouse } from '../../../sinks/warehouse/types.js';
import type { CompositeSlo } from '../definitions/composite.js';
import type { SloCatalog } from '../definitions/catalog.js';
import { MINUTE_MS } from '../definitions/duration.js';
import type { SloDefinition } from '../definitions/model.js';
import { heldBudgetSignals, heldCompositeSignals } from '../replay/held-signals.js';
import { withStoredWindowsAll } from '../store/maintenance-windows.js';

/**
 * Sends the breach signals the running evaluator does not compute itself: those of
 * composite SLOs (their burn-rate alerts and budget alerts) and the budget alerts of SLOs
 * with `ops.alert.budget`. It follows the evaluator: once the evaluator has evaluated a whole
 * minute (every component's data complete up to it), the feed replays that minute from the
 * warehouse (replay/composite-status.ts, replay/budget-status.ts) and sends the transitions
 * to the same sinks (history, ops.slo.breach.v1, receivers). Each tick evaluates with the
 * maintenance windows of the folder and those declared through the API (read every tick):
 * their minutes are taken out of the components and SLOs they select
 * (core/composite-maintenance.ts), and signals inside a window of the composite or SLO itself
 * are held back until it ends (replay/held-signals.ts). A window declared after the feed sent
 * a minute's signals does not retract them. Ids are deterministic, so the
 * `catchUpMinutes` a (re)started feed replays first send nothing new to a receiver that
 * deduplicates; transitions older than that while the process was down are not sent.
 */
export interface SignalFeedClock {
  /** The last instant the evaluator evaluated (epoch ms), or null before its first cycle. */
  readonly evaluatedUpTo: number | null;
}

export interface CompositeSignalFeedOptions {
  /** Minutes before the evaluator's position replayed at the first tick. @default 60 */
  catchUpMinutes?: number;
}

export class CompositeSignalFeed {
  private done: number | null = null;
  private readonly catchUp: number;

  constructor(
    private readonly wh: Warehouse,
    private readonly composites: () => readonly CompositeSlo[],
    private readonly slos: () => readonly SloDefinition[],
    private readonly sinks: readonly SignalSink[],
    private readonly clock: SignalFeedClock,
    options: CompositeSignalFeedOptions = {},
  ) {
    this.catchUp = Math.max(0, options.catchUpMinutes ?? 60);
  }

  /** The newest whole minute whose signals were sent, or null before the first tick. */
  get doneMinute(): number | null {
    return this.done;
  }

  /** Sends the signals of the whole minutes evaluated since the last tick; returns them. */
  async tick(): Promise<SloBreachSignal[]> {
    const upTo = this.clock.evaluatedUpTo;
    if (upTo === null) return [];
    const minute = Math.floor(upTo / MINUTE_MS);
    this.done ??= minute - this.catchUp - 1;
    if (minute <= this.done) return [];
    const from = this.done + 1;
    const out: SloBreachSignal[] = [];
    const { slos, composites } = await withStoredWindowsAll(this.wh, this.slos(), this.composites());
    for (const c of composites) out.push(...(await heldCompositeSignals(this.wh, c, from, minute)));
    for (const slo of slos) out.push(...(await heldBudgetSignals(this.wh, slo, from, minute)));
    out.sort((a, b) => a.evaluated_at - b.evaluated_at);
    if (out.length > 0) for (const sink of this.sinks) await sink.sendBreaches(out);
    this.done = minute;
    return out;
  }
}

/**
 * Runs the feed of `catalog`'s composites and budget alerts every `intervalMs`; a failed tick
 * is logged and retried. `stop` runs a last tick, so what the evaluator evaluated before a
 * clean exit is sent.
 */
export function startCompositeSignalFeed(
  wh: Warehouse,
  catalog: SloCatalog,
  sinks: readonly SignalSink[],
  clock: SignalFeedClock,
  o: { intervalMs: number; logger: Logger },
): { stop(): Promise<void> } {
  const feed = new CompositeSignalFeed(wh, () => catalog.composites(), () => catalog.current(), sinks, clock);
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = (): void => {
    running = running
      .then(() => feed.tick())
      .catch((err: unknown) => o.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'composite and budget signal feed tick failed'));
  };
  const timer = setInterval(() => {
    if (!stopped) tick();
  }, o.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      tick();
      await running;
    },
  };
}
