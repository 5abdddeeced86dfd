import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineError } from '../../processors/errors/index.js';
import { createKafkaTransport, kafkaSecurityFromEnv } from '../../processors/transport/kafka/index.js';
import type { Message, Transport } from '../../processors/transport/types.js';
import { type RunningBroker, startKafkaBroker } from '../../scripts/kafka-broker.js';
import { uniqueKafkaName } from '../support/kafka.js';

const USER = 'slo-pipeline';
const PASSWORD = 'correct-horse-battery-staple';
const KAFKA = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, logLevel: 'nothing' } as const;

/** Produces `n` keyed records through the port and consumes them back in a group, committing. */
async function roundTrip(transport: Transport, n = 40): Promise<{ received: Message[]; committed: number }> {
  const topic = uniqueKafkaName('sasl');
  const group = uniqueKafkaName('sasl-group');
  await transport.ensureTopics([{ topic, partitions: 2 }]);
  const producer = await transport.producer();
  await producer.send(topic, Array.from({ length: n }, (_, i) => ({ key: `k${i % 7}`, value: Buffer.from(`v${i}`) })));
  await producer.close();
  const received: Message[] = [];
  const consumer = transport.consumer({ groupId: group, topics: [topic] });
  let done: () => void = () => {};
  const all = new Promise<void>((r) => (done = r));
  await consumer.start({
    onBatch: async (batch) => {
      received.push(...batch.messages);
      const last = batch.messages[batch.messages.length - 1];
      if (last) await consumer.commit([{ topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }]);
      if (received.length >= n) done();
    },
  });
  await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${received.length}/${n} records consumed`)), 60_000))]);
  await consumer.stop();
  const committed = (await transport.committedOffsets(group, topic)).reduce((s, c) => s + Number(c.offset), 0);
  return { received, committed };
}

async function refusal(op: () => Promise<unknown>): Promise<{ error: PipelineError; ms: number }> {
  const started = Date.now();
  try {
    await op();
  } catch (e) {
    return { error: e as PipelineError, ms: Date.now() - started };
  }
  throw new Error('expected the operation to be refused');
}

// A broker of its own: the shared one of the run has no authenticated listeners.
describe('Kafka with SASL (PLAIN, SCRAM-SHA-512) and TLS', () => {
  let broker: RunningBroker;
  let secrets: string;
  const transports: Transport[] = [];
  const open = (brokers: string, env: NodeJS.ProcessEnv, options: { retryForMs?: number } = {}): Transport => {
    const t = createKafkaTransport({ brokers: [brokers], ...KAFKA, ...options, security: kafkaSecurityFromEnv(env) });
    transports.push(t);
    return t;
  };

  beforeAll(async () => {
    broker = await startKafkaBroker({ watchParentPid: process.pid, security: { users: [{ name: USER, password: PASSWORD }], tls: true } });
    secrets = mkdtempSync(join(tmpdir(), 'slo-sasl-'));
    writeFileSync(join(secrets, 'password'), `${PASSWORD}\n`, { mode: 0o600 });
  });

  afterAll(async () => {
    for (const t of transports) await t.close().catch(() => {});
    await broker?.stop();
    if (secrets) rmSync(secrets, { recursive: true, force: true });
  });

  it('SCRAM-SHA-512 on SASL_PLAINTEXT, password from a file: records go through the port and the group commits', async () => {
    const env = { KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: USER, KAFKA_SASL_PASSWORD_FILE: join(secrets, 'password') };
    const { received, committed } = await roundTrip(open(broker.secure!.saslPlaintext, env));
    expect(received.map((m) => m.value?.toString()).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `v${i}`).sort());
    expect(committed).toBe(40);
  });

  it('PLAIN on SASL_PLAINTEXT', async () => {
    const env = { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: USER, KAFKA_SASL_PASSWORD: PASSWORD };
    expect((await roundTrip(open(broker.secure!.saslPlaintext, env))).committed).toBe(40);
  });

  it('SCRAM-SHA-512 on SASL_SSL, the broker verified against the CA file', async () => {
    const env = { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: USER, KAFKA_SASL_PASSWORD: PASSWORD, KAFKA_TLS_CA_FILE: broker.secure!.caFile! };
    expect((await roundTrip(open(broker.secure!.saslSsl!, env))).committed).toBe(40);
  });

  it('a wrong password fails fast with KAFKA_AUTH_FAILED, for producers, consumers and admin calls, never retried', async () => {
    // A retry budget of ten minutes: only the classification can make this fail fast.
    const wrong = open(
      broker.secure!.saslPlaintext,
      { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: USER, KAFKA_SASL_PASSWORD: 'wrong-password' },
      { retryForMs: 600_000 },
    );
    const produce = await refusal(() => wrong.producer());
    expect(produce.error).toBeInstanceOf(PipelineError);
    expect(produce.error.code).toBe('KAFKA_AUTH_FAILED');
    expect(produce.error.canRetry).toBe(false);
    expect(produce.error.message).toMatch(/authentication failed .*SCRAM-SHA-512/);
    expect(produce.error.message).not.toContain('\n');
    expect(produce.error.message).not.toContain('wrong-password');
    expect(produce.ms).toBeLessThan(5_000);

    const consume = await refusal(() => wrong.consumer({ groupId: uniqueKafkaName('g'), topics: ['any'] }).start({ onBatch: async () => {} }));
    expect(consume.error.code).toBe('KAFKA_AUTH_FAILED');
    expect(consume.ms).toBeLessThan(5_000);
    expect((await refusal(() => wrong.ensureTopics([{ topic: 'x', partitions: 1 }]))).error.code).toBe('KAFKA_AUTH_FAILED');

    const unknownUser = open(broker.secure!.saslPlaintext, { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'nobody', KAFKA_SASL_PASSWORD: PASSWORD });
    expect((await refusal(() => unknownUser.producer())).error.code).toBe('KAFKA_AUTH_FAILED');
  });

  it('a broker certificate the client does not trust is KAFKA_AUTH_FAILED, not an outage retried for minutes', async () => {
    // No CA file: the system's CAs do not know the test CA.
    const untrusted = open(broker.secure!.saslSsl!, { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: USER, KAFKA_SASL_PASSWORD: PASSWORD, KAFKA_TLS: 'true' });
    const { error, ms } = await refusal(() => untrusted.producer());
    expect(error.code).toBe('KAFKA_AUTH_FAILED');
    expect(error.message).toContain('SELF_SIGNED_CERT_IN_CHAIN');
    expect(ms).toBeLessThan(30_000);
  });
});
