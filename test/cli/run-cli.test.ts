import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAMILIES, INPUT_TOPICS } from '../../processors/contracts/topics.js';
import { FACT_TABLE } from '../../processors/ingest/index.js';
import { expectedPnl, simulate } from '../../processors/simulator/index.js';
import { queryPnl } from '../../processors/economics/warehouse/index.js';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { projectPath } from '../../processors/util/project-path.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';

type Truth = ReturnType<typeof simulate>['truth'];

/** The facts of every family and the dead letters by reason equal the simulator's ground truth. */
async function expectFactsOf(wh: ChdbWarehouse, truth: Truth): Promise<void> {
  for (const f of FAMILIES) {
    const [row] = await wh.query<{ n: string }>(`SELECT count() AS n FROM ${FACT_TABLE[f]}_v`);
    expect(Number(row?.n), f).toBe(truth.events.by_topic[INPUT_TOPICS[f]] ?? 0);
  }
  const dl = await wh.query<{ reason_code: string; n: string }>('SELECT reason_code, count() AS n FROM dead_letters FINAL GROUP BY reason_code');
  expect(Object.fromEntries(dl.map((d) => [d.reason_code, Number(d.n)]))).toEqual(truth.dead_letters.bytes.by_code);
}

describe('slo-pipeline run (the built bin, embedded default)', () => {
  it('refuses an evaluation step that does not divide a minute, before anything starts', () => {
    const data = join(mkdtempSync(join(tmpdir(), 'slo-run-')), 'data');
    const r = spawnSync(process.execPath, [projectPath('dist', 'cli', 'main.js'), 'run', '--data', data, '--eval-step', '7s'], { encoding: 'utf8', env: { ...process.env, SLO_LOG_LEVEL: 'warn' }, timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--eval-step: expected whole seconds dividing a minute .* got "7s"/);
    expect(existsSync(data)).toBe(false);
  });

  it('refuses an idle time under a second (the broker offsets that tell a caught-up partition are read every half second)', () => {
    const data = join(mkdtempSync(join(tmpdir(), 'slo-run-')), 'data');
    const r = spawnSync(process.execPath, [projectPath('dist', 'cli', 'main.js'), 'run', '--data', data, '--idle-after', '200ms'], { encoding: 'utf8', env: { ...process.env, SLO_LOG_LEVEL: 'warn' }, timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--idle-after: expected at least 1s, got "200ms"/);
    expect(existsSync(data)).toBe(false);
  });

  it('ingests the simulator traffic it publishes: facts and dead letters equal the ground truth', async () => {
    const data = join(mkdtempSync(join(tmpdir(), 'slo-run-')), 'data');
    const opts = ['--seed', '3', '--days', '1', '--journeys-per-day', '600', '--start', '2026-11-01T00:00:00Z'];
    const r = spawnSync(process.execPath, [projectPath('dist', 'cli', 'main.js'), 'run', '--data', data, '--port', '0', '--exit-when-idle', '--duration', '5m', ...opts], {
      encoding: 'utf8',
      env: { ...process.env, SLO_LOG_LEVEL: 'warn' },
      timeout: 300_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/status page: http:\/\/127\.0\.0\.1:\d+\/status/);
    const codec = defaultCodec();
    const truth = simulate({ seed: 3, days: 1, journeysPerDay: 600, start: Date.parse('2026-11-01T00:00:00Z'), encodeAvro: (r, v) => codec.encode(r, v) }).truth;
    expect(r.stdout).toContain(`simulator: published ${truth.deliveries.byte_messages} records`);

    const wh = await ChdbWarehouse.open({ dataDir: data, database: 'slo' });
    try {
      await expectFactsOf(wh, truth);
      // The running job keeps incident costs current: the P&L equals the ground truth to the cent.
      const pnl = await queryPnl(wh, { by: ['month'] });
      expect(pnl.some((r) => r.total_cost !== '0.00')).toBe(true);
      expect(pnl.map((r) => ({ month: r['month'], total_cost: r.total_cost, incidents: r.incidents }))).toEqual(
        expectedPnl(truth, ['month']).map((r) => ({ month: r['month'], total_cost: r.total_cost, incidents: r.incidents })),
      );
    } finally {
      await wh.close();
    }
  });

  it('keeps a backfill larger than its in-process bound to 100,000 records ahead of the ingest, and exact', async () => {
    const data = join(mkdtempSync(join(tmpdir(), 'slo-run-')), 'data');
    const opts = ['--seed', '4', '--days', '1', '--journeys-per-day', '40000', '--start', '2026-11-01T00:00:00Z', '--no-api'];
    const r = spawnSync(process.execPath, [projectPath('dist', 'cli', 'main.js'), 'run', '--data', data, '--exit-when-idle', '--duration', '10m', ...opts], {
      encoding: 'utf8',
      env: { ...process.env, SLO_LOG_LEVEL: 'warn' },
      timeout: 600_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const codec = defaultCodec();
    const truth = simulate({ seed: 4, days: 1, journeysPerDay: 40_000, start: Date.parse('2026-11-01T00:00:00Z'), encodeAvro: (r, v) => codec.encode(r, v) }).truth;
    const published = truth.deliveries.byte_messages;
    expect(published).toBeGreaterThan(250_000);
    expect(r.stdout).toContain(`simulator: published ${published} records`);
    // Committed records are let go: the bound plus one publish of 20,000, the unread dead-letter
    // topics and the signals, never the whole backfill.
    const held = Number(/in-process transport: at most (\d+) records held at once/.exec(r.stdout)?.[1]);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(140_000);
    const wh = await ChdbWarehouse.open({ dataDir: data, database: 'slo' });
    try {
      await expectFactsOf(wh, truth);
    } finally {
      await wh.close();
    }
  });
});
