import { describe, expect, it } from 'vitest';
import { defaultCodec } from '../codec/avro-codec.js';
import { INPUT_TOPIC_LIST } from '../contracts/topics.js';
import { publishRecords } from '../simulator-source.js';
import { simulateStream } from '../simulator/index.js';
import { MemoryTransport } from '../transport/memory/index.js';
import { BatchPreparer, utcMonth, type PreparedBatch } from './batch.js';
import { createDefaultDecoder } from './default-decoder.js';
import { createNormalizer, createPiiHasher } from './normalize.js';
import type { Message } from '../transport/types.js';
import { CONTENT_TYPE_HEADER, JSON_CONTENT_TYPE } from './decode.js';

const bytes = (b: PreparedBatch): Buffer => Buffer.concat([...b.block]);

describe('BatchPreparer in steps', () => {
  it('gives the same block, dead letters and time range as in one piece, whatever the step', async () => {
    const transport = new MemoryTransport({ defaultPartitions: 2 });
    await transport.ensureTopics(INPUT_TOPIC_LIST.map((topic) => ({ topic, partitions: 2 })));
    // Malformed records included: dead letters interleave with good rows.
    const stream = simulateStream({ seed: 11, days: 1, journeysPerDay: 300, malformedRate: 0.05 });
    await publishRecords(stream, await transport.producer(), defaultCodec());
    // A fixed clock: the timestamp rule's reason names its upper bound.
    const now = Date.now();
    const preparer = new BatchPreparer(createDefaultDecoder(defaultCodec(), () => now), createNormalizer(createPiiHasher('k')));
    let deadSeen = 0;
    for (const topic of [...INPUT_TOPIC_LIST, 'not.an.input.topic']) {
      const log = transport.topic(topic)?.partitions[0] ?? [];
      const msgs = log.length > 0 ? log : (transport.topic(INPUT_TOPIC_LIST[0] as string)?.partitions[0] ?? []).slice(0, 3).map((m) => ({ ...m, topic }));
      const whole = preparer.prepare({ topic, partition: 0 }, msgs);
      deadSeen += whole.dead.length;
      for (const step of [1, 7, 100]) {
        const job = preparer.begin({ topic, partition: 0 }, msgs);
        let steps = 0;
        while (!job.step(step)) steps++;
        expect(steps).toBe(Math.max(0, Math.ceil(msgs.length / step) - 1));
        const stepped = job.finish();
        expect(bytes(stepped).equals(bytes(whole))).toBe(true);
        expect(stepped.events).toBe(whole.events);
        expect(stepped.dead).toEqual(whole.dead);
        expect([stepped.minOccurredAt, stepped.maxOccurredAt]).toEqual([whole.minOccurredAt, whole.maxOccurredAt]);
      }
    }
    expect(deadSeen).toBeGreaterThan(0);
  });

  it('refuses to finish before every message was prepared', async () => {
    const transport = new MemoryTransport({ defaultPartitions: 1 });
    await transport.ensureTopics(INPUT_TOPIC_LIST.map((topic) => ({ topic, partitions: 1 })));
    await publishRecords(simulateStream({ seed: 3, days: 1, journeysPerDay: 50 }), await transport.producer(), defaultCodec());
    const topic = INPUT_TOPIC_LIST[0] as string;
    const msgs = transport.topic(topic)?.partitions[0] ?? [];
    expect(msgs.length).toBeGreaterThan(2);
    const job = new BatchPreparer(createDefaultDecoder(), createNormalizer(createPiiHasher('k'))).begin({ topic, partition: 0 }, msgs);
    expect(job.step(1)).toBe(false);
    expect(() => job.finish()).toThrow(`batch finished after 1 of ${msgs.length} messages`);
  });
});

