import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AlertSeverity } from '../../contracts/enums.js';
import type { QualityScoreUpdate, SloBreachSignal } from '../../contracts/events.js';
import { INPUT_TOPICS } from '../../contracts/topics.js';
import { retryBounded } from '../../ingest/retry.js';
import { consumerLag } from '../../transport/lag.js';
import { silentLogger } from '../../observability/logger.js';
import { PipelineError } from '../../errors/pipeline-error.js';
import type { CommittedBatch } from '../../ingest/options.js';
import type { TopicPartition } from '../../transport/types.js';
import { INACTIVE, stepAlert, type AlertState, type AlertTransition } from '../core/alert-machine.js';
import { changedFrom, withMaintenance } from '../core/maintenance.js';
import type { MaintenanceWindow } from '../definitions/maintenance.js';
import { copyHeld, dropExcluded, heldBy, owed, type Held } from './maintenance-hold.js';
import { longestPeriodDays } from '../definitions/calendar.js';
import { DAY_MIN, MINUTE_MS } from '../definitions/duration.js';
import { evaluate, matchSeverity, shortWindowEmpty, sloWindow, type WindowSource } from '../core/evaluate.js';
import type { AlertPolicy, SloDefinition } from '../definitions/model.js';
import { breachSignal, signalIdAt } from '../core/signal.js';
import { severitiesOf, type AlertStates } from '../core/timeline.js';
import { HourWindows, MINUTES_PER_HOUR, type HourMinutes } from './hour-windows.js';
import { MinuteSource, type MinuteRange, type RawMinutes } from '../store/minute-source.js';
import { OpenMinuteReader, type OpenBuckets } from '../store/open-minute.js';
import { OpenMinuteWindows } from './open-windows.js';
import type { SloEvaluatorOptions } from './options.js';
import { newestStoredEvent } from '../store/newest-event.js';
import { qualityScores } from '../store/quality.js';
import { WatermarkTracker } from './watermark.js';

interface Track {
  slo: SloDefinition;
  severities: readonly AlertSeverity[];
  windows: HourWindows;
  states: AlertStates;
  /** The alert policy in evaluation steps instead of minutes (see SloEvaluatorOptions.stepSeconds). */
  policy: Pick<AlertPolicy, 'pendingForMinutes' | 'keepFiringForMinutes'>;
  /** Raw minutes of hours still being filled (the open hour). */
  open: Map<number, HourMinutes>;
  /** Transitions held back by a maintenance window, sent or dropped when it ends (maintenance-hold.ts). */
  held: Held;
}

export interface EvaluatorStats {
  cycles: number;
  /** Minutes of event time evaluated (all SLOs each). */
  minutes: number;
  signals: number;
  scores: number;
  lastCycleMs: number;
  maxCycleMs: number;
  /** Wall time of the last cycle divided by the minutes it evaluated. */
  lastMsPerMinute: number;
  /** Re-evaluations of minutes that received data after they were evaluated. */
  corrections: number;
  /** Signals taken back by a correction (and RESOLVED sent for those that were firing). */
  retracted: number;
  /** Committed batches with events older than the correction horizon: stored, not re-evaluated. */
  lateUncorrected: number;
  /** Transitions held back because their instant was inside a maintenance window. */
  suppressed: number;
}

/** What a correction re-evaluates: minutes (from, instant toMs] and the signals sent for them before. */
interface Correction {
  from: number;
  /** The newest instant (epoch ms) evaluated before the correction began. */
  toMs: number;
  old: Map<string, SloBreachSignal>;
  found: Set<string>;
}

const hourOf = (minute: number): number => Math.floor(minute / MINUTES_PER_HOUR);
/** Least processing time between two looks at the broker's offsets. */
const OFFSETS_EVERY_MS = 500;

/**
 * The running SLO evaluator: advances on the event-time watermark, evaluates every SLO's
 * alert rules at each evaluation instant (every whole minute, and with `stepSeconds` below 60
 * also every step in between), and sends FIRING / RESOLVED breach signals and quality scores
 * to its sinks. An instant T is evaluated once the watermark has reached T. At a whole minute
 * every window holds the whole minutes before T (the minute rollups); between whole minutes it
 * also holds the open part of the current minute up to T, read from the facts (store/open-minute.ts),
 * so the figures at whole minutes are those of a minute-by-minute evaluation. The same instants
 * evaluated again (a replay, a restart) give the same signals with the same ids and
 * `evaluated_at`; progress is saved at whole minutes after the signals of a cycle were sent,
 * so a crash re-sends at most one cycle (same ids).
 */
