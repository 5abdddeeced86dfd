import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PipelineError } from '../processors/errors/pipeline-error.js';
import { durationMs } from '../processors/util/duration-text.js';

export { durationMs };

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command accepts (CONTRACTS.md: `--data DIR` or `--clickhouse URL`). */
export const WAREHOUSE_FLAGS = {
  data: { type: 'string' },
  clickhouse: { type: 'string' },
  database: { type: 'string' },
} as const satisfies Options;

/**
 * Strict flag parsing: an unknown flag or a missing value is a BAD_ARGUMENT naming it,
 * never silently ignored.
 */
export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/, '');
    throw new PipelineError('BAD_ARGUMENT', msg);
  }
}

/** A duration flag -> ms, refused with the flag's name. */
export function parseDuration(flag: string, value: string): number {
  const ms = durationMs(value);
  if (ms === null) throw new PipelineError('BAD_ARGUMENT', `--${flag}: invalid duration ${JSON.stringify(value)} (use e.g. 30s, 5m, 2h)`);
  return ms;
}

export function parseIntFlag(flag: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new PipelineError('BAD_ARGUMENT', `--${flag}: expected an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function parseTimeFlag(flag: string, value: string): number {
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(t)) throw new PipelineError('BAD_ARGUMENT', `--${flag}: invalid time ${JSON.stringify(value)} (use ISO 8601)`);
  return t;
}
