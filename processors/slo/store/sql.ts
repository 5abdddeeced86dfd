import type { Params } from '../../../sinks/warehouse/types.js';
import type { Indicator, Selector } from '../definitions/model.js';
import { SLI_FAMILIES } from '../definitions/selector.js';
import { isLatencyBound } from './latency-bounds.js';

/**
 * SQL for SLI reads. Values are always bound parameters (`{pN:Type}`); the only text
 * spliced in are column names, and those come from the fixed allow-list of
 * SLI_FAMILIES (checked again here so a bad selector can never reach SQL).
 */
export class ParamBag {
  readonly params: Params = {};
  private n = 0;

  add(value: string | number | readonly string[], type: string): string {
    const name = `p${this.n++}`;
    this.params[name] = value as Params[string];
    return `{${name}:${type}}`;
  }
}

const COLUMN = /^[a-z_]+$/;

function column(sel: Selector, key: string): string {
  if (!COLUMN.test(key) || !SLI_FAMILIES[sel.family].whereKeys.includes(key)) throw new Error(`not an SLI column: ${key}`);
  return key;
}

/** Where the events of an indicator are counted: the minute aggregate, or the facts for a latency cut between bounds. */
export function indicatorSource(ind: Indicator): 'aggregate' | 'facts' {
  if (ind.kind === 'level') return 'aggregate';
  if (ind.kind === 'latency') return isLatencyBound(ind.cutMs) ? 'aggregate' : 'facts';
  const cuts = [ind.total.latencyMaxMs, ind.good.latencyMaxMs];
  return cuts.every((c) => c === null || isLatencyBound(c)) ? 'aggregate' : 'facts';
}

/** The table an indicator reads and how time is bucketed there. */
export function sourceTable(family: 'journey' | 'lem', source: 'aggregate' | 'facts'): { table: string; minuteExpr: string; timeColumn: string } {
  if (source === 'aggregate') {
    return { table: family === 'journey' ? 'sli_journey_minute' : 'sli_lem_minute', minuteExpr: 'intDiv(toUnixTimestamp(minute), 60)', timeColumn: 'minute' };
  }
  // Facts may hold a duplicate event_id until merged: counts below are uniqExact(event_id).
  return { table: family === 'journey' ? 'journey_events' : 'lem_signals', minuteExpr: 'intDiv(toUnixTimestamp(occurred_at), 60)', timeColumn: 'occurred_at' };
}

/** `<time column>` in [from, to) epoch minutes. */
export function minuteRange(timeColumn: string, fromMinute: number, toMinute: number, bag: ParamBag): string {
  return `${timeColumn} >= toDateTime(${bag.add(fromMinute * 60, 'UInt32')}, 'UTC') AND ${timeColumn} < toDateTime(${bag.add(toMinute * 60, 'UInt32')}, 'UTC')`;
}


/** The event-type and where filters of a selector (no latency). */
export function matchCondition(sel: Selector, bag: ParamBag): string {
  const parts = [`has(${bag.add(sel.eventTypes, 'Array(String)')}, event_type)`];
  for (const [k, v] of Object.entries(sel.where)) parts.push(`${column(sel, k)} = ${bag.add(v, 'String')}`);
  return parts.join(' AND ');
}

/** `duration_ms <= cut` on the aggregate (via latency_le) or on the facts. */
export function latencyAtMost(cutMs: number, source: 'aggregate' | 'facts', bag: ParamBag): string {
  return source === 'aggregate'
    ? `(latency_le >= 0 AND latency_le <= ${bag.add(cutMs, 'Int64')})`
    : `(duration_ms IS NOT NULL AND duration_ms <= ${bag.add(cutMs, 'Int64')})`;
}

export function hasDuration(source: 'aggregate' | 'facts'): string {
  return source === 'aggregate' ? 'latency_le >= 0' : 'duration_ms IS NOT NULL';
}

export function selectorCondition(sel: Selector, source: 'aggregate' | 'facts', bag: ParamBag): string {
  const m = matchCondition(sel, bag);
  return sel.latencyMaxMs === null ? m : `${m} AND ${latencyAtMost(sel.latencyMaxMs, source, bag)}`;
}

/**
 * Per-minute good/total of a ratio or latency indicator over [from, to): one row per
 * minute with data. `part` is the good (or bad) selection; the caller caps it at total.
 */
export function countsQuery(ind: Exclude<Indicator, { kind: 'level' }>, fromMinute: number, toMinute: number): { sql: string; params: Params } {
  const bag = new ParamBag();
  const source = indicatorSource(ind);
  const family = ind.kind === 'ratio' ? ind.total.family : ind.events.family;
  const t = sourceTable(family, source);
  const count = (cond: string): string => (source === 'aggregate' ? `sumIf(events, ${cond})` : `uniqExactIf(event_id, ${cond})`);
  let total: string;
  let part: string;
  if (ind.kind === 'ratio') {
    total = selectorCondition(ind.total, source, bag);
    part = selectorCondition(ind.good, source, bag);
  } else {
    total = `${matchCondition(ind.events, bag)} AND ${hasDuration(source)}`;
    const atMost = latencyAtMost(ind.cutMs, source, bag);
    part = `${total} AND ${ind.goodWhenAbove ? `NOT ${atMost}` : atMost}`;
  }
  const range = minuteRange(t.timeColumn, fromMinute, toMinute, bag);
  const sql = `SELECT ${t.minuteExpr} AS m, ${count(`(${part})`)} AS part, ${count(`(${total})`)} AS total
FROM ${t.table}
WHERE (${range}) AND ((${part}) OR (${total}))
GROUP BY m ORDER BY m`;
  return { sql, params: bag.params };
}

/**
 * LEM level updates of a selector: the last update of every minute in [from, to) per
 * scope_id+metric and event type, and the last one before `from` (the level in force
 * when the range starts).
 */
export function levelUpdatesQuery(sel: Selector, fromMinute: number, toMinute: number): { sql: string; params: Params } {
  const bag = new ParamBag();
  const cond1 = matchCondition(sel, bag);
  const range = minuteRange('minute', fromMinute, toMinute, bag);
  const cond2 = matchCondition(sel, bag);
  const before = bag.add(fromMinute * 60, 'UInt32');
  const sql = `SELECT scope_id, metric, maxMerge(last_update) AS u FROM sli_lem_minute
WHERE ${range} AND ${cond1}
GROUP BY minute, scope_id, metric, event_type
UNION ALL
SELECT scope_id, metric, maxMerge(last_update) AS u FROM sli_lem_minute
WHERE minute < toDateTime(${before}, 'UTC') AND ${cond2}
GROUP BY scope_id, metric`;
  return { sql, params: bag.params };
}
