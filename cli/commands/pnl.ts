import { dayRange, parseDimensions, PNL_MEASURES, type PnlDimension, type PnlRow } from '../../processors/economics/pnl.js';
import {
  IncidentCostRefresher,
  queryPnl,
  reportingCurrencyFromEnv,
  resolveEconomicsOptions,
} from '../../processors/economics/warehouse/index.js';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { openWarehouse } from '../../sinks/warehouse/index.js';
import { SharedFolderWarehouse } from '../../sinks/chdb/shared-folder.js';
import { parseFlags, WAREHOUSE_FLAGS } from '../args.js';
import { warehouseOptions } from '../config.js';
import type { CliIo } from '../io.js';

const FLAGS = {
  ...WAREHOUSE_FLAGS,
  by: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  json: { type: 'boolean' },
  format: { type: 'string' },
  'reporting-currency': { type: 'string' },
  'no-refresh': { type: 'boolean' },
} as const;

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
 * `slo-pipeline pnl [--by DIM,...] [--from DATE] [--to DATE] --json` (CONTRACTS.md), plus
 * `--format csv` for spreadsheets. Costs are brought up to date first (one refresh pass
 * over pending marks) unless `--no-refresh`; the reporting currency is
 * `--reporting-currency`, else SLO_REPORTING_CURRENCY, else EUR.
 */
export async function pnlCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, FLAGS);
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

  const wh = await openWarehouse(warehouseOptions(values, io.env), io.env);
  try {
    // Through a running job's folder the job keeps costs current (and the folder is read-only here).
    if (!values['no-refresh'] && !(wh instanceof SharedFolderWarehouse)) await new IncidentCostRefresher(wh, { reportingCurrency }).refresh();
    const rows = await queryPnl(wh, query);
    io.out(format === 'json' ? JSON.stringify(rows) : format === 'csv' ? toCsv(by, rows) : toTable(by, rows, reportingCurrency));
    return 0;
  } finally {
    await wh.close();
  }
}

const columnsOf = (by: readonly PnlDimension[]): string[] => [...by, ...PNL_MEASURES];

function cell(row: PnlRow, col: string): string {
  const v = (row as Record<string, string | number | null | undefined>)[col];
  return v == null ? '' : String(v);
}

/** RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a comma, quote or line break. */
export function toCsv(by: readonly PnlDimension[], rows: readonly PnlRow[]): string {
  const quote = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const cols = columnsOf(by);
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
