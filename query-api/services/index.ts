import type { ResolvedApiOptions } from '../options.js';
import type { Services } from '../service-types.js';
import { FinanceService } from './finance-service.js';
import { SeriesService } from './series-service.js';
import { SloService } from './slo-service.js';
import { sweepDeployed } from './sweep-service.js';

export { SloService } from './slo-service.js';
export { FinanceService } from './finance-service.js';

/** Wires the SLO engine and the economics module (through their exported functions) into the API. */
export function createServices(opts: ResolvedApiOptions): Services {
  const slo = new SloService(opts.warehouse, opts.slos, opts.now, opts.statusCacheMs);
  const finance = new FinanceService(opts.warehouse, opts.reportingCurrency);
  const series = new SeriesService({
    wh: opts.warehouse,
    definitions: () => slo.definitions(),
    composites: () => slo.composites(),
    evaluationTime: () => slo.evaluationTime(),
    reportingCurrency: opts.reportingCurrency,
    health: opts.health,
    cacheMs: opts.statusCacheMs,
  });
  return {
    reportingCurrency: opts.reportingCurrency,
    sloList: async () => slo.list(),
    sloStatus: (at) => slo.status(at),
    sloHistory: (id, from, to, step) => slo.history(id, from, to, step),
    signals: (f) => slo.signals(f),
    backtest: (yaml, from, to) => slo.backtest(yaml, from, to),
    sweep: (id, from, to, o) => sweepDeployed(opts.warehouse, slo.definitions(), id, from, to, o, slo.composites()),
    pnl: (f) => finance.pnl(f),
    incidents: (f) => finance.incidents(f),
    incident: (id) => finance.incident(id),
    statusSeries: (q) => series.statusSeries(q),
  };
}
