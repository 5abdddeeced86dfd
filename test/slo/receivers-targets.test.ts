import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SloBreachSignal } from '../../processors/contracts/events.js';
import { signalRule } from '../../processors/slo/definitions/policies.js';
import type { SloDefinition } from '../../processors/slo/definitions/model.js';
import { loadNotifyFile, NotificationSink, notifyOptionsFromEnv, targetReceivers, WarehouseSignalSink, type NotifyOptions } from '../../sinks/signals/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { breach, outcomes, quiet, recentMinute, startLocalReceiver, type LocalReceiver } from './receivers-support.js';
import { slosFromYaml } from './support.js';
import { SWEEP_TO, sweepEvents } from './sweep-fixture.js';
import { insertFacts } from './sim-events.js';
import { startSloRuntime } from '../../processors/slo/runtime/index.js';
import { MemoryTransport } from '../../processors/transport/memory/index.js';

// OpenSLO AlertPolicy.notificationTargets choose the receivers of a rule's signals: by a
// `targets:` entry of the routes file, by receiver name, or by receiver type among what the
// routes pick; alertWhenResolved: false and notify_resolved: false keep RESOLVED from people.

const SLOS = `
apiVersion: openslo/v1
kind: SLO
metadata:
  name: coffee-checkout
  labels: {team: coffee}
spec:
  service: journeys
  indicator:
    metadata: {name: coffee-checkout-sli}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED]}}}
        total: {metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED, JOURNEY_FAILED]}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
  alertPolicies: [{alertPolicyRef: paging}, {alertPolicyRef: ticketing}]
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: paging}
spec:
  alertWhenBreaching: true
  conditions:
    - kind: AlertCondition
      metadata: {name: fast-burn}
      spec: {severity: page, condition: {kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}}
  notificationTargets:
    - targetRef: on-call
    - kind: AlertNotificationTarget
      metadata: {name: team-mail}
      spec: {target: email, description: "the team's list, delivered by the mail webhook"}
    - kind: AlertNotificationTarget
      metadata: {name: PrimaryOnCall}
      spec: {target: webhook}
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: ticketing}
spec:
  alertWhenBreaching: true
  alertWhenResolved: false
  conditions:
    - kind: AlertCondition
      metadata: {name: slow-burn}
      spec: {severity: warning, condition: {kind: burnrate, op: gte, threshold: 6, lookbackWindow: 6h, alertAfter: 5m}}
  notificationTargets:
    - kind: AlertNotificationTarget
      metadata: {name: sms-gateway}
      spec: {target: sms}
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata: {name: on-call}
spec: {target: pagerduty}
`;

const ROUTES = (url: string): string => `
receivers:
  - {name: pagerduty-coffee, type: pagerduty, routing_key_env: SLO_TEST_PD_KEY, url: ${url}/pd-coffee}
  - {name: pagerduty-payments, type: pagerduty, routing_key_env: SLO_TEST_PD_KEY, url: ${url}/pd-payments}
  - {name: slack-ops, type: slack, url_env: SLO_TEST_SLACK_URL}
  - {name: team-mail, type: webhook, url: ${url}/mail, secret_env: SLO_TEST_HOOK_SECRET}
  - {name: oncall-webhook, type: webhook, url: ${url}/oncall, secret_env: SLO_TEST_HOOK_SECRET}
routes:
  - match: {labels: {team: coffee}}
    receivers: [pagerduty-coffee, slack-ops]
  - receivers: [slack-ops]
targets:
  - {name: PrimaryOnCall, receivers: [oncall-webhook], notify_resolved: false}
outbox: {initial_backoff: 5ms, max_backoff: 20ms}
`;