export class SloEvaluator {
  readonly stats: EvaluatorStats = {
    cycles: 0, minutes: 0, signals: 0, scores: 0, lastCycleMs: 0, maxCycleMs: 0, lastMsPerMinute: 0,
    corrections: 0, retracted: 0, lateUncorrected: 0, suppressed: 0,
  };
  private readonly opts: SloEvaluatorOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly tracks: Track[];
  private readonly source: MinuteSource;
  private readonly clock: WatermarkTracker;
  private readonly topics: ReadonlySet<string>;
  private readonly lengths: number[];
  private readonly longest: number;
  private readonly name: string;
  private cursor: number | null = null;
  /** First tracked hour: hours before it count as nothing and are never read. */
  private startHour = 0;
  /** First evaluation step whose signals are sent (earlier ones rebuild alert states only). */
  private emitFromTick = 0;
  private readonly detailHours = new Set<number>();
  private loop: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Evaluation steps up to this one are evaluated whatever the watermark (advanceTo). */
  private target = -Infinity;
  private failure: unknown;
  private offsetsAskedAt = -Infinity;
  private offsetsAsking: Promise<void> | null = null;
  private offsetsSeen = false;
  private storedReadAt = -Infinity;
  /** The end (epoch ms) of what was read so far: data before it that arrives now is late. */
  private readToMs: number | null = null;
  /** Length of an evaluation step (ms) and steps per minute. */
  private readonly stepMs: number;
  private readonly perMinute: number;
  /** The last evaluated instant, in steps (>= cursor * perMinute). */
  private doneTick = 0;
  private readonly openReader: OpenMinuteReader;
  /** Earliest minute that received data after it was read, waiting for its correction. */
  private lateFrom: number | null = null;
  private correction: Correction | null = null;
  /** Alert states at whole hours (minute -> per track), to re-evaluate from after late data. */
  private readonly snapshots = new Map<number, AlertStates[]>();
  private readonly correctionMinutes: number;
  /** Held-back transitions at whole hours, beside `snapshots`. */
  private readonly heldSnapshots = new Map<number, Held[]>();
  /** Maintenance windows declared outside the SLO files (setMaintenance). */
  private extraWindows: readonly MaintenanceWindow[] = [];

  constructor(options: SloEvaluatorOptions) {
    this.opts = options;
    this.log = options.logger ?? silentLogger();
    this.now = options.now ?? Date.now;
    this.name = options.name ?? 'default';
    this.clock = new WatermarkTracker(options.watermark);
    // Nothing is known to be caught up before the broker has been asked.
    if (options.transport && options.consumerGroup) this.clock.offsets(null, this.now());
    this.topics = new Set(options.watermarkTopics ?? [INPUT_TOPICS.journey, INPUT_TOPICS.lem]);
    const lengths = new Set<number>([60]);
    let longest = 60;
    for (const slo of options.slos) {
      for (const r of slo.alerting.rules) lengths.add(r.longMinutes).add(r.shortMinutes);
      if (slo.window.kind === 'rolling') lengths.add(slo.window.minutes);
      // A calendar period's longest instance (a month 31 days, a quarter 92, a year 366).
      const span = slo.window.kind === 'rolling' ? slo.window.minutes : Math.ceil(longestPeriodDays(slo.window) * DAY_MIN);
      longest = Math.max(longest, span, ...slo.alerting.rules.map((r) => r.longMinutes));
    }
    this.lengths = [...lengths].sort((a, b) => a - b);
    this.longest = longest;
    const horizonHours = Math.ceil(longest / MINUTES_PER_HOUR) + 1;
    const step = options.stepSeconds ?? 60;
    if (!Number.isInteger(step) || step < 1 || 60 % step !== 0) {
      throw new PipelineError('INVALID_CONFIG', `SLO evaluator stepSeconds: ${step} does not divide a minute into whole seconds (1, 2, 5, 10, 15, 20, 30 or 60)`);
    }
    this.stepMs = step * 1000;
    this.perMinute = 60 / step;
    const P = this.perMinute;
    this.tracks = options.slos.map((slo) => ({
      slo,
      severities: severitiesOf(slo),
      windows: new HourWindows(slo.budgeting, horizonHours),
      states: {},
      policy: { pendingForMinutes: slo.alerting.pendingForMinutes * P, keepFiringForMinutes: slo.alerting.keepFiringForMinutes * P },
      open: new Map(),
      held: new Map(),
    }));
    this.source = new MinuteSource(options.warehouse, options.slos);
    this.openReader = new OpenMinuteReader(options.warehouse, options.slos, this.stepMs);
    this.correctionMinutes = Math.min(options.correctionMinutes ?? 360, (horizonHours - 2) * MINUTES_PER_HOUR);
  }

  /** The last evaluated instant (epoch ms; a whole minute, or a step within the open one), or null before the first cycle. */
  get evaluatedUpTo(): number | null {
    return this.cursor === null ? null : this.doneTick * this.stepMs;
  }

  /** Length of an evaluation step (ms): 60 000 evaluates at whole minutes only. */
  get evaluationStepMs(): number {
    return this.stepMs;
  }

  /** The error that stopped the evaluator, if any. */
  get error(): unknown {
    return this.failure;
  }

