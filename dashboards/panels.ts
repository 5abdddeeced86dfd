import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import { ThresholdsConfigBuilder, ThresholdsMode, type Dashboard, type Panel, type RowPanel } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGaugePanel } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as StateTimelinePanel } from '@grafana/grafana-foundation-sdk/statetimeline';
import { ReduceDataOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { CLICKHOUSE_DS, sql } from './clickhouse-query.js';

/** Small helpers over the foundation SDK builders so each board reads as a list of panels. */
export interface PanelLayout {
  w: number;
  h: number;
}

type Step = { value: number | null; color: string };

export function thresholds(steps: Step[]): ThresholdsConfigBuilder {
  // The SDK types `value` as number, but Grafana's base step is `null` (minus infinity).
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps as Array<{ value: number; color: string }>);
}

export const BUDGET_STEPS: Step[] = [
  { value: null, color: 'red' },
  { value: 0.2, color: 'orange' },
  { value: 0.5, color: 'green' },
];
export const BURN_STEPS: Step[] = [
  { value: null, color: 'green' },
  { value: 1, color: 'yellow' },
  { value: 6, color: 'red' },
];

function lastValue(): ReduceDataOptionsBuilder {
  return new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false);
}

export function stat(title: string, rawSql: string, layout: PanelLayout, unit = 'short', steps?: Step[]): StatPanel {
  const p = new StatPanel()
    .title(title)
    .datasource(CLICKHOUSE_DS)
    .withTarget(sql(rawSql).table())
    .unit(unit)
    .reduceOptions(lastValue())
    .span(layout.w)
    .height(layout.h);
  return steps ? p.thresholds(thresholds(steps)) : p;
}

export function table(title: string, rawSql: string, layout: PanelLayout): TablePanel {
  return new TablePanel().title(title).datasource(CLICKHOUSE_DS).withTarget(sql(rawSql).table()).span(layout.w).height(layout.h);
}

export function timeseries(title: string, rawSql: string, layout: PanelLayout, unit = 'short'): TimeseriesPanel {
  return new TimeseriesPanel()
    .title(title)
    .datasource(CLICKHOUSE_DS)
    .withTarget(sql(rawSql).timeSeries())
    .unit(unit)
    .span(layout.w)
    .height(layout.h);
}

export function bars(title: string, rawSql: string, layout: PanelLayout, unit: string, steps: Step[]): BarGaugePanel {
  return new BarGaugePanel()
    .title(title)
    .datasource(CLICKHOUSE_DS)
    .withTarget(sql(rawSql).table())
    .unit(unit)
    .reduceOptions(new ReduceDataOptionsBuilder().values(true).calcs([]))
    .thresholds(thresholds(steps))
    .span(layout.w)
    .height(layout.h);
}

export function timeline(title: string, rawSql: string, layout: PanelLayout): StateTimelinePanel {
  return new StateTimelinePanel().title(title).datasource(CLICKHOUSE_DS).withTarget(sql(rawSql).timeSeries()).span(layout.w).height(layout.h);
}

/**
 * Gives every panel a stable id (1, 2, ... in layout order) so links and golden files do
 * not change when a panel is added at the end.
 */
export function numberPanels(dashboard: Dashboard): Dashboard {
  let id = 1;
  for (const p of dashboard.panels ?? []) {
    (p as Panel | RowPanel).id = id++;
    if (p.type === 'row') for (const inner of (p as RowPanel).panels ?? []) inner.id = id++;
  }
  return dashboard;
}

/** Every SQL target of a built dashboard, with the panel it belongs to (for tests). */
export function panelQueries(dashboard: Dashboard): Array<{ panel: string; refId: string; rawSql: string }> {
  const out: Array<{ panel: string; refId: string; rawSql: string }> = [];
  const visit = (p: Panel): void => {
    for (const t of (p.targets ?? []) as Array<cog.Dataquery & { refId?: string; rawSql?: string }>) {
      if (typeof t.rawSql === 'string') out.push({ panel: p.title ?? '', refId: t.refId ?? 'A', rawSql: t.rawSql });
    }
  };
  for (const p of dashboard.panels ?? []) {
    if (p.type === 'row') (p as RowPanel).panels.forEach(visit);
    else visit(p as Panel);
  }
  return out;
}
