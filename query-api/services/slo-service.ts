import { statSync } from 'node:fs';
import { PipelineError } from '../../processors/errors/index.js';
import {
  backtest,
  evaluateComposites,
  evaluateCompositeSeries,
  evaluateSloSeries,
  evaluateSlos,
  formatProblem,
  loadSloFiles,
  statusInstant,
  toCompositeContractStatus,
  toContractStatus,
  type BacktestResult,
  type CompositeSlo,
  type SloCatalog,
  type SloDefinition,
} from '../../processors/slo/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { ApiError } from '../errors.js';
import { listStoredWindows, withCompositeMaintenance, withMaintenance, withStoredCompositeWindows, withStoredWindows } from '../../processors/slo/index.js';
import type { HistoryPoint, Signal, SignalFilter, SloStatus, SloSummary } from '../service-types.js';

/**
 * Status answers are shared for `ttlMs` per evaluation time, and concurrent requests for
 * the same time wait for one evaluation: a status page, Grafana and scripts polling at once
 * cost one evaluation of every SLO, not one each.
 */
class Shared<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();
  constructor(private readonly ttlMs: number) {}

  get(key: string, compute: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    for (const [k, e] of this.entries) if (now - e.at >= this.ttlMs) this.entries.delete(k);
    const value = compute();
    if (this.ttlMs > 0) {
      this.entries.set(key, { at: now, value });
      value.catch(() => this.entries.delete(key));
    }
    return value;
  }
}

export class SloService {
  private readonly statuses: Shared<SloStatus[]>;
  private readonly watermark: Shared<Date>;

  constructor(
    private readonly wh: Warehouse,
    private readonly catalog: SloCatalog,
    private readonly clock: (() => Date | Promise<Date>) | undefined,
    statusCacheMs = 5_000,
  ) {
    this.statuses = new Shared(statusCacheMs);
    this.watermark = new Shared(statusCacheMs);
  }

