/**
 * The SLO engine's public surface (layout in README.md). Code outside processors/slo/
 * imports from here; tests may reach into a folder for what is not exported.
 */

// definitions/: OpenSLO YAML -> SloDefinition
export type { AlertPolicy, AlertRule, Budgeting, Indicator, NotificationTarget, Selector, SignalScope, SloDefinition, TimeWindow } from './definitions/model.js';
export { formatProblem, loadSloFiles, type LoadResult, type SloProblem, type SourceFile } from './definitions/load.js';
export { loadSloDir, loadSloDirOrThrow } from './definitions/load-dir.js';
export { defaultSloDir, SloCatalog, sloSetVersion, type ReloadOutcome, type SloCatalogListener, type SloCatalogOptions } from './definitions/catalog.js';
export { warehouseGroupValues, type GroupValueSource } from './definitions/group-values.js';
export { signalRule, signalTargets } from './definitions/policies.js';

// export/: the SLOs as another system's rules
export { prometheusRules, renderRules, type PrometheusExport } from './export/prometheus.js';

// core/: pure SLI math and alerting
export { evaluate, sloWindow, type Evaluation, type WindowSource } from './core/evaluate.js';
export { emptyCounts, UnitSeries, type MinuteCounts } from './core/series.js';
export { alertsAt, runAlerts, type ActiveAlert, type AlertStates } from './core/timeline.js';
export { breachSignal, signalId } from './core/signal.js';
export { referenceCounts, type SliEvents } from './core/reference.js';

// replay/: stateless evaluations from the warehouse at any T
export { evaluateSlo, evaluateSlos, historyNeeded, toContractStatus, type ContractStatus, type SloStatusDetail, type StatusOptions } from './replay/status.js';
export { firingRulesAt } from './replay/firing.js';
export { statusInstant, STATUS_LATENESS_MS } from './replay/instant.js';
export { backtest, backtestComposite, inScope, type BacktestOptions, type BacktestResult, type BacktestRun, type BacktestSlo } from './replay/backtest.js';
export { evaluateSloSeries, type SloMinuteEvaluation } from './replay/history.js';
export { latencyThreshold, sweep, sweepComposite, sweepSlo, sweepText, type LatencyDistribution, type SweepOptions, type SweepResult, type SweepSlo, type SweepVariant, type SweepWarning } from './replay/sweep.js';
export {
  compositeSignals,
  evaluateComposite,
  evaluateComposites,
  evaluateCompositeSeries,
  toCompositeContractStatus,
  type CompositeContractStatus,
  type CompositeStatusDetail,
} from './replay/composite-status.js';
export type { CompositeComponent, CompositeSlo } from './definitions/composite.js';
export type { BudgetAlertRule } from './definitions/budget-alerts.js';
export { budgetAlertTimeline, budgetAlertsAt, type ActiveBudgetAlert, type BudgetAlertTransition } from './core/budget-alerts.js';
export { componentFigures, compositeSource, type ComponentFigures } from './core/composite.js';

// store/: SQL over the SLI aggregates and the SLO tables
export { latestEventTime } from './store/newest-event.js';
export { readCounts } from './store/series-reader.js';
export { recordedIncidents, type RecordedIncident } from './store/incidents.js';
export { deleteStoredWindow, listStoredWindows, putStoredWindow, storedWindowsIfAny, withStoredCompositeWindows, withStoredWindows, withStoredWindowsAll, type StoredWindow } from './store/maintenance-windows.js';

// Maintenance windows: declared in the SLO folder or through the API
export { buildMaintenanceWindow, MaintenanceName, MaintenanceSpec, selectsSlo, type MaintenanceSpecT, type MaintenanceWindow } from './definitions/maintenance.js';
export { excludedMinutes, occurrences, withMaintenance, type Occurrence } from './core/maintenance.js';
export { withCompositeMaintenance } from './core/composite-maintenance.js';
export { startMaintenanceFeed, type MaintenanceFeed } from './runtime/maintenance-feed.js';

// runtime/: the running evaluator and the board feed
export * from './runtime/index.js';
