import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INPUT_TOPIC_LIST } from '../../processors/contracts/topics.js';
import type { SimOutput } from '../../processors/simulator/index.js';
import { consumerLag } from '../../processors/transport/index.js';
import type { Transport } from '../../processors/transport/types.js';
import { getKafkaBrokers, uniqueKafkaName } from '../support/kafka.js';
import type { ChildConfig } from './ingest-child.js';
import { embeddedReference, ensureInputTopics, kafkaTransport, newPrefix, publish, simulation, TEST_KAFKA, wireChunks, type Outcome } from './harness.js';

const CHILD = fileURLToPath(new URL('./ingest-child.ts', import.meta.url));

interface Running {
  proc: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** Starts a processor process and resolves once it has joined its group. */
async function startProcessor(config: ChildConfig): Promise<Running> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('started\n')) resolve();
    });
    void exited.then((code) => reject(new Error(`processor exited (${code}) before it started:\n${err}`)));
  });
  return { proc, exited, stderr: () => err };
}

async function committedTotal(transport: Transport, group: string): Promise<number> {
  return (await consumerLag(transport, group, INPUT_TOPIC_LIST)).reduce((s, p) => s + p.committedOffset, 0);
}

/** Deterministic "random" kill delays, so a failing run can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

// Minutes, not seconds, of budget: each restart waits out the killed member's session (6 s)
// and a loaded CI machine starts processes slowly. The limit only turns a hang into a failure.
describe('ingest on Kafka survives kill -9 of the processor', () => {
  let sim: SimOutput;
  let reference: Outcome;
  let dataDir: string;
  const transports: Transport[] = [];

  beforeAll(async () => {
    sim = simulation(31);
    reference = await embeddedReference(sim);
    dataDir = mkdtempSync(join(tmpdir(), 'slo-kafka-crash-'));
  });
  afterAll(async () => {
    for (const t of transports) await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('killed at random points while ingesting and restarted, the warehouse ends exactly as one clean pass', async () => {
    const seed = Number(process.env['KILL_SEED'] ?? 20261121);
    const random = rng(seed);
    const prefix = newPrefix();
    const group = uniqueKafkaName('crash');
    const observer = await kafkaTransport(prefix);
    transports.push(observer);
    await ensureInputTopics(observer);
    const config: ChildConfig = {
      brokers: (await getKafkaBrokers()).split(','),
      prefix,
      group,
      dataDir,
      database: 'crash_test',
      maxBatchSize: 200,
      sessionTimeoutMs: TEST_KAFKA.sessionTimeoutMs,
      heartbeatIntervalMs: TEST_KAFKA.heartbeatIntervalMs,
    };
    const kills = 4;
    const chunks = wireChunks(sim, kills + 1);
    const killedAfter: number[] = [];

    for (let i = 0; i < kills; i++) {
      const child = await startProcessor(config);
      const before = await committedTotal(observer, group);
      await publish(observer, chunks[i]!);
      // Kill only once this process has made progress, then at a random moment after.
      for (let n = 0; (await committedTotal(observer, group)) === before; n++) {
        if (n > 9000) throw new Error(`no progress from processor ${i}:\n${child.stderr()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const delay = Math.floor(random() * 700);
      await new Promise((r) => setTimeout(r, delay));
      killedAfter.push(await committedTotal(observer, group));
      child.proc.kill('SIGKILL');
      expect(await child.exited).toBeNull();
    }
    await publish(observer, chunks[kills]!);
    const resultFile = join(dataDir, 'result.json');
    const last = await startProcessor({ ...config, resultFile });
    const code = await last.exited;
    expect(code, last.stderr()).toBe(0);
    const got = JSON.parse(readFileSync(resultFile, 'utf8')) as Outcome;

    // Kills landed with work still outstanding at least once (else the test proves little).
    const published = chunks.slice(0, kills).map((_, i) => chunks.slice(0, i + 1).reduce((s, c) => s + c.length, 0));
    expect(killedAfter.some((c, i) => c < published[i]!), `seed ${seed}: committed at kills ${killedAfter}, published ${published}`).toBe(true);
    expect(got.factsByTopic).toEqual(sim.truth.events.by_topic);
    expect(got.deadLettersByCode).toEqual(sim.truth.dead_letters.bytes.by_code);
    expect(got.snapshot).toEqual(reference.snapshot);
  }, 300_000);
});
