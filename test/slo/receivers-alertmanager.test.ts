import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_NAME, WarehouseSignalSink } from '../../sinks/signals/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { breach, notificationSink, recentMinute, route, startLocalReceiver, until, type LocalReceiver } from './receivers-support.js';

const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

/**
 * The real Alertmanager (Debian package prometheus-alertmanager) on a loopback port, no
 * gossip, storage in a temp folder. It forwards what it routes to a local webhook, so the
 * test sees Alertmanager's own firing and resolved notifications besides its API.
 */
describe('Alertmanager receiver against the real Alertmanager', () => {
  let tw: TestWarehouse;
  let am: ChildProcess;
  let amUrl: string;
  let dir: string;
  let hook: LocalReceiver;
  let amLog = '';

  beforeAll(async () => {
    tw = await openTestWarehouse();
    hook = await startLocalReceiver();
    dir = mkdtempSync(join(tmpdir(), 'slo-am-'));
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      [
        'route:',
        '  receiver: hook',
        '  group_by: [alertname, slo_id, severity]',
        '  group_wait: 1s',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        'receivers:',
        '  - name: hook',
        '    webhook_configs:',
        `      - url: ${hook.url}/am`,
        '        send_resolved: true',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = spawn(
      ALERTMANAGER,
      [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    am.stdout?.on('data', (c: Buffer) => (amLog += c.toString()));
    am.stderr?.on('data', (c: Buffer) => (amLog += c.toString()));
    await until(`Alertmanager ready on ${amUrl}`, async () => (await fetch(`${amUrl}/-/ready`).catch(() => null))?.ok === true, 30_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${amLog}`);
    });
  }, 60_000);

  afterAll(async () => {
    am?.kill('SIGTERM');
    await new Promise((r) => (am?.exitCode !== null ? r(null) : am.once('exit', r)));
    await hook?.close();
    await tw?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const amAlerts = async (): Promise<AmAlert[]> => (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as AmAlert[];
  const amNotices = (): Array<{ status: string; alerts: Array<{ status: string; labels: Record<string, string>; startsAt: string; endsAt: string }> }> =>
    hook.on('/am').map((r) => JSON.parse(r.body) as never);

  it('shows the alert firing with routing labels, then resolved when the RESOLVED signal arrives', async () => {
    const firingAt = recentMinute(6);
    const resolvedAt = recentMinute(2);
    const firing = breach('am-firing-1', { evaluated_at: firingAt });
    const resolved = breach('am-resolved-1', { status: 'RESOLVED', evaluated_at: resolvedAt, burn_rate_long: 2, burn_rate_short: 1 });
    const history = new WarehouseSignalSink(tw.wh);
    const sink = notificationSink(tw.wh, [{ name: 'alertmanager', type: 'alertmanager', url: amUrl, holdMs: 3_600_000 }], [route(['alertmanager'])], {}, {
      labelsOf: () => ({ team: 'coffee', 'tier.level': '1' }),
    });
    try {
      // The evaluator records a signal in the history before the notification sink sees it.
      await history.sendBreaches([firing]);
      await sink.sendBreaches([firing]);
      await sink.flush();
      const active = await amAlerts();
      expect(active).toHaveLength(1);
      const a = active[0] as AmAlert;
      expect(a.labels).toEqual({
        alertname: ALERT_NAME,
        slo_id: 'vien-coffee-success',
        severity: 'page',
        service: 'journeys',
        product_version_id: 'PRDV-VIEN-COFFEE',
        city_code: 'VIE',
        team: 'coffee',
        tier_level: '1',
      });
      expect(a.status.state).toBe('active');
      expect(Date.parse(a.startsAt)).toBe(firingAt);
      expect(Date.parse(a.endsAt)).toBeGreaterThan(Date.now());
      expect(a.annotations['firing_signal_id']).toBe('am-firing-1');
      expect(a.annotations['summary']).toContain('vien-coffee-success');
      await until('Alertmanager notifies firing', () => amNotices().some((n) => n.status === 'firing'));

      await history.sendBreaches([resolved]);
      await sink.sendBreaches([resolved]);
      await sink.flush();
      // Alertmanager lists only unresolved alerts: the resolved one is gone from its API ...
      expect(await amAlerts()).toEqual([]);
      // ... and it sent its own resolved notification for the same alert, ending at the resolve instant.
      await until('Alertmanager notifies resolved', () => amNotices().some((n) => n.status === 'resolved'));
      const done = amNotices().find((n) => n.status === 'resolved');
      expect(done?.alerts).toHaveLength(1);
      expect(done?.alerts[0]?.labels).toEqual(a.labels);
      expect(Date.parse(done?.alerts[0]?.startsAt ?? '')).toBe(firingAt);
      expect(Date.parse(done?.alerts[0]?.endsAt ?? '')).toBe(resolvedAt);
      expect(sink.stats).toEqual({ delivered: 2, failed: 0, attempts: 2 });
    } finally {
      await sink.close();
    }
  }, 60_000);
});
