import { Counter, Gauge, type Registry } from 'prom-client';

export interface NotificationMetrics {
  outcomes: Counter<'receiver' | 'type' | 'outcome'>;
  depth: Gauge<'receiver' | 'type'>;
  suppressed: Counter;
  fallbacks: Counter<'receiver' | 'fallback'>;
}

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * The notification figures on `/metrics`, registered once per registry (an evaluator
 * restarted on a new SLO set keeps counting on the same series).
 */
export function notificationMetrics(registry: Registry): NotificationMetrics {
  return {
    outcomes: once(
      registry,
      'slo_notifications_total',
      () =>
        new Counter({
          name: 'slo_notifications_total',
          help: 'Notifications that reached an outcome (DELIVERED, REJECTED, EXPIRED), per receiver and receiver type.',
          labelNames: ['receiver', 'type', 'outcome'] as const,
          registers: [registry],
        }),
    ),
    depth: once(
      registry,
      'slo_notification_outbox_depth',
      () =>
        new Gauge({
          name: 'slo_notification_outbox_depth',
          help: 'Notifications waiting in the outbox (not yet delivered, rejected or expired), per receiver.',
          labelNames: ['receiver', 'type'] as const,
          registers: [registry],
        }),
    ),
    suppressed: once(
      registry,
      'slo_notifications_suppressed_total',
      () =>
        new Counter({
          name: 'slo_notifications_suppressed_total',
          help: 'Breach signals recorded and published but notifying nobody: evaluated longer ago than the notify age (a backfill or replay).',
          registers: [registry],
        }),
    ),
    fallbacks: once(
      registry,
      'slo_notification_fallbacks_total',
      () =>
        new Counter({
          name: 'slo_notification_fallbacks_total',
          help: 'Notifications handed to a fallback receiver because the receiver before it had not delivered them in time.',
          labelNames: ['receiver', 'fallback'] as const,
          registers: [registry],
        }),
    ),
  };
}
