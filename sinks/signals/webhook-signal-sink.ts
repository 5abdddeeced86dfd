import { NotificationSink, type DeliveryOutcome, type DeliveryStats, type NotificationDeps } from './notification-sink.js';
import { NOTIFY_MAX_AGE_DEFAULT_MS, OUTBOX_DEFAULTS } from './notify-config.js';
import { WEBHOOK_DEFAULTS, type WebhookSinkOptions } from './options.js';
import { webhookReceivers } from './webhook-receivers.js';

export { webhookReceiverName, webhookReceivers } from './webhook-receivers.js';

export { signWebhook } from './render.js';
export type { DeliveryOutcome };
export type WebhookStats = DeliveryStats;
export type WebhookSinkDeps = NotificationDeps;

/**
 * Breach signals as signed HTTP POSTs, one endpoint per severity: the notification sink with
 * only the webhook receivers (see NotificationSink for the outbox, retries and the age limit).
 * The body is the signal as JSON, signed in `X-Slo-Signature`, with `Idempotency-Key: <signal_id>`.
 */
export class WebhookSignalSink extends NotificationSink {
  override readonly name = 'webhook';

  constructor(options: WebhookSinkOptions, deps: WebhookSinkDeps) {
    const o = { ...WEBHOOK_DEFAULTS, ...options };
    super(
      {
        ...webhookReceivers(o),
        outbox: { ...OUTBOX_DEFAULTS, giveUpAfterMs: o.giveUpAfterMs, initialBackoffMs: o.initialBackoffMs, maxBackoffMs: o.maxBackoffMs, timeoutMs: o.timeoutMs },
        maxAgeMs: o.maxAgeMs === undefined ? NOTIFY_MAX_AGE_DEFAULT_MS : o.maxAgeMs,
      },
      deps,
    );
  }
}
