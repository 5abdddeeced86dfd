import { Producer as PlatformaticProducer } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INPUT_TOPIC_LIST } from '../../processors/contracts/topics.js';
import { PipelineError } from '../../processors/errors/index.js';
import type { SimOutput } from '../../processors/simulator/index.js';
import { createKafkaTransport } from '../../processors/transport/kafka/index.js';
import { toPlatformaticMessages } from '../../processors/transport/kafka/platformatic/platformatic-transport.js';
import { consumerLag, withTopicPrefix } from '../../processors/transport/index.js';
import type { OutgoingMessage, Transport } from '../../processors/transport/types.js';
import type { Warehouse } from '../../sinks/warehouse/index.js';
import { getKafkaBrokers, uniqueKafkaName } from '../support/kafka.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import {
  caughtUp,
  embeddedReference,
  ensureInputTopics,
  kafkaTransport,
  newPrefix,
  outcome,
  pipeline,
  publish,
  readDeadLetters,
  TEST_KAFKA,
  simulation,
  wireChunks,
  type Outcome,
} from './harness.js';

/** A warehouse that refuses every insert while `refusing` is set, as a ClickHouse outage would. */
function flaky(wh: Warehouse): { wh: Warehouse; setRefusing(on: boolean): void; refusals(): number } {
  let refusing = false;
  let refusals = 0;
  const refuse = (): never => {
    refusals++;
    throw new PipelineError('WAREHOUSE_UNAVAILABLE', 'connection refused (test outage)');
  };
  const wrapped: Warehouse = Object.create(wh) as Warehouse;
  wrapped.insert = async (table, rows, o) => (refusing ? refuse() : wh.insert(table, rows, o));
  wrapped.insertNative = async (table, cols, payload, o) => (refusing ? refuse() : wh.insertNative(table, cols, payload, o));
  wrapped.insertJsonEachRow = async (table, payload, o) => (refusing ? refuse() : wh.insertJsonEachRow(table, payload, o));
  return { wh: wrapped, setRefusing: (on) => (refusing = on), refusals: () => refusals };
}

