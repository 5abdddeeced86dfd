import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INPUT_TOPIC_LIST } from '../../processors/contracts/topics.js';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import type { SimOutput } from '../../processors/simulator/index.js';
import type { OutgoingMessage, Transport } from '../../processors/transport/types.js';
import type { Warehouse } from '../../sinks/warehouse/index.js';
import { getKafkaBrokers, uniqueKafkaName } from '../support/kafka.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { caughtUp, embeddedReference, ensureInputTopics, kafkaTransport, newPrefix, outcome, pipeline, publish, simulation, wireChunks, type Outcome } from './harness.js';

// Offsets are positions in one log, not identities: a topic deleted and re-created starts
// again at 0, and so does the same topic on another cluster. Events that arrive that way
// must all count, once, under the same consumer group and warehouse.

const { Kafka, logLevel } = kafkajs;

type Chunk = Array<{ topic: string; message: OutgoingMessage }>;

/** What must equal one pass: facts, every rollup, and the distinct dead-lettered inputs. */
async function figures(wh: Warehouse): Promise<{ facts: Outcome['factsByTopic']; snapshot: Outcome['snapshot']; deadInputs: Record<string, number> }> {
  const o = await outcome(wh);
  const dl = await wh.query<{ reason_code: string; n: string }>('SELECT reason_code, uniqExact(payload_sha256) AS n FROM dead_letters FINAL GROUP BY reason_code ORDER BY reason_code');
  return { facts: o.factsByTopic, snapshot: o.snapshot, deadInputs: Object.fromEntries(dl.map((r) => [r.reason_code, Number(r.n)])) };
}

async function ingestUntilCaughtUp(transport: Transport, wh: Warehouse, group: string): Promise<void> {
  const p = pipeline(transport, wh, group, { maxBatchSize: 200 });
  await p.start();
  try {
    await caughtUp(transport, group);
    if (p.error) throw p.error;
  } finally {
    await p.stop();
  }
}

async function deleteInputTopics(prefix: string): Promise<void> {
  const admin = new Kafka({ brokers: (await getKafkaBrokers()).split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const names = INPUT_TOPIC_LIST.flatMap((t) => [`${prefix}${t}`, `${prefix}${t}.dlq`]);
    await admin.deleteTopics({ topics: names, timeout: 30_000 });
    // Deletion is asynchronous on the broker: wait until the names are free again.
    for (let i = 0; i < 300; i++) {
      const left = (await admin.listTopics()).filter((t) => names.includes(t));
      if (left.length === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('topics still listed 30 s after their deletion');
  } finally {
    await admin.disconnect();
  }
}

describe('ingest on Kafka across runs, re-created topics and clusters', () => {
  let sim: SimOutput;
  let chunks: Chunk[];
  let reference: Awaited<ReturnType<typeof figures>>;
  const open: TestWarehouse[] = [];
  const transports: Transport[] = [];
  const warehouse = async (): Promise<Warehouse> => {
    const t = await openTestWarehouse();
    open.push(t);
    return t.wh;
  };
  const transport = async (prefix: string): Promise<Transport> => {
    const t = await kafkaTransport(prefix);
    transports.push(t);
    // Creating a dozen topics right after deleting others can outlast kafkajs' own wait for
    // their leaders on a busy broker; that answer is retriable, so it is retried.
    for (let attempt = 1; ; attempt++) {
      try {
        await ensureInputTopics(t);
        return t;
      } catch (e) {
        if (attempt >= 5 || !(e instanceof PipelineError && e.canRetry)) throw e;
        await new Promise((r) => setTimeout(r, 2_000 * attempt));
      }
    }
  };

  beforeAll(async () => {
    sim = simulation(41);
    chunks = wireChunks(sim, 3);
    const ref = await embeddedReference(sim);
    expect(ref.factsByTopic).toEqual(sim.truth.events.by_topic);
    const wh = await warehouse();
    const t = await transport(newPrefix());
    await publish(t, chunks.flat());
    await ingestUntilCaughtUp(t, wh, uniqueKafkaName('one-pass'));
    reference = await figures(wh);
    expect(reference.snapshot).toEqual(ref.snapshot);
  });
  afterAll(async () => {
    for (const t of transports) await t.close();
    for (const t of open) await t.drop();
  });

  it('three runs of one group (parts in another order, one part published twice) equal one pass', async () => {
    const wh = await warehouse();
    const t = await transport(newPrefix());
    const group = uniqueKafkaName('runs');
    for (const i of [2, 0, 1, 0]) {
      await publish(t, chunks[i] as Chunk);
      await ingestUntilCaughtUp(t, wh, group);
    }
    expect(await figures(wh)).toEqual(reference);
  });

  it('topics deleted and re-created with new events: nothing lost, nothing doubled', async () => {
    const wh = await warehouse();
    const prefix = newPrefix();
    const group = uniqueKafkaName('recreated');
    const first = await transport(prefix);
    await publish(first, chunks[0] as Chunk);
    await ingestUntilCaughtUp(first, wh, group);
    await deleteInputTopics(prefix);
    const second = await transport(prefix);
    // More records than before: the earlier log's recorded batch ranges exist again, with other events.
    await publish(second, [...(chunks[1] as Chunk), ...(chunks[2] as Chunk)]);
    await ingestUntilCaughtUp(second, wh, group);
    expect(await figures(wh)).toEqual(reference);
  });

  it('the same topics on a second cluster (offsets from 0 again, fewer records): nothing lost, nothing doubled', async () => {
    const wh = await warehouse();
    const group = uniqueKafkaName('clusters');
    // A second topic prefix stands for a second cluster: the pipeline sees the same topic names.
    const a = await transport(newPrefix());
    await publish(a, [...(chunks[0] as Chunk), ...(chunks[1] as Chunk)]);
    await ingestUntilCaughtUp(a, wh, group);
    const b = await transport(newPrefix());
    await publish(b, chunks[2] as Chunk);
    await ingestUntilCaughtUp(b, wh, group);
    expect(await figures(wh)).toEqual(reference);
  });
});
