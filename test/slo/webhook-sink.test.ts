import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SloBreachSignal } from '../../processors/contracts/events.js';
import { WebhookSignalSink, webhookOptionsFromEnv, type WebhookSinkOptions } from '../../sinks/signals/index.js';
import { readFileSync } from 'node:fs';
import { projectPath } from '../../processors/util/project-path.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const SECRET = 'a-webhook-secret-of-some-length';
/** A recent evaluation instant: older signals notify nobody (see the backfill test). */
const RECENT = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;

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
    evaluated_at: RECENT,
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

  let tw: TestWarehouse;

  beforeAll(async () => {
    tw = await openTestWarehouse();
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
    await tw.drop();
  });

  const sinks: WebhookSignalSink[] = [];
  async function sink(options: Omit<WebhookSinkOptions, 'secret'>, now?: () => number): Promise<WebhookSignalSink> {
    const s = new WebhookSignalSink({ secret: SECRET, ...options }, { warehouse: tw.wh, logger: (await import('pino')).default({ level: 'error' }), ...(now ? { now } : {}) });
    sinks.push(s);
    return s;
  }
  const outcomes = async (): Promise<Record<string, string>> =>
    Object.fromEntries(
      (await tw.wh.query<{ signal_id: string; outcome: string }>('SELECT signal_id, outcome FROM slo_webhook_deliveries FINAL ORDER BY signal_id')).map((r) => [
        r.signal_id,
        r.outcome,
      ]),
    );
  afterEach(async () => {
    for (const s of sinks.splice(0)) await s.close();
  });

  it('routes by severity, signs the body and sends the signal id as idempotency key', async () => {
    const s = await sink({ endpoints: { PAGE: `${base}/page` } });
    await s.sendBreaches([signal('sig-page-1', 'PAGE'), signal('sig-ticket-1', 'TICKET')]);
    await s.flush();
    const got = received.filter((r) => r.path === '/page');
    expect(got).toHaveLength(1);
    const r = got[0] as Received;
    expect(JSON.parse(r.body)).toEqual(signal('sig-page-1', 'PAGE'));
    expect(r.headers['idempotency-key']).toBe('sig-page-1');
    expect(r.headers['content-type']).toBe('application/json');
    expect(verify(r.headers['x-slo-signature'] as string, r.body)).toBe(true);
    expect(verify(r.headers['x-slo-signature'] as string, r.body.replace('0.8', '0.9'))).toBe(false);
    expect(received.some((x) => x.body.includes('sig-ticket-1'))).toBe(false);
    expect(s.stats).toEqual({ delivered: 1, failed: 0, attempts: 1 });
    expect(await outcomes()).toEqual({ 'sig-page-1': 'DELIVERED' });
  });

  it('retries 5xx and 429 with backoff, keeping the same idempotency key, and gives up on other 4xx', async () => {
    script.set('/flaky', [503, 429, 500]);
    script.set('/reject', [400]);
    const s = await sink({ endpoints: { PAGE: `${base}/flaky`, TICKET: `${base}/reject` }, initialBackoffMs: 5, maxBackoffMs: 20 });
    await s.sendBreaches([signal('sig-flaky', 'PAGE'), signal('sig-rejected', 'TICKET')]);
    await s.flush();
    const flaky = received.filter((r) => r.path === '/flaky');
    expect(flaky.map((r) => r.headers['idempotency-key'])).toEqual(['sig-flaky', 'sig-flaky', 'sig-flaky', 'sig-flaky']);
    expect(received.filter((r) => r.path === '/reject')).toHaveLength(1);
    expect(s.stats).toEqual({ delivered: 1, failed: 1, attempts: 5 });
    expect(await outcomes()).toMatchObject({ 'sig-flaky': 'DELIVERED', 'sig-rejected': 'REJECTED' });
  });

  it('keeps retrying a receiver that is down until the give-up time, then records the signal as expired', async () => {
    let clock = Date.now();
    const s = await sink({ endpoints: { PAGE: 'http://127.0.0.1:9/down' }, initialBackoffMs: 1, maxBackoffMs: 4, giveUpAfterMs: 60_000 }, () => (clock += 5_000));
    await s.sendBreaches([signal('sig-down', 'PAGE')]);
    await s.flush();
    expect(s.stats.delivered).toBe(0);
    expect(s.stats.failed).toBe(1);
    expect(s.stats.attempts).toBeGreaterThan(3);
    expect((await outcomes())['sig-down']).toBe('EXPIRED');
  });

  it('delivers after a restart what an earlier process enqueued and did not deliver, in evaluation order, once each', async () => {
    script.set('/later', Array.from({ length: 50 }, () => 503));
    const first = await sink({ endpoints: { PAGE: `${base}/later` }, initialBackoffMs: 1, maxBackoffMs: 2 });
    const late = { ...signal('sig-b-resolved', 'PAGE'), status: 'RESOLVED' as const, evaluated_at: RECENT + 60_000 };
    await first.sendBreaches([late, signal('sig-a-firing', 'PAGE')]);
    // The receiver answers 503 while the first process runs; it stops (as a crash would) with both signals left.
    while (received.filter((r) => r.path === '/later').length < 5) await new Promise((r) => setTimeout(r, 5));
    await first.close();
    script.delete('/later');
    // A request the stopped sink had under way may still reach the receiver (it answered 503).
    await new Promise((r) => setTimeout(r, 300));
    const before = received.filter((r) => r.path === '/later').length;
    const second = await sink({ endpoints: { PAGE: `${base}/later` }, initialBackoffMs: 1 });
    second.start();
    await second.flush();
    const after = received.filter((r) => r.path === '/later').slice(before);
    expect(after.map((r) => r.headers['idempotency-key'])).toEqual(['sig-a-firing', 'sig-b-resolved']);
    expect(JSON.parse((after[1] as Received).body)).toEqual(JSON.parse(JSON.stringify(late)));
    // Enqueued again (a re-evaluated cycle): nothing is sent twice once it has an outcome.
    await second.sendBreaches([signal('sig-a-firing', 'PAGE')]);
    await second.flush();
    expect(received.filter((r) => r.path === '/later').length).toBe(before + 2);
  });

  it('after the upgrade (026), delivers what waited under the old severity key and not what was delivered', async () => {
    const waiting = signal('sig-legacy-waiting', 'PAGE');
    const done = signal('sig-legacy-done', 'PAGE');
    await tw.wh.insert('slo_webhook_outbox', [waiting, done].map((s) => ({ target: 'PAGE', signal_id: s.signal_id, evaluated_at: s.evaluated_at, body: JSON.stringify(s), enqueued_at: Date.now() })));
    await tw.wh.insert('slo_webhook_deliveries', [{ target: 'PAGE', signal_id: 'sig-legacy-done', outcome: 'DELIVERED', attempts: 1, detail: 'HTTP 200' }]);
    for (const sql of readFileSync(projectPath('dwh', 'sql', '026_notification_receivers.sql'), 'utf8').split(/;\s*\n/).map((x) => x.replace(/^--.*$/gm, '').trim()).filter(Boolean)) await tw.wh.exec(sql);
    const s = await sink({ endpoints: { PAGE: `${base}/legacy` } });
    s.start();
    await s.flush();
    expect(received.filter((r) => r.path === '/legacy').map((r) => r.headers['idempotency-key'])).toEqual(['sig-legacy-waiting']);
    const rows = await tw.wh.query<{ target: string; signal_id: string; outcome: string }>(
      `SELECT target, signal_id, outcome FROM slo_webhook_deliveries FINAL WHERE signal_id LIKE 'sig-legacy-%' ORDER BY target, signal_id`,
    );
    expect(rows).toEqual([
      { target: 'PAGE', signal_id: 'sig-legacy-done', outcome: 'MOVED' },
      { target: 'PAGE', signal_id: 'sig-legacy-waiting', outcome: 'MOVED' },
      { target: 'webhook-page', signal_id: 'sig-legacy-done', outcome: 'DELIVERED' },
      { target: 'webhook-page', signal_id: 'sig-legacy-waiting', outcome: 'DELIVERED' },
    ]);
  });

  it('reads its configuration from the environment, naming a bad variable', () => {
    expect(webhookOptionsFromEnv({})).toBeNull();
    expect(webhookOptionsFromEnv({ SLO_WEBHOOK_PAGE_URL: 'https://ops.example/page', SLO_WEBHOOK_SECRET: SECRET })).toEqual({
      secret: SECRET,
      endpoints: { PAGE: 'https://ops.example/page' },
    });
    expect(webhookOptionsFromEnv({ SLO_WEBHOOK_PAGE_URL: 'https://ops.example/page', SLO_WEBHOOK_SECRET: SECRET, SLO_WEBHOOK_GIVE_UP_AFTER: '6h' })?.giveUpAfterMs).toBe(21_600_000);
    expect(() => webhookOptionsFromEnv({ SLO_WEBHOOK_PAGE_URL: 'https://ops.example/page', SLO_WEBHOOK_SECRET: SECRET, SLO_WEBHOOK_GIVE_UP_AFTER: 'soon' })).toThrow(/^SLO_WEBHOOK_GIVE_UP_AFTER: /);
    expect(() => webhookOptionsFromEnv({ SLO_WEBHOOK_TICKET_URL: 'https://ops.example/t', SLO_WEBHOOK_SECRET: 'short' })).toThrow(/^SLO_WEBHOOK_SECRET: /);
    expect(() => webhookOptionsFromEnv({ SLO_WEBHOOK_TICKET_URL: 'ftp://x', SLO_WEBHOOK_SECRET: SECRET })).toThrow(/^SLO_WEBHOOK_TICKET_URL: /);
  });
});
