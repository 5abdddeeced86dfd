import type { FxRate } from '../contracts/events.js';
import { CATALOG, marketOf } from './catalog.js';
import { fxRecord, type SimContext } from './context.js';
import { Delivery } from './delivery.js';
import { IncidentRuntime } from './incidents.js';
import { generateJourney } from './journeys.js';
import { LemGenerator } from './lem.js';
import { MalformedFactory } from './malformed.js';
import { FxTable } from './money.js';
import { resolveSimOptions, type ResolvedSimOptions, type SimOptions } from './options.js';
import { DAY, makePlan, MINUTE, type IncidentPlan } from './plan.js';
import { hash32, Prng } from './prng.js';
import { TruthBuilder } from './truth.js';
import type { EventRecord, GroundTruth, IncidentWindow, SimRecord } from './types.js';

export interface SimOutput {
  /** Every record in delivery order (duplicated, late and malformed records included). */
  records: SimRecord[];
  truth: GroundTruth;
}

/** A lazily generated run: iterate once for the records; `truth()` is complete after the last one. */
export interface SimStream extends Iterable<SimRecord> {
  readonly options: ResolvedSimOptions;
  readonly runId: string;
  /** Incident windows, known before any record is generated. */
  readonly incidents: readonly IncidentWindow[];
  truth(): GroundTruth;
}

// Local-time load curve (relative journeys per hour): quiet nights, lunch and evening peaks.
const HOURLY = [0.2, 0.12, 0.08, 0.06, 0.06, 0.1, 0.25, 0.5, 0.8, 1.0, 1.1, 1.25, 1.4, 1.3, 1.15, 1.1, 1.15, 1.3, 1.45, 1.4, 1.1, 0.8, 0.5, 0.3];
const HOURLY_MEAN = HOURLY.reduce((a, b) => a + b, 0) / HOURLY.length;

/** Load at a local minute of the day, linearly interpolated between hours (cyclic, so the daily mean is HOURLY_MEAN). */
function diurnal(localMinuteOfDay: number): number {
  const h = Math.floor(localMinuteOfDay / 60) % 24;
  const frac = (localMinuteOfDay % 60) / 60;
  return (HOURLY[h] as number) * (1 - frac) + (HOURLY[(h + 1) % 24] as number) * frac;
}

/** The run tag in every id: a hash of the content options only, so delivery options do not change ids. */
export function runIdOf(o: ResolvedSimOptions): string {
  // Scheduled incidents are content too; without them the tag (and every id) is as before they existed.
  const content = JSON.stringify([
    o.seed,
    o.days,
    o.start,
    o.journeysPerDay,
    o.incidentsPerDay,
    ...(o.scheduledIncidents.length > 0 ? [o.scheduledIncidents] : []),
    ...(o.load === 'flat' ? ['flat'] : []),
  ]);
  return hash32(content).toString(16).padStart(8, '0');
}

/**
 * Generates a run lazily: memory stays bounded by the events not yet due for delivery (a
 * few hours of late events and pending follow-ups), so millions of events stream through.
 */
export function simulateStream(options: SimOptions): SimStream {
  const opts = resolveSimOptions(options);
  const runId = runIdOf(opts);
  const end = opts.start + opts.days * DAY;
  const plan = makePlan(opts.seed, runId, opts.start, opts.days, opts.incidentsPerDay, opts.scheduledIncidents);
  const truth = new TruthBuilder(opts, runId, end);
  truth.fx = plan.fx;
  let started = false;
  let finished = false;
  let result: GroundTruth | undefined;

  return {
    options: opts,
    runId,
    incidents: plan.incidents.map(windowOf),
    truth(): GroundTruth {
      if (!finished) throw new Error('simulator: iterate the stream to its end before asking for the ground truth');
      result ??= truth.build();
      return result;
    },
    [Symbol.iterator](): Iterator<SimRecord> {
      if (started) throw new Error('simulator: a stream can be iterated only once');
      started = true;
      return generate(opts, runId, end, plan, truth, () => (finished = true));
    },
  };
}

/** Generates a whole run in memory. */
export function simulate(options: SimOptions): SimOutput {
  const stream = simulateStream(options);
  const records = [...stream];
  return { records, truth: stream.truth() };
}