  /** Starts the processing-time tick that lets idle partitions release the watermark (and a restarted evaluator finish what is stored). */
  start(): void {
    this.timer = setInterval(() => this.kick(), this.opts.tickMs ?? 1000);
    this.timer.unref();
  }

  /** Ingest hook: a batch was committed (the watermark input). */
  onCommitted(batch: Pick<CommittedBatch, 'topic' | 'partition' | 'maxOccurredAt'> & Partial<Pick<CommittedBatch, 'minOccurredAt'>>): void {
    if (!this.topics.has(batch.topic)) return;
    this.clock.observe(batch.topic, batch.partition, batch.maxOccurredAt, this.now());
    if (batch.minOccurredAt !== undefined && batch.minOccurredAt !== null) this.noteLate(batch.minOccurredAt, batch);
    this.kick();
  }

  /**
   * Data for instant `ms` was committed. When it was already read (a partition that was idle
   * woke up with older events, or an event later than the allowed lateness), the minutes from
   * its hour on are evaluated again, within the correction horizon; older data is stored and
   * counted by every later query, not re-evaluated.
   */
  private noteLate(ms: number, where: Pick<CommittedBatch, 'topic' | 'partition'>): void {
    const readMs = this.readToMs;
    if (readMs === null || ms >= readMs) return;
    const m = Math.floor(ms / MINUTE_MS);
    const read = Math.ceil(readMs / MINUTE_MS);
    const from = hourOf(m) * MINUTES_PER_HOUR;
    const cursor = this.cursor ?? read;
    if (m < read - this.correctionMinutes || from < this.startHour * MINUTES_PER_HOUR || (from < cursor && !this.snapshots.has(from))) {
      this.stats.lateUncorrected++;
      this.log.warn(
        { topic: where.topic, partition: where.partition, minute: new Date(m * MINUTE_MS).toISOString(), evaluatedUpTo: new Date(readMs).toISOString() },
        'data older than the correction horizon: stored, signals not re-evaluated',
      );
      return;
    }
    this.lateFrom = Math.min(this.lateFrom ?? Infinity, m);
  }

  /**
   * Replaces the maintenance windows declared outside the SLO files (the API's). A change
   * that excludes or holds back something in minutes already evaluated is corrected like
   * late data: evaluated again from the first minute it touches, within the correction
   * horizon (signals it no longer gives are retracted, new ones sent).
   */
  setMaintenance(windows: readonly MaintenanceWindow[]): void {
    const before = this.extraWindows;
    this.extraWindows = [...windows];
    const slos = withMaintenance(this.opts.slos, this.extraWindows);
    this.tracks.forEach((tr, i) => (tr.slo = slos[i] as SloDefinition));
    const readMs = this.readToMs;
    if (readMs === null) return;
    const from = changedFrom(before, this.extraWindows, readMs - this.correctionMinutes * MINUTE_MS, readMs);
    if (from !== null) {
      this.noteLate(from, { topic: 'maintenance windows', partition: -1 });
      this.kick();
    }
  }

  /** Partitions this consumer lost in a rebalance stop holding the watermark. */
  onRevoked(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.clock.forget(p.topic, p.partition);
  }

  /** The largest event time committed so far (epoch ms; -Infinity before any). */
  latestEventTime(): number {
    return this.clock.maxSeen();
  }

  /** The current event-time watermark (epoch ms). */
  watermark(): number {
    return this.clock.watermark(this.now());
  }

  /** Evaluates every instant up to `eventTimeMs`, whatever the watermark (end of a stream, tests, backfills). */
  async advanceTo(eventTimeMs: number): Promise<void> {
    this.target = Math.max(this.target, Math.floor(eventTimeMs / this.stepMs));
    this.kick();
    await this.idle();
  }

  /** Resolves when no cycle is running. */
  async idle(): Promise<void> {
    while (this.loop) await this.loop;
    if (this.failure) throw this.failure;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.loop?.catch(() => undefined);
  }

