import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyEvent, LemSignal, QualityScoreUpdate, SloBreachSignal } from '../../processors/contracts/events.js';
import { INPUT_TOPICS } from '../../processors/contracts/topics.js';
import { simulate, type SimRecord } from '../../processors/simulator/index.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import { SloEvaluator } from '../../processors/slo/runtime/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import { WarehouseSignalSink, type SignalSink } from '../../sinks/signals/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { insertFacts, insertSimFacts, sliEventsOf } from './sim-events.js';

/** Keeps what the evaluator sends, in order. */
class CollectingSink implements SignalSink {
  readonly name = 'collect';
  readonly breaches: SloBreachSignal[] = [];
  async sendBreaches(s: readonly SloBreachSignal[]): Promise<void> {
    this.breaches.push(...s);
  }
  async sendScores(_u: readonly QualityScoreUpdate[]): Promise<void> {}
  async close(): Promise<void> {}
}

const HOUR = 3_600_000;
const byId = (list: readonly SloBreachSignal[]): Map<string, SloBreachSignal> => new Map(list.map((s) => [s.signal_id, s]));

/**
 * Data that lands in minutes the evaluator has already evaluated (a partition that was idle
 * wakes up with older events) within the correction horizon: the minutes are evaluated again,
 * the history ends equal to one pass over the complete data, and receivers are never left
 * with a FIRING that the complete data does not have.
 */
