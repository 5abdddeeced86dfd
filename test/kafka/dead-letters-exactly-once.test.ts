import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Transport } from '../../processors/transport/types.js';
import { getKafkaBrokers, uniqueKafkaName } from '../support/kafka.js';
import type { ChildConfig } from './ingest-child.js';
import { ensureInputTopics, kafkaTransport, newPrefix, publish, readDeadLetters, simulation, TEST_KAFKA, wireChunks, type Outcome } from './harness.js';

const CHILD = fileURLToPath(new URL('./ingest-child.ts', import.meta.url));

function startProcessor(config: ChildConfig): { proc: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; stderr: () => string } {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  proc.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, exited, stderr: () => err };
}

describe('dead letters on Kafka are produced exactly once', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slo-kafka-dlq-'));
  const transports: Transport[] = [];
  afterAll(async () => {
    for (const t of transports) await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a processor killed right after its dead letters reached the broker, before its commit: the topics hold each one once', async () => {
    const sim = simulation(37);
    const expected = Object.values(sim.truth.dead_letters.bytes.by_code).reduce((s, n) => s + n, 0);
    expect(expected).toBeGreaterThanOrEqual(10);
    const prefix = newPrefix();
    const group = uniqueKafkaName('dlq');
    const observer = await kafkaTransport(prefix);
    transports.push(observer);
    await ensureInputTopics(observer);
    await publish(observer, wireChunks(sim, 1)[0]!);
    const config: ChildConfig = {
      brokers: (await getKafkaBrokers()).split(','),
      prefix,
      group,
      dataDir,
      database: 'dlq_test',
      maxBatchSize: 300,
      sessionTimeoutMs: TEST_KAFKA.sessionTimeoutMs,
      heartbeatIntervalMs: TEST_KAFKA.heartbeatIntervalMs,
      client: 'platformatic',
    };

    const killed = startProcessor({ ...config, killAfterDeadLetterSend: true });
    const end = await killed.exited;
    expect(end.signal, killed.stderr()).toBe('SIGKILL');
    expect(killed.stderr()).toContain('dead letters sent: killed');

    const resultFile = join(dataDir, 'result.json');
    const last = startProcessor({ ...config, resultFile });
    expect((await last.exited).code, last.stderr()).toBe(0);
    const got = JSON.parse(readFileSync(resultFile, 'utf8')) as Outcome;
    expect(got.factsByTopic).toEqual(sim.truth.events.by_topic);
    expect(got.deadLettersByCode).toEqual(sim.truth.dead_letters.bytes.by_code);

    const letters = await readDeadLetters(observer, expected);
    const sources = letters.map((m) => m.headers['x-source'] ?? '');
    expect(new Set(sources).size).toBe(expected);
    expect(letters).toHaveLength(expected);
    const byCode: Record<string, number> = {};
    for (const m of letters) byCode[m.headers['x-dlq-reason'] ?? ''] = (byCode[m.headers['x-dlq-reason'] ?? ''] ?? 0) + 1;
    expect(byCode).toEqual(sim.truth.dead_letters.bytes.by_code);
  }, 300_000);

  it('a transaction that committed though its answer was lost: the retry finds its offsets committed and produces nothing again', async () => {
    const sim = simulation(41);
    const expected = Object.values(sim.truth.dead_letters.bytes.by_code).reduce((s, n) => s + n, 0);
    expect(expected).toBeGreaterThanOrEqual(10);
    const prefix = newPrefix();
    const observer = await kafkaTransport(prefix);
    transports.push(observer);
    await ensureInputTopics(observer);
    await publish(observer, wireChunks(sim, 1)[0]!);
    const resultFile = join(dataDir, 'lost-answer.json');
    const run = startProcessor({
      brokers: (await getKafkaBrokers()).split(','),
      prefix,
      group: uniqueKafkaName('dlq-lost'),
      dataDir,
      database: 'dlq_lost_answer',
      maxBatchSize: 300,
      sessionTimeoutMs: TEST_KAFKA.sessionTimeoutMs,
      heartbeatIntervalMs: TEST_KAFKA.heartbeatIntervalMs,
      client: 'platformatic',
      loseFirstCommitAnswer: true,
      resultFile,
    });
    expect((await run.exited).code, run.stderr()).toBe(0);
    expect(run.stderr()).toContain('transaction committed, its answer lost');
    const got = JSON.parse(readFileSync(resultFile, 'utf8')) as Outcome;
    expect(got.factsByTopic).toEqual(sim.truth.events.by_topic);
    expect(got.deadLettersByCode).toEqual(sim.truth.dead_letters.bytes.by_code);
    const letters = await readDeadLetters(observer, expected);
    expect(letters).toHaveLength(expected);
    expect(new Set(letters.map((m) => m.headers['x-source'] ?? '')).size).toBe(expected);
  }, 300_000);
});
