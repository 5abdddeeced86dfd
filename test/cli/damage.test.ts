import { cpSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slo, type CliRun } from '../acceptance/support.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { watchDamage } from '../../sinks/warehouse/integrity/index.js';
import { auth, testApi } from '../api/support.js';

/**
 * Fault tests on real files: a simulated day ingested by the CLI, then one file of a
 * journey_events part deleted or truncated the way a disk or an operator would. No command may
 * answer with short figures and exit 0; a restore of the backup, or verify --repair and the
 * source ingested again, gives the exact figures back.
 */

const dir = mkdtempSync(join(tmpdir(), 'slo-damage-'));
const env = { SLO_PII_HMAC_KEY: 'damage-test-key-0123456789abcdef0123456789abcdef' };
const source = join(dir, 'day.jsonl');
const base = join(dir, 'base');
const backup = join(dir, 'backup');
const AT = '2026-11-02T00:00:00Z';

interface Figures {
  pnl: unknown;
  journeys: number;
  status: unknown;
}

async function ok(args: string[]): Promise<string> {
  const r = await slo(args, env);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.code, args.join(' ')).toBe(0);
  return r.stdout;
}

/** The figures the fault must not change: P&L by vendor, journey facts, SLO status at the day's end. */
async function figures(data: string): Promise<Figures> {
  const pnl = JSON.parse(await ok(['pnl', '--by', 'vendor_id', '--json', '--data', data])) as unknown;
  const status = JSON.parse(await ok(['slo', 'status', '--slos', 'slos', '--at', AT, '--json', '--data', data])) as unknown;
  const report = JSON.parse(await ok(['verify', '--quick', '--json', '--data', data])) as { ok: boolean; facts: Array<{ table: string; events: number }> };
  expect(report.ok).toBe(true);
  return { pnl, status, journeys: report.facts.find((f) => f.table === 'journey_events')?.events ?? -1 };
}

interface PartDir {
  name: string;
  partition: string;
  min: number;
  max: number;
  path: string;
}

function partsOf(tableDir: string): PartDir[] {
  return readdirSync(tableDir).flatMap((name) => {
    const m = /^(.+)_(\d+)_(\d+)_\d+(?:_\d+)?$/.exec(name);
    return m ? [{ name, partition: m[1] ?? '', min: Number(m[2]), max: Number(m[3]), path: join(tableDir, name) }] : [];
  });
}

/**
 * The largest file of journey_events' biggest active part, after removing the parts it was
 * merged from. Those stay on disk for a few minutes after a merge (old_parts_lifetime) and the
 * engine would bring them back in place of the broken part; a long-running process has removed
 * them by then, and the damage is then a real loss. A short CLI run exits before that.
 */
function victimFile(data: string): { file: string; part: string; rows: number } {
  const tableDir = realpathSync(join(data, 'data', 'slo', 'journey_events'));
  if (!tableDir.startsWith(realpathSync(data))) throw new Error(`${tableDir} is outside ${data}`);
  const parts = partsOf(tableDir);
  const covers = (a: PartDir, b: PartDir): boolean => a !== b && a.partition === b.partition && a.min <= b.min && a.max >= b.max;
  const active = parts.filter((p) => !parts.some((q) => covers(q, p)));
  const rows = (p: PartDir): number => Number(readFileSync(join(p.path, 'count.txt'), 'utf8'));
  const biggest = active.sort((a, b) => rows(b) - rows(a))[0];
  if (!biggest) throw new Error(`no journey_events part in ${tableDir}`);
  for (const p of parts) if (covers(biggest, p)) rmSync(p.path, { recursive: true });
  const files = readdirSync(biggest.path).map((f) => join(biggest.path, f));
  const file = files.sort((a, b) => statSync(b).size - statSync(a).size)[0] ?? '';
  return { file, part: biggest.name, rows: rows(biggest) };
}

function copyOfBase(name: string): string {
  const to = join(dir, name);
  // The folder's links are relative; resolved, they would point into the original.
  cpSync(base, to, { recursive: true, verbatimSymlinks: true });
  return to;
}

/** Every read command refuses with one line naming the table, the part and the reason. */
async function expectLoud(data: string, part: string): Promise<void> {
  const runs: Array<[string, CliRun]> = [];
  for (const args of [
    ['pnl', '--by', 'vendor_id', '--json'],
    ['slo', 'status', '--slos', 'slos', '--at', AT, '--json'],
    ['verify', '--json'],
  ]) {
    runs.push([args[0] ?? '', await slo([...args, '--data', data], env)]);
  }
  for (const [name, r] of runs) {
    expect(r.code, name).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines, name).toHaveLength(1);
    expect(lines[0], name).toContain('WAREHOUSE_DAMAGED');
    expect(lines[0], name).toContain(`journey_events part ${part} (broken-on-start`);
    // Figures: none from pnl and slo status; verify's report says what is missing.
    if (name !== 'verify') expect(r.stdout, name).toBe('');
  }
  const report = JSON.parse(runs[2]?.[1].stdout ?? '{}') as { ok: boolean; records: Array<{ table: string; record: string; missing_from_table: number }> };
  expect(report.ok).toBe(false);
  expect(report.records.find((c) => c.record === 'sli_journey_minute')?.missing_from_table).toBeGreaterThan(0);
}

