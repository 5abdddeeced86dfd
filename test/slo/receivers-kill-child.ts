/**
 * A process that enqueues breach signals for a PagerDuty receiver and keeps retrying them:
 * the kill test stops it with SIGKILL. Arguments: data folder, database, receiver URL,
 * signals as JSON. Prints `enqueued` once the outbox holds them.
 */
import type { SloBreachSignal } from '../../processors/contracts/events.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { NotificationSink, WarehouseSignalSink } from '../../sinks/signals/index.js';
import { migrate } from '../../sinks/warehouse/index.js';

const [dataDir, database, url, json] = process.argv.slice(2) as [string, string, string, string];
const wh = await ChdbWarehouse.open({ dataDir, database });
await migrate(wh);
const signals = JSON.parse(json) as SloBreachSignal[];
const sink = new NotificationSink(
  {
    receivers: [{ name: 'pd-kill', type: 'pagerduty', url, routingKey: 'kill-test-routing-key' }],
    routes: [{ match: {}, receivers: ['pd-kill'], fallback: [], fallbackAfterMs: 600_000, continue: false }],
    outbox: { giveUpAfterMs: 86_400_000, initialBackoffMs: 5, maxBackoffMs: 20, timeoutMs: 2_000 },
    maxAgeMs: 900_000,
  },
  { warehouse: wh },
);
await new WarehouseSignalSink(wh).sendBreaches(signals);
await sink.sendBreaches(signals);
process.stdout.write('enqueued\n');
setInterval(() => undefined, 60_000);
