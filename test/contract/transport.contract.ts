import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PipelineError } from '../../processors/errors/index.js';
import { retryBounded } from '../../processors/ingest/retry.js';
import { partitionForKey, waitForCaughtUp } from '../../processors/transport/index.js';
import type {
  Consumer,
  ConsumerHandlers,
  ConsumerOptions,
  MessageBatch,
  OutgoingMessage,
  TopicPartition,
  Transport,
} from '../../processors/transport/types.js';

/**
 * The transport port's contract: every adapter (memory, Kafka) runs these same tests, so the
 * processors can rely on the behaviour whichever transport they get. Each test makes its own
 * topics and groups with random names.
 */
export function transportContract(name: string, newTransport: () => Promise<Transport>): void {
  describe(`transport contract: ${name}`, () => {
    const opened: Transport[] = [];
    const consumers: Consumer[] = [];
    afterEach(async () => {
      for (const c of consumers.splice(0)) await c.stop();
      for (const t of opened.splice(0)) await t.close();
    });

    async function transport(): Promise<Transport> {
      const t = await newTransport();
      opened.push(t);
      return t;
    }
    function consumer(t: Transport, options: ConsumerOptions): Consumer {
      const c = t.consumer(options);
      consumers.push(c);
      return c;
    }
    const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

    async function produce(t: Transport, topic: string, messages: OutgoingMessage[]): Promise<void> {
      const p = await t.producer();
      await p.send(topic, messages);
      await p.close();
    }

    it('keeps per-partition order and puts a key on the partition Kafka picks', async () => {
      const t = await transport();
      const topic = unique('order');
      await t.ensureTopics([{ topic, partitions: 3 }]);
      const keys = Array.from({ length: 20 }, (_, i) => `JRNY-${i}`);
      const sent = Array.from({ length: 300 }, (_, seq) => ({ key: keys[seq % keys.length]!, seq }));
      const p = await t.producer();
      for (let i = 0; i < sent.length; i += 50) {
        await p.send(topic, sent.slice(i, i + 50).map((m) => ({ key: m.key, value: json(m) })));
      }
      await p.close();
      const seen = new Recorder();
      const group = unique('g');
      await consumer(t, { groupId: group, topics: [topic], maxBatchSize: 7 }).start(seen.handlers());
      await until(() => seen.count() >= sent.length, () => `received ${seen.count()} of ${sent.length}`);

      expect(seen.count()).toBe(sent.length);
      expect(seen.maxBatch).toBeLessThanOrEqual(7);
      for (const msgs of seen.byPartition.values()) {
        expect(msgs.map((m) => m.offset)).toEqual(msgs.map((_, i) => i));
      }
      const seqsByKey = new Map<string, number[]>();
      for (const [partition, msgs] of seen.byPartition) {
        for (const m of msgs) {
          expect(partition).toBe(partitionForKey(m.key, 3));
          seqsByKey.set(m.key, [...(seqsByKey.get(m.key) ?? []), m.seq]);
        }
      }
      for (const [key, seqs] of seqsByKey) {
        expect(seqs).toEqual(sent.filter((m) => m.key === key).map((m) => m.seq));
      }
      expect(seen.concurrentDeliveries).toBe(0);
    });

    it('honours an explicit partition, carries headers, null keys and binary values', async () => {
      const t = await transport();
      const topic = unique('explicit');
      await t.ensureTopics([{ topic, partitions: 4 }]);
      const binary = Buffer.from([0xc3, 0x01, 0, 255, 7]);
      await produce(t, topic, [
        { key: 'k', value: binary, partition: 3, headers: { reason: 'UNDECODABLE', source: 'x[1]@5' } },
        { key: null, value: json({ seq: 1 }), partition: 2 },
      ]);
      const batches: MessageBatch[] = [];
      await consumer(t, { groupId: unique('g'), topics: [topic] }).start({
        onBatch: async (b) => void batches.push(b),
      });
      await until(() => batches.flatMap((b) => b.messages).length === 2, () => 'two messages');
      const [m3] = batches.find((b) => b.partition === 3)!.messages;
      expect(m3!.value).toEqual(binary);
      expect(m3!.key?.toString()).toBe('k');
      expect(m3!.headers).toEqual({ reason: 'UNDECODABLE', source: 'x[1]@5' });
      const [m2] = batches.find((b) => b.partition === 2)!.messages;
      expect(m2!.key).toBeNull();
      expect(m2!.offset).toBe('0');
      expect(await t.endOffsets(topic)).toEqual([
        { partition: 0, offset: '0' },
        { partition: 1, offset: '0' },
        { partition: 2, offset: '1' },
        { partition: 3, offset: '1' },
      ]);
    });

    it('resumes a group from its committed offset after a restart', async () => {
      const t = await transport();
      const topic = unique('resume');
      const group = unique('g');
      await t.ensureTopics([{ topic, partitions: 1 }]);
      await produce(t, topic, range(0, 40).map((seq) => ({ key: 'a', value: json({ seq }) })));
      const first = new Recorder();
      const c1 = consumer(t, { groupId: group, topics: [topic], maxBatchSize: 10 });
      // Commit only up to offset 24 (next offset 25), in the middle of a batch.
      await c1.start(first.handlers(async (b) => {
        const upTo = b.messages.filter((m) => Number(m.offset) < 25);
        const last = upTo.at(-1);
        if (last) await c1.commit([{ topic, partition: 0, offset: String(Number(last.offset) + 1) }]);
      }));
      await until(() => first.count() === 40, () => `first member got ${first.count()}`);
      expect(await c1.committed([{ topic, partition: 0 }])).toEqual([{ topic, partition: 0, offset: '25' }]);
      await c1.stop();

      const second = new Recorder();
      const c2 = consumer(t, { groupId: group, topics: [topic] });
      await c2.start(second.handlers(commitEach(() => c2)));
      await until(() => second.count() === 15, () => `second member got ${second.count()}`);
      await waitForCaughtUp(t, group, [topic]);
      expect(second.offsets(0)).toEqual(range(25, 40));
      expect(await t.committedOffsets(group, topic)).toEqual([{ topic, partition: 0, offset: '40' }]);
      // Another group is independent and starts from the beginning.
      const other = new Recorder();
      await consumer(t, { groupId: unique('g'), topics: [topic] }).start(other.handlers());
      await until(() => other.count() === 40, () => `other group got ${other.count()}`);
    });

    it('hands a failed member\'s partitions on, uncommitted work included', async () => {
      const t = await transport();
      const topic = unique('fail');
      const group = unique('g');
      await t.ensureTopics([{ topic, partitions: 1 }]);
      await produce(t, topic, range(0, 20).map((seq) => ({ key: 'a', value: json({ seq }) })));
      const errors: Error[] = [];
      const c1 = consumer(t, { groupId: group, topics: [topic], maxBatchSize: 5 });
      await c1.start({
        onBatch: async (b) => {
          if (b.messages.some((m) => m.offset === '12')) throw new Error('warehouse said no');
          await c1.commit([{ topic, partition: 0, offset: String(Number(b.messages.at(-1)!.offset) + 1) }]);
        },
        onError: (e) => void errors.push(e),
      });
      await until(() => errors.length === 1, () => 'the failure to be reported');
      expect(errors[0]!.message).toBe('warehouse said no');
      await expect(c1.commit([{ topic, partition: 0, offset: '20' }])).rejects.toSatisfy(
        (e: unknown) => e instanceof PipelineError && e.code === 'COMMIT_REJECTED',
      );
      const second = new Recorder();
      const c2 = consumer(t, { groupId: group, topics: [topic] });
      await c2.start(second.handlers(commitEach(() => c2)));
      await waitForCaughtUp(t, group, [topic]);
      expect(second.offsets(0)).toEqual(range(10, 20));
    });

    it('rebalances across three members while producing: nothing lost, never two owners', async () => {
      const t = await transport();
      const topic = unique('rebalance');
      const group = unique('g');
      await t.ensureTopics([{ topic, partitions: 6 }]);
      const owners = new OwnershipTracker();
      const members: Consumer[] = [];
      const join = async (): Promise<Consumer> => {
        const id = members.length;
        const c = consumer(t, { groupId: group, topics: [topic], maxBatchSize: 25 });
        members.push(c);
        await c.start(owners.handlers(id, c));
        return c;
      };
      const producer = await t.producer();
      let seq = 0;
      const sendSome = async (n: number): Promise<void> => {
        const batch = range(seq, seq + n).map((s) => ({ key: `K-${s % 97}`, value: json({ seq: s }) }));
        seq += n;
        await producer.send(topic, batch);
      };
      await join();
      await sendSome(300);
      await until(() => owners.delivered >= 100, () => 'first member to make progress');
      const second = join();
      await sendSome(300);
      await second;
      await join();
      await sendSome(300);
      await until(() => owners.membersThatWorked.size === 3, () => `all three members to get batches (${[...owners.membersThatWorked]})`);
      await members[1]!.stop();
      await sendSome(300);
      await members[2]!.stop();
      await sendSome(300);
      await producer.close();
      await waitForCaughtUp(t, group, [topic]);

      expect(owners.violations).toEqual([]);
      const delivered = owners.offsetsDelivered();
      const ends = await t.endOffsets(topic);
      expect(ends.reduce((s, e) => s + Number(e.offset), 0)).toBe(seq);
      for (const { partition, offset } of ends) {
        expect(delivered.get(partition) ?? []).toEqual(range(0, Number(offset)));
      }
      expect(owners.membersThatWorked.size).toBe(3);
    });

    it('lets onRevoked commit when a member stops, and refuses a commit for a partition that moved', async () => {
      const t = await transport();
      const topic = unique('handover');
      const group = unique('g');
      await t.ensureTopics([{ topic, partitions: 2 }]);
      await produce(t, topic, [0, 1].flatMap((partition) => range(0, 5).map((seq) => ({ key: null, value: json({ seq }), partition }))));
      // A processes without committing, then commits everything it saw while being stopped.
      const lastSeen = new Map<number, number>();
      const a = consumer(t, { groupId: group, topics: [topic] });
      await a.start({
        onBatch: async (b) => void lastSeen.set(b.partition, Number(b.messages.at(-1)!.offset)),
        onRevoked: async (tps) => {
          const offsets = tps.flatMap((tp) => (lastSeen.has(tp.partition) ? [{ ...tp, offset: String(lastSeen.get(tp.partition)! + 1) }] : []));
          await a.commit(offsets);
        },
      });
      await until(() => lastSeen.get(0) === 4 && lastSeen.get(1) === 4, () => 'A to see both partitions');
      await a.stop();
      expect(await t.committedOffsets(group, topic)).toEqual([
        { topic, partition: 0, offset: '5' },
        { topic, partition: 1, offset: '5' },
      ]);

      // B owns both partitions, then C joins: B must not be able to commit what C now owns.
      const b = consumer(t, { groupId: group, topics: [topic] });
      await b.start({ onBatch: async () => {} });
      const c = consumer(t, { groupId: group, topics: [topic] });
      await c.start({ onBatch: async () => {} });
      await until(() => b.assignment().length === 1 && c.assignment().length === 1, () => 'B and C to share the partitions');
      const moved = c.assignment()[0]!;
      await expect(b.commit([{ ...moved, offset: '1' }])).rejects.toSatisfy(
        (e: unknown) => e instanceof PipelineError && e.code === 'COMMIT_REJECTED',
      );
      expect((await t.committedOffsets(group, topic)).find((o) => o.partition === moved.partition)?.offset).toBe('5');
    });

    it('creates the same topics from several clients at once: each one succeeds', async () => {
      const clients = await Promise.all([transport(), transport(), transport()]);
      for (let round = 0; round < 3; round++) {
        const specs = range(0, 6).map((i) => ({ topic: unique(`race${i}`), partitions: 2 }));
        await Promise.all(clients.map((t) => t.ensureTopics(specs)));
        // A client that found the topics made by another may ask before their leaders are known
        // (NOT_LEADER_OR_FOLLOWER, retriable): callers retry such answers, as the pipeline does.
        const ends = (topic: string): ReturnType<Transport['endOffsets']> =>
          retryBounded(`end offsets of ${topic}`, () => clients[0]!.endOffsets(topic), { initialMs: 100, maxMs: 1_000, giveUpAfterMs: 20_000 }, { isStopped: () => false });
        for (const spec of specs) expect(await ends(spec.topic)).toHaveLength(2);
      }
    });

    it('stops while a rebalance waits for the batch in flight: both go on once the batch ends', async () => {
      const t = await transport();
      const topic = unique('stop-rejoin');
      const group = unique('g');
      await t.ensureTopics([{ topic, partitions: 2 }]);
      await produce(t, topic, [0, 1].flatMap((partition) => range(0, 3).map((seq) => ({ key: null, value: json({ seq }), partition }))));
      let release: () => void = () => {};
      const held = new Promise<void>((r) => (release = r));
      let inFlight = false;
      const a = consumer(t, { groupId: group, topics: [topic] });
      await a.start({
        onBatch: async () => {
          inFlight = true;
          await held;
        },
      });
      await until(() => inFlight, () => 'A to hold a batch');
      // The stop waits for the batch; B's arrival makes A rejoin, which waits for it too.
      const stopped = a.stop().then(() => 'stopped' as const);
      const seen = new Set<string>();
      const b = consumer(t, { groupId: group, topics: [topic] });
      const commit = commitEach(() => b);
      const bStarted = b.start({
        onBatch: async (batch) => {
          for (const m of batch.messages) seen.add(`${batch.partition}:${m.offset}`);
          await commit(batch);
        },
      });
      await new Promise((r) => setTimeout(r, 3_000));
      release();
      const outcome = await Promise.race([stopped, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
      expect(outcome).toBe('stopped');
      await bStarted;
      await until(() => seen.size === 6, () => `B to receive all 6 records (has ${seen.size})`);
    });

    it('pauses and resumes one partition while the others flow', async () => {
      const t = await transport();
      const topic = unique('pause');
      await t.ensureTopics([{ topic, partitions: 2 }]);
      await produce(t, topic, [{ key: null, value: json({ seq: 0 }), partition: 0 }]);
      const seen = new Recorder();
      const c = consumer(t, { groupId: unique('g'), topics: [topic] });
      let paused = false;
      await c.start(seen.handlers(async (b) => {
        if (b.partition === 0 && !paused) {
          c.pause([{ topic, partition: 0 }]);
          paused = true;
        }
      }));
      await until(() => paused, () => 'partition 0 to be paused');
      await produce(t, topic, [
        ...range(1, 6).map((seq) => ({ key: null, value: json({ seq }), partition: 0 })),
        ...range(0, 5).map((seq) => ({ key: null, value: json({ seq }), partition: 1 })),
      ]);
      await until(() => seen.offsets(1).length === 5, () => 'partition 1 to be consumed');
      expect(seen.offsets(0)).toEqual([0]);
      c.resume([{ topic, partition: 0 }]);
      await until(() => seen.offsets(0).length === 6, () => 'partition 0 after resume');
      expect(seen.offsets(0)).toEqual(range(0, 6));
    });

    it('seeks back to re-form a batch and forward to skip', async () => {
      const t = await transport();
      const topic = unique('seek');
      await t.ensureTopics([{ topic, partitions: 1 }]);
      await produce(t, topic, range(0, 10).map((seq) => ({ key: 'a', value: json({ seq }) })));
      const c = consumer(t, { groupId: unique('g'), topics: [topic], maxBatchSize: 4 });
      const batches: number[][] = [];
      await c.start({
        onBatch: async (b) => {
          batches.push(b.messages.map((m) => Number(m.offset)));
          if (batches.length === 1) c.seek({ topic, partition: 0 }, '0');
          if (batches.length === 2) c.seek({ topic, partition: 0 }, '6');
        },
      });
      await until(() => batches.flat().at(-1) === 9, () => `batches so far ${JSON.stringify(batches)}`);
      expect(batches.slice(0, 2)).toEqual([[0, 1, 2, 3], [0, 1, 2, 3]]);
      expect(batches.slice(2).flat()).toEqual([6, 7, 8, 9]);
    });

    it('produces dead letters to another topic from inside a batch', async () => {
      const t = await transport();
      const topic = unique('in');
      const dlq = `${topic}.dlq`;
      await t.ensureTopics([{ topic, partitions: 2 }, { topic: dlq, partitions: 1 }]);
      const input = range(0, 30).map((seq) => ({ key: `K${seq}`, value: json({ seq, bad: seq % 7 === 3 }) }));
      await produce(t, topic, input);
      const dlqProducer = await t.producer();
      const group = unique('g');
      const c = consumer(t, { groupId: group, topics: [topic] });
      await c.start({
        onBatch: async (b) => {
          const bad = b.messages.filter((m) => (JSON.parse(m.value!.toString()) as { bad: boolean }).bad);
          await dlqProducer.send(dlq, bad.map((m) => ({
            key: m.key,
            value: m.value!,
            headers: { reason: 'INVALID_FIELD', source: `${m.topic}[${m.partition}]@${m.offset}` },
          })));
          await c.commit([{ topic, partition: b.partition, offset: String(Number(b.messages.at(-1)!.offset) + 1) }]);
        },
      });
      await waitForCaughtUp(t, group, [topic]);
      await dlqProducer.close();
      const dead = new Recorder();
      await consumer(t, { groupId: unique('g'), topics: [dlq] }).start(dead.handlers());
      const expected = input.filter((_, seq) => seq % 7 === 3).map((m) => m.key).sort();
      await until(() => dead.count() === expected.length, () => `dead letters ${dead.count()}`);
      expect(dead.all().map((m) => m.key).sort()).toEqual(expected);
      expect(dead.all().every((m) => m.headers['reason'] === 'INVALID_FIELD' && /\[\d\]@\d+$/.test(m.headers['source'] ?? ''))).toBe(true);
    });

    it('commits with records in one step: each record once, and the group resumes after the batch', async () => {
      const t = await transport();
      const topic = unique('in');
      const dlq = `${topic}.dlq`;
      await t.ensureTopics([{ topic, partitions: 2 }, { topic: dlq, partitions: 2 }]);
      const input = range(0, 40).map((seq) => ({ key: `K${seq}`, value: json({ seq, bad: seq % 5 === 2 }) }));
      await produce(t, topic, input);
      const group = unique('g');
      const c = consumer(t, { groupId: group, topics: [topic], maxBatchSize: 6 });
      let steps = 0;
      await c.start({
        onBatch: async (b) => {
          const bad = b.messages.filter((m) => (JSON.parse(m.value!.toString()) as { bad: boolean }).bad);
          const records = [{ topic: dlq, messages: bad.map((m) => ({ key: m.key, value: m.value!, headers: { source: `${m.partition}@${m.offset}` } })) }];
          await c.commitWith([{ topic, partition: b.partition, offset: String(Number(b.messages.at(-1)!.offset) + 1) }], records);
          steps++;
        },
      });
      await waitForCaughtUp(t, group, [topic]);
      expect(steps).toBeGreaterThan(2);
      const dead = new Recorder();
      await consumer(t, { groupId: unique('g'), topics: [dlq] }).start(dead.handlers());
      const expected = input.filter((_, seq) => seq % 5 === 2).map((m) => m.key).sort();
      await until(() => dead.count() === expected.length, () => `records ${dead.count()} of ${expected.length}`);
      await new Promise((r) => setTimeout(r, 500));
      expect(dead.all().map((m) => m.key).sort()).toEqual(expected);
      expect(new Set(dead.all().map((m) => m.headers['source'])).size).toBe(expected.length);
      const ends = await t.endOffsets(topic);
      expect(await t.committedOffsets(group, topic)).toEqual(ends.map((e) => ({ topic, partition: e.partition, offset: e.offset })));
    });

    it('refuses commitWith for a partition that moved, and none of its records becomes visible', async () => {
      const t = await transport();
      const topic = unique('moved');
      const out = `${topic}.out`;
      const group = unique('g');
      await t.ensureTopics([{ topic, partitions: 2 }, { topic: out, partitions: 1 }]);
      await produce(t, topic, [0, 1].map((partition) => ({ key: null, value: json({ seq: partition }), partition })));
      const b = consumer(t, { groupId: group, topics: [topic] });
      await b.start({ onBatch: async () => {} });
      const c = consumer(t, { groupId: group, topics: [topic] });
      await c.start({ onBatch: async () => {} });
      await until(() => b.assignment().length === 1 && c.assignment().length === 1, () => 'B and C to share the partitions');
      const moved = c.assignment()[0]!;
      await expect(b.commitWith([{ ...moved, offset: '1' }], [{ topic: out, messages: [{ key: 'zombie', value: json({ seq: 99 }) }] }])).rejects.toSatisfy(
        (e: unknown) => e instanceof PipelineError && e.code === 'COMMIT_REJECTED',
      );
      // A marker produced after the refused step: once it is read, anything before it would have been too.
      await produce(t, out, [{ key: 'marker', value: json({ seq: 100 }) }]);
      const seen = new Recorder();
      await consumer(t, { groupId: unique('g'), topics: [out] }).start(seen.handlers());
      await until(() => seen.count() >= 1, () => 'the marker');
      await new Promise((r) => setTimeout(r, 300));
      expect(seen.all().map((m) => m.key)).toEqual(['marker']);
      expect((await t.committedOffsets(group, topic)).find((o) => o.partition === moved.partition)).toBeUndefined();
    });
  });
}

interface Seen {
  key: string;
  seq: number;
  offset: number;
  headers: Record<string, string>;
}

/** Collects what a consumer received and checks one partition is never in two batches at once. */
class Recorder {
  readonly byPartition = new Map<number, Seen[]>();
  maxBatch = 0;
  concurrentDeliveries = 0;
  private readonly active = new Set<number>();

  handlers(extra?: (b: MessageBatch) => Promise<void>): ConsumerHandlers {
    return {
      onBatch: async (b) => {
        if (this.active.has(b.partition)) this.concurrentDeliveries++;
        this.active.add(b.partition);
        this.maxBatch = Math.max(this.maxBatch, b.messages.length);
        const list = this.byPartition.get(b.partition) ?? [];
        for (const m of b.messages) {
          const v = JSON.parse(m.value!.toString()) as { seq: number };
          list.push({ key: m.key?.toString() ?? '', seq: v.seq, offset: Number(m.offset), headers: m.headers });
        }
        this.byPartition.set(b.partition, list);
        await new Promise((r) => setImmediate(r));
        if (extra) await extra(b);
        this.active.delete(b.partition);
      },
    };
  }
  count(): number {
    return this.all().length;
  }
  all(): Seen[] {
    return [...this.byPartition.values()].flat();
  }
  offsets(partition: number): number[] {
    return (this.byPartition.get(partition) ?? []).map((m) => m.offset);
  }
}

/** Tracks which member owns and processes each partition across rebalances. */
class OwnershipTracker {
  readonly violations: string[] = [];
  readonly membersThatWorked = new Set<number>();
  delivered = 0;
  private readonly owner = new Map<number, number>();
  private readonly busy = new Map<number, number>();
  private readonly committedDeliveries = new Map<number, number[]>();

  handlers(id: number, c: Consumer): ConsumerHandlers {
    return {
      onAssigned: async (tps) => {
        for (const tp of tps) {
          const held = this.owner.get(tp.partition);
          if (held !== undefined) this.violations.push(`p${tp.partition} assigned to ${id} while owned by ${held}`);
          this.owner.set(tp.partition, id);
        }
      },
      onRevoked: async (tps) => {
        for (const tp of tps) {
          if (this.owner.get(tp.partition) !== id) this.violations.push(`p${tp.partition} revoked from ${id}, not its owner`);
          this.owner.delete(tp.partition);
        }
      },
      onBatch: async (b) => {
        const p = b.partition;
        if (this.owner.get(p) !== id) this.violations.push(`p${p} delivered to ${id}, owner ${this.owner.get(p)}`);
        const other = this.busy.get(p);
        if (other !== undefined) this.violations.push(`p${p} processed by ${id} and ${other} at once`);
        this.busy.set(p, id);
        this.membersThatWorked.add(id);
        await new Promise((r) => setTimeout(r, 2));
        const last = b.messages.at(-1)!;
        await c.commit([{ topic: b.topic, partition: p, offset: String(Number(last.offset) + 1) }]);
        // Only deliveries whose commit succeeded count: those must never come again.
        const list = this.committedDeliveries.get(p) ?? [];
        list.push(...b.messages.map((m) => Number(m.offset)));
        this.committedDeliveries.set(p, list);
        this.delivered += b.messages.length;
        this.busy.delete(p);
      },
    };
  }

  offsetsDelivered(): Map<number, number[]> {
    return this.committedDeliveries;
  }
}

function commitEach(consumer: () => Consumer): (b: MessageBatch) => Promise<void> {
  return async (b) => {
    const tp: TopicPartition = { topic: b.topic, partition: b.partition };
    await consumer().commit([{ ...tp, offset: String(Number(b.messages.at(-1)!.offset) + 1) }]);
  };
}

function json(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Waits for a condition (not a timing assertion: the limit only turns a hang into a message). */
async function until(cond: () => boolean, what: () => string, limitMs = 90_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
