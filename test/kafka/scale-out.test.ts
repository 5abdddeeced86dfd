import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SloBreachSignal } from '../../processors/contracts/events.js';
import { INPUT_TOPIC_LIST, OUTPUT_TOPICS } from '../../processors/contracts/topics.js';
import { createKafkaTransport } from '../../processors/transport/kafka/index.js';
import { consumerLag } from '../../processors/transport/index.js';
import type { Transport } from '../../processors/transport/types.js';
import { projectPath } from '../../processors/util/project-path.js';
import { startKafkaBroker, type RunningBroker } from '../../scripts/kafka-broker.js';
import { ClickHouseWarehouse } from '../../sinks/clickhouse/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { startServedFolder, type ServedFolder } from '../support/served-folder.js';
import { snapshotTables } from '../support/snapshot.js';
import { readTopic } from '../slo/topics.js';

/**
 * Scale-out on a real broker with separate processes sharing one warehouse: 3 ingest workers
 * (1 -> 3 -> 1, each change a rebalance of the shared consumer group), 2 evaluator candidates
 * (one elected; the leader is killed with SIGKILL mid-run and the standby takes over), and a
 * single-process run as the reference over the same topics. Facts, rollups, costs and the
 * signal set must equal the reference, and no signal_id may ever appear on the output topic
 * with two contents.
 */

const DAY = 86_400_000;
const START = Date.parse('2026-10-05T00:00:00Z');
const SEED = '17';
const JOURNEYS = '1500';
const PII = 'scale-out-test-key-0123456789abcdef0123';
const CLI = projectPath('dist', 'cli', 'main.js');
const SLOS = projectPath('slos');

interface LogLine {
  msg?: string;
  [k: string]: unknown;
}

/** A `slo-pipeline` process whose JSON log lines (stderr) and output lines (stdout) are kept. */
class Proc {
  readonly lines: LogLine[] = [];
  out = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private err = '';

