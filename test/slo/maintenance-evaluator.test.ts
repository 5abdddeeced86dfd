import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyEvent, QualityScoreUpdate, SloBreachSignal } from '../../processors/contracts/events.js';
import { buildMaintenanceWindow, type MaintenanceWindow } from '../../processors/slo/definitions/maintenance.js';
import { withFileMaintenance } from '../../processors/slo/definitions/maintenance-load.js';
import { formatProblem, loadSloFiles } from '../../processors/slo/definitions/load.js';
import type { SloDefinition } from '../../processors/slo/definitions/model.js';
import { evaluateSlos } from '../../processors/slo/replay/status.js';
import { SloEvaluator } from '../../processors/slo/runtime/index.js';
import { WarehouseSignalSink, type SignalSink } from '../../sinks/signals/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { insertFacts } from './sim-events.js';
import { journey, sloYaml } from './support.js';

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

const T0 = Date.parse('2026-01-05T00:00:00Z');
const END = T0 + 4 * 3_600_000;
const at = (hhmm: string): number => Date.parse(`2026-01-05T${hhmm}:00Z`);
const iso = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

/** 20 journeys a minute for 4 hours; every journey of the minutes in `failing` ([from, to) pairs) fails. */
function traffic(failing: ReadonlyArray<readonly [string, string]>, skip: (ms: number) => boolean = () => false): JourneyEvent[] {
  const out: JourneyEvent[] = [];
  for (let t = T0; t < END; t += 60_000) {
    if (skip(t)) continue;
    const bad = failing.some(([a, b]) => t >= at(a) && t < at(b));
    for (let k = 0; k < 20; k++) out.push(journey(bad ? 'JOURNEY_FAILED' : 'JOURNEY_COMPLETED', t + k * 2_000));
  }
  return out;
}

const SLO = sloYaml({ name: 'vien-coffee', target: 0.99, window: '30d' });
const windowDoc = (start: string, duration: string): string => `---
apiVersion: openslo/v1
kind: MaintenanceWindow
metadata:
  name: failover-drill
spec:
  selector: {slos: [vien-coffee]}
  start: "2026-01-05T${start}"
  duration: ${duration}
  reason: planned failover drill
`;

function load(text: string): SloDefinition[] {
  const files = [{ file: 'slos.yaml', text }];
  const r = withFileMaintenance(files, loadSloFiles(files));
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.slos;
}

const signals = (list: readonly SloBreachSignal[]): string[] => list.map((s) => `${s.status} ${s.severity} ${iso(s.evaluated_at)} ${s.signal_id.slice(0, 8)}`);

