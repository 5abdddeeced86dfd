import { INPUT_TOPICS } from '../../processors/contracts/topics.js';
import { TransportElection, type LeaderState } from '../../processors/coordination/election.js';
import { IncidentCostRefresher, reportingCurrencyFromEnv } from '../../processors/economics/warehouse/index.js';
import { IngestProgressFeed } from '../../processors/ingest/index.js';
import { retryBounded, type RetryPolicy } from '../../processors/ingest/retry.js';
import { isPipelineError } from '../../processors/errors/pipeline-error.js';
import type { SloCatalog} from '../../processors/slo/index.js';
import type { SloEvaluatorOptions } from '../../processors/slo/runtime/options.js';
import { startBoardFeed, startCompositeSignalFeed, startSloRuntime, type SloRuntime } from '../../processors/slo/index.js';
import type { Role, RoleContext, RoleHealth } from './role.js';

export interface EvaluateRoleOptions {
  /** The SLO definitions; a reloaded set restarts the leader's evaluator on it (its progress is kept). */
  catalog: SloCatalog;
  retry: RetryPolicy;
  /** Board refresh period (`slo_board_minute`); false turns the board feed off. @default 60_000 */
  boardFeedMs?: number | false;
  /** @default 1000 */
  costRefreshMs?: number;
  /** Evaluation step, watermark and tick of the leader's evaluator. @default the evaluator's (whole minutes, 30 s lateness) */
  evaluator?: Pick<SloEvaluatorOptions, 'stepSeconds' | 'watermark' | 'tickMs'>;
  /** How often the leader reads the ingest's progress (its watermark input). @default 1000 */
  progressEveryMs?: number;
}

/** What only the leader runs: the evaluator with its sinks, its progress feed, the cost refresher and the board feed. */
interface Leadership {
  token: bigint;
  slo: SloRuntime;
  feed: IngestProgressFeed;
  costs: IncidentCostRefresher;
  board: { stop(): Promise<void> } | null;
  /** The signals of composite SLOs and budget alerts, following the evaluator. */
  signals: { stop(): Promise<void> };
}

/**
 * The SLO evaluator role. Any number of candidates may run; exactly one leads at a time,
 * elected through the transport (TransportElection), and only the leader evaluates, sends
 * signals and webhooks, re-costs incidents and refreshes the boards. Every write of the
 * leader's evaluator is fenced: it first checks that no later leader has claimed. The
 * watermark comes from what the warehouse durably holds (IngestProgressFeed), so a leader in
 * any process evaluates the same minutes the same way, whichever process ingested them.
 */
