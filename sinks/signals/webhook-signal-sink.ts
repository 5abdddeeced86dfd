import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { AlertSeverity } from '../../processors/contracts/enums.js';
import type { QualityScoreUpdate, SloBreachSignal } from '../../processors/contracts/events.js';
import type { Warehouse } from '../warehouse/types.js';
import { WEBHOOK_DEFAULTS, type WebhookSinkOptions } from './options.js';
import type { SignalSink } from './types.js';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: receivers recompute it and reject old timestamps. */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export type DeliveryOutcome = 'DELIVERED' | 'REJECTED' | 'EXPIRED';

export interface WebhookStats {
  delivered: number;
  /** Signals that ended without delivery: rejected by the receiver or expired. */
  failed: number;
  attempts: number;
}

export interface WebhookSinkDeps {
  /** Holds the outbox (`slo_webhook_outbox`) and the outcomes (`slo_webhook_deliveries`). */
  warehouse: Warehouse;
  logger?: Logger;
  /** Processing-time clock. @default Date.now */
  now?: () => number;
  /** Called once per signal that reached an outcome (metrics). */
  onOutcome?: (severity: AlertSeverity, outcome: DeliveryOutcome) => void;
  /** Called with the number of signals waiting, per severity, after each look at the outbox. */
  onPending?: (severity: AlertSeverity, pending: number) => void;
}

interface Pending {
  signal_id: string;
  body: string;
  enqueued: string | number;
}

const PAGE_SIZE = 200;

/**
 * Breach signals as signed HTTP POSTs, one endpoint per severity, through a durable outbox.
 * `sendBreaches` only enqueues (in the warehouse, before the evaluator saves its progress);
 * a deliverer per severity sends what has no outcome yet, oldest evaluation first, one at a
 * time so a receiver sees FIRING before its RESOLVED. After a crash anywhere, the restarted
 * deliverer sends what was left: at least once, with the same body and the same
 * `Idempotency-Key: <signal_id>`, so a receiver acts once. 5xx, 408, 429 and network errors
 * are retried with exponential backoff for as long as `giveUpAfterMs` allows since the
 * signal was enqueued (then EXPIRED); other 4xx answers are final (REJECTED). Each outcome is
 * recorded, logged and counted. A slow or broken receiver never holds up the evaluator or the
 * Kafka signals.
 */
export class WebhookSignalSink implements SignalSink {
  readonly name = 'webhook';
  readonly stats: WebhookStats = { delivered: 0, failed: 0, attempts: 0 };
  private readonly opts: Required<WebhookSinkOptions>;
  private readonly wh: Warehouse;
  private readonly log: Logger | undefined;
  private readonly now: () => number;
  private readonly deliverers = new Map<AlertSeverity, Deliverer>();
  private closed = false;

  constructor(options: WebhookSinkOptions, private readonly deps: WebhookSinkDeps) {
    this.opts = { ...WEBHOOK_DEFAULTS, ...options };
    this.wh = deps.warehouse;
    this.log = deps.logger;
    this.now = deps.now ?? Date.now;
    for (const [severity, url] of Object.entries(this.opts.endpoints) as Array<[AlertSeverity, string | undefined]>) {
      if (url) this.deliverers.set(severity, new Deliverer(this, severity, url));
    }
  }

  /** Starts delivering what an earlier process left in the outbox. */
  start(): void {
    for (const d of this.deliverers.values()) d.kick();
  }

  async sendBreaches(signals: readonly SloBreachSignal[]): Promise<void> {
    if (this.closed) return;
    const enqueuedAt = this.now();
    const rows = signals
      .filter((s) => this.deliverers.has(s.severity))
      .map((s) => ({ target: s.severity, signal_id: s.signal_id, evaluated_at: s.evaluated_at, body: JSON.stringify(s), enqueued_at: enqueuedAt }));
    if (rows.length === 0) return;
    await this.wh.insert('slo_webhook_outbox', rows);
    for (const sev of new Set(rows.map((r) => r.target))) this.deliverers.get(sev)?.kick();
  }

  async sendScores(_updates: readonly QualityScoreUpdate[]): Promise<void> {}

  /** Resolves when every enqueued signal has an outcome (delivered, rejected or expired). */
  async flush(): Promise<void> {
    for (const d of this.deliverers.values()) await d.drained();
  }

  /** Stops delivering; what is left stays in the outbox for the next process. */
  async close(): Promise<void> {
    this.closed = true;
    for (const d of this.deliverers.values()) await d.stop();
  }