function windowOf(p: IncidentPlan): IncidentWindow {
  return {
    incident_id: p.incident_id,
    kind: p.kind,
    product_version_id: p.product_version_id,
    market_code: p.market_code,
    city_code: p.city_code,
    route_id: p.route_id,
    vendor_id: p.vendor_id,
    from: p.from,
    to: p.to,
    bad_share: p.bad_share,
    lem: p.lem,
  };
}

function* generate(
  opts: ResolvedSimOptions,
  runId: string,
  end: number,
  plan: ReturnType<typeof makePlan>,
  truth: TruthBuilder,
  onDone: () => void,
): Generator<SimRecord> {
  const deliveryRng = new Prng(opts.deliverySeed, 'delivery');
  const delivery = new Delivery(opts, deliveryRng, new MalformedFactory(new Prng(opts.deliverySeed, 'malformed'), runId, opts.encodeAvro), truth);
  let eventSeq = 0;
  const counters = new Map<string, number>();
  const serial = (counter: string): string => {
    const n = (counters.get(counter) ?? 0) + 1;
    counters.set(counter, n);
    return `${runId}-${n}`;
  };
  const ctx: SimContext = {
    opts,
    runId,
    end,
    rng: new Prng(opts.seed, 'traffic'),
    truth,
    nextEventId: () => `EV-${runId}-${++eventSeq}`,
    nextId: (prefix) => `${prefix}-${serial(prefix)}`,
    serial,
    emit: (rec: EventRecord) => {
      truth.event(rec.topic, rec.value.event_type);
      delivery.push(rec);
    },
  };
  const fxTable = new FxTable(plan.fx);
  const upcoming = plan.incidents.map((p) => new IncidentRuntime(ctx, p, fxTable)).sort((a, b) => a.plan.from - b.plan.from);
  let nextIncident = 0;
  let open: IncidentRuntime[] = [];
  const lem = new LemGenerator(ctx, plan.incidents, plan.coverage);
  const totalWeight = CATALOG.productVersions.reduce((s, p) => s + p.weight, 0);
  // Expected journeys per minute = base x the local diurnal load (whose daily mean is 1), or the mean at every minute.
  const flat = opts.load === 'flat';
  const load = CATALOG.productVersions.map((pv) => ({
    pv,
    offset: marketOf(pv.city_code).utc_offset_minutes * MINUTE,
    base: (opts.journeysPerDay * pv.weight) / totalWeight / 1440 / (flat ? 1 : HOURLY_MEAN),
  }));

  let fxNext = 0;
  const minutes = opts.days * 1440;
  for (let m = 0; m < minutes; m++) {
    const t = opts.start + m * MINUTE;
    for (let p = plan.fx[fxNext]; p !== undefined && p.occurred_at < t + MINUTE; p = plan.fx[++fxNext]) {
      const value: FxRate = { event_id: ctx.nextEventId(), event_type: 'RATE', occurred_at: p.occurred_at, currency: p.currency, rate_to_reporting: p.rate_to_reporting };
      ctx.emit(fxRecord(value));
    }
    lem.minute(t, m);
    for (let r = upcoming[nextIncident]; r !== undefined && r.plan.from < t + MINUTE; r = upcoming[++nextIncident]) open.push(r);
    const active = open.filter((r) => r.plan.to > t);
    for (const { pv, offset, base } of load) {
      const local = (((t + offset) % DAY) + DAY) % DAY;
      const count = ctx.rng.poisson(flat ? base : base * diurnal(local / MINUTE));
      for (let k = 0; k < count; k++) {
        const t0 = t + ctx.rng.int(0, MINUTE - 1);
        const route = ctx.rng.pick(pv.routes);
        const incident = active.find((r) => r.inEffect(pv, route, t0));
        const result = generateJourney(ctx, pv, route, t0, incident ? incident.plan.kind : null);
        incident?.register(result);
      }
    }
    for (const r of open) r.emitDue(t + MINUTE);
    open = open.filter((r) => !r.done);
    yield* delivery.release(t + MINUTE);
  }
  for (const r of upcoming) r.emitDue(Infinity);
  yield* delivery.flush();
  onDone();
}
