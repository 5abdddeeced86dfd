import type { Params, Warehouse } from '../../../sinks/warehouse/types.js';
import type { GroupSource } from './build.js';
import { MAX_GROUP_VALUES, type GroupTuple, type GroupValues } from './group.js';
import { SLI_FAMILIES } from './selector.js';

/** Looks up the values of grouped documents; the catalog calls it in the background. */
export type GroupValueSource = (groups: readonly GroupSource[]) => Promise<GroupValues>;

const COLUMN = /^[a-z_]+$/;

/**
 * Values of grouped documents seen in the warehouse: the distinct non-empty key values of the
 * events each group counts (its total, or its threshold events) in the per-minute SLI
 * aggregates, over the document's window back from the newest minute there. At most
 * `cap` values per document (MAX_GROUP_VALUES); the most recently seen come first.
 */
export function warehouseGroupValues(wh: Pick<Warehouse, 'query'>, cap = MAX_GROUP_VALUES): GroupValueSource {
  return async (groups) => {
    const out = new Map<string, GroupTuple[]>();
    for (const g of groups) {
      const sel = g.events;
      const family = SLI_FAMILIES[sel.family];
      const table = sel.family === 'journey' ? 'sli_journey_minute' : 'sli_lem_minute';
      const cols = [...g.keys, ...Object.keys(sel.where)];
      // Column names come from the fixed allow-list; every value is a bound parameter.
      if (!cols.every((c) => COLUMN.test(c) && family.whereKeys.includes(c))) throw new Error(`not an SLI column in ${cols.join(', ')}`);
      const params: Params = { types: [...sel.eventTypes], lookback: g.lookbackMinutes, cap };
      const filters = ['has({types:Array(String)}, event_type)', ...g.keys.map((k) => `${k} != ''`)];
      Object.entries(sel.where).forEach(([k, v], i) => {
        params[`w${i}`] = v;
        filters.push(`${k} = {w${i}:String}`);
      });
      const keys = g.keys.join(', ');
      const rows = await wh.query<Record<string, string>>(
        `SELECT ${keys} FROM ${table} WHERE minute >= (SELECT max(minute) FROM ${table}) - toIntervalMinute({lookback:UInt32}) AND ${filters.join(' AND ')} GROUP BY ${keys} ORDER BY max(minute) DESC, ${keys} LIMIT {cap:UInt32}`,
        params,
      );
      out.set(g.template, rows.map((r) => Object.fromEntries(g.keys.map((k) => [k, String(r[k] ?? '')]))));
    }
    return out;
  };
}
