/**
 * The sharding key of every storage table when the warehouse runs on a ClickHouse cluster
 * (`slo-pipeline migrate --cluster NAME`): the expression the `Distributed` table routes an
 * inserted row by, over the columns of that table.
 *
 * Two rules decide them:
 *  1. Rows a reader collapses (ReplacingMergeTree read with FINAL, AggregatingMergeTree cells
 *     merged by GROUP BY) must sit on one shard, because FINAL and merges are per shard. So
 *     the key is a function of the row's identity: of its sorting key, or, for the fact tables,
 *     of columns a duplicate event repeats unchanged.
 *  2. A materialized view runs on the shard its source row landed on and writes the local
 *     table there. So a view's target is keyed by the *same value* its source was keyed by,
 *     computed from the target's own columns (same expression, same types): a backfill or a
 *     refill through the Distributed table then puts a row where the view would have.
 *
 * What that gives: every SLI cell (minute + labels of `sli_journey_minute`, `sli_lem_minute`)
 * is aggregated on one shard, and every incident's events and cost rows are on one shard.
 * A table missing here makes the cluster DDL refuse to generate: a new table needs a decision.
 */
export interface ShardingChoice {
  /** The sharding expression over the table's own columns. */
  readonly key: string;
  /** Why this key (what it keeps together). */
  readonly why: string;
}

const INCIDENT = 'cityHash64(incident_id)';
const JOURNEY_CELL = "cityHash64(toDateTime(toStartOfMinute(occurred_at), 'UTC'), product_version_id, city_code)";
const SLI_CELL = 'cityHash64(minute, product_version_id, city_code)';

export const SHARDING_KEYS: Readonly<Record<string, ShardingChoice>> = {
  // Facts (001): keyed so each table's views stay shard-local.
  journey_events: { key: JOURNEY_CELL, why: 'SLI cell: the minute and two labels of sli_journey_minute, so each cell is aggregated on one shard' },
  lem_signals: { key: 'cityHash64(scope_id)', why: 'SLI cell: scope_id is in every sli_lem_minute cell; a scope\'s minutes stay together (levels held minute to minute)' },
  incident_events: { key: INCIDENT, why: 'incident: its events and the econ_* copies the views make of them' },
  compensation_events: { key: INCIDENT, why: 'incident: econ_compensation_events per incident' },
  refund_events: { key: 'cityHash64(order_id)', why: 'order: incident_id is optional on a refund (it reaches its incident through its order), order_id never is' },
  fx_rates: { key: 'cityHash64(event_id)', why: 'event: small table; keeps fx_rate_ids (event ids only) shard-local with it' },
  dead_letters: { key: 'cityHash64(source_topic, source_partition)', why: 'a source partition\'s dead letters (a prefix of the sorting key)' },
  // Bookkeeping (002, 006).
  ingest_state: { key: 'cityHash64(consumer_group, topic, partition)', why: 'the whole sorting key: one row per group and partition' },
  warehouse_repairs: { key: 'cityHash64(repair_id)', why: 'append-only log, nothing collapses' },
  // Second records (007): filled by views on the source's shard.
  compensation_event_ids: { key: 'cityHash64(event_id)', why: 'filled by a view on its source\'s (incident\'s) shard; the key only routes direct inserts, and a copy on another shard is the same event id (readers count distinct ids)' },
  fx_rate_ids: { key: 'cityHash64(event_id)', why: 'as fx_rates' },
  // Economics (010 - 013).
  econ_incident_events: { key: INCIDENT, why: 'incident' },
  econ_journey_incidents: { key: INCIDENT, why: 'incident (as incident_events, its source)' },
  econ_journey_events: { key: 'cityHash64(journey_instance_id)', why: 'filled by a view on the fact\'s (SLI cell\'s) shard; duplicates of an event share that shard; the key only routes direct inserts, and readers dedup by event_id' },
  econ_compensation_events: { key: INCIDENT, why: 'incident' },
  econ_refund_events: { key: 'cityHash64(order_id)', why: 'order (as refund_events, its source)' },
  econ_incident_refunds: { key: 'cityHash64(order_id)', why: 'order (as refund_events, its source)' },
  incident_cost_facts: { key: INCIDENT, why: 'incident: a re-costing writes and retires one incident\'s rows, collapsed by FINAL on its shard' },
  incident_cost_monthly: { key: INCIDENT, why: 'incident' },
  econ_incident_versions: { key: INCIDENT, why: 'incident' },
  econ_marks: { key: 'cityHash64(mark_id)', why: 'append-only (views write each fact\'s marks on its shard); nothing collapses' },
  econ_marks_done: { key: 'cityHash64(mark_id)', why: 'the mark: its sorting key' },
  econ_refresh_state: { key: 'cityHash64(id)', why: 'the whole sorting key (one row)' },
  incident_cost_cube: { key: 'cityHash64(cost_month)', why: 'month: a month is recomputed and retired as a whole, on one shard' },
  econ_cube_versions: { key: 'cityHash64(cost_month)', why: 'month, as incident_cost_cube' },
  // SLI and SLO (020 - 030).
  sli_journey_minute: { key: SLI_CELL, why: 'SLI cell: the same value journey_events is routed by, from the cell\'s own columns' },
  sli_lem_minute: { key: 'cityHash64(scope_id)', why: 'SLI cell: the same value lem_signals is routed by' },
  sli_journey_hour: { key: "cityHash64(hour, product_version_id, city_code)", why: 'sums: a view on the minute cell\'s shard fills it, and an hour cell split over shards still adds up (sum, max); the key routes direct inserts only' },
  sli_journey_day: { key: "cityHash64(day, product_version_id, city_code)", why: 'as sli_journey_hour' },
  sli_lem_hour: { key: 'cityHash64(scope_id)', why: 'SLI cell: the same value lem_signals is routed by' },
  sli_lem_day: { key: 'cityHash64(scope_id)', why: 'SLI cell: the same value lem_signals is routed by' },
  slo_signals: { key: 'cityHash64(slo_id)', why: 'SLO: its signals (slo_id leads the sorting key)' },
  slo_quality_scores: { key: 'cityHash64(scope, scope_id)', why: 'scope: a prefix of the sorting key' },
  slo_evaluator_state: { key: 'cityHash64(evaluator)', why: 'the whole sorting key' },
  slo_webhook_outbox: { key: 'cityHash64(target, signal_id)', why: 'the whole sorting key: a signal enqueued again replaces its row' },
  slo_webhook_deliveries: { key: 'cityHash64(target, signal_id)', why: 'the whole sorting key, next to the outbox row it settles' },
  slo_signal_retractions: { key: 'cityHash64(slo_id)', why: 'SLO: on the shard of the signals it retracts (slo_signals_v joins them)' },
  ingest_progress: { key: 'cityHash64(consumer_group, topic, partition)', why: 'a partition\'s committed batches together (a prefix of the sorting key)' },
  slo_board_minute: { key: 'cityHash64(slo_id)', why: 'SLO: a prefix of the sorting key' },
  slo_maintenance_windows: { key: 'cityHash64(name)', why: 'the whole sorting key: a window\'s changes collapse by FINAL on one shard' },
  // The migration record itself (sinks/warehouse/migrations.ts).
  schema_migrations: { key: 'cityHash64(file)', why: 'the whole sorting key' },
};
