import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyEvent, LemSignal, QualityScoreUpdate, SloBreachSignal } from '../../processors/contracts/events.js';
import { INPUT_TOPICS } from '../../processors/contracts/topics.js';
import { simulate } from '../../processors/simulator/index.js';
import { INACTIVE, stepAlert } from '../../processors/slo/core/alert-machine.js';
import { evaluate, matchSeverity, shortWindowEmpty, type WindowSource } from '../../processors/slo/core/evaluate.js';
import { referenceCounts, type SliEvents } from '../../processors/slo/core/reference.js';
import { UnitSeries, type MinuteCounts, type Sums } from '../../processors/slo/core/series.js';
import { breachSignal } from '../../processors/slo/core/signal.js';
import { severitiesOf, type AlertStates } from '../../processors/slo/core/timeline.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import type { SloDefinition } from '../../processors/slo/definitions/model.js';
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

const MINUTE = 60_000;
const HOUR = 3_600_000;
const order = (a: SloBreachSignal, b: SloBreachSignal): number =>
  a.evaluated_at - b.evaluated_at || (a.slo_id < b.slo_id ? -1 : a.slo_id > b.slo_id ? 1 : 0) || (a.signal_id < b.signal_id ? -1 : 1);

/** A window source of whole minutes plus `open` added to any sum that ends at `minute`. */
const withOpen = (base: WindowSource, minute: number, open: Sums): WindowSource => ({
  sum: (from, to) => {
    const s = base.sum(from, to);
    return to === minute && to > from ? { good: s.good + open.good, total: s.total + open.total } : s;
  },
});

/**
 * The signals evaluation every `stepSeconds` implies, computed from the raw events (no
 * warehouse): at a whole minute T the windows hold the whole minutes before T; at an instant
 * between, the whole minutes before its minute plus that minute's events before the instant
 * (Occurrences SLOs of journey and LEM events; levels and time slices keep the last whole
 * minute's figures). Pending and keep-firing durations count in steps.
 */
function stepOracle(slos: readonly SloDefinition[], events: SliEvents, firstMinute: number, endMinute: number, stepSeconds: number): SloBreachSignal[] {
  const P = 60 / stepSeconds;
  const stepMs = stepSeconds * 1000;
  const n = endMinute - firstMinute;
  // The reference counts per step: every event moved to the minute numbered like its step.
  const asSteps = <T extends { occurred_at: number }>(list: readonly T[] | undefined): T[] =>
    (list ?? []).map((e) => ({ ...e, occurred_at: Math.floor(e.occurred_at / stepMs) * MINUTE }));
  const stepEvents: SliEvents = { journey: asSteps(events.journey), lem: asSteps(events.lem) };
  const out: SloBreachSignal[] = [];
  for (const slo of slos) {
    const minutes = new UnitSeries(referenceCounts(slo, events, firstMinute, n), slo.budgeting);
    const hasOpen = slo.indicator.kind !== 'level' && slo.budgeting.method === 'Occurrences';
    const steps: MinuteCounts | null = hasOpen ? referenceCounts(slo, stepEvents, firstMinute * P, n * P) : null;
    const policy = { pendingForMinutes: slo.alerting.pendingForMinutes * P, keepFiringForMinutes: slo.alerting.keepFiringForMinutes * P };
    const states: AlertStates = {};
    for (let u = firstMinute * P + 1; u <= endMinute * P; u++) {
      const m = Math.floor(u / P);
      let src: WindowSource = minutes;
      if (steps && u % P !== 0) {
        const open = { good: 0, total: 0 };
        for (let b = m * P; b < u; b++) {
          open.good += steps.good[b - steps.start] ?? 0;
          open.total += steps.total[b - steps.start] ?? 0;
        }
        src = withOpen(minutes, m, open);
      }
      for (const sev of severitiesOf(slo)) {
        const match = matchSeverity(slo, sev, src, m);
        const before = states[sev] ?? INACTIVE;
        if (!match && before.phase === 'inactive') continue;
        const quiet = !match && before.phase === 'firing' && shortWindowEmpty(before.rule, src, m);
        const r = stepAlert(before, sev, u, match, policy, quiet);
        states[sev] = r.state;
        const t = r.transition;
        if (t) out.push(breachSignal(slo, t, evaluate(slo, src, m * MINUTE), src, { atMs: t.at * stepMs, firingSinceMs: t.firingSince * stepMs, windowEndMinute: m }));
      }
    }
  }
  return out.sort(order);
}

