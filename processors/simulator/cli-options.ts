import { parseArgs } from 'node:util';
import { PipelineError, isPipelineError } from '../errors/index.js';
import { resolveSimOptions, type SimOptions } from './options.js';

/** What `slo-pipeline simulate` flags ask for. */
export interface SimulateArgs {
  options: SimOptions;
  /** JSON Lines output file (`--out`). */
  out: string | undefined;
  /** Ground-truth JSON file (`--truth`). */
  truth: string | undefined;
}

const FLAGS = {
  seed: 'seed',
  days: 'days',
  start: 'start',
  'journeys-per-day': 'journeysPerDay',
  'incidents-per-day': 'incidentsPerDay',
  'delivery-seed': 'deliverySeed',
  'duplicate-rate': 'duplicateRate',
  'late-rate': 'lateRate',
  'malformed-rate': 'malformedRate',
} as const satisfies Record<string, keyof SimOptions>;

/**
 * Parses `--seed N --days N --start ISO|MS --journeys-per-day N --incidents-per-day N
 * --delivery-seed N --duplicate-rate X --late-rate X --malformed-rate X --out FILE
 * --truth FILE` (also `--flag=value`). Throws BAD_ARGUMENT naming the flag; the seed
 * defaults to 42.
 */
export function parseSimulateArgs(argv: readonly string[]): SimulateArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries([...Object.keys(FLAGS), 'out', 'truth'].map((k) => [k, { type: 'string' as const }]));
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new PipelineError('BAD_ARGUMENT', e instanceof Error ? e.message : String(e));
  }
  const options: Record<string, string | number> = { seed: 42 };
  for (const [flag, key] of Object.entries(FLAGS)) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    if (key === 'start') {
      options[key] = /^\d+$/.test(raw) ? Number(raw) : raw;
      continue;
    }
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new PipelineError('BAD_ARGUMENT', `--${flag}: ${JSON.stringify(raw)} is not a number`, { field: flag, value: raw });
    options[key] = n;
  }
  try {
    resolveSimOptions(options);
  } catch (e) {
    if (!isPipelineError(e)) throw e;
    const key = e.location.field;
    const flag = Object.entries(FLAGS).find(([, k]) => k === key)?.[0] ?? key;
    throw new PipelineError('BAD_ARGUMENT', `--${flag}: ${e.message.replace(/^simulator option [^:]*: /, '')}`, { field: flag, value: options[key ?? ''] });
  }
  const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
  return { options: options as unknown as SimOptions, out: str(values['out']), truth: str(values['truth']) };
}
