import { ApiError } from './errors.js';
import type { ResolvedApiOptions } from './options.js';
import type { Services } from './service-types.js';

const unavailable = (what: string) => async (): Promise<never> => {
  throw new ApiError('UNAVAILABLE', `${what} is not available yet.`);
};

/** Wires the SLO engine and the economics module into the API. */
export function createServices(opts: ResolvedApiOptions): Services {
  return {
    reportingCurrency: opts.reportingCurrency,
    sloList: unavailable('SLO list'),
    sloStatus: unavailable('SLO status'),
    sloHistory: unavailable('SLO history'),
    signals: unavailable('Signals'),
    backtest: unavailable('Backtest'),
    pnl: unavailable('P&L'),
    incidents: unavailable('Incidents'),
    incident: unavailable('Incident'),
  };
}