async function history(t: TestWarehouse): Promise<SloBreachSignal[]> {
  const rows = await t.wh.query<SloBreachSignal & { evaluated_at: string }>(
    'SELECT * EXCEPT (inserted_at) REPLACE (toUnixTimestamp64Milli(evaluated_at) AS evaluated_at) FROM slo_signals_v',
  );
  return rows.map((r) => ({ ...r, evaluated_at: Number(r.evaluated_at) })).sort(order);
}

/**
 * Evaluation instants between whole minutes: a breach is signalled seconds after its events,
 * with the figures at whole minutes unchanged, and a live run (data arriving batch by batch,
 * some of it late) ends with the same history as a replay of the complete data.
 */
describe('SLO evaluation every few seconds of event time', () => {
  const slos = loadSloDirOrThrow(projectPath('slos'));
  const sim = simulate({ seed: 5, days: 2, journeysPerDay: 6000, malformedRate: 0 });
  const start = sim.truth.start;
  const end = sim.truth.end;
  const events = sliEventsOf(sim.records);
  const firstMinute = Math.floor(start / HOUR) * 60;
  let full: TestWarehouse;
  const opened: TestWarehouse[] = [];
  let replay10: SloBreachSignal[];

  const replay = async (stepSeconds: number, name: string): Promise<SloBreachSignal[]> => {
    const sink = new CollectingSink();
    const ev = new SloEvaluator({ warehouse: full.wh, slos, sinks: [sink], name, maxCycleMinutes: 97, stepSeconds });
    await ev.advanceTo(end);
    await ev.stop();
    return [...sink.breaches].sort(order);
  };

  beforeAll(async () => {
    full = await openTestWarehouse();
    await insertSimFacts(full.wh, sim.records);
    replay10 = await replay(10, 'every-10s');
  });
  afterAll(async () => {
    await full.drop();
    for (const t of opened) await t.drop();
  });

  it('every 10 s: exactly the signals, ids, instants and figures the raw events imply', () => {
    const expected = stepOracle(slos, events, firstMinute, end / MINUTE, 10);
    expect(expected.length).toBeGreaterThan(10);
    // Transitions between whole minutes do happen (the point of the finer step).
    expect(expected.filter((s) => s.evaluated_at % MINUTE !== 0).length).toBeGreaterThan(5);
    expect(replay10.map((s) => s.signal_id)).toEqual(expected.map((s) => s.signal_id));
    for (const [i, s] of replay10.entries()) {
      const e = expected[i] as SloBreachSignal;
      expect({ ...s, sli: 0, error_budget_remaining: 0, burn_rate_long: 0, burn_rate_short: 0 }).toEqual({ ...e, sli: 0, error_budget_remaining: 0, burn_rate_long: 0, burn_rate_short: 0 });
      for (const k of ['sli', 'error_budget_remaining', 'burn_rate_long', 'burn_rate_short'] as const) expect(Math.abs(s[k] - e[k]), `${s.signal_id} ${k}`).toBeLessThanOrEqual(1e-9);
    }
  });

  it('pages every incident no later than whole-minute evaluation does, and within its first minutes', async () => {
    const byMinute = await replay(60, 'every-minute');
    for (const inc of sim.truth.incidents) {
      const firstPage = (list: readonly SloBreachSignal[]): number | undefined =>
        list.find((s) => s.severity === 'PAGE' && s.status === 'FIRING' && s.evaluated_at >= inc.window.from && s.evaluated_at <= inc.window.to + 30 * MINUTE)?.evaluated_at;
      const fine = firstPage(replay10);
      const coarse = firstPage(byMinute);
      expect(fine, inc.incident_id).toBeDefined();
      expect(coarse, inc.incident_id).toBeDefined();
      expect(fine as number, inc.incident_id).toBeLessThanOrEqual(coarse as number);
    }
  });

  it('refuses a step that does not divide a minute', () => {
    expect(() => new SloEvaluator({ warehouse: full.wh, slos, sinks: [], stepSeconds: 7 })).toThrow(/stepSeconds: 7/);
  });

  it('live, batch by batch at 2 s of allowed lateness: signals go out as the watermark passes each instant, and the history ends equal to the replay', async () => {
    const live = await openTestWarehouse();
    opened.push(live);
    const sink = new CollectingSink();
    let now = start;
    const ev = new SloEvaluator({
      warehouse: live.wh,
      slos,
      sinks: [new WarehouseSignalSink(live.wh), sink],
      name: 'live',
      stepSeconds: 10,
      correctionMinutes: 1440,
      watermark: { allowedLatenessMs: 2000, idleTimeoutMs: 5000 },
      now: () => now,
    });
    const inc = sim.truth.incidents[0];
    if (!inc) throw new Error('simulator run without incidents');
    const liveFrom = inc.window.from - 10 * MINUTE;
    const liveTo = inc.window.from + 25 * MINUTE;
    // Records in delivery order: the part before the live phase at once, then batches of 4.
    const records = sim.records.filter((r) => r.kind === 'event' && (r.topic === INPUT_TOPICS.journey || r.topic === INPUT_TOPICS.lem));
    const at = (r: (typeof records)[number]): number => (r.kind === 'event' ? Number((r.value as { occurred_at: number }).occurred_at) : 0);
    const cutA = records.findIndex((r) => at(r) >= liveFrom);
    const cutB = records.findIndex((r) => at(r) >= liveTo);
    const chunks = [records.slice(0, cutA)];
    for (let i = cutA; i < cutB; i += 4) chunks.push(records.slice(i, Math.min(i + 4, cutB)));
    chunks.push(records.slice(cutB));
    const sentAt: Array<{ signal: SloBreachSignal; before: number }> = [];
    let committedUpTo = -Infinity;
    for (const [i, chunk] of chunks.entries()) {
      const before = committedUpTo;
      const journey = chunk.filter((r) => r.topic === INPUT_TOPICS.journey).map((r) => r.value as JourneyEvent);
      const lem = chunk.filter((r) => r.topic === INPUT_TOPICS.lem).map((r) => r.value as LemSignal);
      await insertFacts(live.wh, { journey, lem }, 5000, `c${i}-`);
      for (const [topic, list] of [[INPUT_TOPICS.journey, journey], [INPUT_TOPICS.lem, lem]] as const) {
        if (list.length === 0) continue;
        const times = list.map((e) => e.occurred_at);
        const max = Math.max(...times);
        // One event of event time per ms of processing time (1x): the clock follows the newest event.
        now = Math.max(now, max);
        committedUpTo = Math.max(committedUpTo, max);
        ev.onCommitted({ topic, partition: 0, minOccurredAt: Math.min(...times), maxOccurredAt: max });
      }
      const sentBefore = sink.breaches.length;
      await ev.idle();
      for (const s of sink.breaches.slice(sentBefore)) sentAt.push({ signal: s, before });
    }
    await ev.advanceTo(end);
    await ev.stop();
    // Inside the live phase a FIRING goes out with the first batch that takes the watermark past
    // its instant: before that batch, no event 2 s (the lateness) + 5 s (a silent partition's
    // idle time) past the instant was committed. A whole-minute evaluation waits for the minute's end.
    const first = new Map<string, { signal: SloBreachSignal; before: number }>();
    for (const x of sentAt) if (!first.has(x.signal.signal_id)) first.set(x.signal.signal_id, x);
    const firings = [...first.values()].filter((x) => x.signal.status === 'FIRING' && x.signal.evaluated_at >= liveFrom && x.signal.evaluated_at < liveTo - 5 * MINUTE);
    expect(firings.length).toBeGreaterThan(0);
    for (const x of firings) expect(x.before - x.signal.evaluated_at, x.signal.signal_id).toBeLessThan(7_000);
    expect(firings.some((x) => x.signal.evaluated_at % MINUTE !== 0)).toBe(true);
    // Whatever arrived late was corrected: the history equals one pass over the complete data.
    expect(await history(live)).toEqual(replay10);
  });
});
