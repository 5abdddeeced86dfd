import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../processors/util/project-path.js';
import { ChdbWarehouse, ENDPOINT_FILE, SECRET_FILE } from '../../sinks/chdb/index.js';

const BIN = projectPath('dist', 'cli', 'main.js');
const AT = '2026-11-01T20:00:00Z';

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SLO_LOG_LEVEL: 'silent' },
    timeout: 120_000,
  });
}

/**
 * `slo-pipeline run` holds its embedded folder (the engine locks it to one process) and serves
 * it (sinks/chdb/serve.ts): the other commands on the same folder read through it and answer
 * what they answer once it has stopped, and those that write are refused with one line.
 */
describe('commands on a folder that slo-pipeline run holds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slo-shared-'));
  const data = join(dir, 'data');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('read through the running job, with the figures they give after it stops; writers are refused naming it', async () => {
    const run = spawn(
      process.execPath,
      [BIN, 'run', '--data', data, '--no-api', '--journeys-per-day', '300', '--days', '1', '--start', '2026-11-01T00:00:00Z', '--seed', '7'],
      { env: { ...process.env, SLO_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    run.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    run.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    const exited = new Promise<number | null>((r) => run.once('exit', (code) => r(code)));
    let statusDuring: unknown;
    let pnlDuring = '';
    try {
      // Its reports come every 5 s; the figures are final once one says everything published is in.
      const deadline = Date.now() + 180_000;
      while (!/ingested \d+ records: .* lag 0$/m.test(out)) {
        if (Date.now() > deadline || run.exitCode !== null) throw new Error(`run did not catch up:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(existsSync(join(data, ENDPOINT_FILE))).toBe(true);

      const status = cli(['slo', 'status', '--data', data, '--json', '--at', AT]);
      expect(status.stderr).toBe('');
      expect(status.status).toBe(0);
      statusDuring = JSON.parse(status.stdout);
      expect((statusDuring as Array<{ sli: number | null }>).some((s) => s.sli !== null)).toBe(true);

      // The job re-costs incidents once a second; its P&L is read as it keeps it (the refresh
      // is the holder's to do: a reader's would write, so `pnl` skips it here).
      for (let i = 0; i < 40; i++) {
        const p = cli(['pnl', '--data', data, '--json', '--by', 'month']);
        expect(p.stderr).toBe('');
        expect(p.status).toBe(0);
        if (p.stdout === pnlDuring) break;
        pnlDuring = p.stdout;
        await new Promise((r) => setTimeout(r, 1500));
      }
      expect((JSON.parse(pnlDuring) as Array<{ total_cost: string }>).some((r) => r.total_cost !== '0.00')).toBe(true);

      const verify = cli(['verify', '--quick', '--data', data]);
      expect(verify.stderr).toBe('');
      expect(verify.status).toBe(0);
      expect(verify.stdout).toMatch(/^verify: whole/m);

      const file = join(dir, 'fx.jsonl');
      writeFileSync(file, `${JSON.stringify({ topic: 'finance.fx.v1', key: 'USD', value: { event_id: 'shared-fx-1', event_type: 'RATE', occurred_at: Date.parse(AT), currency: 'USD', rate_to_reporting: 0.9 } })}\n`);
      const inUse = new RegExp(
        `^slo-pipeline (ingest|run|backup|migrate|verify): WAREHOUSE_QUERY_FAILED: warehouse folder ${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ` +
          `is in use by slo-pipeline run \\(pid ${run.pid}\\); stop it first, .*\n$`,
      );
      const refused = [
        ['ingest', file, '--data', data],
        ['run', '--data', data, '--no-api', '--duration', '1s'],
        ['migrate', '--data', data],
        ['verify', '--repair', '--data', data],
        // Not a write, but the engine's backup path is fixed by the holder when it opened the folder.
        ['backup', join(dir, 'backup'), '--data', data],
      ];
      for (const args of refused) {
        const r = cli(args);
        expect(r.status, args[0]).toBe(1);
        expect(r.stdout, args[0]).toBe('');
        expect(r.stderr, args[0]).toMatch(inUse);
      }

      run.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (run.exitCode === null) {
        run.kill('SIGKILL');
        await exited;
      }
    }
    // A clean exit withdraws the advertisement; the folder opens embedded again.
    expect(existsSync(join(data, ENDPOINT_FILE))).toBe(false);
    expect(existsSync(join(data, SECRET_FILE))).toBe(false);

    const after = cli(['slo', 'status', '--data', data, '--json', '--at', AT]);
    expect(after.status, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout)).toEqual(statusDuring);
    const pnlAfter = cli(['pnl', '--data', data, '--json', '--by', 'month']);
    expect(pnlAfter.status, pnlAfter.stderr).toBe(0);
    expect(JSON.parse(pnlAfter.stdout)).toEqual(JSON.parse(pnlDuring));

    const wh = await ChdbWarehouse.open({ dataDir: data, database: 'slo' });
    try {
      // The refused ingest wrote nothing.
      expect(await wh.query("SELECT count() AS n FROM fx_rates WHERE event_id = 'shared-fx-1'")).toEqual([{ n: '0' }]);
    } finally {
      await wh.close();
    }
  });
});
