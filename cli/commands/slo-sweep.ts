import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { sweep, sweepText, type CompositeSlo, type SloDefinition, type SweepOptions } from '../../processors/slo/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { str } from '../args.js';
import type { CliIo } from '../io.js';

/** `slo backtest` flags that turn it into a sweep: every target x threshold of each proposed SLO. */
export const SWEEP_FLAGS = {
  targets: str('LIST', 'objectives to try, comma-separated (e.g. 0.99,0.995,0.999); with --thresholds or alone, a sweep instead of the comparison', {
    default: "each SLO's own target",
  }),
  thresholds: str('LIST', 'latency thresholds to try in ms, comma-separated (latency SLIs; an event is good at most that slow)', {
    default: "each SLO's own threshold",
  }),
} as const;

/** A comma-separated list of numbers, each checked by `ok`; the flag and the bad item named in the error. */
export function parseNumberList(flag: string, text: string, ok: (n: number) => boolean, expected: string): number[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) throw new PipelineError('BAD_ARGUMENT', `--${flag}: expected ${expected}, comma-separated, got ${JSON.stringify(text)}`, { field: flag, value: text });
  return items.map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n) || !ok(n)) throw new PipelineError('BAD_ARGUMENT', `--${flag}: expected ${expected}, got ${JSON.stringify(s)}`, { field: flag, value: s });
    return n;
  });
}

/** The sweep options of the flags, or null when neither flag is given (a plain backtest). */
export function sweepOptionsOf(values: { targets?: string | undefined; thresholds?: string | undefined }): SweepOptions | null {
  if (values.targets === undefined && values.thresholds === undefined) return null;
  return {
    ...(values.targets !== undefined ? { targets: parseNumberList('targets', values.targets, (n) => n > 0 && n < 1, 'objectives between 0 and 1') } : {}),
    ...(values.thresholds !== undefined
      ? { thresholdsMs: parseNumberList('thresholds', values.thresholds, (n) => Number.isInteger(n) && n >= 0, 'whole milliseconds') }
      : {}),
  };
}

/** Runs the sweep and prints it: JSON (`SweepResult`) or a table per SLO, composites last. */
export async function runSweep(
  wh: Warehouse,
  slos: readonly SloDefinition[],
  fromMs: number,
  toMs: number,
  options: SweepOptions,
  json: boolean,
  io: CliIo,
  composites: readonly CompositeSlo[] = [],
): Promise<number> {
  const result = await sweep(wh, slos, fromMs, toMs, options, composites);
  io.out(json ? JSON.stringify(result) : sweepText(result));
  return 0;
}