  /** @internal */
  get context(): { opts: Required<WebhookSinkOptions>; wh: Warehouse; log: Logger | undefined; now: () => number; deps: WebhookSinkDeps } {
    return { opts: this.opts, wh: this.wh, log: this.log, now: this.now, deps: this.deps };
  }
}

/** Delivers one severity's outbox in order. */
class Deliverer {
  private loop: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private abort = new AbortController();

  constructor(
    private readonly sink: WebhookSignalSink,
    private readonly severity: AlertSeverity,
    private readonly url: string,
  ) {}

  kick(): void {
    if (this.stopped) return;
    this.again = true;
    if (!this.loop) {
      this.loop = this.run()
        .catch((e: unknown) => this.sink.context.log?.error({ severity: this.severity, err: e instanceof Error ? e.message : String(e) }, 'webhook deliverer stopped'))
        .finally(() => (this.loop = null));
    }
  }

  /** Resolves once the outbox of this severity was found empty after the last kick. */
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
    const { wh } = this.sink.context;
    while (this.again && !this.stopped) {
      this.again = false;
      for (;;) {
        const page = await wh.query<Pending>(
          `SELECT o.signal_id AS signal_id, o.body AS body, toUnixTimestamp64Milli(o.enqueued_at) AS enqueued
             FROM slo_webhook_outbox AS o FINAL
            WHERE o.target = {target:String}
              AND o.signal_id NOT IN (SELECT signal_id FROM slo_webhook_deliveries WHERE target = {target:String})
            ORDER BY o.evaluated_at, o.signal_id
            LIMIT ${PAGE_SIZE}`,
          { target: this.severity },
        );
        this.sink.context.deps.onPending?.(this.severity, page.length);
        if (page.length === 0 || this.stopped) break;
        for (const p of page) {
          if (this.stopped) return;
          const done = await this.deliver(p);
          if (!done) return; // stopped while retrying: the signal stays in the outbox
        }
        if (page.length < PAGE_SIZE) this.again = true;
      }
    }
  }

  /** Sends one signal until it has an outcome; false when stopped before that. */
  private async deliver(p: Pending): Promise<boolean> {
    const { opts, log, now } = this.sink.context;
    const stats = this.sink.stats;
    const enqueuedAt = Number(p.enqueued);
    let delay = opts.initialBackoffMs;
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) return false;
      stats.attempts++;
      let retry: boolean;
      let why: string;
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          body: p.body,
          signal: AbortSignal.any([AbortSignal.timeout(opts.timeoutMs), this.abort.signal]),
          headers: {
            'content-type': 'application/json',
            'idempotency-key': p.signal_id,
            'x-slo-signature': signWebhook(opts.secret, p.body, Math.floor(now() / 1000)),
            'x-slo-severity': this.severity,
          },
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          await this.record(p, 'DELIVERED', attempt, `HTTP ${res.status}`);
          stats.delivered++;
          log?.debug({ severity: this.severity, signal_id: p.signal_id, attempt }, 'webhook delivered');
          return true;
        }
        retry = res.status >= 500 || res.status === 408 || res.status === 429;
        why = `HTTP ${res.status}`;
      } catch (e) {
        if (this.stopped) return false;
        retry = true;
        why = e instanceof Error ? e.message : String(e);
      }
      const expired = now() + delay - enqueuedAt > opts.giveUpAfterMs;
      if (!retry || expired) {
        const outcome: DeliveryOutcome = retry ? 'EXPIRED' : 'REJECTED';
        await this.record(p, outcome, attempt, why);
        stats.failed++;
        log?.error({ url: this.url, signal_id: p.signal_id, attempt, why, outcome }, 'webhook delivery failed for good');
        return true;
      }
      log?.warn({ url: this.url, signal_id: p.signal_id, attempt, why, delayMs: delay }, 'webhook delivery failed; retrying');
      await new Promise<void>((r) => {
        const t = setTimeout(r, delay);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wake = null;
      delay = Math.min(opts.maxBackoffMs, delay * 2);
    }
  }

  private async record(p: Pending, outcome: DeliveryOutcome, attempts: number, detail: string): Promise<void> {
    const { wh, deps } = this.sink.context;
    await wh.insert('slo_webhook_deliveries', [{ target: this.severity, signal_id: p.signal_id, outcome, attempts, detail }]);
    deps.onOutcome?.(this.severity, outcome);
  }
}
