export type { SignalSink } from './types.js';
export { KafkaSignalSink } from './kafka-signal-sink.js';
export { WarehouseSignalSink } from './warehouse-signal-sink.js';
export { WebhookSignalSink, signWebhook, type DeliveryOutcome, type WebhookSinkDeps, type WebhookStats } from './webhook-signal-sink.js';
export { webhookOptionsFromEnv, WEBHOOK_DEFAULTS, type WebhookSinkOptions } from './options.js';
