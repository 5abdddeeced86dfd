/**
 * A processor as its own process, for the crash tests: the ingest pipeline on Kafka into
 * an embedded warehouse folder, until it is killed (`kill -9`) or, with `resultFile`, until
 * its group has committed everything, when it writes what the warehouse holds and exits.
 *
 *   node --import tsx test/kafka/ingest-child.ts '<json ChildConfig>'
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NetworkError } from '@platformatic/kafka';
import { INPUT_TOPIC_LIST } from '../../processors/contracts/topics.js';
import { createKafkaTransport } from '../../processors/transport/kafka/index.js';
import { waitForCaughtUp, withTopicPrefix } from '../../processors/transport/index.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { migrate } from '../../sinks/warehouse/index.js';
import { outcome, pipeline } from './pipeline.js';

export interface ChildConfig {
  brokers: string[];
  prefix: string;
  group: string;
  dataDir: string;
  database: string;
  maxBatchSize: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  resultFile?: string;
  /**
   * Kill -9 this process as soon as the broker acknowledged its first send to a dead-letter
   * topic (@platformatic/kafka's `producer:sends` tracing channel): after the dead letters are
   * in the log, before the batch's offsets are committed.
   */
  killAfterDeadLetterSend?: boolean;
  /**
   * The first transaction's commit lands on the broker and its answer is lost: the client call
   * fails with a network error after the broker committed (@platformatic/kafka's Transaction).
   */
  loseFirstCommitAnswer?: boolean;
  /** The Kafka client; by default the one the environment selects. */
  client?: 'platformatic' | 'kafkajs';
}

/** Sends of @platformatic/kafka's producers, as its diagnostics publish them. */
interface SendContext {
  options?: { messages?: Array<{ topic?: string }> };
  error?: unknown;
}

function killAfterDeadLetterSend(): void {
  tracingChannel<unknown, SendContext>('plt:kafka:producer:sends').subscribe({
    start: () => {},
    end: () => {},
    asyncStart: () => {},
    asyncEnd: (ctx) => {
      if (ctx.error === undefined && ctx.options?.messages?.some((m) => m.topic?.endsWith('.dlq'))) {
        process.stderr.write('dead letters sent: killed\n');
        process.kill(process.pid, 'SIGKILL');
      }
    },
    error: () => {},
  });
}

/** Transaction#commit of the @platformatic/kafka module the transport loaded (its own file: the package exports its index only). */
async function loseFirstCommitAnswer(): Promise<void> {
  const index = fileURLToPath(import.meta.resolve('@platformatic/kafka'));
  const { Transaction } = (await import(pathToFileURL(join(dirname(index), 'clients', 'producer', 'transaction.js')).href)) as {
    Transaction: { prototype: { commit(callback?: unknown): Promise<unknown> } };
  };
  const commit = Transaction.prototype.commit;
  let lost = false;
  Transaction.prototype.commit = function (this: unknown, callback?: unknown): Promise<unknown> {
    if (callback !== undefined || lost) return commit.call(this, callback);
    return commit.call(this).then(() => {
      lost = true;
      process.stderr.write('transaction committed, its answer lost\n');
      throw new NetworkError('Connection closed');
    });
  };
}

async function main(config: ChildConfig): Promise<void> {
  if (config.killAfterDeadLetterSend) killAfterDeadLetterSend();
  if (config.loseFirstCommitAnswer) await loseFirstCommitAnswer();
  const wh = await ChdbWarehouse.open({ dataDir: config.dataDir, database: config.database });
  await migrate(wh);
  const transport = withTopicPrefix(
    createKafkaTransport({
      brokers: config.brokers,
      ...(config.client ? { client: config.client } : {}),
      sessionTimeoutMs: config.sessionTimeoutMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      logLevel: 'error',
    }),
    config.prefix,
  );
  const p = pipeline(transport, wh, config.group, { maxBatchSize: config.maxBatchSize });
  await p.start();
  process.stdout.write('started\n');
  const watch = setInterval(() => {
    if (p.error) {
      console.error(`pipeline failed: ${String(p.error)}`);
      process.exit(3);
    }
  }, 50);
  if (!config.resultFile) return;
  await waitForCaughtUp(transport, config.group, INPUT_TOPIC_LIST, { timeoutMs: 180_000 });
  await p.stop();
  clearInterval(watch);
  writeFileSync(config.resultFile, JSON.stringify(await outcome(wh)));
  await transport.close();
  await wh.close();
  process.exit(0);
}

main(JSON.parse(process.argv[2] ?? '{}') as ChildConfig).catch((e: unknown) => {
  console.error((e as Error).stack ?? String(e));
  process.exit(2);
});
