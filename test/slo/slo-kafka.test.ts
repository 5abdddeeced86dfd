import { afterAll, describe, expect, it } from 'vitest';
import type { SloBreachSignal } from '../../processors/contracts/events.js';
import { OUTPUT_TOPICS } from '../../processors/contracts/topics.js';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { createPiiHasher, IngestPipeline } from '../../processors/ingest/index.js';
import { simulate } from '../../processors/simulator/index.js';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import { startSloRuntime } from '../../processors/slo/runtime/index.js';
import type { Transport } from '../../processors/transport/types.js';
import { projectPath } from '../../processors/util/project-path.js';
import { caughtUp, ensureInputTopics, kafkaTransport, newPrefix, PARTITIONS, publish, wireChunks } from '../kafka/harness.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { bySignalOrder, expectedSignals } from './expected-signals.js';
import { readTopic } from './topics.js';

const HOUR = 3_600_000;

describe('breach signals through a real Kafka broker', () => {
  const slos = loadSloDirOrThrow(projectPath('slos'));
  const codec = defaultCodec();
  const sim = simulate({ seed: 31, days: 1, journeysPerDay: 3000, encodeAvro: (r, v) => codec.encode(r, v) });
  const expected = expectedSignals(slos, sim.records, sim.truth.end);
  const dbs: TestWarehouse[] = [];
  const transports: Transport[] = [];
  afterAll(async () => {
    for (const t of transports) await t.close().catch(() => {});
    for (const d of dbs) await d.drop();
  });

  it('ingest -> SLO engine -> ops.slo.breach.v1 on Kafka emits the ground-truth signals with their ids', async () => {
    const transport = await kafkaTransport(newPrefix());
    transports.push(transport);
    await ensureInputTopics(transport);
    await publish(transport, wireChunks(sim, 1)[0] ?? []);
    const t = await openTestWarehouse();
    dbs.push(t);
    const runtime = await startSloRuntime({
      warehouse: t.wh,
      transport,
      slos,
      env: {},
      evaluator: { name: 'kafka-e2e', watermark: { allowedLatenessMs: 7 * HOUR, idleTimeoutMs: 600_000 } },
    });
    const groupId = 'slo-kafka-e2e';
    const pipeline = new IngestPipeline({
      transport,
      warehouse: t.wh,
      decoder: createDefaultDecoder(),
      hasher: createPiiHasher('kafka-e2e-key'),
      groupId,
      partitions: PARTITIONS,
      onCommitted: (b) => runtime.onCommitted(b),
    });
    await pipeline.start();
    await caughtUp(transport, groupId);
    await pipeline.stop();
    await runtime.flush(sim.truth.end);
    await runtime.stop();
    const onTopic = await readTopic<SloBreachSignal>(transport, OUTPUT_TOPICS.breach);
    expect(expected.filter((s) => s.severity === 'PAGE' && s.status === 'FIRING').length).toBeGreaterThan(0);
    expect(onTopic.every((m) => m.key === m.value.slo_id)).toBe(true);
    expect(onTopic.map((m) => m.value).sort(bySignalOrder)).toEqual(expected);
  });
});