export class EvaluateRole implements Role {
  readonly name = 'evaluate';
  private readonly election: TransportElection;
  private leading: Leadership | null = null;
  private changing: Promise<void> = Promise.resolve();
  private failed: unknown;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private watch: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: RoleContext,
    private readonly o: EvaluateRoleOptions,
  ) {
    this.election = new TransportElection({
      transport: ctx.transport,
      groupId: `${ctx.groupId}.evaluator`,
      logger: ctx.log,
      onChange: (state) => this.follow(state),
    });
  }

  get failure(): unknown {
    const err = this.leading?.slo.evaluator.error;
    return this.failed ?? (err && !notLeader(err) ? err : undefined);
  }

  /** The running evaluator while this process leads. */
  get runtime(): SloRuntime | null {
    return this.leading?.slo ?? null;
  }

  async start(): Promise<void> {
    this.ctx.metrics.evaluatorLeader.set(0);
    this.unsubscribe = this.o.catalog.onChange(() => {
      this.changing = this.changing.then(async () => {
        const l = this.leading;
        if (!l || this.stopped) return;
        this.ctx.log.info({ version: this.o.catalog.version }, 'SLO definitions changed: the evaluator restarts on them');
        await this.standDown();
        await this.lead(l.token);
      });
    });
    // The catalog looks at its files when asked: ask on a period, so an edit reaches the evaluator.
    this.watch = setInterval(() => {
      try {
        this.o.catalog.current();
      } catch {
        // No valid set was ever loaded: the start refused it already.
      }
    }, 5_000);
    this.watch.unref();
    await this.election.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.watch) clearInterval(this.watch);
    this.unsubscribe?.();
    await this.changing;
    // The evaluator stops while still leading (a cycle under way finishes), then the candidate leaves.
    await this.standDown();
    await this.election.stop();
  }

  /**
   * Evaluates everything the warehouse holds up to `eventTimeMs` (default: the newest
   * committed event) and waits for webhook outcomes: the end of a finite run. A standby
   * has nothing to flush.
   */
  async flush(eventTimeMs?: number): Promise<void> {
    await this.changing;
    const l = this.leading;
    if (!l) return;
    await l.feed.poll();
    await l.slo.flush(eventTimeMs);
    await retryBounded('refresh incident costs', () => l.costs.refresh(), this.o.retry, { logger: this.ctx.log, isStopped: () => false });
  }

  async health(): Promise<RoleHealth> {
    const l = this.leading;
    const ev = l?.slo.evaluator;
    const err = this.failure;
    const upTo = ev?.evaluatedUpTo ?? null;
    return {
      status: err ? 'degraded' : l ? 'ok' : 'standby',
      leader: l !== null,
      ...(l ? { leader_token: String(l.token) } : {}),
      ...(err ? { error: err instanceof Error ? err.message : String(err) } : {}),
      evaluated_up_to: upTo === null ? null : new Date(upTo).toISOString(),
      ...(ev ? { watermark: Number.isFinite(ev.watermark()) ? new Date(ev.watermark()).toISOString() : null, corrections: ev.stats.corrections } : {}),
    };
  }

  private follow(state: LeaderState): Promise<void> {
    this.changing = this.changing.then(async () => {
      if (state.leader && state.token !== null && !this.stopped) await this.lead(state.token);
      else await this.standDown();
    });
    return this.changing;
  }

  private async lead(token: bigint): Promise<void> {
    if (this.leading) return;
    const { ctx, o } = this;
    try {
      const slo = await startSloRuntime({
        warehouse: ctx.wh,
        transport: ctx.transport,
        consumerGroup: ctx.groupId,
        slos: o.catalog.current(),
        env: ctx.env,
        logger: ctx.log,
        metrics: ctx.metrics,
        evaluator: { ...o.evaluator, retry: o.retry, fence: () => this.election.assertLeader() },
      });
      const feed = new IngestProgressFeed({
        warehouse: ctx.wh,
        transport: ctx.transport,
        groupId: ctx.groupId,
        topics: [INPUT_TOPICS.journey, INPUT_TOPICS.lem],
        onCommitted: (b) => slo.evaluator.onCommitted(b),
        ...(o.progressEveryMs !== undefined ? { intervalMs: o.progressEveryMs } : {}),
        logger: ctx.log,
      });
      feed.start();
      const costs = new IncidentCostRefresher(ctx.wh, { reportingCurrency: reportingCurrencyFromEnv(ctx.env) });
      costs.start(o.costRefreshMs ?? 1000);
      const board = o.boardFeedMs === false ? null : startBoardFeed(ctx.wh, o.catalog, { intervalMs: o.boardFeedMs ?? 60_000, logger: ctx.log });
      const signals = startCompositeSignalFeed(ctx.wh, o.catalog, slo.sinks, slo.evaluator, { intervalMs: 5_000, logger: ctx.log });
      this.leading = { token, slo, feed, costs, board, signals };
      ctx.metrics.evaluatorLeader.set(1);
      ctx.metrics.observeEvaluator(() => slo.evaluator);
    } catch (e) {
      this.failed = e;
      ctx.log.error({ err: e instanceof Error ? e.message : String(e) }, 'evaluator could not start');
    }
  }

  private async standDown(): Promise<void> {
    const l = this.leading;
    if (!l) return;
    this.leading = null;
    this.ctx.metrics.evaluatorLeader.set(0);
    this.ctx.metrics.observeEvaluator(null);
    await l.signals.stop();
    await l.board?.stop();
    await l.feed.stop();
    await l.costs.stop().catch(() => {});
    await l.slo.stop().catch(() => {});
    // A deposed leader's evaluator stops on NOT_LEADER: that is standing by, not a failure.
    const err = l.slo.evaluator.error;
    if (err && !notLeader(err) && !this.failed) this.failed = err;
  }
}

const notLeader = (e: unknown): boolean => isPipelineError(e) && e.code === 'NOT_LEADER';
