import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { SloBreachSignal } from '../../processors/contracts/events.js';
import { NotificationSink, type NotificationDeps, type NotifyOptions, type NotifyRoute, type ReceiverSpec } from '../../sinks/signals/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/** A local HTTP receiver that records every request and answers with scripted status codes (then 200, or `fallbackStatus`). */
export interface LocalReceiver {
  url: string;
  received: Received[];
  /** Status codes to answer per path, in order. */
  script: Map<string, number[]>;
  /** While set, every request is answered with this status (an outage). */
  down: number | null;
  on(path: string): Received[];
  close(): Promise<void>;
}

export async function startLocalReceiver(okStatus = 200): Promise<LocalReceiver> {
  const rx: LocalReceiver = {
    url: '',
    received: [],
    script: new Map(),
    down: null,
    on: (path) => rx.received.filter((r) => r.path === path),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const path = req.url ?? '';
      rx.received.push({ path, headers: req.headers, body, at: Date.now() });
      const codes = rx.script.get(path) ?? [];
      res.statusCode = rx.down ?? codes.shift() ?? okStatus;
      res.end(res.statusCode < 300 ? 'ok' : 'unavailable');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rx.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return rx;
}

/** A recent whole minute, `minutesAgo` before now: the notify age lets it through. */
export const recentMinute = (minutesAgo: number): number => Math.floor(Date.now() / 60_000) * 60_000 - minutesAgo * 60_000;

export function breach(id: string, o: Partial<SloBreachSignal> = {}): SloBreachSignal {
  return {
    signal_id: id,
    status: 'FIRING',
    severity: 'PAGE',
    slo_id: 'vien-coffee-success',
    service: 'journeys',
    reason: 'SLO_BREACH',
    product_version_id: 'PRDV-VIEN-COFFEE',
    market_code: null,
    city_code: 'VIE',
    route_id: null,
    vendor_id: null,
    target: 0.97,
    sli: 0.8,
    error_budget_remaining: -1.5,
    long_window: '1h',
    short_window: '5m',
    burn_rate_long: 20,
    burn_rate_short: 30,
    burn_rate_threshold: 14.4,
    evaluated_at: recentMinute(5),
    recommended_actions: ['use_degraded_mode'],
    ...o,
  };
}

export const route = (receivers: string[], o: Partial<NotifyRoute> = {}): NotifyRoute => ({ match: {}, receivers, fallback: [], fallbackAfterMs: 600_000, continue: false, ...o });

export const quiet = pino({ level: 'silent' });

export function notificationSink(
  wh: Warehouse,
  receivers: ReceiverSpec[],
  routes: NotifyRoute[],
  o: Partial<Omit<NotifyOptions, 'receivers' | 'routes' | 'outbox'>> & { outbox?: Partial<NotifyOptions['outbox']> } = {},
  deps: Partial<NotificationDeps> = {},
): NotificationSink {
  return new NotificationSink(
    {
      receivers,
      routes,
      maxAgeMs: o.maxAgeMs === undefined ? 15 * 60_000 : o.maxAgeMs,
      outbox: { giveUpAfterMs: 86_400_000, initialBackoffMs: 5, maxBackoffMs: 20, timeoutMs: 2_000, ...o.outbox },
    },
    { warehouse: wh, logger: quiet, ...deps },
  );
}

export async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function outcomes(wh: Warehouse): Promise<Record<string, string>> {
  const rows = await wh.query<{ target: string; signal_id: string; outcome: string }>('SELECT target, signal_id, outcome FROM slo_webhook_deliveries FINAL ORDER BY target, signal_id');
  return Object.fromEntries(rows.map((r) => [`${r.target}/${r.signal_id}`, r.outcome]));
}
