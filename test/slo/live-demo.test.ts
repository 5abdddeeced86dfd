import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../processors/util/project-path.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';

const CLI = projectPath('dist', 'cli', 'main.js');
const MINUTE = 60_000;

interface Signal {
  status: string;
  at: string;
}

/**
 * The live demo of `npm start` (`run` after its backfill of the days ending today), run at 15x
 * event time so its first 10 minutes take 40 s: the simulator keeps publishing after the
 * backfill, the API reports fresh data, and the scheduled incident makes the vien-coffee-live
 * SLO page and resolve within 10 minutes of event time from the live traffic.
 */
describe('slo-pipeline run: live simulator traffic after the backfill', () => {
  it('publishes in (accelerated) real time; an alert fires then resolves from the live traffic within 10 minutes', async () => {
    const data = join(mkdtempSync(join(tmpdir(), 'slo-live-')), 'data');
    const args = ['run', '--data', data, '--port', '0', '--days', '1', '--journeys-per-day', '300', '--live-speed', '15', '--live-journeys-per-day', '30000', '--duration', '150s'];
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, SLO_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const exited = new Promise<number>((done) => child.on('close', (code) => done(code ?? -1)));

    const waitFor = async (re: RegExp): Promise<RegExpExecArray | null> => {
      const started = Date.now();
      while (!re.test(stdout) && Date.now() - started < 90_000) await new Promise((r) => setTimeout(r, 200));
      return re.exec(stdout);
    };
    const liveLine = await waitFor(/simulator: live traffic from (\S+) at 15x/);
    expect(liveLine, stdout + stderr).not.toBeNull();
    const liveFrom = Date.parse(liveLine?.[1] ?? '');
    const base = /query API: +(http:\S+)\/v1/.exec(stdout)?.[1];
    const key = /admin API key for this process[^:]*: (\S+)/.exec(stdout)?.[1];
    expect(base, stdout).toBeDefined();

    // Some seconds into the live traffic: the data is fresh and health says so.
    await new Promise((r) => setTimeout(r, 8000));
    const series = (await (await fetch(`${base}/status/series`)).json()) as { data_age: { ingest_age_seconds: number | null; newest_event_at: string | null; pipeline: { status: string } | null } };
    expect(series.data_age.ingest_age_seconds, JSON.stringify(series.data_age)).not.toBeNull();
    expect(series.data_age.ingest_age_seconds as number).toBeLessThan(30);
    expect(Date.parse(series.data_age.newest_event_at ?? '')).toBeGreaterThan(liveFrom);
    const health = (await (await fetch(`${base}/v1/health`, { headers: { authorization: `Bearer ${key ?? ''}` } })).json()) as { status: string };
    expect(health.status, JSON.stringify(health)).toBe('ok');

    // The alert fires and resolves from the live traffic (polled on the API; the evaluator may
    // first have to finish the backfill on a busy machine).
    const alerts = async (): Promise<Signal[]> => {
      const res = await fetch(`${base}/v1/alerts?slo_id=vien-coffee-live&from=${new Date(liveFrom).toISOString()}&limit=100`, { headers: { authorization: `Bearer ${key ?? ''}` } });
      const body = (await res.json()) as { items: Array<{ status: string; evaluated_at: string }> };
      return body.items.map((i) => ({ status: i.status, at: i.evaluated_at })).sort((x, y) => Date.parse(x.at) - Date.parse(y.at));
    };
    const at = (s: Signal | undefined): number => Date.parse(s?.at ?? '');
    let signals: Signal[];
    const polled = Date.now();
    for (;;) {
      signals = await alerts();
      const f = signals.find((s) => s.status === 'FIRING');
      if ((f && signals.some((s) => s.status === 'RESOLVED' && at(s) > at(f))) || Date.now() - polled > 110_000) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(0);
    const firing = signals.find((s) => s.status === 'FIRING');
    const resolved = signals.find((s) => s.status === 'RESOLVED' && at(s) > at(firing));
    expect(firing, JSON.stringify(signals)).toBeDefined();
    expect(resolved, JSON.stringify(signals)).toBeDefined();
    // The incident starts a minute into the live traffic; both transitions within 10 minutes.
    expect(at(firing)).toBeGreaterThan(liveFrom + MINUTE);
    expect(at(resolved)).toBeLessThanOrEqual(liveFrom + 10 * MINUTE);
    const wh = await ChdbWarehouse.open({ dataDir: data, database: 'slo' });
    try {
      // The traffic went on in real time (15x): events past the incident, none beyond the run's clock.
      const [newest] = await wh.query<{ t: string }>(`SELECT toString(max(occurred_at)) AS t FROM journey_events`);
      const newestAt = Date.parse(`${(newest?.t ?? '').replace(' ', 'T')}Z`);
      expect(newestAt).toBeGreaterThan(liveFrom + 5 * MINUTE);
      expect(newestAt).toBeLessThan(liveFrom + (Date.now() - polled + 60_000) * 15);
    } finally {
      await wh.close();
    }
  }, 180_000);
});
