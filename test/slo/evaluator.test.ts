import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import type { QualityScoreUpdate, SloBreachSignal } from '../../processors/contracts/events.js';
import { OUTPUT_TOPICS } from '../../processors/contracts/topics.js';
import { outcomesBetween, simulate } from '../../processors/simulator/index.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import { SloEvaluator } from '../../processors/slo/runtime/index.js';
import { UnitSeries } from '../../processors/slo/core/series.js';
import { readCounts } from '../../processors/slo/store/series-reader.js';
import { runAlerts } from '../../processors/slo/core/timeline.js';
import { MemoryTransport } from '../../processors/transport/memory/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import { KafkaSignalSink, WarehouseSignalSink, type SignalSink } from '../../sinks/signals/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { insertSimFacts } from './sim-events.js';
import { readTopic } from './topics.js';

/** Keeps what the evaluator sends, in order (an in-memory adapter of the sink port). */
class CollectingSink implements SignalSink {
  readonly name = 'collect';
  readonly breaches: SloBreachSignal[] = [];
  readonly scores: QualityScoreUpdate[] = [];
  async sendBreaches(s: readonly SloBreachSignal[]): Promise<void> {
    this.breaches.push(...s);
  }
  async sendScores(u: readonly QualityScoreUpdate[]): Promise<void> {
    this.scores.push(...u);
  }
  async close(): Promise<void> {}
}

const order = (a: SloBreachSignal, b: SloBreachSignal): number =>
  a.evaluated_at - b.evaluated_at || (a.slo_id < b.slo_id ? -1 : a.slo_id > b.slo_id ? 1 : 0) || (a.signal_id < b.signal_id ? -1 : 1);

describe('incremental SLO evaluator', () => {
  const slos = loadSloDirOrThrow(projectPath('slos'));
  const sim = simulate({ seed: 5, days: 2, journeysPerDay: 6000, malformedRate: 0 });
  const start = sim.truth.start;
  const end = sim.truth.end;
  let t: TestWarehouse;
  let wh: Warehouse;
  let expected: SloBreachSignal[];

  const run = async (name: string, maxCycleMinutes: number, until = end, sinks: SignalSink[] = []): Promise<{ ev: SloEvaluator; sink: CollectingSink }> => {
    const sink = new CollectingSink();
    const ev = new SloEvaluator({ warehouse: wh, slos, sinks: [sink, ...sinks], name, maxCycleMinutes });
    await ev.advanceTo(until);
    await ev.stop();
    return { ev, sink };
  };

  beforeAll(async () => {
    t = await openTestWarehouse();
    wh = t.wh;
    await insertSimFacts(wh, sim.records);
    // The stateless replay of the same history (what backtests and `slo status` use).
    expected = [];
    const first = Math.floor(start / 3_600_000) * 60;
    for (const slo of slos) {
      const series = new UnitSeries(await readCounts(wh, slo, first, end / 60_000), slo.budgeting);
      expected.push(...runAlerts(slo, series, first + 1, end / 60_000).notified.map((n) => n.signal));
    }
    expected.sort(order);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('emits exactly the signals a full replay of the SLI history gives, with the same ids', async () => {
    const transport = new MemoryTransport();
    await transport.ensureTopics([{ topic: OUTPUT_TOPICS.breach, partitions: 3 }, { topic: OUTPUT_TOPICS.quality, partitions: 3 }]);
    const producer = await transport.producer();
    const { ev, sink } = await run('full', 97, end, [new KafkaSignalSink(producer, defaultCodec()), new WarehouseSignalSink(wh)]);
    expect(expected.length).toBeGreaterThan(10);
    expect([...sink.breaches].sort(order)).toEqual(expected);
    expect(ev.stats.minutes).toBe(end / 60_000 - Math.floor(start / 3_600_000) * 60);
    // Every incident of the simulator pages some SLO while it is going on.
    for (const inc of sim.truth.incidents) {
      const paged = sink.breaches.some((s) => s.severity === 'PAGE' && s.status === 'FIRING' && s.evaluated_at >= inc.window.from && s.evaluated_at <= inc.window.to + 30 * 60_000);
      expect(paged, `${inc.incident_id} (${inc.kind} on ${inc.product_version_id})`).toBe(true);
    }
    // On the topic: Avro single-object records keyed by slo_id.
    const onTopic = await readTopic<SloBreachSignal>(transport, OUTPUT_TOPICS.breach);
    expect(onTopic.every((m) => m.key === m.value.slo_id)).toBe(true);
    expect(onTopic.map((m) => m.value).sort(order)).toEqual(expected);
    // In the warehouse history, once each.
    const recorded = await wh.query<{ n: string; ids: string }>('SELECT count() AS n, uniqExact(signal_id) AS ids FROM slo_signals_v');
    expect(recorded[0]).toEqual({ n: String(expected.length), ids: String(expected.length) });
    await transport.close();
  });

  it('gives the same signals whatever the cycle size', async () => {
    const { sink } = await run('big-cycles', 360);
    expect([...sink.breaches].sort(order)).toEqual(expected);
  });

  it('resumes after a stop without losing or repeating signals', async () => {
    const mid = start + 31 * 3_600_000 + 17 * 60_000;
    const a = await run('resume', 120, mid);
    const b = await run('resume', 120, end);
    expect(a.sink.breaches.every((s) => s.evaluated_at <= mid)).toBe(true);
    expect(b.sink.breaches.every((s) => s.evaluated_at > mid)).toBe(true);
    expect([...a.sink.breaches, ...b.sink.breaches].sort(order)).toEqual(expected);
  });

  it('publishes hourly quality scores that match the simulator ground truth', async () => {
    const { sink } = await run('quality', 360);
    const at = start + 36 * 3_600_000;
    const pv = 'PRDV-VIEN-COFFEE';
    const score = sink.scores.find((s) => s.computed_at === at && s.scope === 'PRODUCT_VERSION' && s.scope_id === pv && s.score_type === 'JOURNEY_SUCCESS_RATE');
    const o = outcomesBetween(sim.truth, pv, at - 86_400_000, at);
    expect(score).toEqual({ scope: 'PRODUCT_VERSION', scope_id: pv, score_type: 'JOURNEY_SUCCESS_RATE', value: o.completed / o.total, window: '1d', computed_at: at });
    // An incident's scope gets a non-zero incident rate in the day after it opened.
    const inc = sim.truth.incidents[0];
    if (!inc?.product_version_id) throw new Error('simulator run without incidents');
    const after = Math.ceil(inc.opened_at / 3_600_000) * 3_600_000;
    const rate = sink.scores.find((s) => s.computed_at === after && s.scope_id === inc.product_version_id && s.score_type === 'INCIDENT_RATE');
    const d = outcomesBetween(sim.truth, inc.product_version_id, after - 86_400_000, after);
    expect(rate?.value).toBeCloseTo(1 / d.total, 12);
  });
});
