import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestPipeline } from '../../processors/ingest/index.js';
import type { SimOutput } from '../../processors/simulator/index.js';
import type { Transport } from '../../processors/transport/types.js';
import { uniqueKafkaName } from '../support/kafka.js';
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
  simulation,
  wireChunks,
  type Outcome,
} from './harness.js';

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ingest on Kafka while the consumer group grows and shrinks', () => {
  let sim: SimOutput;
  let reference: Outcome;
  let t: TestWarehouse;
  const transports: Transport[] = [];

  beforeAll(async () => {
    sim = simulation(29);
    reference = await embeddedReference(sim);
    t = await openTestWarehouse();
  });
  afterAll(async () => {
    for (const tr of transports) await tr.close();
    await t.drop();
  });

  it('rebalancing from 1 to 3 consumers and back while producing leaves exactly the facts of one clean pass', async () => {
    const prefix = newPrefix();
    const group = uniqueKafkaName('rebalance');
    // Each member has its own Kafka client, as separate processes would.
    const member = async (): Promise<IngestPipeline> => {
      const transport = await kafkaTransport(prefix);
      transports.push(transport);
      const p = pipeline(transport, t.wh, group, { maxBatchSize: 300 });
      await p.start();
      return p;
    };
    const producer = await kafkaTransport(prefix);
    transports.push(producer);
    await ensureInputTopics(producer);
    const chunks = wireChunks(sim, 6);

    const first = await member();
    await publish(producer, chunks[0]!);
    await until(() => first.totals.batches > 0, 'the first member to commit');
    const joining = [member(), member()];
    await publish(producer, chunks[1]!);
    const [second, third] = await Promise.all(joining);
    await publish(producer, chunks[2]!);
    await until(() => second!.totals.batches > 0 && third!.totals.batches > 0, 'the new members to commit');
    await publish(producer, chunks[3]!);
    await third!.stop();
    await publish(producer, chunks[4]!);
    await second!.stop();
    await publish(producer, chunks[5]!);
    await caughtUp(producer, group);
    await first.stop();

    for (const p of [first, second!, third!]) expect(p.error).toBeUndefined();
    const got = await outcome(t.wh);
    expect(got.factsByTopic).toEqual(sim.truth.events.by_topic);
    expect(got.deadLettersByCode).toEqual(sim.truth.dead_letters.bytes.by_code);
    expect(got.snapshot).toEqual(reference.snapshot);
  }, 300_000);
});
