import { afterEach, describe, expect, it } from 'vitest';
import { MemoryTransport, withTopicPrefix } from '../../processors/transport/index.js';
import type { Consumer, MessageBatch } from '../../processors/transport/types.js';
import { transportContract } from './transport.contract.js';

transportContract('memory', async () => new MemoryTransport());
// The prefixing view must be invisible to the processors: the same contract holds through it.
transportContract('memory behind a topic prefix', async () => withTopicPrefix(new MemoryTransport(), 'staging.'));
// With releaseCommitted, a group that joins late sees only what is retained (as on Kafka after
// retention), which the contract's "another group starts from the beginning" does not allow
// for; the release itself is covered below.

describe('memory transport: releaseCommitted (a log start offset, as Kafka\'s retention)', () => {
  const open: MemoryTransport[] = [];
  const consumers: Consumer[] = [];
  afterEach(async () => {
    for (const c of consumers.splice(0)) await c.stop();
    for (const t of open.splice(0)) await t.close();
  });
  function transport(options: ConstructorParameters<typeof MemoryTransport>[0]): MemoryTransport {
    const t = new MemoryTransport(options);
    open.push(t);
    return t;
  }
  const values = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(String(from + i)) }));
  async function send(t: MemoryTransport, topic: string, from: number, n: number): Promise<void> {
    const p = await t.producer();
    await p.send(topic, values(from, n));
  }
  /** A consumer that records what it gets and commits each batch unless told to hold. */
  async function reader(t: MemoryTransport, groupId: string, topic: string, commit = true): Promise<{ c: Consumer; seen: number[] }> {
    const seen: number[] = [];
    const c = t.consumer({ groupId, topics: [topic], maxBatchSize: 4 });
    consumers.push(c);
    await c.start({
      onBatch: async (b: MessageBatch) => {
        seen.push(...b.messages.map((m) => Number(m.offset)));
        if (commit) await c.commit([{ topic, partition: 0, offset: String(Number(b.messages.at(-1)!.offset) + 1) }]);
      },
    });
    return { c, seen };
  }
  async function until(cond: () => boolean): Promise<void> {
    for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
    expect(cond()).toBe(true);
  }

  it('releases what every reading group committed; offsets go on where they were', async () => {
    const t = transport({ releaseCommitted: true });
    await t.ensureTopics([{ topic: 't', partitions: 1 }]);
    const { seen } = await reader(t, 'g', 't');
    await send(t, 't', 0, 10);
    await until(() => seen.length === 10);
    await until(() => t.retainedMessages === 0);
    expect(t.topic('t')?.logStart).toEqual([10]);
    await send(t, 't', 10, 3);
    await until(() => seen.length === 13);
    expect(seen).toEqual(Array.from({ length: 13 }, (_, i) => i));
    expect(await t.endOffsets('t')).toEqual([{ partition: 0, offset: '13' }]);
    expect(t.retainedHighWater).toBeGreaterThanOrEqual(3);
    expect(t.retainedHighWater).toBeLessThanOrEqual(10);
  });

  it('keeps everything a slower group, or a group without a commit, still needs', async () => {
    const t = transport({ releaseCommitted: true });
    await t.ensureTopics([{ topic: 't', partitions: 1 }]);
    const fast = await reader(t, 'fast', 't');
    const idle = await reader(t, 'idle', 't', false);
    await send(t, 't', 0, 10);
    await until(() => fast.seen.length === 10 && idle.seen.length === 10);
    expect(t.retainedMessages).toBe(10); // 'idle' never committed: it would start from the beginning
    await idle.c.commit([{ topic: 't', partition: 0, offset: '6' }]);
    expect(t.retainedMessages).toBe(4);
    expect(t.topic('t')?.logStart).toEqual([6]);
    // A group that stopped still counts: its commits say where it resumes.
    await idle.c.stop();
    await send(t, 't', 10, 2);
    await until(() => fast.seen.length === 12);
    expect(t.topic('t')?.logStart).toEqual([6]);
  });

  it('a group below the log start offset reads from the earliest retained message', async () => {
    const t = transport({ releaseCommitted: true });
    await t.ensureTopics([{ topic: 't', partitions: 1 }]);
    const first = await reader(t, 'first', 't');
    await send(t, 't', 0, 8);
    await until(() => t.retainedMessages === 0);
    await first.c.stop();
    // A new group (no commit) and a seek below the start both land on the earliest retained.
    await send(t, 't', 8, 2);
    const late = await reader(t, 'late', 't', false);
    await until(() => late.seen.length === 2);
    expect(late.seen).toEqual([8, 9]);
    late.c.seek({ topic: 't', partition: 0 }, '0');
    await send(t, 't', 10, 1);
    await until(() => late.seen.length === 5);
    expect(late.seen).toEqual([8, 9, 8, 9, 10]);
  });

  it('a topic no group reads keeps at most unreadRetention messages per partition', async () => {
    const t = transport({ releaseCommitted: true, unreadRetention: 3 });
    await t.ensureTopics([{ topic: 'dlq', partitions: 1 }]);
    await send(t, 'dlq', 0, 10);
    expect(t.retainedMessages).toBe(3);
    expect(t.retainedHighWater).toBe(3);
    expect(await t.endOffsets('dlq')).toEqual([{ partition: 0, offset: '10' }]);
    const late = await reader(t, 'late', 'dlq');
    await until(() => late.seen.length === 3);
    expect(late.seen).toEqual([7, 8, 9]);
    // Read now: no longer trimmed on produce, released on commit.
    await send(t, 'dlq', 10, 5);
    await until(() => late.seen.length === 8);
    await until(() => t.retainedMessages === 0);
  });

  it('without the option every message is kept, as before', async () => {
    const t = transport({});
    await t.ensureTopics([{ topic: 't', partitions: 1 }]);
    const { seen } = await reader(t, 'g', 't');
    await send(t, 't', 0, 10);
    await until(() => seen.length === 10);
    expect(t.retainedMessages).toBe(10);
    expect(t.topic('t')?.logStart).toEqual([0]);
    expect(t.topic('t')?.partitions[0]?.map((m) => m.offset)).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
  });

  it('rejects a negative unreadRetention, naming the option', () => {
    expect(() => new MemoryTransport({ unreadRetention: -1 })).toThrow(/unreadRetention/);
  });
});
