import type { Logger } from 'pino';
import type { QualityScoreUpdate, SloBreachSignal } from '../../processors/contracts/events.js';
import type { Warehouse } from '../warehouse/types.js';
import { matchingRoutes, type NotifyOptions, type ReceiverSpec, type ReceiverType } from './notify-config.js';
import { render, type Episode } from './render.js';
import { signalReceivers, type RuleNotify } from './target-routing.js';
import type { SignalSink } from './types.js';

export type DeliveryOutcome = 'DELIVERED' | 'REJECTED' | 'EXPIRED';

export interface DeliveryStats {
  delivered: number;
  /** Notifications that ended without delivery: rejected by the receiver or expired. */
  failed: number;
  attempts: number;
}

export interface NotificationDeps {
  /** Holds the outbox (`slo_webhook_outbox`), the outcomes (`slo_webhook_deliveries`) and the signal history (`slo_signals`). */
  warehouse: Warehouse;
  logger?: Logger;
  /** Processing-time clock. @default Date.now */
  now?: () => number;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
  /** The SLO's `metadata.labels`, for routing and Alertmanager labels. @default none */
  labelsOf?: (sloId: string) => Readonly<Record<string, string>>;
  /**
   * The alert rule behind a signal (its OpenSLO notification targets and `alertWhenResolved`):
   * a rule with targets notifies the receivers they select instead of the routes'. @default none (routes only)
   */
  ruleOf?: (signal: SloBreachSignal) => RuleNotify | undefined;
  /** Notification targets of a signal's rule that select no receiver (the routes were used instead, or the other targets). */
  onUnresolvedTarget?: (target: string, signal: SloBreachSignal) => void;
  /** Called once per notification that reached an outcome (metrics). */
  onOutcome?: (receiver: ReceiverSpec, outcome: DeliveryOutcome, signal: SloBreachSignal) => void;
  /** Called with the number of notifications waiting for a receiver, after each look at its outbox. */
  onPending?: (receiver: ReceiverSpec, pending: number) => void;
  /** Signals too old to notify anyone (a backfill or replay), per status. */
  onSuppressed?: (count: number) => void;
  /** Notifications handed to a fallback receiver. */
  onFallback?: (from: string, to: string, count: number) => void;
}

interface Pending {
  signal_id: string;
  body: string;
  enqueued: string | number;
}

const OUTBOX = 'slo_webhook_outbox';
const DELIVERIES = 'slo_webhook_deliveries';
const PAGE_SIZE = 200;
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Breach signals to the receivers people use (signed webhooks, Alertmanager, PagerDuty, Slack)
 * through one durable outbox. `sendBreaches` routes each signal (per severity, SLO, service and
 * SLO labels) and only enqueues it, once per receiver, in the warehouse, before the evaluator
 * saves its progress. A deliverer per receiver sends what has no outcome yet, oldest evaluation
 * first, one at a time, so a receiver sees FIRING before its RESOLVED; after a crash the next
 * process sends what was left (at least once, same content, the signal id as idempotency key).
 * 5xx, 408, 429 and network errors are retried with capped exponential backoff and jitter for
 * as long as `giveUpAfterMs` allows since the notification was enqueued (then EXPIRED); other
 * 4xx answers are final (REJECTED). A route's fallback receiver gets what its predecessor has
 * not delivered `fallbackAfterMs` after enqueueing. Signals evaluated longer than `maxAgeMs`
 * ago (a backfill, a replay) are not enqueued, except the RESOLVED of an episode whose FIRING
 * a receiver was sent. A slow or broken receiver never holds up the evaluator or Kafka.
 */
export class NotificationSink implements SignalSink {
  readonly name: string = 'notifications';
  readonly stats: DeliveryStats = { delivered: 0, failed: 0, attempts: 0 };
  private readonly deliverers = new Map<string, Deliverer>();
  private readonly episodes = new Map<string, Episode>();
  private closed = false;
  readonly now: () => number;
  readonly random: () => number;

  constructor(
    readonly options: NotifyOptions,
    readonly deps: NotificationDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    for (const r of options.receivers) this.deliverers.set(r.name, new Deliverer(this, r));
  }

  get log(): Logger | undefined {
    return this.deps.logger;
  }

  get wh(): Warehouse {
    return this.deps.warehouse;
  }

  /** The SLO's labels: those the signal carries over those configured for its SLO. */
  labelsOf(s: SloBreachSignal): Readonly<Record<string, string>> {
    const configured = this.deps.labelsOf?.(s.slo_id) ?? NO_LABELS;
    return s.labels && Object.keys(s.labels).length > 0 ? { ...configured, ...s.labels } : configured;
  }

