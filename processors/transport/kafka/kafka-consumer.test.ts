import kafkajs from 'kafkajs';
import type { ConsumerRunConfig, EachBatchPayload, KafkaMessage, Consumer as KafkajsConsumer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../../errors/index.js';
import type { Consumer, MessageBatch, TopicPartition } from '../types.js';
import { KafkaTransport } from './kafka-transport.js';

const { KafkaJSProtocolError, KafkaJSNonRetriableError } = kafkajs;
// kafkajs' typings omit the options its retrier passes (retry/index.js).
const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error | string, options?: { cause: unknown }) => Error;
const answer = (type: string, retriable: boolean, message = type): Error =>
  new NonRetriable(new KafkaJSProtocolError(Object.assign(new Error(message), { type, retriable, code: 0 })), {
    cause: new KafkaJSProtocolError(Object.assign(new Error(message), { type, retriable, code: 0 })),
  });

type Listener = (event: { payload: Record<string, unknown> }) => void;

/**
 * The parts of a kafkajs consumer the adapter drives, scripted: the broker's side of a stall
 * (an expired member, a crash kafkajs does not restart from) without a broker.
 */
class ScriptedClient {
  readonly events = { REBALANCING: 'rebalancing', GROUP_JOIN: 'group_join', CRASH: 'crash' };
  private readonly listeners = new Map<string, Listener[]>();
  runs: ConsumerRunConfig[] = [];
  commits: unknown[] = [];
  commitAnswer: (() => Promise<void>) | null = null;

  on(name: string, fn: Listener): void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
  }
  emit(name: string, payload: Record<string, unknown>): void {
    for (const fn of this.listeners.get(name) ?? []) fn({ payload });
  }
  join(assignment: Record<string, number[]>): void {
    this.emit(this.events.GROUP_JOIN, { memberAssignment: assignment });
  }
  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async run(config: ConsumerRunConfig): Promise<void> {
    this.runs.push(config);
  }
  async commitOffsets(offsets: unknown): Promise<void> {
    this.commits.push(offsets);
    const next = this.commitAnswer;
    this.commitAnswer = null;
    if (next) await next();
  }
  pause(): void {}
  resume(): void {}
  seek(): void {}
  logger(): { warn(): void } {
    return { warn: () => {} };
  }
  /** Hands a fetch to the adapter as kafkajs' runner does. */
  async fetch(topic: string, partition: number, offsets: number[], resolved: string[] = []): Promise<void> {
    const messages = offsets.map((o) => ({ offset: String(o), key: null, value: Buffer.from(String(o)), timestamp: '0', headers: {} }) as unknown as KafkaMessage);
    const payload = {
      batch: { topic, partition, messages, highWatermark: String(offsets.at(-1)! + 1), lastOffset: () => String(offsets.at(-1)!) },
      resolveOffset: (o: string) => void resolved.push(o),
      heartbeat: async () => {},
      isRunning: () => true,
      isStale: () => false,
    } as unknown as EachBatchPayload;
    await this.runs.at(-1)!.eachBatch!(payload);
  }
}

async function started(handlers: {
  onBatch?: (c: Consumer, b: MessageBatch) => Promise<void>;
  onRevoked?: (tps: TopicPartition[]) => Promise<void>;
  errors?: Error[];
}): Promise<{ consumer: Consumer; client: ScriptedClient }> {
  const transport = new KafkaTransport({ brokers: ['127.0.0.1:9'], logLevel: 'nothing' });
  const client = new ScriptedClient();
  Object.defineProperty(transport, 'client', { value: { consumer: () => client as unknown as KafkajsConsumer } });
  const consumer = transport.consumer({ groupId: 'g', topics: ['t'], maxBatchSize: 2 });
  const running = consumer.start({
    onBatch: (b) => handlers.onBatch?.(consumer, b) ?? Promise.resolve(),
    ...(handlers.onRevoked ? { onRevoked: handlers.onRevoked } : {}),
    onError: (e) => void handlers.errors?.push(e),
  });
  await until(() => client.runs.length === 1);
  client.join({ t: [0, 1] });
  await running;
  return { consumer, client };
}

