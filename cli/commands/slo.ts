import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { backtest, evaluateComposites, evaluateSlos, formatProblem, SloCatalog, statusInstant, toCompositeContractStatus, toContractStatus, withStoredCompositeWindows, withStoredWindows, withStoredWindowsAll, type BacktestResult, type BacktestRun, type CompositeSlo, type SloDefinition, type SloStatusDetail } from '../../processors/slo/index.js';
import { openWarehouse } from '../../sinks/warehouse/index.js';
import { bool, checks, parseCommand, parseIntFlag, parseTimeFlag, runGroup, str, WAREHOUSE_FLAGS, type CommandGroup, type CommandSpec } from '../args.js';
import { assertWarehouseExists, warehouseOptions } from '../config.js';
import type { CliIo } from '../io.js';
import { EXPORT_SPEC, sloExportCommand } from './slo-export.js';
import { runSweep, sweepOptionsOf, SWEEP_FLAGS } from './slo-sweep.js';

export const VALIDATE_SPEC = {
  name: 'slo validate',
  summary: 'Check every definition of a folder; nothing is loaded if one is invalid.',
  args: 'DIR',
  flags: {
    json: bool('{"ok": true, "slos": [...]} or {"ok": false, "problems": [...]}'),
    ...WAREHOUSE_FLAGS,
  },
} as const satisfies CommandSpec;

const SLOS_FLAG = str('DIR', 'the folder of OpenSLO definitions', { default: "SLO_DIR, else the project's slos/" });

export const STATUS_SPEC = {
  name: 'slo status',
  summary: 'SLI, error budget, burn rates and firing alerts of every SLO at a time.',
  flags: {
    slos: SLOS_FLAG,
    at: str('TIME', 'the evaluation time (ISO 8601 or epoch ms)', { default: 'the end of the last complete minute of stored data, as the API', check: checks.time }),
    json: bool('a JSON array, one object per SLO (docs/interfaces.md)'),
    ...WAREHOUSE_FLAGS,
  },
} as const satisfies CommandSpec;

export const BACKTEST_SPEC = {
  name: 'slo backtest',
  summary: 'What proposed definitions would have done on recorded data, beside the current ones.',
  flags: {
    slos: str('DIR', 'the proposed definitions (required)'),
    baseline: str('DIR', 'the current definitions to compare with', { default: "SLO_DIR, else the project's slos/" }),
    from: str('TIME', 'start of the replayed span (ISO 8601; required)', { check: checks.time }),
    to: str('TIME', 'end of the replayed span (ISO 8601; required)', { check: checks.time }),
    step: str('MINUTES', 'minutes between points of the budget curve', { default: '60', check: checks.int(1) }),
    ...SWEEP_FLAGS,
    json: bool('the result as JSON'),
    ...WAREHOUSE_FLAGS,
  },
} as const satisfies CommandSpec;

/**
 * `slo-pipeline slo <subcommand>`: one entry per subcommand, each a spec (help, flags, checks)
 * and what it runs. A new subcommand is one more entry.
 */
export const SLO_COMMANDS: CommandGroup = {
  name: 'slo',
  summary: 'SLO definitions: validate them, their status at a time, backtests on recorded data.',
  subcommands: {
    validate: { spec: VALIDATE_SPEC, run: async (argv, io) => validate(argv, io) },
    status: { spec: STATUS_SPEC, run: (argv, io) => status(argv, io) },
    backtest: { spec: BACKTEST_SPEC, run: (argv, io) => backtestCmd(argv, io) },
    export: { spec: EXPORT_SPEC, run: async (argv, io) => sloExportCommand(argv, io) },
  },
};

/** The definitions of one folder (`--slos`), else the default folder: `SLO_DIR`, else the project's `slos/`; its composite SLOs apart. */
function definitionsOf(dir: string | undefined, env: NodeJS.ProcessEnv): { slos: readonly SloDefinition[]; composites: readonly CompositeSlo[] } {
  const catalog = SloCatalog.open({ dir, env, checkEveryMs: Infinity });
  return { slos: catalog.current(), composites: catalog.composites() };
}

/** `slo-pipeline slo validate|status|backtest`. */
export async function sloCommand(argv: string[], io: CliIo): Promise<number> {
  return runGroup(SLO_COMMANDS, argv, io);
}

