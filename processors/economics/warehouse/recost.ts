import type { Warehouse } from '../../../sinks/warehouse/types.js';
import { chunksOf, inArrayParam } from '../../../sinks/warehouse/sql-util.js';
import { computeIncidentCosts } from '../costs.js';
import { INT64_MAX } from '../money.js';
import type { CostFact } from '../types.js';
import { monthsOf, rebuildCube } from './cube.js';
import { loadCostInputs } from './load.js';
import { nextVersion } from './recost-version.js';
import { resolveEconomicsOptions, type EconomicsOptions } from './options.js';

/*
 * Re-costing: the write side of the incident-cost join (see dwh/sql/011_economics_costs.sql
 * for why it is materialized this way). For a chunk of incidents:
 *   1. take a version from the warehouse clock, before reading anything;
 *   2. read their events by key and compute their facts (the pure core);
 *   3. write every fact at that version, then record the version per incident;
 *   4. retire rows of those incidents older than the recorded version (tombstones);
 *   5. roll the facts up per incident and month, and retire stale monthly rows alike;
 *   6. recompute the P&L cube for every month those incidents touch (or touched).
 * Every step is idempotent, so a crash anywhere is repaired by re-costing again.
 */

export interface RecostReport {
  incidents: number;
  facts: number;
}

const INT64_MIN = -(2n ** 63n);
const clamp = (x: bigint): string => (x > INT64_MAX ? INT64_MAX : x < INT64_MIN ? INT64_MIN : x).toString();

/** A fact as a row of incident_cost_facts (64-bit integers as strings: exact in JSON). */
export function factRow(f: CostFact, version: number): Record<string, unknown> {
  const c = f.converted_minor;
  const measure = (...kinds: CostFact['cost_kind'][]): string =>
    c === null || !kinds.includes(f.cost_kind) ? '0' : (f.cost_kind === 'COMPENSATION_REVOKED' ? -c : c).toString();
  return {
    incident_id: f.incident_id,
    fact_id: f.fact_id,
    version,
    is_deleted: 0,
    cost_kind: f.cost_kind,
    occurred_at: f.occurred_at,
    source_event_id: f.source_event_id,
    amount_minor: clamp(f.amount_minor),
    currency: f.currency,
    reporting_currency: f.reporting_currency,
    rate: f.rate,
    rate_effective_at: f.rate_effective_at,
    rate_event_id: f.rate_event_id,
    converted_minor: c === null ? null : c.toString(),
    unconverted_reason: f.unconverted_reason,
    compensation_minor: measure('COMPENSATION_ISSUED', 'COMPENSATION_REVOKED'),
    redeemed_minor: measure('COMPENSATION_REDEEMED'),
    refund_minor: measure('REFUND'),
    lost_revenue_minor: measure('LOST_REVENUE'),
    unconverted: c === null ? 1 : 0,
    product_version_id: f.product_version_id,
    market_code: f.market_code,
    city_code: f.city_code,
    vendor_id: f.vendor_id,
    route_id: f.route_id,
    fault: f.fault,
    severity: f.severity,
    reason_code: f.reason_code,
    compensation_id: f.compensation_id,
    refund_id: f.refund_id,
    order_id: f.order_id,
    journey_instance_id: f.journey_instance_id,
  };
}

const DIMS = 'product_version_id, market_code, city_code, vendor_id, route_id, fault, severity, reason_code';
const ANY_DIMS = DIMS.split(', ')
  .map((d) => `any(${d})`)
  .join(', ');

/**
 * Rebuilds incident_cost_monthly from incident_cost_facts at `version`, for the given
 * incidents or (without `ids`) for all. Exported for bulk loads such as the benchmark.
 */
export async function rollupMonthly(
  wh: Warehouse,
  o: { version: number; reportingCurrency: string; ids?: readonly string[] },
): Promise<void> {
  const only = o.ids ? `AND incident_id ${inArrayParam('ids')}` : '';
  await wh.exec(
    `INSERT INTO incident_cost_monthly (incident_id, cost_month, version, is_deleted, reporting_currency,
       compensation_minor, redeemed_minor, refund_minor, lost_revenue_minor, unconverted, facts, ${DIMS})
     SELECT incident_id, cost_month, {version:UInt64}, 0, {rc:String},
       sum(toInt128(compensation_minor)), sum(toInt128(redeemed_minor)), sum(toInt128(refund_minor)),
       sum(toInt128(lost_revenue_minor)), sum(unconverted), count(), ${ANY_DIMS}
     FROM incident_cost_facts FINAL
     WHERE reporting_currency = {rc:String} ${only}
     GROUP BY incident_id, cost_month`,
    { version: o.version, rc: o.reportingCurrency, ...(o.ids ? { ids: [...o.ids] } : {}) },
  );
}

