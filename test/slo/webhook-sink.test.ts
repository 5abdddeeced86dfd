import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SloBreachSignal } from '../../processors/contracts/events.js';
import { WebhookSignalSink, webhookOptionsFromEnv } from '../../sinks/signals/index.js';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const SECRET = 'a-webhook-secret-of-some-length';

function signal(id: string, severity: 'PAGE' | 'TICKET'): SloBreachSignal {
  return {
    signal_id: id,
    status: 'FIRING',
    severity,
    slo_id: 'vien-coffee-success',
    service: 'journeys',
    reason: 'SLO_BREACH',
    product_version_id: 'PRDV-VIEN-COFFEE',
    market_code: null,
    city_code: null,
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
    evaluated_at: Date.parse('2026-11-01T10:17:00Z'),
    recommended_actions: ['use_degraded_mode'],
  };
}

/** Verifies `t=<seconds>,v1=<hex>` the way a receiver would. */
function verify(header: string | undefined, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  return createHmac('sha256', SECRET).update(`${m[1]}.${body}`).digest('hex') === m[2];
}

describe('signed webhook sink', () => {
  let server: Server;
  let base: string;
  const received: Received[] = [];
  /** Status codes to answer per path, in order; 200 afterwards. */
  const script = new Map<string, number[]>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const path = req.url ?? '';
        received.push({ path, headers: req.headers, body });
        const codes = script.get(path) ?? [];
        res.statusCode = codes.shift() ?? 200;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('routes by severity, signs the body and sends the signal id as idempotency key', async () => {
    const sink = new WebhookSignalSink({ secret: SECRET, endpoints: { PAGE: `${base}/page` } });
    await sink.sendBreaches([signal('sig-page-1', 'PAGE'), signal('sig-ticket-1', 'TICKET')]);
    await sink.flush();
    const got = received.filter((r) => r.path === '/page');
    expect(got).toHaveLength(1);
    const r = got[0] as Received;
    expect(JSON.parse(r.body)).toEqual(signal('sig-page-1', 'PAGE'));
    expect(r.headers['idempotency-key']).toBe('sig-page-1');
    expect(r.headers['content-type']).toBe('application/json');
    expect(verify(r.headers['x-slo-signature'] as string, r.body)).toBe(true);
    expect(verify(r.headers['x-slo-signature'] as string, r.body.replace('0.8', '0.9'))).toBe(false);
    expect(received.some((x) => x.body.includes('sig-ticket-1'))).toBe(false);
    expect(sink.stats).toEqual({ delivered: 1, failed: 0, attempts: 1 });
  });

  it('retries 5xx and 429 with backoff, keeping the same idempotency key, and gives up on other 4xx', async () => {
    script.set('/flaky', [503, 429, 500]);
    script.set('/reject', [400]);
    const sink = new WebhookSignalSink({ secret: SECRET, endpoints: { PAGE: `${base}/flaky`, TICKET: `${base}/reject` }, initialBackoffMs: 5, maxBackoffMs: 20 });
    await sink.sendBreaches([signal('sig-flaky', 'PAGE'), signal('sig-rejected', 'TICKET')]);
    await sink.flush();
    const flaky = received.filter((r) => r.path === '/flaky');
    expect(flaky.map((r) => r.headers['idempotency-key'])).toEqual(['sig-flaky', 'sig-flaky', 'sig-flaky', 'sig-flaky']);
    expect(received.filter((r) => r.path === '/reject')).toHaveLength(1);
    expect(sink.stats).toEqual({ delivered: 1, failed: 1, attempts: 5 });
  });

  it('gives up after maxAttempts on a receiver that is down', async () => {
    const sink = new WebhookSignalSink({ secret: SECRET, endpoints: { PAGE: 'http://127.0.0.1:9/down' }, maxAttempts: 3, initialBackoffMs: 1 });
    await sink.sendBreaches([signal('sig-down', 'PAGE')]);
    await sink.flush();
    expect(sink.stats).toEqual({ delivered: 0, failed: 1, attempts: 3 });
  });

  it('reads its configuration from the environment, naming a bad variable', () => {
    expect(webhookOptionsFromEnv({})).toBeNull();
    expect(webhookOptionsFromEnv({ SLO_WEBHOOK_PAGE_URL: 'https://ops.example/page', SLO_WEBHOOK_SECRET: SECRET })).toEqual({
      secret: SECRET,
      endpoints: { PAGE: 'https://ops.example/page' },
    });
    expect(() => webhookOptionsFromEnv({ SLO_WEBHOOK_TICKET_URL: 'https://ops.example/t', SLO_WEBHOOK_SECRET: 'short' })).toThrow(/^SLO_WEBHOOK_SECRET: /);
    expect(() => webhookOptionsFromEnv({ SLO_WEBHOOK_TICKET_URL: 'ftp://x', SLO_WEBHOOK_SECRET: SECRET })).toThrow(/^SLO_WEBHOOK_TICKET_URL: /);
  });
});
