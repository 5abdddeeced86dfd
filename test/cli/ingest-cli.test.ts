import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { runCli } from '../support/cli.js';
import { randomName } from '../support/warehouse.js';
import { projectPath } from '../../processors/util/project-path.js';

const dir = mkdtempSync(join(tmpdir(), 'slo-cli-'));
const data = join(dir, 'data');
const T = Date.parse('2026-11-03T08:00:00Z');

const fx = (id: string, currency: string, rate: number): string =>
  JSON.stringify({ topic: 'finance.fx.v1', key: currency, value: { event_id: id, event_type: 'RATE', occurred_at: T, currency, rate_to_reporting: rate } });

describe('slo-pipeline ingest', () => {
  const databases: string[] = [];
  afterAll(async () => {
    const wh = await ChdbWarehouse.open({ dataDir: data, database: 'default' });
    for (const d of databases) await wh.exec(`DROP DATABASE IF EXISTS ${d}`);
    await wh.close();
  });

  it('ingests the same with data waiting on its standard input (a parent or supervisor pipe)', () => {
    const file = join(dir, 'stdin.jsonl');
    writeFileSync(file, [fx('fx-s1', 'USD', 0.9), 'not json', fx('fx-s2', 'EUR', 1), ''].join('\n'));
    const database = randomName('cli');
    databases.push(database);
    const r = spawnSync(process.execPath, [projectPath('dist', 'cli', 'main.js'), 'ingest', file, '--json', '--data', data, '--database', database], {
      input: 'this is not for the warehouse\n'.repeat(10_000),
      encoding: 'utf8',
      env: { ...process.env, SLO_LOG_LEVEL: 'silent' },
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ read: 3, dead_lettered: 1 });
  });

  it('processes good lines, dead-letters every bad one with its reason, and prints the --json summary', async () => {
    const file = join(dir, 'mixed.jsonl');
    writeFileSync(
      file,
      [
        fx('fx-1', 'USD', 0.92),
        'this is not json',
        JSON.stringify({ topic: 'no.such.topic', value: {} }),
        JSON.stringify({ key: 'x', value: {} }),
        fx('fx-2', 'JPY', 0.0061),
        JSON.stringify({ topic: 'finance.fx.v1', key: 'XXX', value: { event_id: 'fx-3', event_type: 'RATE', occurred_at: T, currency: 'XXQ', rate_to_reporting: 1.1 } }),
        fx('fx-1', 'USD', 0.92), // duplicate event_id: one event
        '',
      ].join('\n'),
    );
    const database = randomName('cli');
    databases.push(database);
    const r = await runCli(['ingest', file, '--json', '--data', data, '--database', database]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ read: 7, dead_lettered: 4 });

    const wh = await ChdbWarehouse.open({ dataDir: data, database });
    try {
      expect(await wh.query('SELECT currency, rate_to_reporting FROM fx_rates_v ORDER BY currency')).toEqual([
        { currency: 'JPY', rate_to_reporting: 0.0061 },
        { currency: 'USD', rate_to_reporting: 0.92 },
      ]);
      const dl = await wh.query<{ reason_code: string; reason: string }>('SELECT reason_code, reason FROM dead_letters ORDER BY reason_code');
      expect(dl.map((d) => d.reason_code)).toEqual(['BAD_ENVELOPE', 'NOT_JSON', 'UNKNOWN_CURRENCY', 'UNKNOWN_TOPIC']);
      // Unroutable lines name the file and line.
      expect(dl.find((d) => d.reason_code === 'NOT_JSON')?.reason).toContain('mixed.jsonl:2');
    } finally {
      await wh.close();
    }
  });

  it('ingesting the same file twice leaves the facts unchanged', async () => {
    const file = join(dir, 'twice.jsonl');
    writeFileSync(file, `${fx('a', 'USD', 0.9)}\n${fx('b', 'GBP', 1.17)}\n`);
    const database = randomName('cli');
    databases.push(database);
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['ingest', file, '--json', '--data', data, '--database', database]);
      expect(JSON.parse(r.out)).toEqual({ read: 2, dead_lettered: 0 });
    }
    const wh = await ChdbWarehouse.open({ dataDir: data, database });
    try {
      expect(await wh.query('SELECT count() AS n FROM fx_rates_v')).toEqual([{ n: '2' }]);
    } finally {
      await wh.close();
    }
  });

  it('exits non-zero with a one-line reason when a file cannot be read', async () => {
    const r = await runCli(['ingest', join(dir, 'missing.jsonl'), '--data', data]);
    expect(r.code).not.toBe(0);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('missing.jsonl');
  });
});

describe('slo-pipeline arguments', () => {
  it.each([
    [['nope'], /unknown command "nope"/],
    [['ingest', '--bogus', 'x'], /Unknown option '--bogus'/],
    [['ingest'], /at least one FILE/],
    [['run', '--duration', 'soon'], /--duration: invalid duration "soon"/],
    [['migrate', '--clickhouse', 'not a url'], /--clickhouse/],
    [['migrate', '--data', 'a', '--clickhouse', 'http://localhost:8123'], /either --data or --clickhouse/],
    // Nothing listens on the discard port: the reason is still a single line.
    [['migrate', '--clickhouse', 'http://127.0.0.1:9'], /ECONNREFUSED|connect/],
    [['simulate', '--data', 'x'], /needs --out FILE or --kafka BROKERS/],
  ])('%j -> one-line error, non-zero exit', async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).not.toBe(0);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(message);
  });
});
