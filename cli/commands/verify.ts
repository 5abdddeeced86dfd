import { access, constants } from 'node:fs/promises';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { recostAll, reportingCurrencyFromEnv, resolveEconomicsOptions } from '../../processors/economics/warehouse/index.js';
import { resolvePiiKey } from '../../processors/ingest/pii-key.js';
import { loadMigrations, migrate, openWarehouse } from '../../sinks/warehouse/index.js';
import {
  closeReadmissions,
  findDamage,
  openReadmissions,
  repairWarehouse,
  verifyWarehouse,
  withProblems,
  type RepairOutcome,
  type VerifyReport,
} from '../../sinks/warehouse/integrity/index.js';
import { bool, parseCommand, str, WAREHOUSE_FLAGS, type CommandSpec } from '../args.js';
import { assertWarehouseExists, warehouseOptions } from '../config.js';
import type { CliIo } from '../io.js';
import { ingestFiles, type IngestSummary } from './ingest.js';

export const VERIFY_SPEC = {
  name: 'verify',
  summary: 'Check the facts against what the warehouse recorded of them; non-zero exit on a difference.',
  args: '[FILE...]',
  description:
    'Checks parts the engine detached as damaged (with the rows they held), parts failing their checksums,\n' +
    'every fact table against the tables its views filled at insert time (exact, per event), and the\n' +
    'recorded batch ranges against the offsets the rows carry. Exits 0 with a summary when all is whole,\n' +
    'else 1 with a one-line reason. FILE... (with --repair) is the source to ingest again.',
  flags: {
    json: bool('the report as JSON'),
    quick: bool('skip reading every part against its checksums (CHECK TABLE)'),
    repair: bool(
      'drop the damaged parts, refill view tables from the facts, re-cost incidents and open the damaged fact tables to their source again; with FILE... the source is ingested right away, else ingest it and run verify --repair again',
    ),
    ingested: bool('with --repair: the source has been ingested again; closes re-admissions no second record can show whole (dead_letters)'),
    'reporting-currency': str('CUR', 'the currency of the re-costing', { default: 'SLO_REPORTING_CURRENCY, else EUR' }),
    ...WAREHOUSE_FLAGS,
  },
} as const satisfies CommandSpec;

/** The migration creating `warehouse_repairs`, where a repair records what it does. */
const REPAIR_LEDGER = '006_warehouse_repairs.sql';

/** `slo-pipeline verify`: facts against the recorded batches; non-zero exit on a difference (docs/interfaces.md). */
export async function verifyCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(VERIFY_SPEC, argv, io);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (values.ingested && !values.repair) throw new PipelineError('BAD_ARGUMENT', '--ingested goes with --repair');
  if (positionals.length > 0 && !values.repair) {
    throw new PipelineError('BAD_ARGUMENT', 'verify reads FILEs only with --repair (they are the source to re-admit)');
  }
  for (const f of positionals) {
    try {
      await access(f, constants.R_OK);
    } catch {
      throw new PipelineError('FILE_UNREADABLE', `cannot read ${f}`, { file: f });
    }
  }
  // Checked before anything opens, though only a repair that re-costs uses it.
  const economics = resolveEconomicsOptions({ reportingCurrency: values['reporting-currency'] ?? reportingCurrencyFromEnv(io.env) });
  const checksums = !values.quick;
  const whOpts = warehouseOptions(values, io.env);
  assertWarehouseExists(whOpts, io.env);
  // Damage is what this command is for: the open reports it instead of refusing.
  const wh = await openWarehouse({ ...whOpts, damage: 'ignore', migrate: false, ...(values.repair ? { access: 'write' as const } : {}) }, io.env);
  try {
    // Pending migrations add views and backfill them from the facts: over damaged facts they
    // would record the loss as the truth. Only the repair ledger is created then.
    const damaged = (await findDamage(wh)).length > 0;
    await migrate(wh, damaged ? loadMigrations().filter((m) => m.file === REPAIR_LEDGER) : undefined);
    const before = await verifyWarehouse(wh, { checksums });
    if (!values.repair) return finish(io, values.json === true, before);

    const repair = before.problems.length > 0 ? await repairWarehouse(wh, before) : null;
    let ingested: IngestSummary | null = null;
    if (positionals.length > 0) {
      const hmacKey = resolvePiiKey(io.env, wh.kind === 'chdb' ? (whOpts.dataDir ?? './.slo-data') : null);
      ingested = await ingestFiles(positionals, wh, { hmacKey });
    }
    if (repair?.recost) {
      await recostAll(wh, economics);
    }
    let after = repair || ingested ? await verifyWarehouse(wh, { checksums }) : before;
    let closed: string[] = [];
    let unproven: string[] = [];
    // Whole again but for open re-admissions: insert dedup goes back on where it is shown that
    // the source is back (a second record taking every row agrees), or the operator says so.
    if (after.problems.length === after.readmissions.length && after.readmissions.length > 0) {
      const sourceBack = positionals.length > 0 || values.ingested === true;
      const shown = (t: string): boolean => after.records.some((r) => r.table === t && r.complete);
      const closable = after.readmissions.map((a) => a.table).filter((t) => sourceBack || shown(t));
      unproven = after.readmissions.map((a) => a.table).filter((t) => !closable.includes(t));
      closed = await closeReadmissions(wh, repair?.repair_id ?? `close-${new Date().toISOString()}`, closable);
      after = withProblems(wh, { ...after, readmissions: await openReadmissions(wh) });
    }
    return finish(io, values.json === true, after, { before, repair, ingested, closed, unproven });
  } finally {
    await wh.close();
  }
}

