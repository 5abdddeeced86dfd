export { queryPnl, queryIncidentFacts, type IncidentCostFactRow } from './pnl-query.js';
export { recostIncidents, recostAll, rollupMonthly, nextVersion, factRow, type RecostReport } from './recost.js';
export { IncidentCostRefresher, incidentsForMarks, type RefreshReport } from './refresher.js';
export { loadCostInputs } from './load.js';
export {
  resolveEconomicsOptions,
  reportingCurrencyFromEnv,
  ECONOMICS_DEFAULTS,
  type EconomicsOptions,
  type ResolvedEconomicsOptions,
} from './options.js';