let healthy: Figures;

beforeAll(async () => {
  await ok(['simulate', '--out', source, '--days', '1', '--journeys-per-day', '1500', '--start', '2026-11-01']);
  await ok(['ingest', source, '--json', '--data', base]);
  healthy = await figures(base);
  await ok(['backup', backup, '--data', base]);
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('a damaged embedded warehouse', () => {
  it('a deleted file: every read command fails loudly; the backup restores the exact figures', async () => {
    const data = copyOfBase('deleted');
    const v = victimFile(data);
    unlinkSync(v.file);
    await expectLoud(data, v.part);
    await ok(['restore', backup, '--force', '--data', data]);
    expect(await figures(data)).toEqual(healthy);
  });

  it('a truncated file: the same', async () => {
    const data = copyOfBase('truncated');
    const v = victimFile(data);
    truncateSync(v.file, Math.floor(statSync(v.file).size / 2));
    await expectLoud(data, v.part);
    const refused = await slo(['restore', backup, '--data', data], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/holds \d+ rows in \d+ tables and 1 detached parts; --force replaces it/);
    await ok(['restore', backup, '--force', '--data', data]);
    expect(await figures(data)).toEqual(healthy);
  });

  it('verify --repair and the source ingested again: the exact figures', async () => {
    const data = copyOfBase('repaired');
    const v = victimFile(data);
    unlinkSync(v.file);
    // The repair drops the broken part and opens journey_events to its source again: the same
    // input ingested once more would otherwise be dropped as a replay of batches already stored.
    const repair = await slo(['verify', '--repair', '--json', '--data', data], env);
    expect(repair.code).not.toBe(0);
    expect(repair.stderr).toMatch(/journey_events: re-admission open since/);
    const opened = JSON.parse(repair.stdout) as { repair: { dropped: Array<{ table: string; rows: number }>; readmitting: string[] } };
    expect(opened.repair.dropped).toEqual([expect.objectContaining({ table: 'journey_events', rows: v.rows })]);
    expect(opened.repair.readmitting).toEqual(['journey_events']);
    // The counting rollups were rebuilt from the facts left (the source's events come back to
    // them through their view, once); until the source is back, verify says what is open.
    expect(JSON.parse(repair.stdout).repair.rebuilt).toEqual(expect.arrayContaining(['sli_journey_minute', 'sli_journey_hour', 'sli_journey_day']));
    const short = await slo(['verify', '--quick', '--data', data], env);
    expect(short.code).not.toBe(0);
    expect(short.stderr).toMatch(/journey_events: re-admission open since/);
    await ok(['ingest', source, '--json', '--data', data]);
    const closed = await ok(['verify', '--repair', '--data', data]);
    expect(closed).toMatch(/journey_events re-admission closed/);
    expect(closed).toMatch(/verify: whole/);
    expect(await figures(data)).toEqual(healthy);
  });

  it('a table whose metadata does not load: refused naming the table; restore --force moves the database aside, exact figures', async () => {
    const data = copyOfBase('unloadable');
    const meta = join(data, 'metadata', 'slo', 'journey_events.sql');
    truncateSync(meta, Math.floor(statSync(meta).size / 3));
    const refused = await slo(['pnl', '--by', 'vendor_id', '--json', '--data', data], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    // chdb writes its own account to standard error first; the last line is the reason.
    expect(refused.stderr.trim().split('\n').pop()).toMatch(/WAREHOUSE_DAMAGED: table journey_events does not load: Syntax error/);
    const restored = await ok(['restore', backup, '--force', '--data', data]);
    expect(restored).toMatch(/the database that did not load is in .*unloadable\.damaged-slo-/);
    expect(await figures(data)).toEqual(healthy);
  });
});

describe('long-running processes see the damage', () => {
  it('/v1/health is degraded naming the part, and the watch reports it', async () => {
    const data = copyOfBase('health');
    const v = victimFile(data);
    unlinkSync(v.file);
    // In this process (chdb binds one folder per process): no CLI uses this copy afterwards.
    const wh = await ChdbWarehouse.open({ dataDir: data, database: 'slo' });
    const watch = watchDamage(wh, { intervalMs: 50 });
    try {
      const app = await testApi(wh);
      const body = JSON.parse((await app.inject({ url: '/v1/health', headers: auth('sre') })).body) as {
        status: string;
        warehouse: { damage: string | null; damaged_parts: Array<{ table: string; reason: string; rows: number | null }> };
      };
      await app.close();
      expect(body.status).toBe('degraded');
      expect(body.warehouse.damage).toContain(`journey_events part ${v.part} (broken-on-start`);
      expect(body.warehouse.damaged_parts).toEqual([expect.objectContaining({ table: 'journey_events', reason: 'broken-on-start', rows: v.rows })]);
      for (let i = 0; i < 100 && watch.reason === null; i++) await new Promise((r) => setTimeout(r, 20));
      expect(watch.reason).toContain('journey_events');
    } finally {
      watch.stop();
      await wh.close();
    }
  });
});