  /**
   * The receivers a signal goes to (fallbacks not included): those its rule's notification
   * targets select, else those of the matching routes (target-routing.ts).
   */
  receiversFor(s: SloBreachSignal): string[] {
    const names = new Set<string>();
    for (const r of matchingRoutes(this.options.routes, s, this.labelsOf(s))) for (const n of r.receivers) names.add(n);
    const choice = signalReceivers(this.options, this.deps.ruleOf?.(s), [...names], s.status);
    for (const t of choice.unresolved) {
      this.log?.warn({ slo_id: s.slo_id, target: t, signal_id: s.signal_id }, 'notification target matches no receiver, target entry or receiver type');
      this.deps.onUnresolvedTarget?.(t, s);
    }
    return choice.receivers;
  }

  /** The receiver that gets a signal `receiver` has not delivered, and after how long; null when no route names one. */
  fallbackOf(receiver: string, s: SloBreachSignal): { to: string; afterMs: number } | null {
    for (const r of matchingRoutes(this.options.routes, s, this.labelsOf(s))) {
      // A route's receivers fall back to its first fallback, each fallback to the one after it.
      const next = r.receivers.includes(receiver) ? 0 : r.fallback.includes(receiver) ? r.fallback.indexOf(receiver) + 1 : -1;
      const to = next >= 0 ? r.fallback[next] : undefined;
      if (to !== undefined) return { to, afterMs: r.fallbackAfterMs };
    }
    return null;
  }

  /** Starts delivering what an earlier process left in the outbox. */
  start(): void {
    for (const d of this.deliverers.values()) d.kick();
  }

  async sendBreaches(signals: readonly SloBreachSignal[]): Promise<void> {
    if (this.closed || signals.length === 0) return;
    const enqueuedAt = this.now();
    const maxAge = this.options.maxAgeMs;
    const rows: Array<{ target: string; signal_id: string; evaluated_at: number; body: string; enqueued_at: number }> = [];
    let suppressed = 0;
    for (const s of signals) {
      let targets = this.receiversFor(s);
      if (targets.length === 0) continue;
      if (maxAge !== null && enqueuedAt - s.evaluated_at > maxAge) {
        // Too old to page anyone; but an episode a receiver was told of is closed there.
        targets = s.status === 'RESOLVED' ? await this.toldOfFiring(s, targets, signals) : [];
        if (targets.length === 0) {
          suppressed++;
          continue;
        }
      }
      for (const target of targets) rows.push({ target, signal_id: s.signal_id, evaluated_at: s.evaluated_at, body: JSON.stringify(s), enqueued_at: enqueuedAt });
    }
    if (suppressed > 0) {
      this.log?.info({ suppressed, maxAgeMs: maxAge }, 'old signals recorded without notifying anyone');
      this.deps.onSuppressed?.(suppressed);
    }
    if (rows.length === 0) return;
    await this.wh.insert(OUTBOX, rows);
    for (const t of new Set(rows.map((r) => r.target))) this.deliverers.get(t)?.kick();
  }

  async sendScores(_updates: readonly QualityScoreUpdate[]): Promise<void> {}

  /** Resolves when every enqueued notification has an outcome (delivered, rejected or expired). */
  async flush(): Promise<void> {
    for (let round = 0; round < 10; round++) {
      for (const d of this.deliverers.values()) await d.drained();
      if ((await this.pendingCount()) === 0 || this.closed) return;
    }
  }

  /** Stops delivering; what is left stays in the outbox for the next process. */
  async close(): Promise<void> {
    this.closed = true;
    for (const d of this.deliverers.values()) await d.stop();
  }

  /** Notifications without an outcome, for one receiver or all of them. */
  async pendingCount(receiver?: string): Promise<number> {
    const names = receiver !== undefined ? [receiver] : [...this.deliverers.keys()];
    const [row] = await this.wh.query<{ n: string | number }>(
      `SELECT count() AS n FROM ${OUTBOX} AS o FINAL
        WHERE o.target IN {targets:Array(String)}
          AND (o.target, o.signal_id) NOT IN (SELECT target, signal_id FROM ${DELIVERIES} WHERE target IN {targets:Array(String)})`,
      { targets: names },
    );
    return Number(row?.n ?? 0);
  }