function validate(argv: string[], io: CliIo): number {
  const parsed = parseCommand(VALIDATE_SPEC, argv, io);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const [dir, extra] = positionals;
  if (!dir || extra !== undefined) throw new PipelineError('BAD_ARGUMENT', 'slo validate takes exactly one folder: slo validate DIR');
  const catalog = new SloCatalog({ dir, env: io.env, checkEveryMs: Infinity });
  const r = catalog.reload();
  if (values.json) {
    const composites = r.status !== 'refused' ? catalog.composites().map((c) => c.definition.id) : [];
    io.out(JSON.stringify(r.status !== 'refused' ? { ok: true, slos: catalog.current().map((s) => s.id), ...(composites.length > 0 ? { composites } : {}) } : { ok: false, problems: r.problems }));
    return r.status !== 'refused' ? 0 : 1;
  }
  if (r.status !== 'refused') {
    const slos = catalog.current();
    const composites = catalog.composites().map((c) => c.definition.id);
    const more = composites.length > 0 ? `; ${composites.length} composite SLO${composites.length === 1 ? '' : 's'} (${composites.join(', ')})` : '';
    io.out(`${dir}: ${slos.length} SLO${slos.length === 1 ? '' : 's'} valid (${slos.map((s) => s.id).join(', ')})${more}`);
    return 0;
  }
  for (const p of r.problems) io.err(formatProblem(p));
  io.err(`${dir}: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}; no SLO loaded`);
  return 1;
}

async function status(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(STATUS_SPEC, argv, io);
  if (!parsed) return 0;
  const { values } = parsed;
  const catalog = SloCatalog.open({ dir: values.slos, env: io.env, checkEveryMs: Infinity });
  const whOpts = warehouseOptions(values, io.env);
  assertWarehouseExists(whOpts, io.env);
  const wh = await openWarehouse(whOpts, io.env);
  try {
    // Maintenance windows declared through the API join those of the folder.
    const defined = await withStoredWindowsAll(wh, catalog.current(), catalog.composites());
    const at = values.at !== undefined ? parseTimeFlag('at', values.at) : await statusInstant(wh);
    const rows = await evaluateSlos(wh, defined.slos, at);
    // Composite SLOs follow the SLOs, with `kind: "composite"` and their components.
    const composites = await evaluateComposites(wh, defined.composites, at);
    io.out(values.json ? JSON.stringify([...rows.map(toContractStatus), ...composites.map(toCompositeContractStatus)]) : statusTable([...rows, ...composites], at));
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
    const budgetAlerts = r.budget ? `; budget alerts: ${r.budget.alerts.map((a) => `${a.severity} below ${pct(a.remaining_below)}`).join(', ') || 'none'}` : '';
    const kind = 'kind' in r && r.kind === 'composite' ? ' (composite)' : '';
    lines.push(
      `${r.slo_id}${kind}: sli ${pct(r.sli)} (target ${pct(r.target)}), budget ${pct(r.error_budget_remaining)}, ` +
        `exhausted in ${duration(r.time_to_exhaustion_ms)}; burn ${burns}; alerts: ${alerts}${budgetAlerts}`,
    );
  }
  return lines.join('\n');
}

async function backtestCmd(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(BACKTEST_SPEC, argv, io);
  if (!parsed) return 0;
  const { values } = parsed;
  if (!values.slos) throw new PipelineError('BAD_ARGUMENT', 'backtest needs --slos DIR (the proposed definitions)');
  if (!values.from || !values.to) throw new PipelineError('BAD_ARGUMENT', 'backtest needs --from T1 and --to T2');
  const from = parseTimeFlag('from', values.from);
  const to = parseTimeFlag('to', values.to);
  if (to <= from) throw new PipelineError('BAD_ARGUMENT', '--to must be after --from');
  const stepMinutes = values.step !== undefined ? parseIntFlag('step', values.step, 60, 1) : undefined;
  const sweepOptions = sweepOptionsOf(values);
  const proposed = definitionsOf(values.slos, io.env);
  const current = sweepOptions ? { slos: [], composites: [] } : definitionsOf(values.baseline, io.env);
  const whOpts = warehouseOptions(values, io.env);
  assertWarehouseExists(whOpts, io.env);
  const wh = await openWarehouse(whOpts, io.env);
  try {
    // Maintenance windows declared through the API count for the proposal and the baseline.
    const slos = await withStoredWindows(wh, proposed.slos);
    if (sweepOptions) return await runSweep(wh, slos, from, to, sweepOptions, values.json === true, io, await withStoredCompositeWindows(wh, proposed.composites));
    // Composite SLOs are backtested after the SLOs, each beside the composite in force with its id.
    const result = await backtest(wh, slos, await withStoredWindows(wh, current.slos), from, to, {
      ...(stepMinutes !== undefined ? { stepMinutes } : {}),
      proposedComposites: await withStoredCompositeWindows(wh, proposed.composites),
      currentComposites: await withStoredCompositeWindows(wh, current.composites),
    });
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
    lines.push(`${s.slo_id}${s.kind === 'composite' ? ' (composite)' : ''}`, runLine('proposed', s.proposed), runLine('current ', s.current));
    for (const d of s.incidents) {
      const show = (at: string | null, lead: number | null): string => (at ? `alert ${at.slice(0, 16)}Z (${lead !== null && lead >= 0 ? `${lead} min before` : `${-(lead ?? 0)} min after`} opening)` : 'missed');
      lines.push(`  incident ${d.incident_id}: proposed ${show(d.proposed_first_alert, d.proposed_lead_minutes)}; current ${show(d.current_first_alert, d.current_lead_minutes)}`);
    }
  }
  return lines.join('\n');
}
