import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../processors/util/project-path.js';
import { startServedFolder, type ServedFolder } from '../support/served-folder.js';

// A platform where the registry has no package of the embedded engine (macOS, Linux on ARM):
// `npm ci` skips chdb's platform package like any optional dependency. The child processes
// here resolve no `@chdb/lib-*` package, so chdb's own loader finds no binding, exactly as
// there. The built bin runs (`npm run build` first).
const BIN = projectPath('dist', 'cli', 'main.js');
const NO_ENGINE_PACKAGE =
  'data:text/javascript,import{registerHooks}from"node:module";' +
  'registerHooks({resolve(s,c,n){if(s.startsWith("@chdb/lib-")){const e=new Error(`Cannot find module ${s}`);e.code="MODULE_NOT_FOUND";throw e}return n(s,c)}});';

function cli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', NO_ENGINE_PACKAGE, BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', SLO_LOG_LEVEL: 'warn', ...env },
    timeout: 120_000,
  });
}

const dir = mkdtempSync(join(tmpdir(), 'slo-no-engine-'));
const line = (pid: string): string =>
  `slo-pipeline ${pid}: INVALID_CONFIG: the embedded ClickHouse engine (chdb) has no package for this platform (${process.platform}-${process.arch}); ` +
  'use a ClickHouse server instead: --clickhouse URL or CLICKHOUSE_URL (`docker compose up -d clickhouse` serves one at http://localhost:8123, ' +
  'user and password in CLICKHOUSE_USER and CLICKHOUSE_PASSWORD)\n';

describe('a platform without the embedded engine package', () => {
  let served: ServedFolder;
  const input = join(dir, 'sim.jsonl');

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
    // The simulator needs no engine either.
    const sim = cli(['simulate', '--out', input, '--seed', '5', '--days', '1', '--journeys-per-day', '200', '--start', '2026-11-01T00:00:00Z']);
    expect(sim.status, sim.stderr).toBe(0);
    // A ClickHouse server: a process that has the engine serves a folder over ClickHouse's HTTP interface.
    served = await startServedFolder({ readonly: false });
  });
  afterAll(async () => {
    await served?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the engine really is missing in the child (chdb itself says so)', () => {
    const r = spawnSync(process.execPath, ['--import', NO_ENGINE_PACKAGE, '-e', "require('chdb')"], { encoding: 'utf8', cwd: projectPath() });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no native binding for/);
  });

  it('embedded commands say in one line how to use a ClickHouse server instead, and create nothing', () => {
    const data = join(dir, 'data');
    writeFileSync(join(dir, 'empty.jsonl'), '');
    for (const args of [
      ['ingest', join(dir, 'empty.jsonl')],
      ['migrate'],
      ['run', '--no-api', '--exit-when-idle', '--days', '1', '--journeys-per-day', '10'],
    ]) {
      const r = cli([...args, '--data', data], { SLO_PII_HMAC_KEY: 'k'.repeat(32) });
      expect(r.status, args[0]).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(line(args[0] ?? ''));
      expect(existsSync(data)).toBe(false);
    }
  });

  it('help and version need no engine', () => {
    expect(cli(['--version']).status).toBe(0);
    const help = cli(['pnl', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: slo-pipeline pnl/);
  });

  it('the server path works: migrate, ingest and pnl through --clickhouse', () => {
    const { url, user, password } = served.endpoint;
    const env = { CLICKHOUSE_USER: user, CLICKHOUSE_PASSWORD: password, SLO_PII_HMAC_KEY: 'k'.repeat(32) };
    const migrated = cli(['migrate', '--json', '--clickhouse', url, '--database', 'slo'], env);
    expect(migrated.status, migrated.stderr).toBe(0);
    expect((JSON.parse(migrated.stdout) as { applied: string[] }).applied.length).toBeGreaterThan(10);
    const ingested = cli(['ingest', input, '--json', '--clickhouse', url, '--database', 'slo'], env);
    expect(ingested.status, ingested.stderr).toBe(0);
    const summary = JSON.parse(ingested.stdout) as { read: number; dead_lettered: number };
    // Every line read; the simulator's few deliberately bad records dead-lettered as on the embedded path.
    expect(summary.read).toBe(readFileSync(input, 'utf8').trimEnd().split('\n').length);
    expect(summary.dead_lettered).toBeLessThan(summary.read / 100);
    const pnl = cli(['pnl', '--json', '--clickhouse', url, '--database', 'slo'], env);
    expect(pnl.status, pnl.stderr).toBe(0);
    const rows = JSON.parse(pnl.stdout) as Array<{ incidents: number; currency: string }>;
    expect(rows).toHaveLength(1);
    expect(rows[0]?.currency).toBe('EUR');
    expect(rows[0]?.incidents).toBeGreaterThan(0);
  });

  it('the main job runs on the server too: run --clickhouse with the simulator, then slo status', () => {
    const { url, user, password } = served.endpoint;
    const env = { CLICKHOUSE_USER: user, CLICKHOUSE_PASSWORD: password, SLO_PII_HMAC_KEY: 'k'.repeat(32) };
    const db = ['--clickhouse', url, '--database', 'slo_run'];
    const run = cli(['run', ...db, '--no-api', '--exit-when-idle', '--days', '1', '--journeys-per-day', '100', '--start', '2026-11-01T00:00:00Z'], env);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/slo-pipeline running \(ingest, evaluate, api\): embedded transport, ClickHouse server \(database slo_run\)/);
    const status = cli(['slo', 'status', '--json', '--at', '2026-11-02T00:00:00Z', ...db], env);
    expect(status.status, status.stderr).toBe(0);
    const slos = JSON.parse(status.stdout) as Array<{ slo_id: string; sli: number | null }>;
    expect(slos.length).toBeGreaterThan(0);
    expect(slos.some((s) => s.sli !== null)).toBe(true);
  });
});
