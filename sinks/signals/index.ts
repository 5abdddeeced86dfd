export type { SignalSink } from './types.js';
export { KafkaSignalSink } from './kafka-signal-sink.js';
export { WarehouseSignalSink } from './warehouse-signal-sink.js';
export { NotificationSink, type DeliveryOutcome, type DeliveryStats, type NotificationDeps } from './notification-sink.js';
export { WebhookSignalSink, signWebhook, webhookReceiverName, type WebhookSinkDeps, type WebhookStats } from './webhook-signal-sink.js';
export { webhookOptionsFromEnv, notifyOptionsFromEnv, WEBHOOK_DEFAULTS, type WebhookSinkOptions } from './options.js';
export { loadNotifyFile, type NotifyOptions, type NotifyRoute, type ReceiverSpec, type OutboxOptions } from './notify-config.js';
export { alertLabels, render, ALERT_NAME } from './render.js';
export { notificationMetrics } from './notify-metrics.js';