  private kick(): void {
    if (this.loop || this.stopped || this.failure) return;
    this.loop = this.run()
      .catch((e: unknown) => {
        this.failure = e;
        this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'SLO evaluator stopped');
      })
      .finally(() => {
        this.loop = null;
      });
  }

  /**
   * Looks at what the broker holds, at most every OFFSETS_EVERY_MS and never inside a cycle: a
   * paused broker answers nothing for as long as it is paused, and the watermark must not
   * wait for it (it holds by itself, see WatermarkTracker). With the ingest's consumer group,
   * the lag of every partition; without, the partitions that hold messages at all.
   */
  private askOffsets(): Promise<void> | null {
    const transport = this.opts.transport;
    if (!transport || this.offsetsAsking || this.stopped || this.now() - this.offsetsAskedAt < OFFSETS_EVERY_MS) return this.offsetsAsking;
    const at = this.now();
    this.offsetsAskedAt = at;
    const group = this.opts.consumerGroup;
    const look = group
      ? consumerLag(transport, group, [...this.topics]).then(
          (lag) => this.clock.offsets(lag, at),
          () => this.clock.offsets(null, at),
        )
      : Promise.all(
          [...this.topics].map(async (topic) => {
            const ends = await transport.endOffsets(topic).catch(() => []);
            for (const e of ends) if (BigInt(e.offset) > 0n) this.clock.expect(topic, e.partition, at);
          }),
        );
    this.offsetsAsking = look.then(() => {
      this.offsetsAsking = null;
      this.offsetsSeen = true;
      this.kick();
    });
    return this.offsetsAsking;
  }

  /**
   * Once everything the broker holds is committed and quiet, the watermark may go as far as
   * the newest event the warehouse holds, which is further than any commit this process saw
   * when it restarted after the ingest had caught up.
   */
  private async readStored(): Promise<void> {
    const now = this.now();
    if (!this.clock.settled(now) || now - this.storedReadAt < this.clock.idleTimeoutMs) return;
    this.storedReadAt = now;
    const newest = await this.retry('read the newest stored event time', () => newestStoredEvent(this.opts.warehouse, [...this.topics]));
    // Taken when the answer came: it may hold commits made while it was read.
    if (newest !== null) this.clock.storedUpTo(newest, this.now());
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const asking = this.askOffsets();
      // Without the group's offsets the first look must come first: it registers the partitions
      // that hold messages, so a sparse topic committing early cannot carry the watermark alone.
      if (asking && !this.offsetsSeen && !this.opts.consumerGroup) await asking;
      await this.readStored();
      const wm = this.clock.watermark(this.now());
      // An instant is evaluated once the watermark has reached it (see WatermarkTracker).
      const target = Math.max(this.target, Number.isFinite(wm) ? Math.floor(wm / this.stepMs) : -Infinity);
      if (!Number.isFinite(target)) return;
      if (this.cursor === null) {
        if (!(await this.retry('initialize', () => this.initialize()))) return;
        // advanceTo()/flush() may have raised the target while this was initializing; their
        // kick() found this loop running, so the target must be read again, not dropped.
        continue;
      }
      if (this.lateFrom !== null) await this.retry('read signals to correct', () => this.rewind());
      const cursor = this.cursor as number;
      const end = Math.max(target, this.correction ? Math.ceil(this.correction.toMs / this.stepMs) : -Infinity);
      if (end <= this.doneTick) return;
      const endMinute = Math.floor(end / this.perMinute);
      if (endMinute > cursor) await this.retry('read SLI minutes', () => this.cycle(Math.min(endMinute, cursor + (this.opts.maxCycleMinutes ?? 360))));
      else await this.retry('read the open minute', () => this.openCycle(end));
    }
  }

  private async fenced(): Promise<void> {
    if (this.opts.fence) await this.retry('check the evaluation leadership', this.opts.fence);
  }

  /** Retries what a retry can fix (an unavailable warehouse or transport), for a bounded time; anything else stops the evaluator. */
  private retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retryBounded(what, fn, this.opts.retry ?? { initialMs: 200, maxMs: 30_000 }, { logger: this.log, isStopped: () => this.stopped });
  }

  /** Picks the starting minute: the saved cursor (after a silent warm-up) or the first hour with data. */
  private async initialize(): Promise<boolean> {
    const wh = this.opts.warehouse;
    const saved = await wh.query<{ cursor_minute: string | number }>(
      'SELECT cursor_minute FROM slo_evaluator_state FINAL WHERE evaluator = {name:String}',
      { name: this.name },
    );
    const resume = saved[0] ? Number(saved[0].cursor_minute) : null;
    const first = await wh.query<{ first: string | number; cells: string | number }>(
      `SELECT min(m) AS first, sum(c) AS cells FROM (
         SELECT toUInt32(intDiv(toUnixTimestamp(min(minute)), 60)) AS m, count() AS c FROM sli_journey_minute
         UNION ALL SELECT toUInt32(intDiv(toUnixTimestamp(min(minute)), 60)) AS m, count() AS c FROM sli_lem_minute) WHERE c > 0`,
    );
    const firstData = first[0] && Number(first[0].cells) > 0 ? Number(first[0].first) : null;
    let start: number;
    if (resume !== null) {
      // Nothing before the first data can change an alert: the warm-up starts there at the earliest.
      start = Math.max(resume - this.longest - (this.opts.warmupMinutes ?? 7 * DAY_MIN), Math.min(firstData ?? resume, resume));
      // Instants after the saved minute were not saved as done: they are sent (again, same ids).
      this.emitFromTick = resume * this.perMinute + 1;
    } else if (this.opts.startAt !== undefined) {
      start = Math.floor(this.opts.startAt / MINUTE_MS);
      this.emitFromTick = 0;
    } else {
      if (firstData === null) return false;
      start = firstData;
      this.emitFromTick = 0;
    }
    const hour = hourOf(start);
    start = hour * MINUTES_PER_HOUR;
    await this.source.loadLevels(start, start, true);
    for (const t of this.tracks) t.windows.start(hour);
    this.startHour = hour;
    this.cursor = start;
    this.doneTick = start * this.perMinute;
    this.readToMs = start * MINUTE_MS;
    this.snapshots.set(start, this.tracks.map(() => ({})));
    this.heldSnapshots.set(start, this.tracks.map(() => new Map()));
    this.log.info({ evaluator: this.name, from: new Date(start * MINUTE_MS).toISOString(), resume: resume !== null }, 'SLO evaluator starts');
    return true;
  }

  /**
   * Evaluates the instants after the last one done up to the whole minute `to`: the steps of
   * each minute, then its end. Reads first (safe to retry), then evaluates and sends.
   */
  private async cycle(to: number): Promise<void> {
    const started = this.now();
    const from = this.cursor as number;
    this.readToMs = Math.max(this.readToMs ?? -Infinity, to * MINUTE_MS);
    await this.source.loadLevels(from, to);
    const trailing = this.trailingHours(from, to).filter((h) => !this.detailHours.has(h));
    const ranges: MinuteRange[] = [...mergeHours(trailing), [from, to]];
    const raw = await this.source.read(ranges);
    this.tracks.forEach((tr, i) => dropExcluded(tr.slo, ranges, raw[i] as RawMinutes));
    const open = this.perMinute > 1 && this.openReader.needed ? await this.openReader.read(from * MINUTE_MS, to * MINUTE_MS) : null;
    this.applyTrailing(trailing, raw);
    this.applyOpen(from, to, raw);

    const breaches: SloBreachSignal[] = [];
    const scores: QualityScoreUpdate[] = [];
    const qualityEvery = this.opts.qualityEveryMinutes ?? 60;
    const P = this.perMinute;
    for (let m = from; m < to; m++) {
      for (let u = Math.max(m * P, this.doneTick) + 1; u < (m + 1) * P; u++) this.step(u, open, breaches);
      const t = m + 1;
      if (t % MINUTES_PER_HOUR === 0) for (const tr of this.tracks) tr.windows.closeHour(hourOf(t) - 1);
      this.step(t * P, null, breaches);
      if (t % MINUTES_PER_HOUR === 0) {
        this.snapshots.set(t, this.tracks.map((tr) => ({ ...tr.states })));
        this.heldSnapshots.set(t, this.tracks.map((tr) => copyHeld(tr.held)));
      }
      if (t * P >= this.emitFromTick && qualityEvery > 0 && t % qualityEvery === 0) {
        scores.push(...(await this.retry('quality scores', () => qualityScores(this.opts.warehouse, t, this.opts.qualityWindowMinutes ?? DAY_MIN))));
      }
    }

    const sent = await this.deliver(breaches, scores, to * P);
    await this.fenced();
    await this.retry('save SLO evaluator progress', () =>
      this.opts.warehouse.insert('slo_evaluator_state', [{ evaluator: this.name, cursor_minute: to, slo_set: this.sloSetHash(), state: '{}' }]),
    );
    this.cursor = to;
    this.doneTick = to * P;
    for (const k of this.snapshots.keys()) if (k < to - this.correctionMinutes - MINUTES_PER_HOUR) this.snapshots.delete(k);
    for (const k of this.heldSnapshots.keys()) if (!this.snapshots.has(k)) this.heldSnapshots.delete(k);
    this.evict(to);
    if (hourOf(to) !== hourOf(from)) this.source.pruneLevels(to - this.longest - 2 * MINUTES_PER_HOUR);
    this.count(started, to - from, sent, scores.length);
    this.log.debug({ from: new Date(from * MINUTE_MS).toISOString(), upTo: new Date(to * MINUTE_MS).toISOString(), signals: sent }, 'SLO evaluator cycle');
  }

  /**
   * Evaluates the steps of the open minute (after the cursor) up to step `end`, before the
   * minute closes: its whole minutes from the rollups plus its open part from the facts.
   * Progress is saved at whole minutes only: after a restart these steps are evaluated again
   * and their signals sent again, with the same ids.
   */
  private async openCycle(end: number): Promise<void> {
    const started = this.now();
    const m = this.cursor as number;
    this.readToMs = Math.max(this.readToMs ?? -Infinity, end * this.stepMs);
    const open = this.openReader.needed ? await this.openReader.read(m * MINUTE_MS, end * this.stepMs) : null;
    const breaches: SloBreachSignal[] = [];
    for (let u = this.doneTick + 1; u <= end; u++) this.step(u, open, breaches);
    const sent = await this.deliver(breaches, [], end);
    this.doneTick = end;
    this.count(started, 0, sent, 0);
  }

  /** Steps every alert at instant `u` (in steps): windows end at its minute, plus the open part of that minute up to `u`. */
  private step(u: number, open: OpenBuckets | null, out: SloBreachSignal[]): void {
    const P = this.perMinute;
    const m = Math.floor(u / P);
    const emit = u >= this.emitFromTick;
    this.tracks.forEach((tr, i) => {
      // Inside a maintenance window the open minute is excluded too, and transitions are held back.
      const hold = heldBy(tr.slo, u * this.stepMs);
      const buckets = u % P === 0 || hold ? undefined : open?.get(i);
      const src: WindowSource = buckets && buckets.size > 0 ? OpenMinuteWindows.of(tr.windows, m, buckets, m * P, u) : tr.windows;
      const signal = (t: AlertTransition): SloBreachSignal =>
        breachSignal(tr.slo, t, evaluate(tr.slo, src, m * MINUTE_MS), src, { atMs: t.at * this.stepMs, firingSinceMs: t.firingSince * this.stepMs, windowEndMinute: m });
      if (!hold && tr.held.size > 0) for (const t of owed(tr.held)) if (emit) out.push(signal({ ...t, at: u }));
      for (const sev of tr.severities) {
        const match = matchSeverity(tr.slo, sev, src, m);
        const before: AlertState = tr.states[sev] ?? INACTIVE;
        if (!match && before.phase === 'inactive') continue;
        const quiet = !match && before.phase === 'firing' && shortWindowEmpty(before.rule, src, m);
        const r = stepAlert(before, sev, u, match, tr.policy, quiet);
        tr.states[sev] = r.state;
        if (r.transition && hold) {
          const list = tr.held.get(sev);
          if (list) list.push(r.transition);
          else tr.held.set(sev, [r.transition]);
          if (emit) {
            this.stats.suppressed++;
            this.log.info({ slo: tr.slo.id, severity: sev, status: r.transition.status, at: new Date(u * this.stepMs).toISOString(), window: hold.window.name }, 'breach signal held back: maintenance window');
          }
        } else if (r.transition && emit) out.push(signal(r.transition));
      }
    });
  }

  /**
   * Sends a cycle's signals and scores (instants up to step `upTo`). A correction under way
   * collects the signals the new evaluation gives; once it has passed every instant evaluated
   * before, the signals it no longer gives are retracted (and a firing one gets its RESOLVED).
   */
  private async deliver(cycleBreaches: SloBreachSignal[], scores: QualityScoreUpdate[], upTo: number): Promise<number> {
    let breaches = cycleBreaches;
    const correction = this.correction;
    let retract: SloBreachSignal[] = [];
    let closing: SloBreachSignal[] = [];
    const done = correction !== null && upTo * this.stepMs >= correction.toMs;
    if (correction) {
      for (const b of breaches) if (b.evaluated_at <= correction.toMs) correction.found.add(b.signal_id);
      // A signal sent before with the same content is not sent again; one whose figures changed is (same id).
      breaches = breaches.filter((b) => !sameSignal(correction.old.get(b.signal_id), b));
      if (done) {
        retract = [...correction.old.values()].filter((o) => !correction.found.has(o.signal_id));
        closing = this.closeRetracted(retract, correction, upTo).filter((c) => !breaches.some((b) => b.signal_id === c.signal_id));
        breaches.push(...closing);
      }
    }

    // Only the elected leader publishes and writes: a deposed one stops here (NOT_LEADER).
    await this.fenced();
    for (const sink of this.opts.sinks) {
      await this.retry(`send to ${sink.name}`, async () => {
        await sink.sendBreaches(breaches);
        await sink.sendScores(scores);
      });
    }
    if (correction && done) {
      // The RESOLVEDs that close retracted episodes are not part of a pass over the complete data either.
      const gone = [...retract, ...closing];
      if (gone.length > 0) {
        await this.retry('record retracted signals', () =>
          this.opts.warehouse.insert('slo_signal_retractions', gone.map((g) => ({ signal_id: g.signal_id, slo_id: g.slo_id, reason: 'CORRECTED' }))),
        );
      }
      this.stats.retracted += retract.length;
      this.correction = null;
      if (retract.length > 0) this.log.info({ retracted: retract.map((r) => r.signal_id), from: new Date(correction.from * MINUTE_MS).toISOString() }, 'signals corrected after late data');
    }
    if (breaches.length > 0) this.log.info({ signals: breaches.length, upTo: new Date(upTo * this.stepMs).toISOString() }, 'breach signals sent');
    return breaches.length;
  }

  private count(started: number, minutes: number, signals: number, scores: number): void {
    const ms = this.now() - started;
    this.stats.cycles++;
    this.stats.minutes += minutes;
    this.stats.signals += signals;
    this.stats.scores += scores;
    this.stats.lastCycleMs = ms;
    this.stats.maxCycleMs = Math.max(this.stats.maxCycleMs, ms);
    if (minutes > 0) this.stats.lastMsPerMinute = ms / minutes;
  }

  /**
   * Goes back to the whole hour before the earliest late minute: alert states as they were
   * there, that hour and every later one read again. Signals sent for the minutes evaluated
   * again are remembered: those the new evaluation does not give are retracted once it has
   * caught up (see `cycle`).
   */
  private async rewind(): Promise<void> {
    const late = this.lateFrom as number;
    const from = hourOf(late) * MINUTES_PER_HOUR;
    const snap = this.snapshots.get(from);
    // Nothing after the hour's start evaluated yet: the late data is simply read when due.
    const evaluated = from * this.perMinute < this.doneTick;
    if (!evaluated || !snap) this.lateFrom = null;
    if (!evaluated) return;
    if (!snap) {
      this.stats.lateUncorrected++;
      this.log.warn({ minute: new Date(late * MINUTE_MS).toISOString() }, 'late data before the kept alert states: stored, signals not re-evaluated');
      return;
    }
    const toMs = Math.max(this.doneTick * this.stepMs, this.correction?.toMs ?? -Infinity);
    const old = new Map(this.correction?.old ?? []);
    for (const s of await this.sentBetween(from * MINUTE_MS, toMs)) old.set(s.signal_id, s);
    this.lateFrom = null;
    const hour = hourOf(from);
    const heldSnap = this.heldSnapshots.get(from);
    this.tracks.forEach((tr, i) => {
      tr.windows.reopen(hour);
      tr.states = { ...(snap[i] as AlertStates) };
      tr.held = copyHeld(heldSnap?.[i] ?? new Map());
      for (const h of [...tr.open.keys()]) if (h >= hour) tr.open.delete(h);
    });
    for (const h of [...this.detailHours]) if (h >= hour) this.detailHours.delete(h);
    for (const k of [...this.snapshots.keys()]) if (k > from) this.snapshots.delete(k);
    for (const k of [...this.heldSnapshots.keys()]) if (k > from) this.heldSnapshots.delete(k);
    this.cursor = from;
    this.doneTick = from * this.perMinute;
    this.emitFromTick = Math.min(this.emitFromTick, from * this.perMinute + 1);
    this.correction = { from, toMs, old, found: new Set() };
    this.stats.corrections++;
    this.log.info({ from: new Date(from * MINUTE_MS).toISOString(), to: new Date(toMs).toISOString() }, 'late data: evaluating again');
  }

  /** Breach signals of this evaluator's SLOs for instants (fromMs, toMs], from the history the warehouse keeps. */
  private async sentBetween(fromMs: number, toMs: number): Promise<SloBreachSignal[]> {
    const rows = await this.opts.warehouse.query<SloBreachSignal & { evaluated_at: string | number }>(
      `SELECT * EXCEPT (inserted_at) REPLACE (toUnixTimestamp64Milli(evaluated_at) AS evaluated_at)
         FROM (SELECT * FROM slo_signals_v
                WHERE slo_id IN {ids:Array(String)}
                  AND evaluated_at > fromUnixTimestamp64Milli({f:Int64}, 'UTC') AND evaluated_at <= fromUnixTimestamp64Milli({t:Int64}, 'UTC'))`,
      { ids: this.opts.slos.map((s) => s.id), f: fromMs, t: toMs },
    );
    return rows.map((r) => ({ ...r, evaluated_at: Number(r.evaluated_at) }));
  }

  /**
   * A retracted FIRING whose RESOLVED was never sent leaves receivers with an open alert:
   * each gets its RESOLVED now (same id as the episode's RESOLVED would have), with the
   * numbers of the whole minutes before step `at`, unless the new evaluation still has that
   * episode firing.
   */
  private closeRetracted(retract: readonly SloBreachSignal[], c: Correction, at: number): SloBreachSignal[] {
    const out: SloBreachSignal[] = [];
    const m = Math.floor(at / this.perMinute);
    for (const o of retract) {
      if (o.status !== 'FIRING') continue;
      const since = Math.floor(o.evaluated_at / this.stepMs);
      const resolvedId = signalIdAt(o.slo_id, o.severity, o.evaluated_at, 'RESOLVED');
      if (c.old.has(resolvedId) || c.found.has(resolvedId)) continue;
      const tr = this.tracks.find((x) => x.slo.id === o.slo_id);
      if (!tr) continue;
      const rule = tr.slo.alerting.rules.find((r) => r.severity === o.severity && r.longWindow === o.long_window && r.shortWindow === o.short_window && r.threshold === o.burn_rate_threshold);
      if (!rule) continue;
      out.push(
        breachSignal(tr.slo, { status: 'RESOLVED', severity: o.severity, firingSince: since, at, rule }, evaluate(tr.slo, tr.windows, m * MINUTE_MS), tr.windows, {
          atMs: at * this.stepMs,
          firingSinceMs: o.evaluated_at,
          windowEndMinute: m,
        }),
      );
    }
    return out;
  }

  /** Closed hours (before the open one) where a window starts for some T in [from, to] (the steps of minute `from` end at it). */
  private trailingHours(from: number, to: number): number[] {
    const openHour = hourOf(from);
    const hours = new Set<number>();
    const add = (h: number): void => {
      if (h < openHour && h >= this.startHour) hours.add(h);
    };
    for (const w of this.lengths) for (let h = hourOf(from - w); h <= hourOf(to - w); h++) add(h);
    for (const h of this.calendarHours(from, to)) add(h);
    return [...hours].sort((a, b) => a - b);
  }

  private calendarHours(from: number, to: number): number[] {
    const out: number[] = [];
    for (const tr of this.tracks) {
      if (tr.slo.window.kind !== 'calendar') continue;
      for (const t of [from, from + 1, to]) {
        const start = sloWindow(tr.slo, t * MINUTE_MS).fromMinute;
        if (start % MINUTES_PER_HOUR !== 0) out.push(hourOf(start));
      }
    }
    return out;
  }


  private applyTrailing(hours: readonly number[], raw: readonly RawMinutes[]): void {
    if (hours.length === 0) return;
    const wanted = new Set(hours);
    this.tracks.forEach((tr, i) => {
      const byHour = bucketByHour(raw[i] as RawMinutes, wanted);
      for (const h of hours) tr.windows.setHour(h, byHour.get(h) ?? null);
    });
    for (const h of hours) this.detailHours.add(h);
  }

  private applyOpen(from: number, to: number, raw: readonly RawMinutes[]): void {
    const touched: number[] = [];
    for (let h = hourOf(from); h <= hourOf(to - 1); h++) touched.push(h);
    this.tracks.forEach((tr, i) => {
      for (const [minute, [good, total]] of raw[i] as RawMinutes) {
        if (minute < from || minute >= to) continue;
        const h = hourOf(minute);
        let acc = tr.open.get(h);
        if (!acc) tr.open.set(h, (acc = { good: new Float64Array(MINUTES_PER_HOUR), total: new Float64Array(MINUTES_PER_HOUR) }));
        acc.good[minute - h * MINUTES_PER_HOUR] = good;
        acc.total[minute - h * MINUTES_PER_HOUR] = total;
      }
      for (const h of touched) tr.windows.setHour(h, tr.open.get(h) ?? null);
    });
    for (const h of touched) this.detailHours.add(h);
  }

  /** Keeps the minute detail the next cycle can use: the open hour and each window's start hour (for the steps of the open minute too). */
  private evict(cursor: number): void {
    const keep = new Set<number>([hourOf(cursor)]);
    for (const w of this.lengths) keep.add(hourOf(cursor - w)).add(hourOf(cursor + 1 - w));
    for (const h of this.calendarHours(cursor, cursor + 1)) keep.add(h);
    for (const h of [...this.detailHours]) if (!keep.has(h)) this.detailHours.delete(h);
    for (const tr of this.tracks) {
      tr.windows.retainHours((h) => keep.has(h));
      for (const h of [...tr.open.keys()]) if (h < hourOf(cursor)) tr.open.delete(h);
    }
  }

  private sloSetHash(): string {
    const ids = this.opts.slos.map((s) => `${s.id}:${s.target}`).join('\n');
    return createHash('sha256').update(ids).digest('hex').slice(0, 16);
  }
}

