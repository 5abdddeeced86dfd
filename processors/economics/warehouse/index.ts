export { queryPnl, queryIncidentFacts, pnlSource, type PnlSource, type IncidentCostFactRow } from './pnl-query.js';
export { recostIncidents, recostAll, rollupMonthly, factRow, type RecostReport } from './recost.js';
export { nextVersion } from './recost-version.js';
export { rebuildCube, monthsOf } from './cube.js';
export { IncidentCostRefresher, incidentsForMarks, type RefreshReport } from './refresher.js';
export { loadCostInputs } from './load.js';
export {
  resolveEconomicsOptions,
  reportingCurrencyFromEnv,
  ECONOMICS_DEFAULTS,
  type EconomicsOptions,
  type ResolvedEconomicsOptions,
} from './options.js';
