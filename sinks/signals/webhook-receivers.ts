import type { AlertSeverity } from '../../processors/contracts/enums.js';
import type { NotifyRoute, ReceiverSpec } from './notify-config.js';
import type { WebhookSinkOptions } from './options.js';

/** Name of the webhook receiver of a severity (`webhook-page`, `webhook-ticket`): its outbox rows are keyed by it. */
export const webhookReceiverName = (severity: AlertSeverity): string => `webhook-${severity.toLowerCase()}`;

/** The signed webhooks of `SLO_WEBHOOK_*` as receivers, each with the route of its severity (other routes still apply). */
export function webhookReceivers(options: WebhookSinkOptions): { receivers: ReceiverSpec[]; routes: NotifyRoute[] } {
  const receivers: ReceiverSpec[] = [];
  const routes: NotifyRoute[] = [];
  for (const [severity, url] of Object.entries(options.endpoints) as Array<[AlertSeverity, string | undefined]>) {
    if (!url) continue;
    const name = webhookReceiverName(severity);
    receivers.push({ name, type: 'webhook', url, secret: options.secret });
    routes.push({ match: { severity: [severity] }, receivers: [name], fallback: [], fallbackAfterMs: 0, continue: true });
  }
  return { receivers, routes };
}