async function until(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const commitLast = async (c: Consumer, b: MessageBatch): Promise<void> =>
  c.commit([{ topic: b.topic, partition: b.partition, offset: String(Number(b.messages.at(-1)!.offset) + 1) }]);

describe('Kafka consumer after a stall', () => {
  it('a commit refused because the member expired is COMMIT_REJECTED, and no later slice of the fetch is handed out', async () => {
    const seen: string[][] = [];
    const outcomes: string[] = [];
    const revoked: TopicPartition[][] = [];
    const { consumer, client } = await started({
      onBatch: async (c, b) => {
        seen.push(b.messages.map((m) => m.offset));
        // The ingest's protocol: a rejected commit means the next owner re-forms the range.
        await commitLast(c, b).then(
          () => outcomes.push('committed'),
          (e: unknown) => outcomes.push(isPipelineError(e) ? e.code : String(e)),
        );
      },
      onRevoked: async (tps) => void revoked.push(tps),
    });
    // kafkajs' retrier wraps the broker's answer and drops its type.
    client.commitAnswer = () => Promise.reject(answer('UNKNOWN_MEMBER_ID', false, 'The coordinator is not aware of this member'));
    const resolved: string[] = [];
    await client.fetch('t', 0, [10, 11, 12, 13, 14], resolved);
    expect(seen).toEqual([['10', '11']]);
    expect(outcomes).toEqual(['COMMIT_REJECTED']);
    expect(resolved).toEqual([]);
    expect(consumer.assignment()).toEqual([]);
    await until(() => revoked.length === 1);
    // Another partition's batch, fetched before kafkajs noticed, is not handed out either.
    await client.fetch('t', 1, [0, 1]);
    expect(seen).toHaveLength(1);

    // kafkajs rejoins on its next heartbeat; the partitions come back and flow again.
    client.join({ t: [0, 1] });
    await until(() => consumer.assignment().length === 2);
    await client.fetch('t', 0, [10, 11]);
    expect(outcomes).toEqual(['COMMIT_REJECTED', 'committed']);
    await consumer.stop();
  });

  it('a batch handed out before its partition was taken away never commits, even once the partition is back', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const outcomes: string[] = [];
    const { consumer, client } = await started({
      onBatch: async (c, b) => {
        await held;
        await commitLast(c, b).then(
          () => outcomes.push('committed'),
          (e: unknown) => outcomes.push(isPipelineError(e) ? e.code : String(e)),
        );
      },
    });
    const inFlight = client.fetch('t', 0, [5]);
    await until(() => client.runs.length === 1);
    client.emit(client.events.REBALANCING, {});
    client.join({ t: [0, 1] });
    await until(() => consumer.assignment().length === 2);
    release();
    await inFlight;
    expect(outcomes).toEqual(['COMMIT_REJECTED']);
    expect(client.commits).toEqual([]);
    await consumer.stop();
  });

  it('a commit the broker could not take (timeouts during a stall) is TRANSPORT_UNAVAILABLE: the caller retries it', async () => {
    const outcomes: string[] = [];
    const { consumer, client } = await started({
      onBatch: async (c, b) => {
        await commitLast(c, b).then(
          () => outcomes.push('committed'),
          (e: unknown) => outcomes.push(isPipelineError(e) ? `${e.code}:${String(e.canRetry)}` : String(e)),
        );
      },
    });
    client.commitAnswer = () => Promise.reject(answer('REQUEST_TIMED_OUT', true));
    await client.fetch('t', 0, [1]);
    expect(outcomes).toEqual(['TRANSPORT_UNAVAILABLE:true']);
    expect(consumer.assignment()).toHaveLength(2);
    await consumer.stop();
  });

  it('a crash kafkajs does not restart from is rejoined when it heals, and stops the consumer with its reason when it cannot', async () => {
    const errors: Error[] = [];
    const { consumer, client } = await started({ errors });
    client.emit(client.events.CRASH, { error: answer('NOT_COORDINATOR_FOR_GROUP', false), restart: false });
    expect(consumer.assignment()).toEqual([]);
    await until(() => client.runs.length === 2);
    client.join({ t: [0] });
    await until(() => consumer.assignment().length === 1);
    expect(errors).toEqual([]);

    client.emit(client.events.CRASH, { error: answer('GROUP_AUTHORIZATION_FAILED', false, 'Not authorized to access group: Group authorization failed'), restart: false });
    await until(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ code: 'INVALID_CONFIG' });
    expect(errors[0]!.message).toBe('Kafka: consumer of group g stopped (GROUP_AUTHORIZATION_FAILED): Not authorized to access group: Group authorization failed');
    expect(client.runs).toHaveLength(2);
  });
});
