import { dayRange, parseDimensions, PNL_DIMENSIONS, PNL_MEASURES, type PnlDimension, type PnlRow } from '../../processors/economics/pnl.js';
import {
  IncidentCostRefresher,
  queryPnl,
  reportingCurrencyFromEnv,
  resolveEconomicsOptions,
} from '../../processors/economics/warehouse/index.js';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { openWarehouse } from '../../sinks/warehouse/index.js';
import { SharedFolderWarehouse } from '../../sinks/chdb/shared-folder.js';
import { bool, checks, parseCommand, str, WAREHOUSE_FLAGS, type CommandSpec } from '../args.js';
import { assertWarehouseExists, warehouseOptions } from '../config.js';
import type { CliIo } from '../io.js';

export const PNL_SPEC = {
  name: 'pnl',
  summary: 'Incident P&L: compensation, refunds and lost revenue in the reporting currency.',
  description:
    'Brings incident costs up to date (one refresh pass) unless --no-refresh, then prints one row per\n' +
    'combination of the --by dimensions (one total row without --by). Amounts are decimal strings with\n' +
    'two places in the reporting currency, which every row names (`currency`, in JSON and CSV).',
  flags: {
    by: str('DIM,...', `slice by these dimensions: ${PNL_DIMENSIONS.join(', ')}`, { default: 'none: one total row' }),
    from: str('DATE', 'first UTC day of money counted (YYYY-MM-DD, inclusive)', { default: 'no lower bound' }),
    to: str('DATE', 'last UTC day of money counted (YYYY-MM-DD, inclusive)', { default: 'no upper bound' }),
    json: bool('a JSON array of rows (docs/interfaces.md); the same as --format json'),
    format: str('FORMAT', 'json, csv (RFC 4180, CRLF line ends) or table', { default: 'table', check: checks.oneOf(['json', 'csv', 'table']) }),
    'reporting-currency': str('CUR', 'the ISO 4217 currency amounts are reported in', { default: 'SLO_REPORTING_CURRENCY, else EUR' }),
    'no-refresh': bool('report the costs as last computed, without refreshing them first'),
    ...WAREHOUSE_FLAGS,
  },
} as const satisfies CommandSpec;

type Format = 'json' | 'csv' | 'table';

function formatOf(values: { json?: boolean | undefined; format?: string | undefined }): Format {
  const f = values.format;
  if (f !== undefined && f !== 'json' && f !== 'csv' && f !== 'table') {
    throw new PipelineError('BAD_ARGUMENT', `--format must be json, csv or table, got ${JSON.stringify(f)}`, { field: 'format', value: f });
  }
  if (values.json && f !== undefined && f !== 'json') {
    throw new PipelineError('BAD_ARGUMENT', `--json and --format ${f} contradict each other`, { field: 'format', value: f });
  }
  return values.json ? 'json' : (f ?? 'table');
}

/**
 * `slo-pipeline pnl [--by DIM,...] [--from DATE] [--to DATE] --json` (docs/interfaces.md), plus
 * `--format csv` for spreadsheets. Costs are brought up to date first (one refresh pass
 * over pending marks) unless `--no-refresh`; the reporting currency is
 * `--reporting-currency`, else SLO_REPORTING_CURRENCY, else EUR.
 */
export async function pnlCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(PNL_SPEC, argv, io);
  if (!parsed) return 0;
  const { values } = parsed;
  const format = formatOf(values);
  const by = values.by !== undefined ? parseDimensions(values.by) : [];
  const { reportingCurrency } = resolveEconomicsOptions({
    reportingCurrency: values['reporting-currency'] ?? reportingCurrencyFromEnv(io.env),
  });
  const query = {
    by,
    reportingCurrency,
    ...(values.from !== undefined ? { from: values.from } : {}),
    ...(values.to !== undefined ? { to: values.to } : {}),
  };
  dayRange(query); // bad dates fail before the warehouse is opened

  const whOpts = warehouseOptions(values, io.env);
  assertWarehouseExists(whOpts, io.env);
  const wh = await openWarehouse(whOpts, io.env);
  try {
    // Through a running job's folder the job keeps costs current (and the folder is read-only here).
    if (!values['no-refresh'] && !(wh instanceof SharedFolderWarehouse)) await new IncidentCostRefresher(wh, { reportingCurrency }).refresh();
    const rows = (await queryPnl(wh, query)).map((r) => ({ ...r, currency: reportingCurrency }));
    io.out(format === 'json' ? JSON.stringify(rows) : format === 'csv' ? toCsv(by, rows) : toTable(by, rows, reportingCurrency));
    return 0;
  } finally {
    await wh.close();
  }
}

/** A P&L row as printed: the figures and the reporting currency they are in. */
export type PnlOutputRow = PnlRow & { currency: string };

const columnsOf = (by: readonly PnlDimension[]): string[] => [...by, ...PNL_MEASURES];

function cell(row: PnlRow, col: string): string {
  const v = (row as Record<string, string | number | null | undefined>)[col];
  return v == null ? '' : String(v);
}

/**
 * RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a comma, quote or line
 * break. The last column is the reporting currency, as in the API's CSV.
 */
export function toCsv(by: readonly PnlDimension[], rows: readonly PnlOutputRow[]): string {
  const quote = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const cols = [...columnsOf(by), 'currency'];
  const lines = [cols.join(','), ...rows.map((r) => cols.map((c) => quote(cell(r, c))).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

function toTable(by: readonly PnlDimension[], rows: readonly PnlRow[], currency: string): string {
  const cols = columnsOf(by);
  const body = rows.map((r) => cols.map((c) => (r[c as PnlDimension] === null ? '-' : cell(r, c))));
  const widths = cols.map((c, i) => Math.max(c.length, ...body.map((b) => (b[i] ?? '').length)));
  const numeric = (i: number): boolean => i >= by.length;
  const line = (cells: readonly string[]): string =>
    cells.map((s, i) => (numeric(i) ? s.padStart(widths[i] ?? 0) : s.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [`incident P&L in ${currency}`, line(cols), ...body.map(line)].join('\n');
}