describe('receivers chosen by the OpenSLO notification targets of the rule that fired', () => {
  let tw: TestWarehouse;
  let rx: LocalReceiver;
  let options: NotifyOptions;
  let slo: SloDefinition;
  const dir = mkdtempSync(join(tmpdir(), 'slo-targets-'));
  beforeAll(async () => {
    tw = await openTestWarehouse();
    rx = await startLocalReceiver();
    // Through the environment, as the running pipeline reads it (SLO_NOTIFY_ROUTES).
    writeFileSync(join(dir, 'routes.yaml'), ROUTES(rx.url));
    const env = {
      SLO_NOTIFY_ROUTES: join(dir, 'routes.yaml'),
      SLO_TEST_PD_KEY: 'R0UT1NGKEY0123456789abcdef012345',
      SLO_TEST_SLACK_URL: `${rx.url}/slack`,
      SLO_TEST_HOOK_SECRET: 'a-secret-of-24-characters',
    };
    const fromEnv = notifyOptionsFromEnv(env);
    if (!fromEnv) throw new Error('no notify options');
    options = fromEnv;
    const [only] = slosFromYaml(SLOS);
    if (!only) throw new Error('no SLO');
    slo = only;
  });
  afterAll(async () => {
    await rx.close();
    await tw.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the routes file maps a target to receivers, with its RESOLVED setting', () => {
    expect(options.targets).toEqual([{ name: 'PrimaryOnCall', receivers: ['oncall-webhook'], notifyResolved: false }]);
    expect(() => loadNotifyFile('routes.yaml', { X: 'http://127.0.0.1:9/x' }, 'receivers: [{name: a, type: slack, url_env: X}]\nroutes: [{receivers: [a]}]\ntargets: [{name: T, receivers: [b]}]\n')).toThrow(
      'routes.yaml: targets[0].receivers[0]: names no receiver (got "b")',
    );
  });

  it('delivers FIRING and RESOLVED to the receivers the targets select; a rule whose targets select none falls back to the routes', async () => {
    const page = slo.alerting.rules.find((r) => r.severity === 'PAGE');
    const ticket = slo.alerting.rules.find((r) => r.severity === 'TICKET');
    if (!page || !ticket) throw new Error('two rules expected');
    const at = (o: Partial<SloBreachSignal>): Partial<SloBreachSignal> => ({ slo_id: slo.id, service: slo.service, labels: { ...slo.labels }, ...o });
    const pageWin = { long_window: page.longWindow, short_window: page.shortWindow };
    const ticketWin = { severity: 'TICKET' as const, long_window: ticket.longWindow, short_window: ticket.shortWindow };
    const unresolved: string[] = [];
    const sink = new NotificationSink(options, {
      warehouse: tw.wh,
      logger: quiet,
      ruleOf: (s) => signalRule(slo, s),
      onUnresolvedTarget: (t, s) => unresolved.push(`${t}/${s.signal_id}`),
    });
    const history = new WarehouseSignalSink(tw.wh);
    const send = async (...s: SloBreachSignal[]): Promise<void> => {
      await history.sendBreaches(s);
      await sink.sendBreaches(s);
      await sink.flush();
    };
    try {
      await send(
        breach('page-firing', at({ ...pageWin, evaluated_at: recentMinute(9) })),
        breach('ticket-firing', at({ ...ticketWin, evaluated_at: recentMinute(8) })),
        // A rule the policies do not know (an annotation rule of an older definition): the routes.
        breach('other-firing', at({ long_window: '3d', short_window: '6h', severity: 'TICKET', evaluated_at: recentMinute(7) })),
      );
      await send(
        breach('page-resolved', at({ ...pageWin, status: 'RESOLVED', evaluated_at: recentMinute(4) })),
        breach('ticket-resolved', at({ ...ticketWin, status: 'RESOLVED', evaluated_at: recentMinute(3) })),
      );
      expect(await outcomes(tw.wh)).toEqual({
        // on-call (spec.target pagerduty): the PagerDuty receiver the routes pick for team coffee;
        // team-mail: the receiver of that name; PrimaryOnCall: its targets: entry, FIRING only.
        'pagerduty-coffee/page-firing': 'DELIVERED',
        'pagerduty-coffee/page-resolved': 'DELIVERED',
        'team-mail/page-firing': 'DELIVERED',
        'team-mail/page-resolved': 'DELIVERED',
        'oncall-webhook/page-firing': 'DELIVERED',
        // sms-gateway selects nothing: the routes decide; alertWhenResolved: false keeps its RESOLVED from everyone.
        'pagerduty-coffee/ticket-firing': 'DELIVERED',
        'slack-ops/ticket-firing': 'DELIVERED',
        'pagerduty-coffee/other-firing': 'DELIVERED',
        'slack-ops/other-firing': 'DELIVERED',
      });
      expect(rx.on('/pd-payments')).toHaveLength(0);
      expect(rx.on('/oncall')).toHaveLength(1);
      expect(rx.on('/mail').map((r) => (JSON.parse(r.body) as { signal_id: string; labels: Record<string, string> }).labels)).toEqual([{ team: 'coffee' }, { team: 'coffee' }]);
      expect(unresolved).toEqual(['sms-gateway/ticket-firing']);
    } finally {
      await sink.close();
    }
  });

  it('a target naming a receiver type the routes do not pick selects every receiver of that type', () => {
    const onCall = { name: 'on-call', target: 'pagerduty', description: null };
    expect(targetReceivers(options, [onCall], ['slack-ops'], 'FIRING')).toEqual({ receivers: ['pagerduty-coffee', 'pagerduty-payments'], unresolved: [] });
    expect(targetReceivers(options, [onCall], ['pagerduty-payments', 'slack-ops'], 'FIRING')).toEqual({ receivers: ['pagerduty-payments'], unresolved: [] });
    // Names compare in lower case: receiver names are lower case, OpenSLO names often are not.
    expect(targetReceivers(options, [{ name: 'Slack-Ops', target: 'chat', description: null }], [], 'RESOLVED')).toEqual({ receivers: ['slack-ops'], unresolved: [] });
    expect(targetReceivers(options, [{ name: 'pager', target: 'PagerDuty-Coffee', description: null }], [], 'FIRING')).toEqual({ receivers: ['pagerduty-coffee'], unresolved: [] });
  });
});

