import { ConstantVariableBuilder, DashboardBuilder, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { GraphDrawStyle } from '@grafana/grafana-foundation-sdk/common';
import { bars, numberPanels, stat, table, timeseries } from '../panels.js';

/**
 * Incident cost for finance, read from `incident_cost_facts` (one row per money event of an
 * incident, converted once, half-to-even, in reporting minor units; FINAL applies
 * corrections). `$minor_per_unit` turns minor units into the reporting currency (100 for EUR).
 */
const FACTS = 'incident_cost_facts FINAL';
const TOTAL = 'sum(compensation_minor + refund_minor + lost_revenue_minor) / $minor_per_unit';

export function financeBoard(): Dashboard {
  const board = new DashboardBuilder('Incident cost (finance)')
    .uid('slo-finance')
    .description('What incidents cost: compensation, refunds and lost revenue in the reporting currency, by month, vendor and route.')
    .tags(['slo-pipeline', 'finance'])
    .refresh('5m')
    .time({ from: 'now-90d', to: 'now' })
    .timezone('utc')
    .readonly()
    .withVariable(
      new ConstantVariableBuilder('minor_per_unit')
        .label('Minor units per reporting unit')
        .value('100')
        .description('100 for EUR/USD; 1 for JPY; 1000 for BHD.'),
    )
    .withRow(new RowBuilder('Totals (money events in range)'))
    .withPanel(stat('Total incident cost', `SELECT ${TOTAL} AS total_cost FROM ${FACTS} WHERE $__timeFilter(occurred_at)`, { w: 6, h: 4 }, 'currencyEUR'))
    .withPanel(
      stat(
        'Compensation redeemed',
        `SELECT sum(redeemed_minor) / $minor_per_unit AS compensation_redeemed FROM ${FACTS} WHERE $__timeFilter(occurred_at)`,
        { w: 6, h: 4 },
        'currencyEUR',
      ),
    )
    .withPanel(
      stat('Incidents with cost', `SELECT uniqExact(incident_id) AS incidents FROM ${FACTS} WHERE $__timeFilter(occurred_at)`, { w: 6, h: 4 }),
    )
    .withPanel(
      stat(
        'Money events without a rate',
        `SELECT sum(unconverted) AS unconverted FROM ${FACTS} WHERE $__timeFilter(occurred_at)`,
        { w: 6, h: 4 },
        'short',
        [
          { value: null, color: 'green' },
          { value: 1, color: 'orange' },
        ],
      ),
    )
    .withRow(new RowBuilder('Over time'))
    .withPanel(
      timeseries(
        'Cost by month',
        `SELECT toDateTime(cost_month) AS time,
  sum(compensation_minor) / $minor_per_unit AS compensation,
  sum(refund_minor) / $minor_per_unit AS refunds,
  sum(lost_revenue_minor) / $minor_per_unit AS lost_revenue
FROM ${FACTS}
WHERE $__timeFilter(occurred_at)
GROUP BY time
ORDER BY time`,
        { w: 24, h: 8 },
        'currencyEUR',
      ).drawStyle(GraphDrawStyle.Bars),
    )
    .withRow(new RowBuilder('Where the money goes'))
    .withPanel(
      bars(
        'Cost by vendor',
        `SELECT ifNull(vendor_id, '(none)') AS vendor, ${TOTAL} AS total_cost
FROM ${FACTS}
WHERE $__timeFilter(occurred_at)
GROUP BY vendor
ORDER BY total_cost DESC
LIMIT 20`,
        { w: 12, h: 9 },
        'currencyEUR',
        [{ value: null, color: 'blue' }],
      ),
    )
    .withPanel(
      bars(
        'Cost by route',
        `SELECT ifNull(route_id, '(none)') AS route, ${TOTAL} AS total_cost
FROM ${FACTS}
WHERE $__timeFilter(occurred_at)
GROUP BY route
ORDER BY total_cost DESC
LIMIT 20`,
        { w: 12, h: 9 },
        'currencyEUR',
        [{ value: null, color: 'purple' }],
      ),
    )
    .withPanel(
      table(
        'Top incidents',
        `SELECT incident_id, any(severity) AS severity, any(fault) AS fault, any(reason_code) AS reason_code,
  any(vendor_id) AS vendor_id, any(route_id) AS route_id,
  sum(compensation_minor) / $minor_per_unit AS compensation, sum(refund_minor) / $minor_per_unit AS refunds,
  sum(lost_revenue_minor) / $minor_per_unit AS lost_revenue, ${TOTAL} AS total_cost, sum(unconverted) AS unconverted
FROM ${FACTS}
WHERE $__timeFilter(occurred_at)
GROUP BY incident_id
ORDER BY total_cost DESC
LIMIT 20`,
        { w: 24, h: 10 },
      ),
    )
    .withPanel(
      table(
        'Cost by month, fault and severity',
        `SELECT formatDateTime(cost_month, '%Y-%m') AS month, ifNull(fault, '(unknown)') AS fault, ifNull(severity, '(unknown)') AS severity,
  ${TOTAL} AS total_cost, uniqExact(incident_id) AS incidents
FROM ${FACTS}
WHERE $__timeFilter(occurred_at)
GROUP BY month, fault, severity
ORDER BY month, total_cost DESC`,
        { w: 12, h: 9 },
      ),
    )
    .withPanel(
      table(
        'Money by original currency (unconverted shown separately)',
        `SELECT currency, count() AS money_events, countIf(unconverted = 1) AS unconverted_events,
  sumIf(amount_minor, unconverted = 1) AS unconverted_amount_minor, any(unconverted_reason) AS example_reason
FROM ${FACTS}
WHERE $__timeFilter(occurred_at)
GROUP BY currency
ORDER BY unconverted_events DESC, currency`,
        { w: 12, h: 9 },
      ),
    );
  return numberPanels(board.build());
}
