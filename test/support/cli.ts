import { main } from '../../cli/main.js';
import type { CliIo } from '../../cli/io.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process with captured output (same code path as the `slo-pipeline` bin). */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (s) => (out += s.endsWith('\n') ? s : `${s}\n`),
    err: (s) => (err += s.endsWith('\n') ? s : `${s}\n`),
    env: { SLO_LOG_LEVEL: 'silent', ...env },
  };
  const code = await main(argv, io);
  return { code, out, err };
}
