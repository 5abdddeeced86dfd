import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { QualityScoreUpdate, SloBreachSignal } from '../../processors/contracts/events.js';
import { WEBHOOK_DEFAULTS, type WebhookSinkOptions } from './options.js';
import type { SignalSink } from './types.js';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: receivers recompute it and reject old timestamps. */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export interface WebhookStats {
  delivered: number;
  failed: number;
  attempts: number;
}

/**
 * Breach signals as signed HTTP POSTs, one endpoint per severity. Each request carries
 * `Idempotency-Key: <signal_id>`, so a receiver acts once even when a signal is sent
 * again. Deliveries run in the background with exponential backoff: a slow or broken
 * receiver never holds up the evaluator or the Kafka signals. 5xx, 408, 429 and network
 * errors are retried; other 4xx answers are final.
 */
export class WebhookSignalSink implements SignalSink {
  readonly name = 'webhook';
  readonly stats: WebhookStats = { delivered: 0, failed: 0, attempts: 0 };
  private readonly opts: Required<WebhookSinkOptions>;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    options: WebhookSinkOptions,
    private readonly logger?: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.opts = { ...WEBHOOK_DEFAULTS, ...options };
  }

  async sendBreaches(signals: readonly SloBreachSignal[]): Promise<void> {
    for (const s of signals) {
      const url = this.opts.endpoints[s.severity];
      if (!url || this.closed) continue;
      const p = this.deliver(url, s).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  async sendScores(_updates: readonly QualityScoreUpdate[]): Promise<void> {}

  /** Resolves when every delivery started so far has succeeded or given up. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private async deliver(url: string, signal: SloBreachSignal): Promise<void> {
    const body = JSON.stringify(signal);
    let delay = this.opts.initialBackoffMs;
    for (let attempt = 1; attempt <= this.opts.maxAttempts; attempt++) {
      this.stats.attempts++;
      let retry: boolean;
      let why: string;
      try {
        const res = await fetch(url, {
          method: 'POST',
          body,
          signal: AbortSignal.timeout(this.opts.timeoutMs),
          headers: {
            'content-type': 'application/json',
            'idempotency-key': signal.signal_id,
            'x-slo-signature': signWebhook(this.opts.secret, body, Math.floor(this.now() / 1000)),
            'x-slo-severity': signal.severity,
          },
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          this.stats.delivered++;
          return;
        }
        retry = res.status >= 500 || res.status === 408 || res.status === 429;
        why = `HTTP ${res.status}`;
      } catch (e) {
        retry = true;
        why = e instanceof Error ? e.message : String(e);
      }
      if (!retry || attempt === this.opts.maxAttempts) {
        this.stats.failed++;
        this.logger?.error({ url, signal_id: signal.signal_id, attempt, why }, 'webhook delivery failed');
        return;
      }
      this.logger?.warn({ url, signal_id: signal.signal_id, attempt, why, delayMs: delay }, 'webhook delivery failed; retrying');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(this.opts.maxBackoffMs, delay * 2);
    }
  }
}
