import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SloCatalog } from '../../processors/slo/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';

/**
 * The default SLO folder is the project's `slos/`, found from the installed code: the built
 * binary started from a folder without `slos/` still finds the definitions, for `slo status`
 * and for everything `run` does with them (the API and the board feed).
 */
const CLI = projectPath('dist', 'cli', 'main.js');
const elsewhere = mkdtempSync(join(tmpdir(), 'slo-elsewhere-'));
const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', SLO_LOG_LEVEL: 'warn' };
const projectIds = SloCatalog.open({ env: {} })
  .current()
  .map((s) => s.id);

afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

describe('SLO definitions outside the repository folder (the built bin)', () => {
  it('slo status finds the project definitions from any working directory', () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    expect(existsSync(join(elsewhere, 'slos'))).toBe(false);
    // Read commands refuse a folder holding no warehouse: an empty one first.
    const made = spawnSync(process.execPath, [CLI, 'migrate', '--data', join(elsewhere, 'status-data')], { cwd: elsewhere, env, encoding: 'utf8', timeout: 120_000 });
    expect(made.status, made.stderr).toBe(0);
    const r = spawnSync(process.execPath, [CLI, 'slo', 'status', '--json', '--at', '2026-11-02T00:00:00Z', '--data', join(elsewhere, 'status-data')], {
      cwd: elsewhere,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Array<{ slo_id: string }>).map((s) => s.slo_id)).toEqual(projectIds);
  });

  it('run serves the definitions and keeps the SLO boards current from any working directory', async () => {
    const data = join(elsewhere, 'run-data');
    const args = ['run', '--data', data, '--port', '0', '--duration', '75s', '--seed', '3', '--days', '1', '--journeys-per-day', '300', '--start', '2026-11-01T00:00:00Z'];
    const child = spawn(process.execPath, [CLI, ...args], { cwd: elsewhere, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const exited = new Promise<number>((done) => child.on('close', (code) => done(code ?? -1)));

    // The API answers with the project's definitions (it used to look for ./slos).
    const started = Date.now();
    while (!/query API: +(http:\S+)\/v1/.test(stdout) && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 200));
    const base = /query API: +(http:\S+)\/v1/.exec(stdout)?.[1];
    const key = /admin API key for this process[^:]*: (\S+)/.exec(stdout)?.[1];
    expect(base, stdout + stderr).toBeDefined();
    const res = await fetch(`${base}/v1/slos?limit=100`, { headers: { authorization: `Bearer ${key ?? ''}` } });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as Array<{ slo_id: string }> | { items: Array<{ slo_id: string }> };
    const listed = (Array.isArray(body) ? body : body.items).map((s) => s.slo_id);
    expect(listed).toEqual(projectIds);

    expect(await exited, stderr).toBe(0);
    expect(stderr).not.toMatch(/board feed tick failed/);
    // The board feed ticked with the definitions: every SLO has board rows.
    const wh = await ChdbWarehouse.open({ dataDir: data, database: 'slo' });
    try {
      const rows = await wh.query<{ slo_id: string }>('SELECT DISTINCT slo_id FROM slo_board_minute ORDER BY slo_id');
      expect(rows.map((r) => r.slo_id)).toEqual([...projectIds].sort());
    } finally {
      await wh.close();
    }
  }, 240_000);
});