  /** The FIRING that opened the episode of a signal: the newest FIRING of its SLO and severity at or before it. */
  async episodeOf(s: SloBreachSignal, batch: readonly SloBreachSignal[] = []): Promise<Episode> {
    if (s.status === 'FIRING') return { firingSignalId: s.signal_id, firingAt: s.evaluated_at };
    const known = this.episodes.get(s.signal_id);
    if (known) return known;
    const inBatch = batch
      .filter((b) => b.status === 'FIRING' && b.slo_id === s.slo_id && b.severity === s.severity && b.evaluated_at <= s.evaluated_at)
      .sort((a, b) => b.evaluated_at - a.evaluated_at)[0];
    let episode: Episode | null = inBatch ? { firingSignalId: inBatch.signal_id, firingAt: inBatch.evaluated_at } : null;
    if (!episode) {
      const [row] = await this.wh.query<{ signal_id: string; at: string | number }>(
        `SELECT signal_id, toUnixTimestamp64Milli(evaluated_at) AS at FROM slo_signals FINAL
          WHERE slo_id = {slo:String} AND severity = {sev:String} AND status = 'FIRING'
            AND evaluated_at <= fromUnixTimestamp64Milli({t:Int64}, 'UTC')
          ORDER BY evaluated_at DESC LIMIT 1`,
        { slo: s.slo_id, sev: s.severity, t: s.evaluated_at },
      );
      if (row) episode = { firingSignalId: row.signal_id, firingAt: Number(row.at) };
    }
    if (!episode) {
      this.log?.warn({ signal_id: s.signal_id, slo_id: s.slo_id }, 'no FIRING signal recorded for a RESOLVED one; it is sent under its own id');
      episode = { firingSignalId: s.signal_id, firingAt: s.evaluated_at };
    }
    if (this.episodes.size > 10_000) this.episodes.clear();
    this.episodes.set(s.signal_id, episode);
    return episode;
  }

  /** Of `targets`, those that were sent (or hold in their outbox) the FIRING of a RESOLVED signal's episode. */
  private async toldOfFiring(s: SloBreachSignal, targets: readonly string[], batch: readonly SloBreachSignal[]): Promise<string[]> {
    const episode = await this.episodeOf(s, batch);
    if (episode.firingSignalId === s.signal_id) return [];
    const rows = await this.wh.query<{ target: string }>(
      `SELECT DISTINCT target FROM ${OUTBOX} WHERE signal_id = {id:String} AND target IN {targets:Array(String)}`,
      { id: episode.firingSignalId, targets },
    );
    return rows.map((r) => r.target);
  }

  /**
   * Hands what `from` has not delivered to the next receiver of its route, for each
   * notification waiting there longer than the route's fallback time, and `failed` (just
   * rejected or expired there) at once. Nothing is handed twice: the fallback's outbox row is
   * written once.
   */
  async handOff(from: string, failed?: Pending): Promise<void> {
    const now = this.now();
    const waiting = await this.wh.query<Pending>(
      `SELECT o.signal_id AS signal_id, o.body AS body, toUnixTimestamp64Milli(o.enqueued_at) AS enqueued
         FROM ${OUTBOX} AS o FINAL
        WHERE o.target = {target:String}
          AND o.signal_id NOT IN (SELECT signal_id FROM ${DELIVERIES} WHERE target = {target:String})
        ORDER BY o.evaluated_at, o.signal_id
        LIMIT ${PAGE_SIZE}`,
      { target: from },
    );
    const byTarget = new Map<string, Array<{ signal: SloBreachSignal; body: string }>>();
    // A notification the receiver rejected or let expire goes on at once, whatever its age.
    const candidates = failed ? [{ ...failed, enqueued: 0 }, ...waiting] : waiting;
    for (const p of candidates) {
      const signal = JSON.parse(p.body) as SloBreachSignal;
      const next = this.fallbackOf(from, signal);
      if (!next || now - Number(p.enqueued) < next.afterMs || !this.deliverers.has(next.to)) continue;
      if (byTarget.get(next.to)?.some((l) => l.signal.signal_id === signal.signal_id)) continue;
      const list = byTarget.get(next.to) ?? [];
      list.push({ signal, body: p.body });
      byTarget.set(next.to, list);
    }
    for (const [to, list] of byTarget) {
      const there = new Set(
        (
          await this.wh.query<{ signal_id: string }>(`SELECT signal_id FROM ${OUTBOX} WHERE target = {to:String} AND signal_id IN {ids:Array(String)}`, {
            to,
            ids: list.map((l) => l.signal.signal_id),
          })
        ).map((r) => r.signal_id),
      );
      const fresh = list.filter((l) => !there.has(l.signal.signal_id));
      if (fresh.length === 0) continue;
      await this.wh.insert(
        OUTBOX,
        fresh.map((l) => ({ target: to, signal_id: l.signal.signal_id, evaluated_at: l.signal.evaluated_at, body: l.body, enqueued_at: now })),
      );
      this.log?.warn({ from, to, count: fresh.length }, 'notifications handed to a fallback receiver');
      this.deps.onFallback?.(from, to, fresh.length);
      this.deliverers.get(to)?.kick();
    }
  }
}

/** Delivers one receiver's outbox in order. */
class Deliverer {
  private loop: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly abort = new AbortController();

  constructor(
    private readonly sink: NotificationSink,
    private readonly receiver: ReceiverSpec,
  ) {}