  /**
   * The deployed definitions, from the catalog (which reloads them when their files change
   * and keeps the last valid set when a change does not validate). Without any valid set it
   * is a 503 naming the problem (nothing half-loaded).
   */
  definitions(): readonly SloDefinition[] {
    try {
      return this.catalog.current();
    } catch (e) {
      try {
        statSync(this.catalog.dir);
      } catch {
        throw new ApiError('UNAVAILABLE', `The SLO folder ${this.catalog.dir} cannot be read.`);
      }
      throw new ApiError('UNAVAILABLE', `The SLO definitions cannot be loaded: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The deployed composite SLOs (none while no valid set is loaded). */
  composites(): readonly CompositeSlo[] {
    return this.catalog.composites();
  }

  list(): SloSummary[] {
    const summary = (s: SloDefinition, indicator: SloSummary['indicator']): SloSummary => ({
      slo_id: s.id,
      display_name: s.displayName,
      service: s.service,
      description: s.description,
      target: s.target,
      indicator,
      time_window: s.window.kind === 'rolling' ? s.window.text : `${s.window.text} calendar`,
      budgeting_method: s.budgeting.method,
      file: s.file,
      labels: { ...s.labels },
    });
    const slos = this.definitions().map((s) => summary(s, s.indicator.kind === 'ratio' ? 'ratio' : 'threshold'));
    // Composite SLOs follow (definitions/composite.ts).
    return [...slos, ...this.catalog.composites().map((c) => summary(c.definition, 'composite'))];
  }

  /**
   * "Now" for status: the configured clock, else the instant `slo status` uses too (the
   * end of the last complete minute of stored data, `statusInstant`), so the API, the
   * status page and the CLI answer for the same T and replayed history reads as it did live.
   */
  async evaluationTime(): Promise<Date> {
    if (this.clock) return this.clock();
    return this.watermark.get('watermark', async () => new Date(await statusInstant(this.wh)));
  }

  /** The engine's stateless evaluation (the same as `slo-pipeline slo status --json`), plus the service. */
  async status(at: Date | undefined): Promise<SloStatus[]> {
    // Maintenance windows declared through the API join those of the files (core/maintenance.ts).
    const stored = (await listStoredWindows(this.wh)).map((s) => s.window);
    const slos = withMaintenance(this.definitions(), stored);
    const composites = withCompositeMaintenance(this.catalog.composites(), stored);
    const atMs = (at ?? (await this.evaluationTime())).getTime();
    // Keyed by the definitions and those windows too: a changed set is never answered from the old one.
    return this.statuses.get(`${atMs}:${this.catalog.version ?? ''}:${JSON.stringify(stored)}`, () => this.evaluate(slos, composites, atMs));
  }

  private async evaluate(slos: readonly SloDefinition[], composites: readonly CompositeSlo[], atMs: number): Promise<SloStatus[]> {
    const labels = new Map([...slos, ...composites.map((c) => c.definition)].map((s) => [s.id, s.labels]));
    const rows: SloStatus[] = (await evaluateSlos(this.wh, slos, atMs)).map((d) => ({ ...toContractStatus(d), service: d.service, labels: { ...labels.get(d.slo_id) } }));
    // Composite SLOs follow, with `kind: "composite"` and their components.
    for (const d of await evaluateComposites(this.wh, composites, atMs)) rows.push({ ...toCompositeContractStatus(d), service: d.service, labels: { ...labels.get(d.slo_id) } });
    return rows;
  }

  async history(sloId: string, from: Date, to: Date, stepMinutes: number): Promise<HistoryPoint[] | undefined> {
    const stored = (await listStoredWindows(this.wh)).map((s) => s.window);
    const slo = withMaintenance(this.definitions(), stored).find((s) => s.id === sloId);
    const composite = slo ? undefined : withCompositeMaintenance(this.catalog.composites(), stored).find((c) => c.definition.id === sloId);
    if (!slo && !composite) return undefined;
    const series = slo
      ? await evaluateSloSeries(this.wh, slo, from.getTime(), to.getTime() - 1, stepMinutes)
      : await evaluateCompositeSeries(this.wh, composite as NonNullable<typeof composite>, from.getTime(), to.getTime() - 1, stepMinutes);
    return series.map((e) => ({
      at: new Date(e.at).toISOString(),
      sli: e.sli,
      error_budget_remaining: e.error_budget_remaining,
      burn_rates: e.burn_rates,
    }));
  }

  async signals(f: SignalFilter): Promise<{ items: Signal[]; total: number }> {
    // Every value is a bound parameter; the conditions themselves are fixed text.
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    const bound = (cond: string, name: string, value: string | number | undefined): void => {
      if (value === undefined) return;
      where.push(cond);
      params[name] = value;
    };
    bound('slo_id = {slo:String}', 'slo', f.sloId);
    bound('status = {status:String}', 'status', f.status);
    bound('severity = {severity:String}', 'severity', f.severity);
    bound('evaluated_at >= fromUnixTimestamp64Milli({from:Int64})', 'from', f.from?.getTime());
    bound('evaluated_at < fromUnixTimestamp64Milli({to:Int64})', 'to', f.to?.getTime());
    if (f.label) {
      bound('mapContains(labels, {label_key:String})', 'label_key', f.label.key);
      bound('labels[{label_key:String}] = {label_value:String}', 'label_value', f.label.value);
    }
    const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [count] = await this.wh.query<{ n: string }>(`SELECT count() AS n FROM slo_signals_v ${cond}`, params);
    const rows = await this.wh.query<Record<string, unknown>>(
      `SELECT signal_id, status, severity, slo_id, service, reason, target, sli, error_budget_remaining, long_window, short_window,
              burn_rate_long, burn_rate_short, burn_rate_threshold, toUnixTimestamp64Milli(evaluated_at) AS evaluated_ms, recommended_actions, labels
       FROM slo_signals_v ${cond}
       ORDER BY evaluated_at DESC, signal_id
       LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      { ...params, limit: f.limit, offset: f.offset },
    );
    const items = rows.map((r) => ({
      signal_id: String(r['signal_id']),
      status: r['status'] as Signal['status'],
      severity: r['severity'] as Signal['severity'],
      slo_id: String(r['slo_id']),
      service: String(r['service']),
      reason: String(r['reason']),
      target: Number(r['target']),
      sli: r['sli'] === null ? null : Number(r['sli']),
      error_budget_remaining: r['error_budget_remaining'] === null ? null : Number(r['error_budget_remaining']),
      long_window: String(r['long_window']),
      short_window: String(r['short_window']),
      burn_rate_long: Number(r['burn_rate_long']),
      burn_rate_short: Number(r['burn_rate_short']),
      burn_rate_threshold: Number(r['burn_rate_threshold']),
      evaluated_at: new Date(Number(r['evaluated_ms'])).toISOString(),
      recommended_actions: (r['recommended_actions'] as string[] | undefined) ?? [],
      labels: { ...((r['labels'] as Record<string, string> | undefined) ?? {}) },
    }));
    return { items, total: Number(count?.n ?? 0) };
  }

  /** Parses proposed YAML with the engine's loader; a problem is a 400 naming file, document and field. */
  parseProposed(yaml: string): { slos: SloDefinition[]; composites: CompositeSlo[] } {
    const r = loadSloFiles([{ file: 'proposed.yaml', text: yaml }]);
    if (!r.ok) {
      const first = r.problems[0];
      const msg = r.problems.slice(0, 5).map(formatProblem).join('; ');
      throw new PipelineError('INVALID_SLO', msg || 'invalid SLO definition', {
        file: 'proposed.yaml',
        ...(first ? { document: first.document, field: first.path } : {}),
      });
    }
    return { slos: r.slos, composites: r.composites };
  }

  /** The engine's backtest: the proposal next to the deployed definitions with the same ids, and the recorded incidents. */
  async backtest(yaml: string, from: Date, to: Date): Promise<BacktestResult> {
    const proposed = this.parseProposed(yaml);
    let deployed: readonly SloDefinition[];
    let deployedComposites: readonly CompositeSlo[];
    try {
      deployed = this.definitions();
      deployedComposites = this.catalog.composites();
    } catch {
      // Without a readable deployed set the backtest still answers for the proposal.
      deployed = [];
      deployedComposites = [];
    }
    // Maintenance windows declared through the API count for both sets (selected by id or label).
    const [mine, theirs] = [await withStoredWindows(this.wh, proposed.slos), await withStoredWindows(this.wh, deployed)];
    // Composite SLOs follow the SLOs, each beside the deployed composite with its id.
    const [myComposites, theirComposites] = [await withStoredCompositeWindows(this.wh, proposed.composites), await withStoredCompositeWindows(this.wh, deployedComposites)];
    return backtest(this.wh, mine, theirs, from.getTime(), to.getTime(), { proposedComposites: myComposites, currentComposites: theirComposites });
  }
}
