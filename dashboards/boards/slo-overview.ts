import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { CLICKHOUSE_DS } from '../clickhouse-query.js';
import { BUDGET_STEPS, bars, numberPanels, stat, table, timeseries } from '../panels.js';

/**
 * Every SLO at a glance, as evaluated at the end of the dashboard range: SLI, error
 * budget remaining, burn rates, firing alerts. Rows come from `slo_board_minute`
 * (processors/slo/runtime/board-feed.ts); signals from the SLO engine's `slo_signals`.
 */
const LATEST = `slo_board_minute FINAL WHERE $__timeFilter(minute)`;

/** Every `key=value` label the recorded signals carry (their SLOs' `metadata.labels`). */
const LABEL_VARIABLE_SQL = `SELECT DISTINCT concat(k, '=', labels[k]) AS label FROM slo_signals_v ARRAY JOIN mapKeys(labels) AS k ORDER BY label`;
/** A signal with the chosen label, or any signal for "All" (the all value is passed as written: '*'). */
const WITH_LABEL = `(\${label:singlequote} = '*' OR has(arrayMap((k, v) -> concat(k, '=', v), mapKeys(labels), mapValues(labels)), \${label:singlequote}))`;

export function sloOverviewBoard(): Dashboard {
  const board = new DashboardBuilder('SLO overview')
    .uid('slo-overview')
    .description('All SLOs: SLI, error budget remaining, burn rates and firing alerts at the end of the range.')
    .tags(['slo-pipeline', 'slo'])
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .timezone('utc')
    .readonly()
    .link(new DashboardLinkBuilder('SLO detail').type(DashboardLinkType.Link).url('/d/slo-detail').keepTime(true))
    .withVariable(
      new QueryVariableBuilder('label')
        .label('Signal label')
        .description("Only the breach signals of SLOs with this label (metadata.labels, key=value)")
        .datasource(CLICKHOUSE_DS)
        .query(LABEL_VARIABLE_SQL)
        .definition(LABEL_VARIABLE_SQL)
        .includeAll(true)
        .allValue("'*'")
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.Disabled),
    )
    .withRow(new RowBuilder('Now'))
    .withPanel(
      stat(
        'Firing alerts',
        `SELECT sum(page) + sum(ticket) AS firing FROM (
  SELECT slo_id, argMax(firing_page, minute) AS page, argMax(firing_ticket, minute) AS ticket FROM ${LATEST} GROUP BY slo_id)`,
        { w: 6, h: 4 },
        'short',
        [
          { value: null, color: 'green' },
          { value: 1, color: 'red' },
        ],
      ),
    )
    .withPanel(
      stat(
        'SLOs meeting their objective',
        `SELECT countIf(sli >= target) AS meeting, count() AS slos FROM (
  SELECT slo_id, argMax(sli, minute) AS sli, any(target) AS target FROM ${LATEST} GROUP BY slo_id)`,
        { w: 6, h: 4 },
      ),
    )
    .withPanel(
      stat(
        'Budgets exhausted',
        `SELECT countIf(budget <= 0) AS exhausted FROM (
  SELECT slo_id, argMax(error_budget_remaining, minute) AS budget FROM ${LATEST} GROUP BY slo_id)`,
        { w: 6, h: 4 },
        'short',
        [
          { value: null, color: 'green' },
          { value: 1, color: 'red' },
        ],
      ),
    )
    .withPanel(
      stat(
        'Budgets forecast to run out within 7 days',
        `SELECT countIf(exhaustion_seconds <= 604800) AS within_7_days FROM (
  SELECT slo_id, argMax(time_to_exhaustion_seconds, minute) AS exhaustion_seconds FROM ${LATEST} GROUP BY slo_id)`,
        { w: 6, h: 4 },
        'short',
        [
          { value: null, color: 'green' },
          { value: 1, color: 'orange' },
        ],
      ),
    )
    .withPanel(
      stat(
        'Breach signals in range',
        `SELECT count() AS signals FROM slo_signals_v WHERE status = 'FIRING' AND $__timeFilter(evaluated_at) AND ${WITH_LABEL}`,
        { w: 6, h: 4 },
      ),
    )
    .withRow(new RowBuilder('SLOs'))
    .withPanel(
      table(
        'SLO status',
        `SELECT slo_id, any(service) AS service, any(time_window) AS window, any(target) AS target,
  argMax(sli, minute) AS sli, argMax(error_budget_remaining, minute) AS budget_remaining,
  argMax(burn_rates['1h'], minute) AS burn_1h, argMax(burn_rates['6h'], minute) AS burn_6h,
  argMax(burn_rates['1d'], minute) AS burn_1d, argMax(burn_rates['3d'], minute) AS burn_3d,
  multiIf(argMax(firing_page, minute) = 1, 'PAGE', argMax(firing_ticket, minute) = 1, 'TICKET', '') AS firing,
  argMax(time_to_exhaustion_seconds, minute) AS exhaustion_seconds, max(minute) AS evaluated_at
FROM ${LATEST}
GROUP BY slo_id
ORDER BY budget_remaining, slo_id`,
        { w: 24, h: 10 },
      ),
    )
    .withPanel(
      bars(
        'Error budget remaining',
        `SELECT slo_id, argMax(error_budget_remaining, minute) AS budget_remaining FROM ${LATEST} GROUP BY slo_id ORDER BY budget_remaining, slo_id`,
        { w: 12, h: 10 },
        'percentunit',
        BUDGET_STEPS,
      ).min(-1).max(1),
    )
    .withPanel(
      timeseries(
        'Error budget remaining over time',
        `SELECT $__timeInterval(minute) AS time, slo_id, argMax(error_budget_remaining, minute) AS budget_remaining
FROM ${LATEST}
GROUP BY time, slo_id
ORDER BY time`,
        { w: 12, h: 10 },
        'percentunit',
      ),
    )
    .withPanel(
      table(
        'Recent breach signals',
        `SELECT evaluated_at, slo_id, status, severity, reason, long_window, short_window,
  round(burn_rate_long, 2) AS burn_long, round(burn_rate_short, 2) AS burn_short, burn_rate_threshold, error_budget_remaining,
  arrayStringConcat(arrayMap((k, v) -> concat(k, '=', v), mapKeys(labels), mapValues(labels)), ', ') AS slo_labels
FROM slo_signals_v
WHERE $__timeFilter(evaluated_at) AND ${WITH_LABEL}
ORDER BY evaluated_at DESC
LIMIT 200`,
        { w: 24, h: 9 },
      ),
    );
  return numberPanels(board.build());
}
