import type { Dashboard, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { expandPanelSql } from '../../dashboards/macros.js';

/**
 * Values for a board's template variables as Grafana would pick them on load: constants
 * take their value; query variables run their SQL and take the first row.
 */
export async function boardVariables(wh: Warehouse, boards: Dashboard[], range: { from: Date; to: Date }): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const board of boards) {
    for (const v of (board.templating?.list ?? []) as VariableModel[]) {
      if (v.type === 'constant' && typeof v.query === 'string') out[v.name] = v.query;
      if (v.type === 'query' && typeof v.query === 'string') {
        const rows = await wh.query<Record<string, unknown>>(expandPanelSql(v.query, { ...range, variables: out }));
        const first = rows[0];
        if (!first) throw new Error(`variable $${v.name} has no values`);
        out[v.name] = String(Object.values(first)[0]);
      }
    }
  }
  return out;
}
