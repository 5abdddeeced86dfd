import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { inArrayParam, queryByIds } from '../../../sinks/warehouse/sql-util.js';
import { recostAll, recostIncidents } from './recost.js';
import { resolveEconomicsOptions, type EconomicsOptions, type ResolvedEconomicsOptions } from './options.js';

/*
 * Keeps incident costs current: turns the marks left by fact inserts
 * (dwh/sql/012_economics_marks.sql) into the incidents they can affect, re-costs those,
 * and records the marks as done. One refresher per warehouse: re-costings of the same
 * incident converge even when they overlap (econ_incident_versions), but running them
 * from one place avoids the wasted work.
 */

export interface RefreshReport {
  /** Marks handled in this pass. */
  marks: number;
  /** Incidents re-costed. */
  incidents: number;
  /** Whether this pass re-costed everything (the first pass on a warehouse). */
  full: boolean;
}

interface Mark {
  mark_time: string;
  mark_uuid: string;
  kind: string;
  key: string;
  /** Effective instant of an FX mark, epoch ms. */
  at_ms: string | null;
}

/** The incidents whose cost a set of marks can change. Over-approximating is harmless. */
export async function incidentsForMarks(wh: Warehouse, marks: readonly Mark[], reportingCurrency: string): Promise<Set<string>> {
  const out = new Set<string>();
  const journeys = new Set<string>();
  const orders = new Set<string>();
  const fxFrom = new Map<string, number>();
  for (const m of marks) {
    if (m.kind === 'incident') out.add(m.key);
    else if (m.kind === 'journey') journeys.add(m.key);
    else if (m.kind === 'order') orders.add(m.key);
    else if (m.kind === 'fx' && m.at_ms !== null && m.key !== reportingCurrency) {
      const t = Number(m.at_ms);
      fxFrom.set(m.key, Math.min(t, fxFrom.get(m.key) ?? t));
    }
  }
  const add = (rows: { incident_id: string }[]): void => rows.forEach((r) => out.add(r.incident_id));
  if (journeys.size > 0) {
    add(await queryByIds(wh, `SELECT DISTINCT incident_id FROM econ_journey_incidents WHERE journey_instance_id ${inArrayParam('ids')}`, [...journeys]));
  }
  if (orders.size > 0) {
    add(
      await queryByIds(
        wh,
        `SELECT DISTINCT incident_id FROM econ_journey_incidents WHERE journey_instance_id IN
           (SELECT journey_instance_id FROM econ_journey_events WHERE order_id ${inArrayParam('ids')})`,
        [...orders],
      ),
    );
  }
  // A rate effective at t can only change money at or after t in its currency. Money
  // always has a fact row (unconverted until a rate exists), so the facts find it.
  for (const [currency, from] of fxFrom) {
    add(
      await wh.query(
        `SELECT DISTINCT incident_id FROM incident_cost_facts
         WHERE currency = {c:String} AND occurred_at >= fromUnixTimestamp64Milli({t:Int64}, 'UTC')`,
        { c: currency, t: from },
      ),
    );
  }
  return out;
}

export class IncidentCostRefresher {
  private readonly wh: Warehouse;
  private readonly o: ResolvedEconomicsOptions;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastError: unknown;

  constructor(wh: Warehouse, options: EconomicsOptions = {}) {
    this.wh = wh;
    this.o = resolveEconomicsOptions(options);
  }

  /** One pass: handles every mark visible now. Calls are serialized. */
  refresh(): Promise<RefreshReport> {
    const run = this.chain.then(() => this.pass());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Refreshes every `intervalMs` until stopped; a failed pass is retried on the next tick. */
  start(intervalMs = 1000): void {
    if (this.timer) return;
    const tick = (): void => {
      this.refresh()
        .then(() => (this.lastError = undefined))
        .catch((e: unknown) => (this.lastError = e))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs).unref();
        });
    };
    // unref: a forgotten stop() must not keep the process alive.
    this.timer = setTimeout(tick, intervalMs).unref();
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
  }

  /** The error of the last failed timed pass, if the latest one failed. */
  get error(): unknown {
    return this.lastError;
  }

  private async pass(): Promise<RefreshReport> {
    const wh = this.wh;
    const [now] = await wh.query<{ t: string }>('SELECT toUnixTimestamp64Micro(now64(6)) AS t');
    const [found] = await wh.query<{ w: string; rc: string }>(
      'SELECT toUnixTimestamp64Micro(watermark) AS w, reporting_currency AS rc FROM econ_refresh_state FINAL WHERE id = 1',
    );
    const report: RefreshReport = { marks: 0, incidents: 0, full: false };
    // First pass on this warehouse (facts may predate the marks: a migration onto existing
    // data), or the reporting currency changed: cost everything once; the marks below are
    // then cheap repeats.
    const state = found?.rc === this.o.reportingCurrency ? found : undefined;
    if (!state) {
      report.incidents += (await recostAll(wh, this.o)).incidents;
      report.full = true;
    }
    const lower = state ? Math.max(0, Number(state.w) - this.o.graceMs * 1000) : 0;
    for (;;) {
      const marks = await wh.query<Mark>(
        `SELECT toString(marked_at) AS mark_time, toString(mark_id) AS mark_uuid, kind, key,
                toUnixTimestamp64Milli(at) AS at_ms
         FROM econ_marks
         WHERE marked_at >= fromUnixTimestamp64Micro({lower:Int64}, 'UTC')
           AND mark_id NOT IN (SELECT mark_id FROM econ_marks_done
                               WHERE marked_at >= fromUnixTimestamp64Micro({lower:Int64}, 'UTC'))
         ORDER BY marked_at, mark_id
         LIMIT {n:UInt32}`,
        { lower, n: this.o.markBatch },
      );
      if (marks.length === 0) break;
      const ids = await incidentsForMarks(wh, marks, this.o.reportingCurrency);
      report.incidents += (await recostIncidents(wh, ids, this.o)).incidents;
      await wh.insert(
        'econ_marks_done',
        marks.map((m) => ({ marked_at: m.mark_time, mark_id: m.mark_uuid })),
      );
      report.marks += marks.length;
      if (marks.length < this.o.markBatch) break;
    }
    await wh.insert('econ_refresh_state', [
      { id: 1, watermark: now?.t ? microsToIso(now.t) : 0, version: Number(now?.t ?? 0), reporting_currency: this.o.reportingCurrency },
    ]);
    return report;
  }
}

function microsToIso(micros: string): string {
  const us = BigInt(micros);
  const ms = Number(us / 1000n);
  const frac = (us % 1_000_000n).toString().padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}.${frac}`;
}
