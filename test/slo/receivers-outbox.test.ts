import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationMetrics, WarehouseSignalSink, type NotificationDeps } from '../../sinks/signals/index.js';
import { auth, testApi } from '../api/support.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { breach, notificationSink, outcomes, recentMinute, route, startLocalReceiver, until, type LocalReceiver } from './receivers-support.js';

const PD_KEY = 'outbox-test-routing-key';

/** The deps wire.ts gives the sink, counting on a registry of its own. */
function counted(registry: Registry): Partial<NotificationDeps> {
  const m = notificationMetrics(registry);
  return {
    onOutcome: (r, outcome) => m.outcomes.inc({ receiver: r.name, type: r.type, outcome }),
    onPending: (r, n) => m.depth.set({ receiver: r.name, type: r.type }, n),
    onSuppressed: (n) => m.suppressed.inc(n),
    onFallback: (from, to, n) => m.fallbacks.inc({ receiver: from, fallback: to }, n),
  };
}

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

describe('notification outbox', () => {
  let tw: TestWarehouse;
  let rx: LocalReceiver;
  beforeAll(async () => {
    tw = await openTestWarehouse();
    rx = await startLocalReceiver();
  });
  afterAll(async () => {
    await rx.close();
    await tw.drop();
  });

  it('delivers after a 10-minute receiver outage, in order, once each, and shows the waiting on /metrics and in the API', async () => {
    // The outbox's clock runs 200x: the 3 s the receiver answers 503 are 10 minutes to the
    // outbox, 150 times the backoff cap (20 ms), and well inside the give-up age (24h).
    const t0 = Date.now();
    const now = (): number => t0 + (Date.now() - t0) * 200;
    const registry = new Registry();
    const pd = { name: 'pd-outage', type: 'pagerduty' as const, url: `${rx.url}/outage`, routingKey: PD_KEY };
    const sink = notificationSink(tw.wh, [pd], [route(['pd-outage'])], { outbox: { initialBackoffMs: 5, maxBackoffMs: 20 } }, { now, ...counted(registry) });
    const api = await testApi(tw.wh);
    try {
      rx.script.set('/outage', []);
      rx.down = 503;
      const firing = breach('outage-firing', { evaluated_at: recentMinute(4) });
      const resolved = breach('outage-resolved', { status: 'RESOLVED', evaluated_at: recentMinute(2) });
      await new WarehouseSignalSink(tw.wh).sendBreaches([firing, resolved]);
      await sink.sendBreaches([resolved, firing]);
      await until('a few failed attempts', () => rx.on('/outage').length >= 5);
      const waiting = JSON.parse((await api.inject({ url: '/v1/notifications?state=PENDING', headers: auth('sre') })).body) as {
        summary: { pending: number; receivers: Array<{ receiver: string; pending: number }> };
        notifications: Array<{ signal_id: string; state: string; receiver: string }>;
      };
      expect(waiting.summary.pending).toBe(2);
      expect(waiting.notifications.map((n) => [n.receiver, n.signal_id, n.state]).sort()).toEqual([
        ['pd-outage', 'outage-firing', 'PENDING'],
        ['pd-outage', 'outage-resolved', 'PENDING'],
      ]);
      expect(await metric(registry, 'slo_notification_outbox_depth', { receiver: 'pd-outage' })).toBe(2);
      const page = JSON.parse((await api.inject({ url: '/v1/notifications/summary', headers: auth('viewer') })).body) as { pending: number; oldest_pending_age_seconds: number };
      expect(page.pending).toBe(2);
      expect(page.oldest_pending_age_seconds).toBeGreaterThanOrEqual(0);
      // A timer may fire a millisecond before Date.now() says its time has come (200 ms here).
      while (Date.now() < t0 + 3_000) await new Promise((r) => setTimeout(r, t0 + 3_000 - Date.now()));
      expect(now() - t0).toBeGreaterThanOrEqual(600_000);
      const upAt = Date.now();
      rx.down = null;
      await sink.flush();

      const got = rx.on('/outage');
      const accepted = got.slice(-2).map((r) => JSON.parse(r.body) as { event_action: string; dedup_key: string });
      expect(accepted).toEqual([
        expect.objectContaining({ event_action: 'trigger', dedup_key: 'outage-firing' }),
        expect.objectContaining({ event_action: 'resolve', dedup_key: 'outage-firing' }),
      ]);
      // Every request before the last two was the FIRING, retried through the outage.
      expect(got.slice(0, -2).every((r) => (JSON.parse(r.body) as { event_action: string }).event_action === 'trigger')).toBe(true);
      expect(got.slice(-2).every((r) => r.at >= upAt)).toBe(true);
      expect(await outcomes(tw.wh)).toMatchObject({ 'pd-outage/outage-firing': 'DELIVERED', 'pd-outage/outage-resolved': 'DELIVERED' });
      expect(await metric(registry, 'slo_notifications_total', { receiver: 'pd-outage', outcome: 'DELIVERED' })).toBe(2);
      expect(await metric(registry, 'slo_notification_outbox_depth', { receiver: 'pd-outage' })).toBe(0);
      const after = JSON.parse((await api.inject({ url: '/v1/notifications?receiver=pd-outage', headers: auth('admin') })).body) as {
        notifications: Array<{ signal_id: string; state: string; attempts: number }>;
      };
      expect(after.notifications.map((n) => n.state)).toEqual(['DELIVERED', 'DELIVERED']);
      expect(after.notifications.find((n) => n.signal_id === 'outage-firing')?.attempts).toBe(got.length - 1);
      expect((await api.inject({ url: '/v1/notifications', headers: auth('viewer') })).statusCode).toBe(403);
    } finally {
      rx.down = null;
      await sink.close();
      await api.close();
    }
  });

  it('hands what a failing receiver has not delivered to the fallback receiver after the fallback time, and keeps the first as expired', async () => {
    const registry = new Registry();
    const primary = { name: 'pd-dead', type: 'pagerduty' as const, url: 'http://127.0.0.1:9/v2/enqueue', routingKey: PD_KEY };
    const slack = { name: 'slack-fallback', type: 'slack' as const, url: `${rx.url}/fallback` };
    const sink = notificationSink(
      tw.wh,
      [primary, slack],
      [route(['pd-dead'], { fallback: ['slack-fallback'], fallbackAfterMs: 300 })],
      { outbox: { initialBackoffMs: 5, maxBackoffMs: 20, giveUpAfterMs: 1_500 } },
      counted(registry),
    );
    try {
      const started = Date.now();
      await sink.sendBreaches([breach('fb-firing', { evaluated_at: recentMinute(1) })]);
      await until('the fallback receiver gets it', () => rx.on('/fallback').length === 1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      await sink.flush();
      expect(rx.on('/fallback')).toHaveLength(1);
      expect((JSON.parse(rx.on('/fallback')[0]?.body ?? '{}') as { text: string }).text).toContain('vien-coffee-success');
      expect(await outcomes(tw.wh)).toMatchObject({ 'pd-dead/fb-firing': 'EXPIRED', 'slack-fallback/fb-firing': 'DELIVERED' });
      expect(await metric(registry, 'slo_notification_fallbacks_total', { receiver: 'pd-dead', fallback: 'slack-fallback' })).toBe(1);
      expect(await metric(registry, 'slo_notifications_total', { receiver: 'pd-dead', outcome: 'EXPIRED' })).toBe(1);
      const failed = JSON.parse((await (await testApi(tw.wh)).inject({ url: '/v1/notifications?state=FAILED', headers: auth('sre') })).body) as {
        notifications: Array<{ receiver: string; signal_id: string; state: string; detail: string }>;
      };
      expect(failed.notifications).toEqual([expect.objectContaining({ receiver: 'pd-dead', signal_id: 'fb-firing', state: 'EXPIRED' })]);
    } finally {
      await sink.close();
    }
  });

  it('hands a notification its receiver rejected to the fallback at once', async () => {
    rx.script.set('/rejecting', [400]);
    const slack = { name: 'slack-rejecting', type: 'slack' as const, url: `${rx.url}/rejecting` };
    const pd = { name: 'pd-after-slack', type: 'pagerduty' as const, url: `${rx.url}/pd-after-slack`, routingKey: PD_KEY };
    const sink = notificationSink(tw.wh, [slack, pd], [route(['slack-rejecting'], { fallback: ['pd-after-slack'], fallbackAfterMs: 3_600_000 })]);
    try {
      await sink.sendBreaches([breach('rej-firing', { evaluated_at: recentMinute(1) })]);
      await sink.flush();
      expect(rx.on('/rejecting')).toHaveLength(1);
      expect(rx.on('/pd-after-slack').map((r) => (JSON.parse(r.body) as { dedup_key: string }).dedup_key)).toEqual(['rej-firing']);
      expect(await outcomes(tw.wh)).toMatchObject({ 'slack-rejecting/rej-firing': 'REJECTED', 'pd-after-slack/rej-firing': 'DELIVERED' });
    } finally {
      await sink.close();
    }
  });

  it('delivers after a restart what an earlier sink enqueued and did not deliver', async () => {
    rx.script.set('/restart/api/v2/alerts', Array.from({ length: 1000 }, () => 503));
    const am = { name: 'am-restart', type: 'alertmanager' as const, url: `${rx.url}/restart`, holdMs: 3_600_000 };
    const first = notificationSink(tw.wh, [am], [route(['am-restart'])]);
    await first.sendBreaches([breach('rs-firing', { evaluated_at: recentMinute(3) })]);
    await until('attempts during the outage', () => rx.on('/restart/api/v2/alerts').length >= 3);
    await first.close();
    rx.script.delete('/restart/api/v2/alerts');
    await new Promise((r) => setTimeout(r, 200));
    const before = rx.on('/restart/api/v2/alerts').length;
    const second = notificationSink(tw.wh, [am], [route(['am-restart'])]);
    try {
      second.start();
      await second.flush();
      const after = rx.on('/restart/api/v2/alerts').slice(before);
      expect(after).toHaveLength(1);
      expect((JSON.parse(after[0]?.body ?? '[]') as Array<{ annotations: { signal_id: string } }>)[0]?.annotations.signal_id).toBe('rs-firing');
      expect(await outcomes(tw.wh)).toMatchObject({ 'am-restart/rs-firing': 'DELIVERED' });
    } finally {
      await second.close();
    }
  });
});
