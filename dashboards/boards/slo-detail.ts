import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  MappingType,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { BURN_STEPS, BUDGET_STEPS, bars, numberPanels, stat, table, timeline, timeseries } from '../panels.js';
import { CLICKHOUSE_DS } from '../clickhouse-query.js';

/** One SLO (the `$slo` variable) over the dashboard range, from `slo_board_minute` and `slo_signals`. */
const MATCH = `slo_id = \${slo:singlequote} AND $__timeFilter(minute)`;
const ROWS = `slo_board_minute FINAL WHERE ${MATCH}`;

/** SLOs with the most alerting first, so the board opens on the one that needs attention. */
const SLO_VARIABLE_SQL = `SELECT slo_id FROM slo_board_minute FINAL
GROUP BY slo_id
ORDER BY max(firing_page) DESC, max(firing_ticket) DESC, min(error_budget_remaining), slo_id`;

export function sloDetailBoard(): Dashboard {
  const board = new DashboardBuilder('SLO detail')
    .uid('slo-detail')
    .description('One SLO: SLI against its objective, error budget burndown, burn rates per alert window, alerts and traffic.')
    .tags(['slo-pipeline', 'slo'])
    .refresh('1m')
    .time({ from: 'now-2d', to: 'now' })
    .timezone('utc')
    .readonly()
    .link(new DashboardLinkBuilder('SLO overview').type(DashboardLinkType.Link).url('/d/slo-overview').keepTime(true))
    .withVariable(
      new QueryVariableBuilder('slo')
        .label('SLO')
        .datasource(CLICKHOUSE_DS)
        .query(SLO_VARIABLE_SQL)
        .definition(SLO_VARIABLE_SQL)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.Disabled),
    )
    .withRow(new RowBuilder('At the end of the range'))
    .withPanel(stat('SLI', `SELECT argMax(sli, minute) AS sli FROM ${ROWS}`, { w: 4, h: 4 }, 'percentunit'))
    .withPanel(stat('Objective', `SELECT any(target) AS objective FROM ${ROWS}`, { w: 4, h: 4 }, 'percentunit'))
    .withPanel(stat('Error budget remaining', `SELECT argMax(error_budget_remaining, minute) AS budget_remaining FROM ${ROWS}`, { w: 4, h: 4 }, 'percentunit', BUDGET_STEPS))
    .withPanel(
      stat(
        'Time to exhaustion at the current burn',
        `SELECT argMax(time_to_exhaustion_seconds, minute) AS exhaustion_seconds FROM ${ROWS}`,
        { w: 4, h: 4 },
        's',
      ).noValue('not burning'),
    )
    .withPanel(
      stat(
        'Budget exhausted at (forecast at the current burn)',
        `SELECT argMax(toUnixTimestamp(minute) + time_to_exhaustion_seconds, minute) * 1000 AS exhausted_at FROM ${ROWS}`,
        { w: 8, h: 4 },
        'dateTimeAsIso',
      ).noValue('not burning'),
    )
    .withPanel(
      bars(
        'Burn rate per alert window',
        `SELECT w AS window, argMax(burn_rates[w], minute) AS burn_rate
FROM slo_board_minute FINAL
ARRAY JOIN mapKeys(burn_rates) AS w
WHERE ${MATCH}
GROUP BY window
ORDER BY argMax(burn_rates[w], minute) DESC`,
        { w: 8, h: 4 },
        'x',
        BURN_STEPS,
      ),
    )
    .withRow(new RowBuilder('Over time'))
    .withPanel(
      timeseries(
        'SLI vs objective',
        `SELECT $__timeInterval(minute) AS time, argMax(sli, minute) AS sli, any(target) AS objective
FROM ${ROWS}
GROUP BY time
ORDER BY time`,
        { w: 12, h: 8 },
        'percentunit',
      ),
    )
    .withPanel(
      timeseries(
        'Error budget burndown (over the SLO window)',
        `SELECT $__timeInterval(minute) AS time, argMax(error_budget_remaining, minute) AS budget_remaining
FROM ${ROWS}
GROUP BY time
ORDER BY time`,
        { w: 12, h: 8 },
        'percentunit',
      ),
    )
    .withPanel(
      timeseries(
        'Forecast: time to exhaustion at the current burn',
        `SELECT $__timeInterval(minute) AS time, argMax(time_to_exhaustion_seconds, minute) AS exhaustion_seconds
FROM ${ROWS}
GROUP BY time
ORDER BY time`,
        { w: 12, h: 8 },
        's',
      ),
    )
    .withPanel(
      timeseries(
        'Burn rates per window',
        `SELECT $__timeInterval(minute) AS time, w AS window, argMax(burn_rates[w], minute) AS burn_rate
FROM slo_board_minute FINAL
ARRAY JOIN mapKeys(burn_rates) AS w
WHERE ${MATCH}
GROUP BY time, window
ORDER BY time`,
        { w: 12, h: 8 },
        'x',
      ),
    )
    .withPanel(
      timeline(
        'Alerts',
        `SELECT $__timeInterval(minute) AS time, max(firing_page) AS page, max(firing_ticket) AS ticket
FROM ${ROWS}
GROUP BY time
ORDER BY time`,
        { w: 12, h: 8 },
      ).mappings([
        {
          type: MappingType.ValueToText,
          options: { '0': { text: 'quiet', color: 'green', index: 0 }, '1': { text: 'firing', color: 'red', index: 1 } },
        },
      ]),
    )
    .withPanel(
      timeseries(
        'Traffic (units per interval)',
        `SELECT $__timeInterval(minute) AS time, sum(total) AS units, sum(total - good) AS bad_units
FROM ${ROWS}
GROUP BY time
ORDER BY time`,
        { w: 12, h: 8 },
      ),
    )
    .withPanel(
      table(
        'Breach signals',
        `SELECT evaluated_at, status, severity, reason, long_window, short_window, round(burn_rate_long, 2) AS burn_long,
  round(burn_rate_short, 2) AS burn_short, burn_rate_threshold, round(sli, 5) AS sli, round(error_budget_remaining, 4) AS budget,
  arrayStringConcat(recommended_actions, ', ') AS recommended_actions, arrayStringConcat(arrayMap((k, v) -> concat(k, '=', v), mapKeys(labels), mapValues(labels)), ', ') AS slo_labels, signal_id
FROM slo_signals_v
WHERE slo_id = \${slo:singlequote}
ORDER BY evaluated_at DESC
LIMIT 200`,
        { w: 12, h: 8 },
      ),
    );
  return numberPanels(board.build());
}
