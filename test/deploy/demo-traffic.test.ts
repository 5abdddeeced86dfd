import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectPath } from '../../processors/util/project-path.js';
import { ClickHouseWarehouse } from '../../sinks/clickhouse/index.js';
import { getKafkaBrokers, uniqueKafkaName } from '../support/kafka.js';
import { startServedFolder, type ServedFolder } from '../support/served-folder.js';

// The compose demo's traffic service, run as compose runs it (its command, with the defaults
// compose resolves) against a real Kafka broker and a ClickHouse HTTP endpoint: it publishes the
// backfill and then live traffic to the input topics, and ingests them. Fewer journeys than the
// demo, and a deadline, keep it short. The built bin runs (`npm run build` first).
const BIN = projectPath('dist', 'cli', 'main.js');

/** The demo-traffic command of docker-compose.yml, `${VAR:-default}` resolved to the default. */
function demoCommand(): string[] {
  const compose = parse(readFileSync(projectPath('docker-compose.yml'), 'utf8')) as { services: Record<string, { command?: string[] }> };
  const command = compose.services['demo-traffic']?.command ?? [];
  return command.map((a) => a.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1'));
}

describe('the compose demo traffic (run --role ingest --simulate on Kafka)', () => {
  let served: ServedFolder;
  let brokers: string;
  beforeAll(async () => {
    brokers = await getKafkaBrokers();
    served = await startServedFolder({ readonly: false });
  });
  afterAll(async () => {
    await served?.stop();
  });

  it('publishes the backfill, then live traffic, and ingests both', async () => {
    const { url, user, password } = served.endpoint;
    const database = 'demo';
    const args = [
      ...demoCommand(),
      '--kafka', brokers,
      '--clickhouse', url,
      '--database', database,
      '--group-id', uniqueKafkaName('demo'),
      '--days', '1',
      '--journeys-per-day', '300',
      '--live-journeys-per-day', '20000',
      '--metrics-port', '0',
      '--duration', '40s',
    ];
    expect(args.slice(0, 4)).toEqual(['run', '--role', 'ingest', '--simulate']);
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', SLO_LOG_LEVEL: 'warn', CLICKHOUSE_USER: user, CLICKHOUSE_PASSWORD: password, SLO_PII_HMAC_KEY: 'demo-test-key-0123456789abcdef01234567' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^slo-pipeline running \(ingest\): Kafka /m);
    expect(stdout).toMatch(/^simulator: published \d+ records \(1 days from /m);
    expect(stdout).toMatch(/^simulator: live traffic from /m);

    const wh = await ClickHouseWarehouse.open({ url, username: user, password, database });
    try {
      const DAY = 86_400_000;
      const today = Math.floor(Date.now() / DAY) * DAY;
      const [row] = await wh.query<{ backfill: string; live: string }>(
        `SELECT countIf(occurred_at < fromUnixTimestamp64Milli({today:Int64})) AS backfill,
                countIf(occurred_at >= fromUnixTimestamp64Milli({today:Int64})) AS live
           FROM journey_events`,
        { today },
      );
      // Yesterday's backfill and today's live journeys are both in the facts.
      expect(Number(row?.backfill)).toBeGreaterThan(300);
      expect(Number(row?.live)).toBeGreaterThan(0);
    } finally {
      await wh.close();
    }
  });
});