/** The same signal with the same figures (as the history returns it: numbers compared as numbers). */
function sameSignal(a: SloBreachSignal | undefined, b: SloBreachSignal): boolean {
  if (!a) return false;
  for (const k of Object.keys(b) as Array<keyof SloBreachSignal>) {
    const x = a[k];
    const y = b[k];
    if (Array.isArray(y) ? JSON.stringify(x) !== JSON.stringify(y) : typeof y === 'number' ? Number(x) !== y : (x ?? null) !== (y ?? null)) return false;
  }
  return true;
}

function mergeHours(hours: readonly number[]): MinuteRange[] {
  const out: Array<[number, number]> = [];
  for (const h of hours) {
    const last = out[out.length - 1];
    if (last && last[1] === h * MINUTES_PER_HOUR) last[1] += MINUTES_PER_HOUR;
    else out.push([h * MINUTES_PER_HOUR, (h + 1) * MINUTES_PER_HOUR]);
  }
  return out;
}

function bucketByHour(raw: RawMinutes, wanted: ReadonlySet<number>): Map<number, HourMinutes> {
  const out = new Map<number, HourMinutes>();
  for (const [minute, [good, total]] of raw) {
    const h = hourOf(minute);
    if (!wanted.has(h)) continue;
    let acc = out.get(h);
    if (!acc) out.set(h, (acc = { good: new Float64Array(MINUTES_PER_HOUR), total: new Float64Array(MINUTES_PER_HOUR) }));
    acc.good[minute - h * MINUTES_PER_HOUR] = good;
    acc.total[minute - h * MINUTES_PER_HOUR] = total;
  }
  return out;
}