async function committedTotal(transport: Transport, groupId: string): Promise<number> {
  const lag = await consumerLag(transport, groupId, INPUT_TOPIC_LIST);
  return lag.reduce((s, p) => s + p.committedOffset, 0);
}

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ingest on a real Kafka broker', () => {
  let sim: SimOutput;
  let reference: Outcome;
  const open: TestWarehouse[] = [];
  const transports: Transport[] = [];

  beforeAll(async () => {
    sim = simulation();
    reference = await embeddedReference(sim);
  });
  afterAll(async () => {
    for (const t of transports) await t.close();
    for (const t of open) await t.drop();
  });

  it.each(['platformatic', 'kafkajs'] as const)('input written in transactions, one aborted (%s): the group catches up to the end offsets (markers included), the aborted records count nowhere', async (client) => {
    const prefix = newPrefix();
    const transport = withTopicPrefix(createKafkaTransport({ client, brokers: (await getKafkaBrokers()).split(','), ...TEST_KAFKA }), prefix);
    transports.push(transport);
    await ensureInputTopics(transport);
    // An upstream producer that writes in transactions of 500 records; one more transaction,
    // with records that are not in the simulation (new event ids), is aborted.
    const producer = new PlatformaticProducer({ clientId: 'upstream', bootstrapBrokers: (await getKafkaBrokers()).split(','), idempotent: true, transactionalId: uniqueKafkaName('upstream') });
    try {
      const all = wireChunks(sim, 1)[0]!;
      for (let i = 0; i < all.length; i += 500) {
        const tx = await producer.beginTransaction();
        for (const [topic, msgs] of groupByTopic(all.slice(i, i + 500))) await tx.send({ messages: toPlatformaticMessages(`${prefix}${topic}`, msgs) });
        await tx.commit();
        if (i === 1000) {
          const aborted = await producer.beginTransaction();
          const forged = all.slice(0, 200).map(({ topic, message }) => ({ topic, message: { ...message, value: forgeEventId(message.value) } }));
          for (const [topic, msgs] of groupByTopic(forged)) await aborted.send({ messages: toPlatformaticMessages(`${prefix}${topic}`, msgs) });
          await aborted.abort();
        }
      }
    } finally {
      await producer.close();
    }
    const t = await openTestWarehouse();
    open.push(t);
    const group = uniqueKafkaName('tx-input');
    const p = pipeline(transport, t.wh, group);
    await p.start();
    await caughtUp(transport, group);
    await p.stop();
    expect(p.error).toBeUndefined();
    const lag = await consumerLag(transport, group, INPUT_TOPIC_LIST);
    expect(lag.filter((l) => l.endOffset > 0).length).toBeGreaterThan(0);
    expect(lag.every((l) => l.lag === 0)).toBe(true);
    const got = await outcome(t.wh);
    expect(got.factsByTopic).toEqual(sim.truth.events.by_topic);
    expect(got.deadLettersByCode).toEqual(sim.truth.dead_letters.bytes.by_code);
    expect(got.snapshot).toEqual(reference.snapshot);
  }, 300_000);

  it('simulator traffic through Kafka leaves exactly the ground-truth facts, identical to the embedded run', async () => {
    expect(reference.factsByTopic).toEqual(sim.truth.events.by_topic);
    expect(reference.deadLettersByCode).toEqual(sim.truth.dead_letters.bytes.by_code);

    const transport = await kafkaTransport(newPrefix());
    transports.push(transport);
    await ensureInputTopics(transport);
    await publish(transport, wireChunks(sim, 1)[0]!);
    const t = await openTestWarehouse();
    open.push(t);
    const group = uniqueKafkaName('ingest');
    const p = pipeline(transport, t.wh, group);
    await p.start();
    await caughtUp(transport, group);
    await p.stop();

    expect(p.error).toBeUndefined();
    const got = await outcome(t.wh);
    expect(got.factsByTopic).toEqual(sim.truth.events.by_topic);
    expect(got.deadLettersByCode).toEqual(sim.truth.dead_letters.bytes.by_code);
    expect(got.snapshot).toEqual(reference.snapshot);
    // Every bad record is also on its topic's dead-letter topic, once.
    const letters = await readDeadLetters(transport, sim.truth.dead_letters.bytes.total);
    expect(letters).toHaveLength(sim.truth.dead_letters.bytes.total);
    expect(new Set(letters.map((m) => m.headers['x-source'])).size).toBe(sim.truth.dead_letters.bytes.total);
  }, 300_000);

  it('a warehouse refusing inserts for a while: consumption holds, lag grows, it resumes on its own and nothing is lost', async () => {
    const transport = await kafkaTransport(newPrefix());
    transports.push(transport);
    await ensureInputTopics(transport);
    const chunks = wireChunks(sim, 3);
    const t = await openTestWarehouse();
    open.push(t);
    const outage = flaky(t.wh);
    const group = uniqueKafkaName('outage');
    const p = pipeline(transport, outage.wh, group, { maxBatchSize: 500, retry: { initialMs: 20, maxMs: 200 } });
    await p.start();

    await publish(transport, chunks[0]!);
    await until(async () => (await committedTotal(transport, group)) > 0, 'first commits');
    outage.setRefusing(true);
    await publish(transport, chunks[1]!);
    await until(() => outage.refusals() >= 20, 'the pipeline to retry against the outage');
    const during = await consumerLag(transport, group, INPUT_TOPIC_LIST);
    // What was published after the outage began cannot have been committed: every batch
    // starts with an insert (its intent), so the lag holds at least that much.
    expect(during.reduce((s, l) => s + l.lag, 0)).toBeGreaterThanOrEqual(chunks[1]!.length);
    await publish(transport, chunks[2]!);
    outage.setRefusing(false);
    await caughtUp(transport, group);
    await p.stop();

    expect(p.error).toBeUndefined();
    const got = await outcome(t.wh);
    expect(got.factsByTopic).toEqual(sim.truth.events.by_topic);
    expect(got.deadLettersByCode).toEqual(sim.truth.dead_letters.bytes.by_code);
    expect(got.snapshot).toEqual(reference.snapshot);
  }, 300_000);
});

function groupByTopic(messages: Array<{ topic: string; message: OutgoingMessage }>): Map<string, OutgoingMessage[]> {
  const out = new Map<string, OutgoingMessage[]>();
  for (const { topic, message } of messages) out.set(topic, [...(out.get(topic) ?? []), message]);
  return out;
}

/** The same record with other event ids (`EV-` becomes `FV-`, the same length in JSON or Avro), so each would count as a new event. */
function forgeEventId(value: Buffer): Buffer {
  return Buffer.from(value.toString('latin1').replace(/EV-/g, 'FV-'), 'latin1');
}
