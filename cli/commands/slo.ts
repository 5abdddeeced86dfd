import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { backtest, evaluateSlos, formatProblem, SloCatalog, toContractStatus, type BacktestResult, type BacktestRun, type SloDefinition, type SloStatusDetail } from '../../processors/slo/index.js';
import { openWarehouse } from '../../sinks/warehouse/index.js';
import { parseFlags, parseIntFlag, parseTimeFlag, WAREHOUSE_FLAGS } from '../args.js';
import { warehouseOptions } from '../config.js';
import type { CliIo } from '../io.js';

const USAGE = `usage: slo-pipeline slo <subcommand>
  validate DIR [--json]                                   check every definition; nothing is loaded if one is invalid
  status --slos DIR [--at ISO_TIME] [--json]              SLI, error budget, burn rates and firing alerts at a time
  backtest --slos DIR --from T1 --to T2 [--baseline DIR] [--json]
                                                          what the definitions would have done on recorded data
common: --data DIR | --clickhouse URL`;

/** The definitions of one folder (`--slos`), else the default folder: `SLO_DIR`, else the project's `slos/`. */
function definitionsOf(dir: string | undefined, env: NodeJS.ProcessEnv): readonly SloDefinition[] {
  return SloCatalog.open({ dir, env, checkEveryMs: Infinity }).current();
}

/** `slo-pipeline slo validate|status|backtest`. */
export async function sloCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'validate':
      return validate(rest, io);
    case 'status':
      return status(rest, io);
    case 'backtest':
      return backtestCmd(rest, io);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      io.out(USAGE);
      return sub === undefined ? 2 : 0;
    default:
      throw new PipelineError('BAD_ARGUMENT', `unknown slo subcommand ${JSON.stringify(sub)} (validate, status or backtest)`);
  }
}

function validate(argv: string[], io: CliIo): number {
  const { values, positionals } = parseFlags(argv, { ...WAREHOUSE_FLAGS, json: { type: 'boolean' } }, true);
  const [dir, extra] = positionals;
  if (!dir || extra !== undefined) throw new PipelineError('BAD_ARGUMENT', 'slo validate takes exactly one folder: slo validate DIR');
  const catalog = new SloCatalog({ dir, env: io.env, checkEveryMs: Infinity });
  const r = catalog.reload();
  if (values.json) {
    io.out(JSON.stringify(r.status !== 'refused' ? { ok: true, slos: catalog.current().map((s) => s.id) } : { ok: false, problems: r.problems }));
    return r.status !== 'refused' ? 0 : 1;
  }
  if (r.status !== 'refused') {
    const slos = catalog.current();
    io.out(`${dir}: ${slos.length} SLO${slos.length === 1 ? '' : 's'} valid (${slos.map((s) => s.id).join(', ')})`);
    return 0;
  }
  for (const p of r.problems) io.err(formatProblem(p));
  io.err(`${dir}: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}; no SLO loaded`);
  return 1;
}

async function status(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, { ...WAREHOUSE_FLAGS, slos: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' } });
  const slos = definitionsOf(values.slos, io.env);
  const at = values.at !== undefined ? parseTimeFlag('at', values.at) : Date.now();
  const wh = await openWarehouse(warehouseOptions(values, io.env), io.env);
  try {
    const rows = await evaluateSlos(wh, slos, at);
    io.out(values.json ? JSON.stringify(rows.map(toContractStatus)) : statusTable(rows, at));
    return 0;
  } finally {
    await wh.close();
  }
}

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(3)}%`);

function duration(ms: number | null): string {
  if (ms === null) return 'never';
  const h = ms / 3_600_000;
  return h >= 48 ? `${(h / 24).toFixed(1)}d` : `${h.toFixed(1)}h`;
}

function statusTable(rows: readonly SloStatusDetail[], at: number): string {
  const lines = [`SLO status at ${new Date(at).toISOString()}`];
  for (const r of rows) {
    const burns = Object.entries(r.burn_rates)
      .map(([w, b]) => `${w}=${b.toFixed(2)}`)
      .join(' ');
    const alerts = r.alerts.map((a) => `${a.severity} ${a.long_window}/${a.short_window}`).join(', ') || 'none';
    lines.push(
      `${r.slo_id}: sli ${pct(r.sli)} (target ${pct(r.target)}), budget ${pct(r.error_budget_remaining)}, ` +
        `exhausted in ${duration(r.time_to_exhaustion_ms)}; burn ${burns}; alerts: ${alerts}`,
    );
  }
  return lines.join('\n');
}

async function backtestCmd(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, {
    ...WAREHOUSE_FLAGS,
    slos: { type: 'string' },
    baseline: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    step: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!values.slos) throw new PipelineError('BAD_ARGUMENT', 'backtest needs --slos DIR (the proposed definitions)');
  if (!values.from || !values.to) throw new PipelineError('BAD_ARGUMENT', 'backtest needs --from T1 and --to T2');
  const from = parseTimeFlag('from', values.from);
  const to = parseTimeFlag('to', values.to);
  if (to <= from) throw new PipelineError('BAD_ARGUMENT', '--to must be after --from');
  const stepMinutes = values.step !== undefined ? parseIntFlag('step', values.step, 60, 1) : undefined;
  const proposed = definitionsOf(values.slos, io.env);
  const current = definitionsOf(values.baseline, io.env);
  const wh = await openWarehouse(warehouseOptions(values, io.env), io.env);
  try {
    const result = await backtest(wh, proposed, current, from, to, stepMinutes !== undefined ? { stepMinutes } : {});
    io.out(values.json ? JSON.stringify(result) : backtestText(result));
    return 0;
  } finally {
    await wh.close();
  }
}

function runLine(label: string, run: BacktestRun | null): string {
  if (!run) return `  ${label}: no definition with this id`;
  const fired = run.alerts.filter((a) => a.status === 'FIRING');
  const pages = fired.filter((a) => a.severity === 'PAGE').length;
  const tickets = fired.length - pages;
  const budget = run.final ? pct(run.final.error_budget_remaining) : '-';
  const sli = run.final ? pct(run.final.sli) : '-';
  const when = fired.map((a) => `${a.severity} ${a.at.slice(0, 16)}Z ${a.long_window}/${a.short_window}`).join(', ');
  return `  ${label}: ${pages} page(s), ${tickets} ticket(s); at the end sli ${sli}, budget ${budget}${when ? `; fired: ${when}` : ''}`;
}

function backtestText(r: BacktestResult): string {
  const lines = [`Backtest ${r.from} .. ${r.to} (curve every ${r.step_minutes} min), ${r.incidents.length} incident(s) recorded`];
  for (const s of r.slos) {
    lines.push(`${s.slo_id}`, runLine('proposed', s.proposed), runLine('current ', s.current));
    for (const d of s.incidents) {
      const show = (at: string | null, lead: number | null): string => (at ? `alert ${at.slice(0, 16)}Z (${lead !== null && lead >= 0 ? `${lead} min before` : `${-(lead ?? 0)} min after`} opening)` : 'missed');
      lines.push(`  incident ${d.incident_id}: proposed ${show(d.proposed_first_alert, d.proposed_lead_minutes)}; current ${show(d.current_first_alert, d.current_lead_minutes)}`);
    }
  }
  return lines.join('\n');
}
