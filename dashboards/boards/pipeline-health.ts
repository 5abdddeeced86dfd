import { DashboardBuilder, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { numberPanels, stat, table, timeseries } from '../panels.js';

const FACT_TABLES = ['journey_events', 'lem_signals', 'incident_events', 'compensation_events', 'refund_events', 'fx_rates'];

/** Every stored fact row with where it came from; raw tables, so duplicates not yet merged show. */
const ALL_FACTS = `(${FACT_TABLES.map((t) => `SELECT _topic, event_id, occurred_at, _ingested_at FROM ${t}`).join(' UNION ALL ')})`;

export function pipelineHealthBoard(): Dashboard {
  const board = new DashboardBuilder('Pipeline health')
    .uid('slo-pipeline-health')
    .description('Ingest throughput, freshness, event-time lag, dead letters and committed offsets.')
    .tags(['slo-pipeline', 'health'])
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('utc')
    .readonly()
    .withRow(new RowBuilder('Now'))
    .withPanel(
      stat(
        'Seconds since last ingest',
        `SELECT dateDiff('second', max(_ingested_at), now64(3)) AS seconds_since_last_ingest FROM ${ALL_FACTS}`,
        { w: 6, h: 4 },
        's',
        [
          { value: null, color: 'green' },
          { value: 60, color: 'orange' },
          { value: 300, color: 'red' },
        ],
      ),
    )
    .withPanel(
      stat(
        'Events ingested (range)',
        `SELECT count() AS events FROM ${ALL_FACTS} WHERE $__timeFilter(_ingested_at)`,
        { w: 6, h: 4 },
      ),
    )
    .withPanel(
      stat(
        'Dead letters (range)',
        `SELECT count() AS dead_letters FROM dead_letters WHERE $__timeFilter(dead_lettered_at)`,
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
        'Duplicate deliveries not yet merged',
        `SELECT count() - uniqExact(_topic, event_id) AS pending_duplicates FROM ${ALL_FACTS}`,
        { w: 6, h: 4 },
      ),
    )
    .withRow(new RowBuilder('Throughput and lag'))
    .withPanel(
      timeseries(
        'Events ingested per second, by topic',
        `SELECT $__timeInterval(_ingested_at) AS time, _topic AS topic, count() / $__interval_s AS events_per_second
FROM ${ALL_FACTS}
WHERE $__timeFilter(_ingested_at)
GROUP BY time, topic
ORDER BY time`,
        { w: 12, h: 8 },
        'ops',
      ),
    )
    .withPanel(
      timeseries(
        'Event-time lag at ingest (p50, p99)',
        `SELECT $__timeInterval(_ingested_at) AS time,
  quantile(0.5)(dateDiff('millisecond', occurred_at, _ingested_at)) / 1000 AS p50_seconds,
  quantile(0.99)(dateDiff('millisecond', occurred_at, _ingested_at)) / 1000 AS p99_seconds
FROM ${ALL_FACTS}
WHERE $__timeFilter(_ingested_at)
GROUP BY time
ORDER BY time`,
        { w: 12, h: 8 },
        's',
      ),
    )
    .withPanel(
      table(
        'Freshness by topic',
        `SELECT _topic AS topic, count() AS stored_rows, max(occurred_at) AS newest_event, max(_ingested_at) AS last_ingest,
  dateDiff('second', max(_ingested_at), now64(3)) AS seconds_since_ingest
FROM ${ALL_FACTS}
GROUP BY topic
ORDER BY topic`,
        { w: 12, h: 8 },
      ),
    )
    .withPanel(
      table(
        'Committed offsets by partition',
        `SELECT consumer_group, topic, partition, last_offset, updated_at
FROM ingest_state FINAL
ORDER BY consumer_group, topic, partition
LIMIT 500`,
        { w: 12, h: 8 },
      ),
    )
    .withRow(new RowBuilder('Dead letters'))
    .withPanel(
      timeseries(
        'Dead letters per interval, by reason',
        `SELECT $__timeInterval(dead_lettered_at) AS time, reason_code, count() AS dead_letters
FROM dead_letters
WHERE $__timeFilter(dead_lettered_at)
GROUP BY time, reason_code
ORDER BY time`,
        { w: 12, h: 8 },
      ),
    )
    .withPanel(
      table(
        'Dead letters by topic and reason',
        `SELECT source_topic AS topic, reason_code, count() AS dead_letters, max(dead_lettered_at) AS last_seen, any(reason) AS example
FROM dead_letters
WHERE $__timeFilter(dead_lettered_at)
GROUP BY topic, reason_code
ORDER BY dead_letters DESC
LIMIT 100`,
        { w: 12, h: 8 },
      ),
    );
  return numberPanels(board.build());
}