const RUNTIME_SLOS = `
apiVersion: openslo/v1
kind: SLO
metadata:
  name: vie-node-latency
  labels: {team: coffee}
spec:
  service: journeys
  indicator:
    metadata: {name: vie-node-latency-sli}
    spec:
      thresholdMetric:
        metricSource: {type: slo-pipeline, spec: {topic: tjm.journey.v1, eventTypes: [NODE_COMPLETED], where: {city_code: VIE}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{op: lte, value: 2500, target: 0.99}]
  alertPolicies: [{alertPolicyRef: paging}, {alertPolicyRef: ticketing}]
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: paging}
spec:
  alertWhenBreaching: true
  conditions:
    - kind: AlertCondition
      metadata: {name: fast-burn}
      spec: {severity: page, condition: {kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}}
  notificationTargets:
    - kind: AlertNotificationTarget
      metadata: {name: on-call}
      spec: {target: pagerduty}
    - kind: AlertNotificationTarget
      metadata: {name: PrimaryOnCall}
      spec: {target: webhook}
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: ticketing}
spec:
  alertWhenBreaching: true
  alertWhenResolved: false
  conditions:
    - kind: AlertCondition
      metadata: {name: slow-burn}
      spec: {severity: warning, condition: {kind: burnrate, op: gte, threshold: 6, lookbackWindow: 6h, alertAfter: 5m}}
  notificationTargets:
    - kind: AlertNotificationTarget
      metadata: {name: team-mail}
      spec: {target: email}
`;

describe('the running SLO engine routes its own signals by their rules\' targets (SLO_NOTIFY_ROUTES)', () => {
  let tw: TestWarehouse;
  let rx: LocalReceiver;
  const dir = mkdtempSync(join(tmpdir(), 'slo-targets-runtime-'));
  beforeAll(async () => {
    tw = await openTestWarehouse();
    rx = await startLocalReceiver();
  });
  afterAll(async () => {
    await rx.close();
    await tw.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pages the PagerDuty receiver and the on-call webhook, tickets the team mail; RESOLVED only where the settings allow', async () => {
    writeFileSync(join(dir, 'routes.yaml'), `${ROUTES(rx.url).replace('outbox:', 'notify_max_age: off\noutbox:')}`);
    const env = {
      SLO_NOTIFY_ROUTES: join(dir, 'routes.yaml'),
      SLO_TEST_PD_KEY: 'R0UT1NGKEY0123456789abcdef012345',
      SLO_TEST_SLACK_URL: `${rx.url}/slack`,
      SLO_TEST_HOOK_SECRET: 'a-secret-of-24-characters',
    };
    // 02:00-02:29 of the six hours are slow (2600 ms): a PAGE and a TICKET episode against 2500 ms.
    await insertFacts(tw.wh, { journey: sweepEvents(), lem: [] });
    const transport = new MemoryTransport({ defaultPartitions: 1 });
    const runtime = await startSloRuntime({ warehouse: tw.wh, transport, slos: slosFromYaml(RUNTIME_SLOS), env, evaluator: { name: 'targets' } });
    await runtime.flush(SWEEP_TO);
    await runtime.stop();
    await transport.close();
    const rows = await tw.wh.query<{ target: string; severity: string; status: string; outcome: string }>(
      `SELECT o.target AS target, s.severity AS severity, s.status AS status, d.outcome AS outcome
         FROM slo_webhook_outbox AS o FINAL
         JOIN slo_signals_v AS s ON s.signal_id = o.signal_id
         LEFT JOIN slo_webhook_deliveries AS d ON d.signal_id = o.signal_id AND d.target = o.target
        ORDER BY s.severity, s.evaluated_at, o.target`,
    );
    const signals = await tw.wh.query<{ severity: string; status: string }>('SELECT severity, status FROM slo_signals_v ORDER BY severity, evaluated_at');
    expect(signals).toEqual([
      { severity: 'PAGE', status: 'FIRING' },
      { severity: 'PAGE', status: 'RESOLVED' },
      { severity: 'TICKET', status: 'FIRING' },
      { severity: 'TICKET', status: 'RESOLVED' },
    ]);
    expect(rows.map((r) => `${r.severity} ${r.status} -> ${r.target}: ${r.outcome}`)).toEqual([
      'PAGE FIRING -> oncall-webhook: DELIVERED',
      'PAGE FIRING -> pagerduty-coffee: DELIVERED',
      'PAGE RESOLVED -> pagerduty-coffee: DELIVERED',
      'TICKET FIRING -> team-mail: DELIVERED',
    ]);
    expect(rx.on('/slack')).toHaveLength(0);
  });
});