  kick(): void {
    if (this.stopped) return;
    this.again = true;
    if (!this.loop) {
      this.loop = this.run()
        .catch((e: unknown) => this.sink.log?.error({ receiver: this.receiver.name, err: e instanceof Error ? e.message : String(e) }, 'notification deliverer stopped'))
        .finally(() => (this.loop = null));
    }
  }

  /** Resolves once this receiver's outbox was found empty after the last kick. */
  async drained(): Promise<void> {
    this.kick();
    while (this.loop) await this.loop;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { wh } = this.sink;
    while (this.again && !this.stopped) {
      this.again = false;
      for (;;) {
        const page = await wh.query<Pending>(
          `SELECT o.signal_id AS signal_id, o.body AS body, toUnixTimestamp64Milli(o.enqueued_at) AS enqueued
             FROM ${OUTBOX} AS o FINAL
            WHERE o.target = {target:String}
              AND o.signal_id NOT IN (SELECT signal_id FROM ${DELIVERIES} WHERE target = {target:String})
            ORDER BY o.evaluated_at, o.signal_id
            LIMIT ${PAGE_SIZE}`,
          { target: this.receiver.name },
        );
        if (this.sink.deps.onPending) this.sink.deps.onPending(this.receiver, page.length < PAGE_SIZE ? page.length : await this.sink.pendingCount(this.receiver.name));
        if (page.length === 0 || this.stopped) break;
        for (const p of page) {
          if (this.stopped) return;
          const done = await this.deliver(p);
          if (!done) return; // stopped while retrying: the notification stays in the outbox
        }
        if (page.length < PAGE_SIZE) this.again = true;
      }
    }
  }

  /** Sends one notification until it has an outcome; false when stopped before that. */
  private async deliver(p: Pending): Promise<boolean> {
    const { options, log, now, stats } = this.sink;
    const { outbox } = options;
    const signal = JSON.parse(p.body) as SloBreachSignal;
    const episode = await this.sink.episodeOf(signal);
    const labels = this.sink.labelsOf(signal);
    const enqueuedAt = Number(p.enqueued);
    const fallback = this.sink.fallbackOf(this.receiver.name, signal);
    let delay = outbox.initialBackoffMs;
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) return false;
      stats.attempts++;
      let retry: boolean;
      let why: string;
      try {
        const req = render(this.receiver, { signal, episode, labels, now: now() });
        const res = await fetch(req.url, {
          method: 'POST',
          body: req.body,
          headers: req.headers,
          signal: AbortSignal.any([AbortSignal.timeout(outbox.timeoutMs), this.abort.signal]),
        });
        const answer = await res.text().catch(() => '');
        if (res.ok) {
          await this.record(signal, 'DELIVERED', attempt, `HTTP ${res.status}`);
          stats.delivered++;
          log?.debug({ receiver: this.receiver.name, signal_id: p.signal_id, attempt }, 'webhook delivered');
          return true;
        }
        retry = res.status >= 500 || res.status === 408 || res.status === 429;
        why = `HTTP ${res.status}${answer ? `: ${answer.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`;
      } catch (e) {
        if (this.stopped) return false;
        retry = true;
        why = e instanceof Error ? e.message : String(e);
      }
      const expired = now() + delay - enqueuedAt > outbox.giveUpAfterMs;
      if (!retry || expired) {
        const outcome: DeliveryOutcome = retry ? 'EXPIRED' : 'REJECTED';
        await this.record(signal, outcome, attempt, why);
        stats.failed++;
        log?.error({ receiver: this.receiver.name, signal_id: p.signal_id, attempt, why, outcome }, 'webhook delivery failed for good');
        if (fallback) await this.sink.handOff(this.receiver.name, p);
        return true;
      }
      if (fallback && now() - enqueuedAt >= fallback.afterMs) await this.sink.handOff(this.receiver.name);
      // Equal jitter: half the delay fixed, half drawn, so receivers coming back are not hit in step.
      const sleep = Math.round(delay / 2 + (this.sink.random() * delay) / 2);
      log?.warn({ receiver: this.receiver.name, signal_id: p.signal_id, attempt, why, delayMs: sleep }, 'webhook delivery failed; retrying');
      await new Promise<void>((r) => {
        const t = setTimeout(r, sleep);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wake = null;
      delay = Math.min(outbox.maxBackoffMs, delay * 2);
    }
  }

  private async record(signal: SloBreachSignal, outcome: DeliveryOutcome, attempts: number, detail: string): Promise<void> {
    await this.sink.wh.insert(DELIVERIES, [{ target: this.receiver.name, signal_id: signal.signal_id, outcome, attempts, detail }]);
    this.sink.deps.onOutcome?.(this.receiver, outcome, signal);
  }
}

export type { ReceiverType };
