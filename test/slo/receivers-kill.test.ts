import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import { breach, notificationSink, outcomes, recentMinute, route, startLocalReceiver, until, type LocalReceiver } from './receivers-support.js';

/**
 * The outbox after `kill -9`: a process enqueues a FIRING and its RESOLVED for PagerDuty while
 * the receiver answers 503, retries a few times and is killed with SIGKILL; the next process
 * on the same warehouse folder delivers both, in order, once each. (This file opens the folder
 * only after the child is gone: one process holds an embedded folder at a time.)
 */
describe('notification outbox after kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slo-kill-outbox-'));
  const database = `t_${randomBytes(5).toString('hex')}`;
  let rx: LocalReceiver | null = null;
  let wh: ChdbWarehouse | null = null;
  afterAll(async () => {
    await rx?.close();
    await wh?.exec(`DROP DATABASE IF EXISTS ${database}`);
    await wh?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers what the killed process enqueued and did not deliver', async () => {
    rx = await startLocalReceiver(202);
    rx.down = 503;
    const firing = breach('kill-firing', { evaluated_at: recentMinute(4) });
    const resolved = breach('kill-resolved', { status: 'RESOLVED', evaluated_at: recentMinute(2) });
    const child = spawn(process.execPath, ['--import', 'tsx', projectPath('test', 'slo', 'receivers-kill-child.ts'), dir, database, `${rx.url}/v2/enqueue`, JSON.stringify([firing, resolved])], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: projectPath(),
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    await until('the child enqueued and retried', () => out.includes('enqueued') && (rx?.on('/v2/enqueue').length ?? 0) >= 3, 60_000).catch((e: unknown) => {
      child.kill('SIGKILL');
      throw new Error(`${(e as Error).message}: ${out}`);
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const during = rx.on('/v2/enqueue').length;
    expect(rx.on('/v2/enqueue').every((r) => (JSON.parse(r.body) as { event_action: string }).event_action === 'trigger')).toBe(true);

    rx.down = null;
    wh = await ChdbWarehouse.open({ dataDir: dir, database });
    const sink = notificationSink(wh, [{ name: 'pd-kill', type: 'pagerduty', url: `${rx.url}/v2/enqueue`, routingKey: 'kill-test-routing-key' }], [route(['pd-kill'])]);
    try {
      sink.start();
      await sink.flush();
    } finally {
      await sink.close();
    }
    const after = rx.on('/v2/enqueue').slice(during).map((r) => JSON.parse(r.body) as { event_action: string; dedup_key: string; routing_key: string });
    expect(after).toEqual([
      expect.objectContaining({ event_action: 'trigger', dedup_key: 'kill-firing', routing_key: 'kill-test-routing-key' }),
      { event_action: 'resolve', dedup_key: 'kill-firing', routing_key: 'kill-test-routing-key' },
    ]);
    expect(await outcomes(wh)).toEqual({ 'pd-kill/kill-firing': 'DELIVERED', 'pd-kill/kill-resolved': 'DELIVERED' });
  }, 120_000);
});