/** Tombstones the rows of `ids` written before the incident's recorded version. */
async function retireStale(wh: Warehouse, table: 'incident_cost_facts' | 'incident_cost_monthly', ids: readonly string[]): Promise<void> {
  const [key, extra] =
    table === 'incident_cost_facts' ? ['fact_id', ', cost_kind, occurred_at'] : ['cost_month', ''];
  await wh.exec(
    `INSERT INTO ${table} (incident_id, ${key}, version, is_deleted, reporting_currency${extra})
     SELECT t.incident_id, t.${key}, v.version, 1, t.reporting_currency${extra.replaceAll(', ', ', t.')}
     FROM (SELECT incident_id, ${key}, version, reporting_currency${extra} FROM ${table} FINAL
           WHERE incident_id ${inArrayParam('ids')}) AS t
     INNER JOIN (SELECT incident_id, max(version) AS version FROM econ_incident_versions
                 WHERE incident_id ${inArrayParam('ids')} GROUP BY incident_id) AS v
       ON t.incident_id = v.incident_id
     WHERE t.version < v.version`,
    { ids: [...ids] },
  );
}

/** Re-costs the given incidents from the stored events (idempotent; safe to repeat). */
export async function recostIncidents(
  wh: Warehouse,
  incidentIds: Iterable<string>,
  options: EconomicsOptions = {},
  internal: { cube?: boolean } = {},
): Promise<RecostReport> {
  const o = resolveEconomicsOptions(options);
  const all = [...new Set(incidentIds)].sort();
  const report: RecostReport = { incidents: 0, facts: 0 };
  // At most chunkSize incidents, and at most ARRAY_PARAM_BYTES of their ids: the statements
  // below bind the chunk's ids as one parameter, which a ClickHouse server reads from the URL.
  const chunks = chunksOf(all).flatMap((run) => Array.from({ length: Math.ceil(run.length / o.chunkSize) }, (_, i) => run.slice(i * o.chunkSize, (i + 1) * o.chunkSize)));
  for (const ids of chunks) {
    const version = await nextVersion(wh);
    const inputs = await loadCostInputs(wh, ids, o.reportingCurrency);
    const facts = computeIncidentCosts(inputs, { reportingCurrency: o.reportingCurrency }, ids);
    await wh.insert('incident_cost_facts', facts.map((f) => factRow(f, version)));
    await wh.insert('econ_incident_versions', ids.map((incident_id) => ({ incident_id, version })));
    await retireStale(wh, 'incident_cost_facts', ids);
    await rollupMonthly(wh, { version, reportingCurrency: o.reportingCurrency, ids });
    await retireStale(wh, 'incident_cost_monthly', ids);
    report.incidents += ids.length;
    report.facts += facts.length;
  }
  if (internal.cube !== false && all.length > 0) await rebuildCube(wh, await monthsOf(wh, all));
  return report;
}

/**
 * Re-costs every incident the warehouse knows of: after a change of reporting currency,
 * a refresher outage longer than the marks' lifetime, or to verify the incremental path.
 */
export async function recostAll(wh: Warehouse, options: EconomicsOptions = {}): Promise<RecostReport> {
  const o = resolveEconomicsOptions(options);
  const report: RecostReport = { incidents: 0, facts: 0 };
  let after = '';
  for (;;) {
    const page = await wh.query<{ incident_id: string }>(
      `SELECT DISTINCT incident_id FROM (
         SELECT incident_id FROM econ_incident_events UNION ALL
         SELECT incident_id FROM econ_compensation_events UNION ALL
         SELECT incident_id FROM econ_incident_refunds UNION ALL
         SELECT incident_id FROM econ_incident_versions)
       WHERE incident_id > {after:String} ORDER BY incident_id LIMIT {n:UInt32}`,
      { after, n: o.chunkSize * 10 },
    );
    if (page.length === 0) break;
    const r = await recostIncidents(wh, page.map((p) => p.incident_id), o, { cube: false });
    report.incidents += r.incidents;
    report.facts += r.facts;
    after = page[page.length - 1]?.incident_id ?? after;
  }
  await rebuildCube(wh);
  return report;
}
