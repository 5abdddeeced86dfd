import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNotifyFile, NotificationSink, notifyOptionsFromEnv, WarehouseSignalSink } from '../../sinks/signals/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { breach, outcomes, quiet, recentMinute, startLocalReceiver, type LocalReceiver } from './receivers-support.js';

const PD_KEY = 'R0UT1NGKEY0123456789abcdef012345';

const ROUTES = (pdUrl: string): string => `
receivers:
  - name: pagerduty-payments
    type: pagerduty
    routing_key_env: SLO_TEST_PD_KEY
    url: ${pdUrl}
  - name: slack-ops
    type: slack
    url_env: SLO_TEST_SLACK_URL
routes:
  - match: {severity: PAGE, labels: {team: payments}}
    receivers: [pagerduty-payments]
  - match: {severity: [PAGE, TICKET]}
    receivers: [slack-ops]
notify_max_age: 15m
outbox: {initial_backoff: 5ms, max_backoff: 20ms}
`;

const LABELS: Record<string, Record<string, string>> = { 'pay-checkout': { team: 'payments' }, 'vien-coffee-success': { team: 'coffee' } };

describe('PagerDuty Events API v2 and Slack incoming webhooks, routed per severity and SLO label', () => {
  let tw: TestWarehouse;
  let rx: LocalReceiver;
  let dir: string;
  beforeAll(async () => {
    tw = await openTestWarehouse();
    rx = await startLocalReceiver();
    dir = mkdtempSync(join(tmpdir(), 'slo-routes-'));
  });
  afterAll(async () => {
    await rx.close();
    await tw.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('triggers and resolves a PagerDuty incident under the FIRING signal id, posts the rest to Slack, and pages nobody for old signals', async () => {
    const file = join(dir, 'routes.yaml');
    writeFileSync(file, ROUTES(`${rx.url}/pd/v2/enqueue`));
    const options = notifyOptionsFromEnv({ SLO_NOTIFY_ROUTES: file, SLO_TEST_PD_KEY: PD_KEY, SLO_TEST_SLACK_URL: `${rx.url}/slack/T000/B000/XXXX` });
    expect(options?.receivers.map((r) => r.name)).toEqual(['pagerduty-payments', 'slack-ops']);
    const suppressed: number[] = [];
    const sink = new NotificationSink(options!, { warehouse: tw.wh, logger: quiet, labelsOf: (id) => LABELS[id] ?? {}, onSuppressed: (n) => suppressed.push(n) });
    const history = new WarehouseSignalSink(tw.wh);
    const send = async (...s: ReturnType<typeof breach>[]): Promise<void> => {
      await history.sendBreaches(s);
      await sink.sendBreaches(s);
      await sink.flush();
    };
    try {
      const payFiring = breach('pay-firing', { slo_id: 'pay-checkout', service: 'payments', evaluated_at: recentMinute(8) });
      const payResolved = breach('pay-resolved', { slo_id: 'pay-checkout', service: 'payments', status: 'RESOLVED', evaluated_at: recentMinute(3) });
      const coffeePage = breach('coffee-page', { evaluated_at: recentMinute(7) });
      const coffeeTicket = breach('coffee-ticket', { severity: 'TICKET', long_window: '6h', short_window: '30m', evaluated_at: recentMinute(6) });
      await send(payFiring, coffeePage, coffeeTicket);
      await send(payResolved);

      const pd = rx.on('/pd/v2/enqueue').map((r) => JSON.parse(r.body) as Record<string, unknown>);
      expect(pd).toHaveLength(2);
      const [trigger, resolve] = pd as [Record<string, unknown>, Record<string, unknown>];
      expect(trigger).toMatchObject({ routing_key: PD_KEY, event_action: 'trigger', dedup_key: 'pay-firing' });
      const payload = trigger['payload'] as Record<string, unknown>;
      expect(typeof payload['summary']).toBe('string');
      expect((payload['summary'] as string).length).toBeLessThanOrEqual(1024);
      expect(payload['summary']).toContain('pay-checkout');
      expect(payload).toMatchObject({ source: 'payments', severity: 'critical', component: 'pay-checkout', timestamp: new Date(payFiring.evaluated_at).toISOString() });
      // The resolve names the incident the trigger opened: dedup_key is the FIRING signal's id.
      expect(resolve).toEqual({ routing_key: PD_KEY, event_action: 'resolve', dedup_key: 'pay-firing' });

      const slack = rx.received.filter((r) => r.path === '/slack/T000/B000/XXXX').map((r) => JSON.parse(r.body) as { text: string; blocks: Array<{ type: string; text?: { type: string; text: string } }> });
      expect(slack).toHaveLength(2);
      expect(slack.map((m) => m.text.includes('[PAGE] vien-coffee-success') || m.text.includes('[TICKET] vien-coffee-success'))).toEqual([true, true]);
      for (const m of slack) {
        expect(m.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
        expect(m.blocks[0]?.text?.text).toBe(m.text);
      }
      expect(await outcomes(tw.wh)).toEqual({
        'pagerduty-payments/pay-firing': 'DELIVERED',
        'pagerduty-payments/pay-resolved': 'DELIVERED',
        'slack-ops/coffee-page': 'DELIVERED',
        'slack-ops/coffee-ticket': 'DELIVERED',
      });
      // Secrets never enter the outbox.
      const [stored] = await tw.wh.query<{ n: string }>(`SELECT count() AS n FROM slo_webhook_outbox WHERE position(body, {k:String}) > 0`, { k: PD_KEY });
      expect(Number(stored?.n)).toBe(0);

      // A backfill: an episode two days old fires and resolves; nobody hears of it.
      const before = rx.received.length;
      const oldFiring = breach('old-firing', { slo_id: 'pay-checkout', service: 'payments', evaluated_at: recentMinute(2 * 1440) });
      const oldResolved = breach('old-resolved', { slo_id: 'pay-checkout', service: 'payments', status: 'RESOLVED', evaluated_at: recentMinute(2 * 1440 - 30) });
      await send(oldFiring, oldResolved);
      expect(rx.received.length).toBe(before);
      expect(suppressed).toEqual([2]);

      // A RESOLVED that comes late (the evaluator was down) still closes an incident PagerDuty was told of.
      const liveFiring = breach('live-firing', { slo_id: 'pay-checkout', service: 'payments', evaluated_at: recentMinute(10) });
      await send(liveFiring);
      const lateResolved = breach('late-resolved', { slo_id: 'pay-checkout', service: 'payments', status: 'RESOLVED', evaluated_at: recentMinute(9) });
      await history.sendBreaches([lateResolved]);
      const late = new NotificationSink({ ...options!, maxAgeMs: 60_000 }, { warehouse: tw.wh, logger: quiet, labelsOf: (id) => LABELS[id] ?? {} });
      await late.sendBreaches([lateResolved]);
      await late.flush();
      await late.close();
      expect(rx.on('/pd/v2/enqueue').slice(2).map((r) => JSON.parse(r.body) as Record<string, unknown>)).toMatchObject([
        { event_action: 'trigger', dedup_key: 'live-firing' },
        { event_action: 'resolve', dedup_key: 'live-firing' },
      ]);
    } finally {
      await sink.close();
    }
  });

  it('refuses an invalid routes file as a whole, naming the file, field and value', () => {
    const env = { SLO_TEST_PD_KEY: PD_KEY, SLO_TEST_SLACK_URL: 'https://hooks.slack.example/services/T/B/X' };
    const load = (text: string, e: NodeJS.ProcessEnv = env): (() => unknown) => () => loadNotifyFile('routes.yaml', e, text);
    const pd = 'receivers: [{name: pd, type: pagerduty, routing_key_env: SLO_TEST_PD_KEY}]\n';
    expect(load(`${pd}routes: [{receivers: [pd]}]`)()).toMatchObject({ receivers: [{ name: 'pd', url: 'https://events.pagerduty.com/v2/enqueue' }], maxAgeMs: 900_000 });
    expect(load(`${pd}routes: [{receivers: [nope]}]`)).toThrow('routes.yaml: routes[0].receivers[0]: names no receiver (got "nope")');
    expect(load(`${pd}routes: [{receivers: [pd]}]`, {})).toThrow('routes.yaml: receivers[0].routing_key_env: environment variable SLO_TEST_PD_KEY is not set');
    expect(load(`${pd}routes: [{match: {severity: URGENT}, receivers: [pd]}]`)).toThrow(/^routes\.yaml: routes\[0\]\.match\.severity: .* \(got "URGENT"\)$/);
    expect(load(`${pd}routes: [{receivers: [pd], fallback: [pd]}]`)).toThrow('routes.yaml: routes[0].fallback[0]: is already a receiver of the route (got "pd")');
    expect(load(`${pd}routes: [{receivers: [pd], fallback_after: 10m}]`)).toThrow('routes.yaml: routes[0].fallback_after: needs a fallback list');
    expect(load(`${pd}routes: [{receivers: [pd]}]\noutbox: {max_backoff: soon}`)).toThrow(/^routes\.yaml: outbox\.max_backoff: must be a duration .* \(got "soon"\)$/);
    // A Slack URL is a secret: only from the environment.
    expect(load('receivers: [{name: s, type: slack, url: "https://hooks.slack.example/x"}]\nroutes: [{receivers: [s]}]')).toThrow(
      'routes.yaml: receivers[0].url: a Slack webhook URL carries its token: name the environment variable holding it in url_env',
    );
    expect(load('receivers: [{name: s, type: slack}]\nroutes: [{receivers: [s]}]')).toThrow('routes.yaml: receivers[0].url_env: is required');
    expect(load('receivers: [{name: a, type: alertmanager, url: "http://am:9093"}, {name: a, type: alertmanager, url: "http://am2:9093"}]\nroutes: [{receivers: [a]}]')).toThrow(
      'routes.yaml: receivers[1].name: is used by an earlier receiver (got "a")',
    );
    expect(load('receivers: [{name: a, type: alertmanager, url: "http://am:9093"}]\nroutes: [{receivers: [a]}]\nnotify_max_age: off')()).toMatchObject({ maxAgeMs: null });
    expect(() => notifyOptionsFromEnv({ SLO_NOTIFY_ROUTES: '/nonexistent/routes.yaml' })).toThrow(/^\/nonexistent\/routes\.yaml: \(file\): /);
    expect(() => notifyOptionsFromEnv({ SLO_WEBHOOK_PAGE_URL: 'https://ops.example/p', SLO_WEBHOOK_SECRET: 'a-webhook-secret-of-some-length', SLO_NOTIFY_MAX_AGE: 'soon' })).toThrow(
      /^SLO_NOTIFY_MAX_AGE: /,
    );
  });
});
