export * from './types.js';
export { decimalRate, convertMinor, divHalfEven, formatMinor, pow10, type DecimalRate } from './money.js';
export { FxTable, type RateInForce } from './fx.js';
export { latestIncidentEvent, latestRefundEvent, journeyState, type JourneyState } from './state.js';
export {
  computeIncidentCosts,
  totalsOf,
  addToTotals,
  emptyTotals,
  DEFAULT_REPORTING_CURRENCY,
  type CostOptions,
} from './costs.js';
export {
  aggregateFacts,
  parseDimensions,
  checkDimensions,
  parseDay,
  dayRange,
  monthOf,
  toPnlRow,
  compareRows,
  PNL_DIMENSIONS,
  PNL_MEASURES,
  type PnlDimension,
  type PnlRow,
  type PnlQuery,
} from './pnl.js';
