import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../processors/util/project-path.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { ClickHouseWarehouse } from '../../sinks/clickhouse/index.js';
import type { Warehouse } from '../../sinks/warehouse/index.js';
import { deadLettersByCode, factCounts } from '../support/facts.js';
import { snapshotTables } from '../support/snapshot.js';
import { startServedFolder, type ServedFolder } from '../support/served-folder.js';

const BIN = projectPath('dist', 'cli', 'main.js');
const KEY = 'a'.repeat(64);

function cli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SLO_LOG_LEVEL: 'silent', SLO_PII_HMAC_KEY: KEY, ...env },
    timeout: 300_000,
  });
}

/**
 * What a warehouse holds, as the replay tests compare it (test/support/snapshot.ts: facts and
 * rollups, merged, delivery columns left out), with the offsets its ingest state covers.
 */
async function contents(wh: Warehouse): Promise<Record<string, unknown>> {
  const tables: Record<string, unknown> = await snapshotTables(wh);
  // One row per committed batch with the time of the commit: delivery bookkeeping too.
  delete tables['ingest_progress'];
  const covered = await wh.query<{ topic: string; partition: number; last: string }>(
    'SELECT topic, partition, toString(max(last_offset)) AS last FROM ingest_state GROUP BY topic, partition ORDER BY topic, partition',
  );
  return { tables, covered, facts: await factCounts(wh), deadLetters: await deadLettersByCode(wh) };
}

/**
 * The exactly-once ingest path through the server adapter (@clickhouse/client over HTTP) on the
 * real engine, against the embedded adapter on the same input: `slo-pipeline ingest` with
 * `--clickhouse` pointed at the endpoint a process holding an embedded folder serves, twice
 * (the second pass replays every record), against one pass into an embedded folder.
 */
describe('ingest through the server adapter (endpoint of a process holding an embedded folder)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slo-server-ingest-'));
  const input = join(dir, 'sim.jsonl');
  let served: ServedFolder;

  beforeAll(async () => {
    const sim = cli(['simulate', '--out', input, '--seed', '11', '--days', '1', '--journeys-per-day', '400', '--start', '2026-11-01T00:00:00Z']);
    expect(sim.status, sim.stderr).toBe(0);
    served = await startServedFolder({ readonly: false });
  });
  afterAll(async () => {
    await served?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ingests exactly once, replayed, and ends with the same tables as the embedded adapter', async () => {
    const { url, user, password } = served.endpoint;
    const server = { CLICKHOUSE_USER: user, CLICKHOUSE_PASSWORD: password };
    const first = cli(['ingest', input, '--json', '--clickhouse', url, '--database', 'slo'], server);
    expect(first.status, first.stderr).toBe(0);
    const replay = cli(['ingest', input, '--json', '--clickhouse', url, '--database', 'slo'], server);
    expect(replay.status, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual(JSON.parse(first.stdout));
    const embedded = cli(['ingest', input, '--json', '--data', join(dir, 'embedded'), '--database', 'slo']);
    expect(embedded.status, embedded.stderr).toBe(0);
    expect(JSON.parse(embedded.stdout)).toEqual(JSON.parse(first.stdout));

    const viaServer = await ClickHouseWarehouse.open({ url, username: user, password, database: 'slo' });
    const direct = await ChdbWarehouse.open({ dataDir: join(dir, 'embedded'), database: 'slo' });
    try {
      const [a, b] = [await contents(viaServer), await contents(direct)];
      expect(Object.keys(a['tables'] as object).length).toBeGreaterThan(10);
      const facts = a['facts'] as Awaited<ReturnType<typeof factCounts>>;
      expect(Object.values(facts.byTopic).reduce((x, y) => x + y, 0)).toBeGreaterThan(1000);
      expect(a).toEqual(b);
    } finally {
      await viaServer.close();
      await direct.close();
    }
  });
});
