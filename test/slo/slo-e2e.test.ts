import { afterAll, describe, expect, it } from 'vitest';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import type { SloBreachSignal } from '../../processors/contracts/events.js';
import { OUTPUT_TOPICS } from '../../processors/contracts/topics.js';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { createPiiHasher, IngestPipeline } from '../../processors/ingest/index.js';
import { publishRecords } from '../../processors/simulator-source.js';
import { simulate, type SimOptions } from '../../processors/simulator/index.js';
import { inScope } from '../../processors/slo/replay/backtest.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import { startSloRuntime } from '../../processors/slo/runtime/index.js';
import { MemoryTransport } from '../../processors/transport/memory/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { bySignalOrder, expectedSignals } from './expected-signals.js';
import { readTopic } from './topics.js';

const HOUR = 3_600_000;
const NO_SCOPE = { product_version_id: null, market_code: null, city_code: null, route_id: null, vendor_id: null };
const slos = loadSloDirOrThrow(projectPath('slos'));
const content: SimOptions = { seed: 21, days: 2, journeysPerDay: 5000 };
const sim = simulate(content);
const { end } = sim.truth;

const order = bySignalOrder;

/** Simulator traffic through the embedded pipeline (in-memory transport, ingest, embedded ClickHouse) with the SLO engine on its commit hook. */
async function pipelineRun(delivery: Partial<SimOptions>, partitions: number, maxBatchSize: number, dbs: TestWarehouse[]) {
  const records = Object.keys(delivery).length === 0 ? sim.records : simulate({ ...content, ...delivery }).records;
  const t = await openTestWarehouse();
  dbs.push(t);
  const transport = new MemoryTransport({ defaultPartitions: partitions });
  const producer = await transport.producer();
  await publishRecords(records, producer, defaultCodec());
  await producer.close();
  const runtime = await startSloRuntime({
    warehouse: t.wh,
    transport,
    slos,
    env: {},
    // Allowed lateness above the simulator's latest deliveries (6 h): every minute is complete when evaluated.
    evaluator: { name: 'e2e', watermark: { allowedLatenessMs: 7 * HOUR, idleTimeoutMs: 600_000 } },
  });
  const pipeline = new IngestPipeline({
    transport,
    warehouse: t.wh,
    decoder: createDefaultDecoder(),
    hasher: createPiiHasher('e2e-key'),
    groupId: 'e2e',
    partitions,
    maxBatchSize,
    onCommitted: (b) => runtime.onCommitted(b),
  });
  await pipeline.start();
  for (let i = 0; i < 30_000 && !(await pipeline.caughtUp()); i++) await new Promise((r) => setTimeout(r, 10));
  await pipeline.stop();
  await runtime.evaluator.idle();
  const byWatermark = runtime.evaluator.evaluatedUpTo;
  await runtime.flush(end);
  await runtime.stop();
  const onTopic = await readTopic<SloBreachSignal>(transport, OUTPUT_TOPICS.breach);
  await transport.close();
  return { byWatermark, onTopic, wh: t.wh };
}

describe('breach signals end to end (simulator -> ingest -> SLO engine -> ops.slo.breach.v1)', () => {
  const dbs: TestWarehouse[] = [];
  const expected = expectedSignals(slos, sim.records, end);
  afterAll(async () => {
    for (const t of dbs) await t.drop();
  });

  it('pages during every known incident window and resolves after it, at the minutes the ground truth implies', async () => {
    const run = await pipelineRun({}, 6, 5000, dbs);
    // The watermark, not the final flush, drove evaluation through the stream.
    expect(run.byWatermark).not.toBeNull();
    expect(run.byWatermark ?? 0).toBeGreaterThanOrEqual(end - 8 * HOUR);
    expect(run.onTopic.every((m) => m.key === m.value.slo_id)).toBe(true);
    const got = run.onTopic.map((m) => m.value).sort(order);
    expect(got).toEqual(expected);

    // Every incident pages an SLO of its scope while it lasts, and those pages resolve after it ends.
    const scopeOf = new Map(slos.map((s) => [s.id, s.scope]));
    for (const inc of sim.truth.incidents) {
      const recorded = { ...inc, opened_at: '', resolved_at: null, severity: inc.severity };
      const fired = got.filter(
        (s) => s.severity === 'PAGE' && s.status === 'FIRING' && s.evaluated_at >= inc.window.from && s.evaluated_at < inc.window.to && inScope(scopeOf.get(s.slo_id) ?? NO_SCOPE, recorded),
      );
      expect(fired.length, `${inc.incident_id}: ${inc.kind} on ${inc.product_version_id} ${inc.route_id ?? ''}`).toBeGreaterThan(0);
      for (const f of fired) {
        const resolved = got.find((s) => s.slo_id === f.slo_id && s.severity === 'PAGE' && s.status === 'RESOLVED' && s.evaluated_at > f.evaluated_at);
        expect(resolved?.evaluated_at ?? 0, `${f.slo_id} resolves after ${inc.window.to_minute}`).toBeGreaterThan(inc.window.to);
      }
    }
    const recorded = await run.wh.query<{ n: string }>('SELECT count() AS n FROM slo_signals_v');
    expect(Number(recorded[0]?.n)).toBe(expected.length);
  });

  it('a full replay with another delivery (order, duplicates, late events, partitions, batch sizes) emits identical signals and ids', async () => {
    const run = await pipelineRun({ deliverySeed: 4242 }, 3, 700, dbs);
    expect(run.onTopic.map((m) => m.value).sort(order)).toEqual(expected);
  });
});
