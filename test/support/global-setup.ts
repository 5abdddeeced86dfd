import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type RunningBroker, startKafkaBroker, waitUntilServing } from '../../scripts/kafka-broker.js';
import { processAlive } from '../../processors/util/process-alive.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Loopback URL test files ask for the run's Kafka broker (see test/support/kafka.ts). */
    kafkaService: string;
  }
}

interface BrokerSource {
  brokers: string;
  source: 'KAFKA_BROKERS' | 'testcontainers' | 'maven';
  stop(): Promise<void>;
}

/**
 * One Kafka broker per test run, started on first demand: test files run in separate
 * processes, so they ask this process over loopback HTTP, and only a run that includes a
 * Kafka suite pays for a broker. Order: KAFKA_BROKERS, then testcontainers when a Docker
 * engine answers, then the broker from Maven Central (scripts/kafka-broker.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Every temporary folder of this run (test files, the commands they start, the broker's
  // data) goes under one folder that the teardown removes: suites that keep theirs for a
  // failing test's post-mortem, or that a kill cuts short, leave nothing behind the run.
  // SLO_TEST_KEEP_TMP=1 keeps it (its path is printed) for a look after a failure.
  const runTmp = mkdtempSync(join(tmpdir(), 'slo-test-run-'));
  process.env['TMPDIR'] = runTmp;
  // A broker given in the environment reaches the test files through the service below, not
  // through their environment: a command a test starts without --kafka (`run`, which takes
  // KAFKA_BROKERS for it) must get the in-process transport the test expects, not this broker
  // and whatever its topics hold. Kafka tests hand the address to the processes they start.
  const given = process.env['KAFKA_BROKERS'];
  delete process.env['KAFKA_BROKERS'];
  let pending: Promise<BrokerSource> | null = null;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/brokers') {
      res.writeHead(404).end();
      return;
    }
    pending ??= acquireBroker(given);
    pending.then(
      (b) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ brokers: b.brokers, source: b.source })),
      (e: unknown) => res.writeHead(503, { 'content-type': 'text/plain' }).end((e as Error).message),
    );
  });
  // A Maven resolution plus a broker start can take minutes on a cold machine.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  project.provide('kafkaService', `http://127.0.0.1:${port}`);

  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (pending) await (await pending.catch(() => null))?.stop();
    await removeTestWarehouseFolders();
    if (process.env['SLO_TEST_KEEP_TMP'] === '1') process.stderr.write(`test run's temporary folders kept in ${runTmp}\n`);
    else rmSync(runTmp, { recursive: true, force: true, maxRetries: 5 });
  };
}

/**
 * The chdb folders of test processes (test/support/warehouse.ts), once those are gone: the
 * worker processes of this run end around now, so each gets a few seconds.
 */
async function removeTestWarehouseFolders(): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(/^slo-test-chdb-(\d+)$/.exec(name)?.[1] ?? 0);
    if (pid === 0) continue;
    while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!processAlive(pid)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}


async function acquireBroker(fromEnv: string | undefined): Promise<BrokerSource> {
  if (fromEnv) return { brokers: fromEnv, source: 'KAFKA_BROKERS', stop: async () => {} };
  const errors: string[] = [];
  if (await dockerAnswers()) {
    try {
      return await startContainer();
    } catch (e) {
      errors.push(`testcontainers: ${(e as Error).message}`);
    }
  }
  try {
    const broker: RunningBroker = await startKafkaBroker({ watchParentPid: process.pid });
    return { brokers: broker.brokers, source: 'maven', stop: () => broker.stop() };
  } catch (e) {
    errors.push(`Maven-started broker: ${(e as Error).message}`);
  }
  throw new Error(
    `no Kafka broker for this run. Set KAFKA_BROKERS, run a Docker engine, or install Java 17+ and Maven.\n${errors.join('\n')}`,
  );
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer')), 10_000)),
    ]);
    return true;
  } catch {
    return false;
  }
}

async function startContainer(): Promise<BrokerSource> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const { createServer: netServer } = await import('node:net');
  // The advertised listener must name the host port, so the port is chosen before start.
  const hostPort = await new Promise<number>((resolve) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
  const container = await new GenericContainer('apache/kafka:4.1.0')
    .withExposedPorts({ container: 9092, host: hostPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${hostPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '4',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS: '1000',
      KAFKA_NUM_PARTITIONS: '1',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(180_000)
    .start();
  const brokers = `127.0.0.1:${hostPort}`;
  await waitUntilServing(brokers, null, 120_000);
  return { brokers, source: 'testcontainers', stop: async () => void (await container.stop()) };
}
