import { afterAll, describe, expect, it } from 'vitest';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import type { QualityScoreUpdate, SloBreachSignal } from '../../processors/contracts/events.js';
import { OUTPUT_TOPICS } from '../../processors/contracts/topics.js';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { createPiiHasher, IngestPipeline } from '../../processors/ingest/index.js';
import { publishLive } from '../../processors/simulator/live.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import { SloEvaluator, startSloRuntime } from '../../processors/slo/runtime/index.js';
import type { Transport } from '../../processors/transport/types.js';
import { projectPath } from '../../processors/util/project-path.js';
import type { SignalSink } from '../../sinks/signals/index.js';
import { ensureInputTopics, kafkaTransport, newPrefix, PARTITIONS } from '../kafka/harness.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';

class CollectingSink implements SignalSink {
  readonly name = 'collect';
  readonly breaches: SloBreachSignal[] = [];
  async sendBreaches(s: readonly SloBreachSignal[]): Promise<void> {
    this.breaches.push(...s);
  }
  async sendScores(_u: readonly QualityScoreUpdate[]): Promise<void> {}
  async close(): Promise<void> {}
}

const order = (a: SloBreachSignal, b: SloBreachSignal): number =>
  a.evaluated_at - b.evaluated_at || (a.slo_id < b.slo_id ? -1 : a.slo_id > b.slo_id ? 1 : 0) || (a.signal_id < b.signal_id ? -1 : 1);

/**
 * Live (1x) traffic through a real broker, evaluated every 2 s at 1 s of live lateness, partitions idle after 1 s (what
 * `run` does): FIRING signals are on ops.slo.breach.v1 seconds after their events are
 * committed, not after their minute closes plus 30 s, and a replay of what was stored gives
 * the same signals with the same ids and instants.
 */
describe('breach signals of live traffic through a real Kafka broker', () => {
  const transports: Transport[] = [];
  const dbs: TestWarehouse[] = [];
  afterAll(async () => {
    for (const t of transports) await t.close().catch(() => {});
    for (const d of dbs) await d.drop();
  });

  it('signals each FIRING seconds after the ingest committed its events; a replay gives the same signals', async () => {
    const slos = loadSloDirOrThrow(projectPath('slos'));
    const codec = defaultCodec();
    const transport = await kafkaTransport(newPrefix());
    transports.push(transport);
    await ensureInputTopics(transport);
    const t = await openTestWarehouse();
    dbs.push(t);
    const groupId = 'slo-live-kafka';
    const runtime = await startSloRuntime({
      warehouse: t.wh,
      transport,
      consumerGroup: groupId,
      slos,
      env: {},
      evaluator: {
        name: 'live-kafka',
        stepSeconds: 2,
        watermark: { allowedLatenessMs: 30_000, liveLatenessMs: 1000, idleTimeoutMs: 1000 },
        tickMs: 250,
        qualityEveryMinutes: 0,
      },
    });
    const commits: Array<{ at: number; max: number }> = [];
    const pipeline = new IngestPipeline({
      transport,
      warehouse: t.wh,
      decoder: createDefaultDecoder(),
      hasher: createPiiHasher('live-kafka-key'),
      groupId,
      partitions: PARTITIONS,
      onCommitted: (b) => {
        if (b.maxOccurredAt !== null) commits.push({ at: Date.now(), max: b.maxOccurredAt });
        runtime.onCommitted(b);
      },
    });
    const seen = new Map<string, { at: number; signal: SloBreachSignal }>();
    const reader = transport.consumer({ groupId: `reader-${Math.random().toString(16).slice(2)}`, topics: [OUTPUT_TOPICS.breach], fromBeginning: true });
    await reader.start({
      onBatch: async (batch) => {
        const now = Date.now();
        for (const m of batch.messages) {
          if (!m.value) continue;
          const s = codec.decode(m.value).value as SloBreachSignal;
          if (!seen.has(s.signal_id)) seen.set(s.signal_id, { at: now, signal: s });
        }
      },
    });
    await pipeline.start();
    const liveFrom = Math.floor(Date.now() / 1000) * 1000;
    const incidents = ['PRDV-VIEN-COFFEE', 'PRDV-BERL-STREETFOOD', 'PRDV-PRAG-BEER'].map((pv, i) => ({
      at: liveFrom + 10_000 + i * 15_000,
      minutes: 2,
      kind: 'PLATFORM_BUG' as const,
      product_version_id: pv,
    }));
    const abort = new AbortController();
    const producer = await transport.producer();
    const publishing = publishLive({ producer, codec, seed: 23, start: liveFrom, journeysPerDay: 150_000, incidents }, abort.signal);
    await new Promise((r) => setTimeout(r, 75_000));
    abort.abort();
    await publishing;
    await producer.close();
    await new Promise((r) => setTimeout(r, 5000));
    await pipeline.stop();
    const upTo = runtime.evaluator.evaluatedUpTo as number;
    await runtime.stop();
    await reader.stop();

    // Each FIRING: from the first commit holding an event as new as the oldest journey event of
    // the step before its instant (its breaching event is one of those) to the topic.
    const firings = [...seen.values()].filter((x) => x.signal.status === 'FIRING' && x.signal.evaluated_at > liveFrom);
    expect(firings.length).toBeGreaterThanOrEqual(3);
    for (const { at, signal } of firings) {
      const [row] = await t.wh.query<{ n: string; oldest: string | number }>(
        `SELECT count() AS n, toUnixTimestamp64Milli(min(occurred_at)) AS oldest FROM journey_events
          WHERE occurred_at >= fromUnixTimestamp64Milli({f:Int64}, 'UTC') AND occurred_at < fromUnixTimestamp64Milli({t:Int64}, 'UTC')`,
        { f: signal.evaluated_at - 2000, t: signal.evaluated_at },
      );
      expect(Number(row?.n), signal.signal_id).toBeGreaterThan(0);
      const committed = commits.find((c) => c.max >= Number(row?.oldest))?.at as number;
      // Generous: whole-minute evaluation at 30 s of lateness needed 30-90 s.
      expect(at - committed, `${signal.slo_id} at ${new Date(signal.evaluated_at).toISOString()}`).toBeLessThan(25_000);
    }
    expect(firings.some((x) => x.signal.evaluated_at % 60_000 !== 0)).toBe(true);

    // The same stored events evaluated again, all at once: the same signals, ids and instants.
    const sink = new CollectingSink();
    const replay = new SloEvaluator({ warehouse: t.wh, slos, sinks: [sink], name: 'replay', stepSeconds: 2, qualityEveryMinutes: 0 });
    await replay.advanceTo(upTo);
    await replay.stop();
    const history = (
      await t.wh.query<SloBreachSignal & { evaluated_at: string }>(
        'SELECT * EXCEPT (inserted_at) REPLACE (toUnixTimestamp64Milli(evaluated_at) AS evaluated_at) FROM slo_signals_v',
      )
    ).map((r) => ({ ...r, evaluated_at: Number(r.evaluated_at) }));
    expect(history.sort(order)).toEqual(sink.breaches.sort(order));
  }, 180_000);
});