describe('late data within the correction horizon corrects the signals', () => {
  const slos = loadSloDirOrThrow(projectPath('slos'));
  const sim = simulate({ seed: 5, days: 2, journeysPerDay: 6000, malformedRate: 0 });
  const end = sim.truth.end;
  const { journey, lem } = sliEventsOf(sim.records);
  let clean: TestWarehouse;
  let expected: Map<string, SloBreachSignal>;
  const opened: TestWarehouse[] = [];

  /** What an evaluator over `wh` sends and records, with `late` committed once it reached `lateAt`. */
  const evaluateWithLateData = async (held: (e: JourneyEvent) => boolean, lateAt: number, correctionMinutes = 1440) => {
    const tw = await openTestWarehouse();
    opened.push(tw);
    const late = journey.filter(held);
    await insertFacts(tw.wh, { journey: journey.filter((e) => !held(e)), lem: lem as LemSignal[] });
    const sink = new CollectingSink();
    const ev = new SloEvaluator({ warehouse: tw.wh, slos, sinks: [new WarehouseSignalSink(tw.wh), sink], name: 'late', maxCycleMinutes: 97, correctionMinutes });
    await ev.advanceTo(lateAt);
    const before = [...sink.breaches];
    await insertFacts(tw.wh, { journey: late }, 500, 'late-');
    const times = late.map((e) => e.occurred_at as number);
    ev.onCommitted({ topic: INPUT_TOPICS.journey, partition: 0, minOccurredAt: Math.min(...times), maxOccurredAt: Math.max(...times) });
    await ev.advanceTo(end);
    await ev.stop();
    const history = byId(
      (await tw.wh.query<SloBreachSignal & { evaluated_at: string }>('SELECT * EXCEPT (inserted_at) REPLACE (toUnixTimestamp64Milli(evaluated_at) AS evaluated_at) FROM slo_signals_v')).map((r) => ({
        ...r,
        evaluated_at: Number(r.evaluated_at),
      })),
    );
    return { ev, sink, before, late, history };
  };

  beforeAll(async () => {
    clean = await openTestWarehouse();
    await insertSimFacts(clean.wh, sim.records as SimRecord[]);
    const sink = new CollectingSink();
    const ev = new SloEvaluator({ warehouse: clean.wh, slos, sinks: [sink], name: 'clean', maxCycleMinutes: 97 });
    await ev.advanceTo(end);
    await ev.stop();
    expected = byId(sink.breaches);
    expect(expected.size).toBeGreaterThan(10);
  });
  afterAll(async () => {
    await clean.drop();
    for (const t of opened) await t.drop();
  });

  /** Every FIRING a receiver got is closed by a RESOLVED it got, unless the complete data has that episode still firing. */
  const leftOpen = (sent: readonly SloBreachSignal[]): string[] => {
    const ids = new Set(sent.map((s) => s.signal_id));
    return sent
      .filter((s) => s.status === 'FIRING')
      .filter((f) => {
        const resolved = [...expected.values(), ...sent].find((r) => r.status === 'RESOLVED' && r.slo_id === f.slo_id && r.severity === f.severity && ids.has(r.signal_id) && r.evaluated_at > f.evaluated_at);
        const stillFiring = expected.has(f.signal_id) && ![...expected.values()].some((r) => r.status === 'RESOLVED' && r.slo_id === f.slo_id && r.severity === f.severity && r.evaluated_at > f.evaluated_at);
        return !resolved && !stillFiring;
      })
      .map((f) => f.signal_id);
  };

  it('adds the signals of an incident whose events arrived after its minutes were evaluated', async () => {
    const inc = sim.truth.incidents.find((i) => i.product_version_id && i.window.from > sim.truth.start + 26 * HOUR);
    if (!inc) throw new Error('simulator run without an incident on day 2');
    const pv = inc.product_version_id;
    const held = (e: JourneyEvent): boolean => e.product_version_id === pv && (e.occurred_at as number) >= inc.window.from && (e.occurred_at as number) < inc.window.to;
    const r = await evaluateWithLateData(held, inc.window.to + 2 * HOUR);
    const missing = [...expected.keys()].filter((id) => !r.before.some((b) => b.signal_id === id) && (expected.get(id) as SloBreachSignal).evaluated_at <= inc.window.to + 2 * HOUR);
    expect(missing.length, 'withholding the incident changes what is evaluated first').toBeGreaterThan(0);
    expect(r.ev.stats.corrections).toBeGreaterThanOrEqual(1);
    expect(r.history).toEqual(expected);
    for (const id of expected.keys()) expect(r.sink.breaches.some((b) => b.signal_id === id), id).toBe(true);
    expect(leftOpen(r.sink.breaches)).toEqual([]);
    console.log(`late incident ${inc.incident_id}: ${r.late.length} events late; ${missing.length} signals missing before, history equal after (${expected.size} signals), ${r.ev.stats.retracted} retracted`);
  });

  it('retracts a FIRING that the complete data does not have and sends its RESOLVED', async () => {
    // Two quiet hours lose their successful journeys for a while: failures alone page.
    const from = sim.truth.start + 40 * HOUR;
    const quiet = sim.truth.incidents.every((i) => i.window.to < from - 2 * HOUR || i.window.from > from + 4 * HOUR);
    expect(quiet, 'the held hours overlap no incident').toBe(true);
    const held = (e: JourneyEvent): boolean => e.event_type === 'JOURNEY_COMPLETED' && (e.occurred_at as number) >= from && (e.occurred_at as number) < from + 2 * HOUR;
    const r = await evaluateWithLateData(held, from + 100 * 60_000);
    const falseFirings = r.before.filter((b) => b.status === 'FIRING' && !expected.has(b.signal_id));
    expect(falseFirings.length, 'failures alone page before the successes arrive').toBeGreaterThan(0);
    expect(r.ev.stats.retracted).toBeGreaterThanOrEqual(falseFirings.length);
    expect(r.history).toEqual(expected);
    expect(leftOpen(r.sink.breaches)).toEqual([]);
    // The RESOLVEDs that close them were sent once, after the data arrived.
    const closers = r.sink.breaches.filter((b) => b.status === 'RESOLVED' && !expected.has(b.signal_id));
    expect(closers.length).toBeGreaterThanOrEqual(1);
    console.log(`held successes: ${falseFirings.length} false FIRING sent, ${r.ev.stats.retracted} retracted, ${closers.length} closing RESOLVED sent; history equal (${expected.size} signals)`);
  });

  it('stores data older than the correction horizon without re-evaluating, and counts it', async () => {
    const from = sim.truth.start + 40 * HOUR;
    const held = (e: JourneyEvent): boolean => e.event_type === 'JOURNEY_COMPLETED' && (e.occurred_at as number) >= from && (e.occurred_at as number) < from + 2 * HOUR;
    const r = await evaluateWithLateData(held, from + 5 * HOUR, 60);
    expect(r.ev.stats.corrections).toBe(0);
    expect(r.ev.stats.lateUncorrected).toBe(1);
    expect(r.before.some((b) => b.status === 'FIRING' && !expected.has(b.signal_id))).toBe(true);
  });
});