describe('maintenance windows in the running evaluator (golden)', () => {
  const opened: TestWarehouse[] = [];
  const open = async (events: JourneyEvent[]): Promise<TestWarehouse> => {
    const tw = await openTestWarehouse();
    opened.push(tw);
    await insertFacts(tw.wh, { journey: events });
    return tw;
  };
  const run = async (tw: TestWarehouse, slos: readonly SloDefinition[], name: string) => {
    const sink = new CollectingSink();
    const ev = new SloEvaluator({ warehouse: tw.wh, slos, sinks: [new WarehouseSignalSink(tw.wh), sink], name, maxCycleMinutes: 97 });
    await ev.advanceTo(END);
    await ev.stop();
    return { ev, sink };
  };
  const history = async (tw: TestWarehouse): Promise<string[]> =>
    signals(
      (await tw.wh.query<SloBreachSignal & { evaluated_at: string }>('SELECT * EXCEPT (inserted_at) REPLACE (toUnixTimestamp64Milli(evaluated_at) AS evaluated_at) FROM slo_signals_v ORDER BY evaluated_at, status')).map(
        (r) => ({ ...r, evaluated_at: Number(r.evaluated_at) }),
      ),
    );

  // A breach 01:10-01:25, all inside the window 01:00-01:30.
  const BREACH: ReadonlyArray<readonly [string, string]> = [['01:10', '01:25']];
  const inWindow = (t: number): boolean => t >= at('01:00') && t < at('01:30');
  let withBreach: TestWarehouse;
  let withoutWindowMinutes: TestWarehouse;

  beforeAll(async () => {
    withBreach = await open(traffic(BREACH));
    withoutWindowMinutes = await open(traffic(BREACH, inWindow));
  });
  afterAll(async () => {
    for (const t of opened) await t.drop();
  });

  const PLAIN = ['FIRING TICKET 01:11 5cf57f78', 'FIRING PAGE 01:15 9c57badb', 'RESOLVED PAGE 02:09 2ee5d5ad'];

  it('a breach inside a window sends nothing, and the budget equals the data without those minutes', async () => {
    const plain = await run(withBreach, load(SLO), 'plain');
    expect(signals(plain.sink.breaches)).toEqual(PLAIN);

    const slos = load(`${SLO}${windowDoc('01:00', '30m')}`);
    const maintained = await run(withBreach, slos, 'maintained');
    expect(maintained.sink.breaches).toEqual([]);
    expect(maintained.ev.stats.suppressed).toBe(0); // the excluded minutes never made a rule hold

    const [inside] = await evaluateSlos(withBreach.wh, slos, END);
    const [removed] = await evaluateSlos(withoutWindowMinutes.wh, load(SLO), END);
    expect(inside?.total).toBe(4 * 60 * 20 - 30 * 20); // 4 200 journeys: the 30 window minutes hold none
    expect(inside?.good).toBe(4200);
    expect(inside?.error_budget_remaining).toBe(1);
    expect(inside?.burn_rates).toEqual(removed?.burn_rates);
    expect({ ...inside, alerts: [] }).toEqual({ ...removed, alerts: [] });
    const [unmaintained] = await evaluateSlos(withBreach.wh, load(SLO), END);
    expect(unmaintained?.total).toBe(4800);
    expect(unmaintained?.good).toBe(4500); // 15 failing minutes of 20
    expect(unmaintained?.error_budget_remaining).toBeCloseTo(1 - 300 / 48, 12);
  });

  it('a recurring window (RRULE) takes every occurrence out: two breaches, no signal, the figures of the data without them', async () => {
    const twice: ReadonlyArray<readonly [string, string]> = [['01:10', '01:25'], ['02:10', '02:25']];
    const tw = await open(traffic(twice));
    const plain = await run(tw, load(SLO), 'plain-twice');
    expect(signals(plain.sink.breaches).length).toBeGreaterThan(0);
    const hourly = `---
apiVersion: openslo/v1
kind: MaintenanceWindow
metadata:
  name: hourly-job
spec:
  selector: {slos: [vien-coffee]}
  start: "2026-01-05T02:10"
  duration: 15m
  rrule: FREQ=HOURLY;INTERVAL=1;COUNT=2
  timeZone: Europe/Vienna
  reason: batch job at ten past
`;
    // 02:10 Vienna is 01:10 UTC; the second occurrence is 02:10 UTC.
    const slos = load(`${SLO}${hourly}`);
    const maintained = await run(tw, slos, 'hourly');
    expect(maintained.sink.breaches).toEqual([]);
    const [s] = await evaluateSlos(tw.wh, slos, END);
    expect(s?.total).toBe(4800 - 2 * 15 * 20);
    expect(s?.good).toBe(4200);
    expect(s?.error_budget_remaining).toBe(1);
  });

  const lateWindow = (): MaintenanceWindow => {
    const w = buildMaintenanceWindow('failover-drill', { selector: { slos: ['vien-coffee'] }, start: '2026-01-05T01:00', duration: '30m', reason: 'declared late' }, 'api');
    if (!w.ok) throw new Error(JSON.stringify(w.problems));
    return w.window;
  };

  it('a window added after the fact is re-evaluated: the signals it removes are retracted', async () => {
    const tw = await open(traffic(BREACH));
    const sink = new CollectingSink();
    const ev = new SloEvaluator({ warehouse: tw.wh, slos: load(SLO), sinks: [new WarehouseSignalSink(tw.wh), sink], name: 'added', maxCycleMinutes: 97 });
    await ev.advanceTo(at('02:00'));
    expect(await history(tw)).toEqual(PLAIN.slice(0, 2));
    ev.setMaintenance([lateWindow()]);
    await ev.advanceTo(END);
    await ev.stop();
    expect(ev.stats.corrections).toBe(1);
    expect(ev.stats.retracted).toBe(2);
    expect(await history(tw)).toEqual([]);
    // Receivers got both FIRINGs, then the RESOLVEDs that close them at the end of the cycle
    // that caught up (the correction re-evaluated 01:00-02:37 in one cycle of 97 minutes).
    expect(signals(sink.breaches)).toEqual(['FIRING TICKET 01:11 5cf57f78', 'FIRING PAGE 01:15 9c57badb', 'RESOLVED TICKET 02:37 e4f9b3e0', 'RESOLVED PAGE 02:37 2ee5d5ad']);
  });

  it('a window removed after the fact gives the signals back, with their ids', async () => {
    const tw = await open(traffic(BREACH));
    const ev = new SloEvaluator({ warehouse: tw.wh, slos: load(SLO), sinks: [new WarehouseSignalSink(tw.wh)], name: 'removed', maxCycleMinutes: 97 });
    ev.setMaintenance([lateWindow()]);
    await ev.advanceTo(at('02:00'));
    expect(await history(tw)).toEqual([]);
    ev.setMaintenance([]);
    await ev.advanceTo(END);
    await ev.stop();
    expect(ev.stats.corrections).toBe(1);
    expect(await history(tw)).toEqual(PLAIN);
  });

  it('an alert that fires at the window start is held back and sent when the window ends', async () => {
    // 00:45-01:00 fails: the page fires at 00:48; a window opens at that very instant.
    const tw = await open(traffic([['00:45', '01:00']]));
    const plain = await run(tw, load(SLO), 'plain-edge');
    const maintained = await run(tw, load(`${SLO}${windowDoc('00:48', '30m')}`), 'held');
    expect(signals(plain.sink.breaches)).toEqual(['FIRING TICKET 00:46 8ff9c576', 'FIRING PAGE 00:48 d316a33e', 'RESOLVED PAGE 01:44 8b86595b']);
    expect(maintained.ev.stats.suppressed).toBe(1);
    // The held FIRING goes out when the window ends (01:18), with the episode's identity (fired at 00:48).
    expect(signals(maintained.sink.breaches)).toEqual(['FIRING TICKET 00:46 8ff9c576', 'FIRING PAGE 01:18 d316a33e', 'RESOLVED PAGE 01:34 8b86595b']);
  });
});