interface RepairRun {
  before: VerifyReport;
  repair: RepairOutcome | null;
  ingested: IngestSummary | null;
  closed: string[];
  /** Open re-admissions no second record can show complete: closed by `--ingested`. */
  unproven: string[];
}

function finish(io: CliIo, json: boolean, report: VerifyReport, run?: RepairRun): number {
  if (json) {
    io.out(JSON.stringify(run ? { ...report, repair: { ...run.repair, ingested: run.ingested, closed: run.closed, unproven: run.unproven, before: run.before.problems } } : report));
  } else {
    io.out(reportText(report, run));
  }
  if (report.ok) return 0;
  throw new PipelineError('WAREHOUSE_DAMAGED', report.problems.join('; '));
}

function reportText(r: VerifyReport, run: RepairRun | undefined): string {
  const lines = [`verify: database ${r.database} (${r.kind})`];
  for (const f of r.facts) lines.push(`  ${f.table.padEnd(20)} ${String(f.events).padStart(10)} events ${String(f.rows).padStart(10)} rows`);
  for (const c of r.records) {
    const state = c.missing_from_table === 0 && c.missing_from_record === 0 ? 'equal' : `${c.missing_from_table} missing from ${c.table}, ${c.missing_from_record} missing from ${c.record}`;
    lines.push(`  ${c.table} against ${c.record}: ${c.in_table} / ${c.in_record} events, ${state}`);
  }
  const unaccounted = r.offsets.reduce((a, o) => a + o.unaccounted, 0);
  if (r.offsets.length > 0) {
    lines.push(`  recorded offsets: ${r.offsets.reduce((a, o) => a + o.recorded_end, 0)}, ${unaccounted} carried by no row or dead letter (merged duplicate deliveries, or lost)`);
  }
  if (run?.repair) {
    const p = run.repair;
    for (const d of p.dropped) lines.push(`  repair: dropped ${d.table} part ${d.part} (${d.reason}, ${d.rows ?? 'unknown'} rows)`);
    for (const t of p.rebuilt) lines.push(`  repair: refilled ${t} from its source table`);
    if (p.recost) lines.push('  repair: re-costed every incident');
    for (const t of p.from_backup_only) lines.push(`  repair: ${t} has no copy in the warehouse; only a backup brings its rows back`);
    for (const t of p.unloadable) lines.push(`  repair: table ${t} does not load; restore a backup`);
  }
  if (run?.ingested) lines.push(`  repair: ingested the source again (${run.ingested.read} records, ${run.ingested.dead_lettered} dead-lettered)`);
  for (const t of run?.closed ?? []) lines.push(`  repair: ${t} re-admission closed (insert deduplication back on)`);
  for (const t of run?.unproven ?? []) lines.push(`  repair: nothing in the warehouse shows that ${t}'s source is back: add --ingested once it is`);
  if (r.ok) {
    const events = r.facts.reduce((a, f) => a + f.events, 0);
    lines.push(`verify: whole: ${r.facts.length} fact tables, ${events} events, ${r.records.length} second records equal, no damaged part`);
  } else {
    for (const p of r.problems) lines.push(`  problem: ${p}`);
  }
  return lines.join('\n');
}