  constructor(
    readonly name: string,
    args: string[],
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, SLO_LOG_LEVEL: 'debug' } });
    let partial = '';
    this.child.stderr?.on('data', (d: Buffer) => {
      const text = partial + d.toString();
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) {
        try {
          this.lines.push(JSON.parse(p) as LogLine);
        } catch {
          this.err += `${p}\n`;
        }
      }
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  /** Its last log lines and anything it printed that was not a log line. */
  describe(): string {
    return `${this.err}\n${this.lines.slice(-8).map((l) => JSON.stringify(l)).join('\n')}`;
  }

  count(msg: string): number {
    return this.lines.filter((l) => l.msg === msg).length;
  }

  async waitFor(what: string, cond: () => boolean, timeoutMs = 180_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let code: number | null | undefined;
    void this.exited.then((c) => (code = c));
    while (!cond()) {
      if (code !== undefined) throw new Error(`${this.name} exited (${code}) before ${what}:\n${this.out}\n${this.describe()}`);
      if (Date.now() > end) throw new Error(`${this.name}: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get metricsUrl(): string | null {
    return /metrics: +(http:\/\/\S+)\/metrics/.exec(this.out)?.[1] ?? null;
  }

  async health(): Promise<Record<string, unknown> | null> {
    const url = this.metricsUrl;
    if (!url) return null;
    const res = await fetch(`${url}/health`).catch(() => null);
    return res ? ((await res.json()) as Record<string, unknown>) : null;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

async function simulateDay(brokers: string, day: number): Promise<void> {
  const p = new Proc(`simulate day ${day}`, ['simulate', '--kafka', brokers, '--seed', SEED, '--days', '1', '--start', new Date(START + day * DAY).toISOString(), '--journeys-per-day', JOURNEYS], {});
  const code = await p.exited;
  if (code !== 0) throw new Error(`simulate day ${day} exited ${code}: ${p.out}`);
}

describe('scale-out: ingest workers and elected evaluators as separate processes', () => {
  let broker: RunningBroker;
  let served: ServedFolder;
  let transport: Transport;
  let tmp: string;
  const procs: Proc[] = [];
  const open: Warehouse[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'slo-scale-'));
    broker = await startKafkaBroker({ watchParentPid: process.pid });
    served = await startServedFolder();
    transport = createKafkaTransport({ brokers: [broker.brokers] });
  }, 240_000);

  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    for (const wh of open) await wh.close().catch(() => {});
    await transport?.close().catch(() => {});
    await served?.stop();
    await broker?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const env = (): NodeJS.ProcessEnv => ({ SLO_PII_HMAC_KEY: PII, CLICKHOUSE_USER: served.endpoint.user, CLICKHOUSE_PASSWORD: served.endpoint.password });
  const start = (name: string, role: string, database: string, group: string, extra: string[] = []): Proc => {
    const p = new Proc(
      name,
      ['run', '--role', role, '--kafka', broker.brokers, '--clickhouse', served.endpoint.url, '--database', database, '--group-id', group, '--no-simulate', '--metrics-port', '0', '--slos', SLOS, '--partitions', '6', ...extra],
      env(),
    );
    procs.push(p);
    return p;
  };
  const warehouse = async (database: string): Promise<Warehouse> => {
    const wh = await ClickHouseWarehouse.open({ url: served.endpoint.url, database, username: served.endpoint.user, password: served.endpoint.password });
    open.push(wh);
    return wh;
  };

  it('gives the facts and signals of one process, with one leader at a time', async () => {
    const log = (line: string): void => console.log(`scale-out: ${line}`);
    await simulateDay(broker.brokers, 0);
    const w1 = start('ingest-1', 'ingest', 'scale', 'scale');
    await w1.waitFor('its first batch', () => w1.count('batch committed') >= 1);
    const e1 = start('evaluate-1', 'evaluate', 'scale', 'scale');
    const e2 = start('evaluate-2', 'evaluate', 'scale', 'scale');
    await Promise.all([e1, e2].map((e) => e.waitFor('its start', () => e.metricsUrl !== null)));
    await e1.waitFor('a leader', () => e1.count('elected: this process leads the evaluation') + e2.count('elected: this process leads the evaluation') >= 1);
    const leaderNow = async (): Promise<Proc[]> => {
      const out: Proc[] = [];
      for (const e of [e1, e2]) if (((await e.health())?.['roles'] as Record<string, { leader?: boolean }> | undefined)?.['evaluate']?.leader) out.push(e);
      return out;
    };
    log(`day 1 published; 1 ingest worker; 2 evaluator candidates, leading: ${(await leaderNow()).map((e) => e.name).join(', ')}`);

    // 1 -> 3 workers: day 2 is shared by all three.
    const w2 = start('ingest-2', 'ingest', 'scale', 'scale');
    const w3 = start('ingest-3', 'ingest', 'scale', 'scale');
    await Promise.all([w2, w3].map((w) => w.waitFor('ingest started', () => w.count('ingest started') >= 1)));
    await new Promise((r) => setTimeout(r, 3000));
    await simulateDay(broker.brokers, 1);
    for (const w of [w1, w2, w3]) await w.waitFor('a batch of day 2', () => w.count('batch committed') >= (w === w1 ? 2 : 1));
    log(`3 ingest workers: batches ${[w1, w2, w3].map((w) => `${w.name} ${w.count('batch committed')}`).join(', ')}`);
    // Every role serves Prometheus metrics: the workers their lag and input, the leader its state.
    const scrape = async (p: Proc): Promise<string> => (await fetch(`${p.metricsUrl}/metrics`)).text();
    const workerMetrics = await Promise.all([w1, w2, w3].map(scrape));
    for (const m of workerMetrics) {
      expect(m).toMatch(/^slo_consumer_lag_messages\{topic="tjm\.journey\.v1",partition="\d+"\} \d+$/m);
      expect(m).toMatch(/^slo_events_in_total\{topic="[a-z.]+\.v1"\} [1-9]\d*$/m);
    }
    const evaluatorMetrics = (await Promise.all([e1, e2].map(scrape))).join('\n');
    expect(evaluatorMetrics).toMatch(/^slo_evaluator_leader 1$/m);
    expect(evaluatorMetrics).toMatch(/^slo_evaluator_leader 0$/m);

    // 3 -> 1 workers, and the leading evaluator dies while day 3 arrives.
    w2.kill('SIGTERM');
    w3.kill('SIGTERM');
    expect(await w2.exited).toBe(0);
    expect(await w3.exited).toBe(0);
    let leaders = await leaderNow();
    for (let i = 0; i < 100 && leaders.length !== 1; i++) {
      await new Promise((r) => setTimeout(r, 200));
      leaders = await leaderNow();
    }
    expect(leaders.length, 'exactly one evaluator leads').toBe(1);
    const leader = leaders[0] as Proc;
    const standby = leader === e1 ? e2 : e1;
    const electedBefore = standby.count('elected: this process leads the evaluation');
    await leader.waitFor('an evaluation cycle', () => leader.count('SLO evaluator cycle') >= 1);
    await simulateDay(broker.brokers, 2);
    await w1.waitFor('a batch of day 3', () => w1.count('batch committed') >= 4);
    leader.kill('SIGKILL');
    const killedAt = Date.now();
    await standby.waitFor('its election', () => standby.count('elected: this process leads the evaluation') > electedBefore, 60_000);
    const takeover = (Date.now() - killedAt) / 1000;
    log(`killed the leader ${leader.name} (kill -9) after ${leader.count('SLO evaluator cycle')} cycles; ${standby.name} elected ${takeover.toFixed(1)} s later`);
    expect(takeover).toBeLessThan(30);

    // Everything ingested and evaluated to the newest event.
    const lagOf = async (group: string): Promise<number> => (await consumerLag(transport, group, [...INPUT_TOPIC_LIST])).reduce((s, p) => s + p.lag, 0);
    for (let i = 0; i < 600 && (await lagOf('scale')) > 0; i++) await new Promise((r) => setTimeout(r, 500));
    expect(await lagOf('scale')).toBe(0);

    // The reference: one process over the same topics, into its own database.
    const ref = start('reference', 'all', 'reference', 'reference', ['--exit-when-idle', '--no-api']);
    const refCode = await ref.exited;
    expect(refCode, `the reference run exited ${refCode}:\n${ref.out}\n${ref.describe()}`).toBe(0);
    const refWh = await warehouse('reference');
    const wh = await warehouse('scale');
    const cursor = async (): Promise<number> => Number((await wh.query<{ c: string }>("SELECT max(cursor_minute) AS c FROM slo_evaluator_state FINAL WHERE evaluator = 'default'"))[0]?.c ?? 0);
    const refCursor = Number((await refWh.query<{ c: string }>("SELECT max(cursor_minute) AS c FROM slo_evaluator_state FINAL WHERE evaluator = 'default'"))[0]?.c ?? 0);
    for (let i = 0; i < 480 && (await cursor()) < refCursor; i++) await new Promise((r) => setTimeout(r, 500));
    expect(await cursor(), `the new leader's cursor; its health: ${JSON.stringify(await standby.health())}\n${standby.describe()}`).toBe(refCursor);
    await new Promise((r) => setTimeout(r, 3000)); // the cost refresher's next tick

    for (const p of [w1, standby]) p.kill('SIGTERM');
    expect(await w1.exited).toBe(0);
    expect(await standby.exited).toBe(0);

    const skip = new Set(['ingest_progress', 'slo_board_minute', 'slo_evaluator_state', 'slo_webhook_outbox', 'slo_webhook_deliveries', 'slo_signal_retractions', 'warehouse_repairs']);
    const pick = (s: Record<string, { rows: number; hash: string }>): Record<string, { rows: number; hash: string }> => Object.fromEntries(Object.entries(s).filter(([t]) => !skip.has(t)));
    const [a, b] = [pick(await snapshotTables(wh)), pick(await snapshotTables(refWh))];
    expect(a).toEqual(b);
    const journeyRows = a['journey_events']?.rows ?? 0;
    expect(journeyRows).toBeGreaterThan(1000);

    const signals = async (w: Warehouse): Promise<string[]> =>
      (await w.query<{ s: string }>('SELECT concat(signal_id, status, severity, slo_id, toString(sli), toString(error_budget_remaining), toString(evaluated_at)) AS s FROM slo_signals_v ORDER BY s')).map((r) => r.s);
    const [mine, theirs] = [await signals(wh), await signals(refWh)];
    expect(mine.length).toBeGreaterThan(5);
    expect(mine).toEqual(theirs);

    // On the output topic (both runs publish there): one content per signal_id.
    const records = await readTopic<SloBreachSignal>(transport, OUTPUT_TOPICS.breach);
    const seen = new Map<string, string>();
    let conflicts = 0;
    for (const { value } of records) {
      const content = JSON.stringify(value);
      const before = seen.get(value.signal_id);
      if (before !== undefined && before !== content) conflicts++;
      seen.set(value.signal_id, content);
    }
    const copies = records.length;
    expect(conflicts).toBe(0);
    expect(new Set(seen.keys())).toEqual(new Set(mine.map((s) => s.slice(0, 32))));
    log(
      `facts equal (${journeyRows} journey events; ${Object.keys(a).length} tables); ${mine.length} signals equal to the single-process run; ` +
        `${copies} records on ${OUTPUT_TOPICS.breach} for ${seen.size} signal ids, no id with two contents`,
    );
  }, 900_000);
});