describe('a batch digest (the identity beside the offset range)', () => {
  const topic = 'tjm.journey.v1';
  const msg = (offset: number, key: string | null, value: string | null, json = true): Message => ({
    topic,
    partition: 0,
    offset: String(offset),
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    timestamp: 0,
    headers: json ? { [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE } : {},
  });
  const preparer = new BatchPreparer(createDefaultDecoder(), createNormalizer(createPiiHasher('k')));
  const digest = (msgs: Message[], step = msgs.length): string => {
    const job = preparer.begin({ topic, partition: 0 }, msgs);
    while (!job.step(step));
    return job.finish().digest;
  };
  const base = [msg(0, 'J-1', '{"a":1}'), msg(1, 'J-2', '{"b":2}'), msg(2, null, '{"c":3}')];

  it('is the same for the same bytes, whatever the step or the offsets', () => {
    const d = digest(base);
    expect(d).toMatch(/^[0-9a-f]{32}$/);
    expect(digest(base, 1)).toBe(d);
    expect(digest(base.map((m, i) => ({ ...m, offset: String(1000 + i) })))).toBe(d);
  });

  it('differs when any value, key, content type, order or count differs', () => {
    const d = digest(base);
    const variants: Message[][] = [
      [msg(0, 'J-1', '{"a":1}'), msg(1, 'J-2', '{"b":3}'), msg(2, null, '{"c":3}')],
      [msg(0, 'J-1', '{"a":1}'), msg(1, 'J-3', '{"b":2}'), msg(2, null, '{"c":3}')],
      [msg(0, 'J-1', '{"a":1}'), msg(1, 'J-2', '{"b":2}'), msg(2, '', '{"c":3}')],
      [msg(0, 'J-1', '{"a":1}'), msg(1, 'J-2', '{"b":2}'), msg(2, null, '{"c":3}', false)],
      [msg(0, 'J-2', '{"b":2}'), msg(1, 'J-1', '{"a":1}'), msg(2, null, '{"c":3}')],
      [msg(0, 'J-1', '{"a":1}'), msg(1, 'J-2', '{"b":2}')],
      // The same bytes moved across the key/value boundary or across two messages.
      [msg(0, 'J-1{', '"a":1}'), msg(1, 'J-2', '{"b":2}'), msg(2, null, '{"c":3}')],
      [msg(0, 'J-1', '{"a":1}J-2'), msg(1, '', '{"b":2}'), msg(2, null, '{"c":3}')],
      [msg(0, 'J-1', '{"a":1}'), msg(1, 'J-2', '{"b":2}'), msg(2, null, null)],
    ];
    const seen = new Set([d]);
    for (const v of variants) seen.add(digest(v));
    expect(seen.size).toBe(variants.length + 1);
  });
});

describe('a prepared batch without some of its events', () => {
  it('equals the batch prepared leaving them out: same block bytes, counts, keys and time range', async () => {
    const transport = new MemoryTransport({ defaultPartitions: 1 });
    await transport.ensureTopics(INPUT_TOPIC_LIST.map((topic) => ({ topic, partitions: 1 })));
    // Duplicates and malformed records included: repeats inside the batch and dead letters interleave.
    await publishRecords(simulateStream({ seed: 5, days: 1, journeysPerDay: 400, duplicateRate: 0.05, malformedRate: 0.03 }), await transport.producer(), defaultCodec());
    const now = Date.now();
    const preparer = new BatchPreparer(createDefaultDecoder(defaultCodec(), () => now), createNormalizer(createPiiHasher('k')));
    let counted = 0;
    for (const topic of INPUT_TOPIC_LIST) {
      const msgs = transport.topic(topic)?.partitions[0] ?? [];
      const whole = preparer.prepare({ topic, partition: 0 }, msgs);
      if (!whole.keys) continue;
      counted++;
      const keys = whole.keys.keys;
      const subsets = [new Set(keys.filter((_, i) => i % 3 === 0 || i === keys.length - 1)), new Set(keys), new Set<string>()];
      for (const excluded of subsets) {
        const reference = preparer.prepare({ topic, partition: 0 }, msgs);
        const job = preparer.begin({ topic, partition: 0 }, msgs, excluded);
        while (!job.step(1000));
        const expected = job.finish();
        const filtered = reference.without(excluded);
        expect(bytes(filtered).equals(bytes(expected)), `${topic}, ${excluded.size} left out`).toBe(true);
        expect(filtered.events).toBe(expected.events);
        expect(filtered.duplicates).toBe(expected.duplicates);
        expect(filtered.keys).toEqual(expected.keys);
        expect([filtered.minOccurredAt, filtered.maxOccurredAt, filtered.minInsertedAt, filtered.digest]).toEqual([expected.minOccurredAt, expected.maxOccurredAt, expected.minInsertedAt, expected.digest]);
        expect(filtered.dead).toEqual(expected.dead);
        filtered.release();
      }
    }
    expect(counted).toBeGreaterThan(0);
  });
});

describe('the earliest event a batch adds', () => {
  it('leaves out repeats inside the batch and events stored already: they are not late data', async () => {
    const transport = new MemoryTransport({ defaultPartitions: 1 });
    const topic = 'tjm.journey.v1';
    await transport.ensureTopics(INPUT_TOPIC_LIST.map((t) => ({ topic: t, partitions: 1 })));
    await publishRecords(simulateStream({ seed: 8, days: 1, journeysPerDay: 200, duplicateRate: 0, malformedRate: 0 }), await transport.producer(), defaultCodec());
    const msgs = transport.topic(topic)?.partitions[0] ?? [];
    const preparer = new BatchPreparer(createDefaultDecoder(), createNormalizer(createPiiHasher('k')));
    // The first message again at the end of a later run of messages: a repeat hours old.
    const later = msgs.slice(msgs.length - 50);
    const batch = preparer.prepare({ topic, partition: 0 }, [...later, msgs[0] as Message, msgs[0] as Message]);
    const old = preparer.prepare({ topic, partition: 0 }, [msgs[0] as Message]);
    const laterOnly = preparer.prepare({ topic, partition: 0 }, later);
    expect(batch.minOccurredAt).toBe(old.minOccurredAt);
    // The old event is in the block once (its repeat inside the batch is left out): it is added.
    expect(batch.minInsertedAt).toBe(old.minOccurredAt);
    // Stored already (the lookup names its key): the batch adds nothing older than the later run.
    const filtered = batch.without(new Set(old.keys?.keys));
    expect(filtered.minOccurredAt).toBe(old.minOccurredAt);
    expect(filtered.minInsertedAt).toBe(laterOnly.minInsertedAt);
    expect(filtered.minInsertedAt).toBeGreaterThan(old.minOccurredAt as number);
  });
});

describe('a batch by month of event time', () => {
  it('is its own block when every event falls in one month, and one block per month, in order, when they do not', async () => {
    const transport = new MemoryTransport({ defaultPartitions: 1 });
    await transport.ensureTopics(INPUT_TOPIC_LIST.map((topic) => ({ topic, partitions: 1 })));
    // Half a day either side of 1 November (UTC), repeats inside the batch included.
    const start = Date.UTC(2026, 9, 31, 12);
    await publishRecords(simulateStream({ seed: 9, days: 1, start, journeysPerDay: 400, duplicateRate: 0.05, malformedRate: 0.02 }), await transport.producer(), defaultCodec());
    const now = Date.now();
    const preparer = new BatchPreparer(createDefaultDecoder(defaultCodec(), () => now), createNormalizer(createPiiHasher('k')));
    let split = 0;
    for (const topic of INPUT_TOPIC_LIST) {
      const msgs = transport.topic(topic)?.partitions[0] ?? [];
      // Each message's month, from the batch of that message alone (none for a dead letter).
      const monthOf = msgs.map((m) => preparer.prepare({ topic, partition: 0 }, [m]).minOccurredAt).map((t) => (t === null ? null : utcMonth(t)));
      const whole = preparer.prepare({ topic, partition: 0 }, msgs);
      const parts = whole.byMonth();
      expect(parts.reduce((n, p) => n + p.events, 0)).toBe(whole.events);
      const months = [...new Set(monthOf.filter((m): m is number => m !== null))].sort();
      expect(parts.map((p) => p.month)).toEqual(months);
      if (parts.length === 1) {
        expect(parts[0]?.block).toBe(whole.block);
        continue;
      }
      split++;
      // Each month's block equals the batch of that month's messages alone.
      for (const p of parts) {
        const alone = preparer.prepare({ topic, partition: 0 }, msgs.filter((_, i) => monthOf[i] === p.month));
        expect(Buffer.concat([...p.block]).equals(bytes(alone)), `${topic} ${p.month}`).toBe(true);
        expect(p.events).toBe(alone.events);
      }
      // The same once events are left out: the months of what is still in the block.
      if (whole.keys) {
        const excluded = new Set(whole.keys.keys.filter((_, i) => i % 2 === 0));
        const reference = preparer.prepare({ topic, partition: 0 }, msgs);
        const filtered = reference.without(excluded);
        const byMonth = filtered.byMonth();
        expect(byMonth.reduce((n, p) => n + p.events, 0)).toBe(filtered.events);
        for (const p of byMonth) {
          const job = preparer.begin({ topic, partition: 0 }, msgs.filter((_, i) => monthOf[i] === p.month), excluded);
          while (!job.step(1000));
          expect(Buffer.concat([...p.block]).equals(bytes(job.finish())), `${topic} ${p.month}, half left out`).toBe(true);
        }
      }
    }
    expect(split).toBeGreaterThan(0);
  });
});
