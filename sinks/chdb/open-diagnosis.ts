import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { PipelineError } from '../../processors/errors/index.js';
import { canRetryWarehouseFailure } from '../warehouse/errors.js';
import { engineCode, isDamageError } from '../warehouse/integrity/damage-errors.js';

/**
 * Why the engine refused to open a data folder. chdb writes the reason to the process's
 * standard error from native code and hands JavaScript only "Failed to create connection"; a
 * child process opening the same folder, with its standard error captured, hears the reason.
 * Runs only after a refusal, so a normal open costs nothing.
 *
 * Observed with chdb 3.4: a table whose broken parts exceed `max_suspicious_broken_parts`, or
 * whose metadata file does not parse, refuses the whole folder ("Cannot attach table ...");
 * a folder held by another process refuses with "Cannot lock file .../status", and a table folder
 * on a read-only mount with "Cannot open file .../deduplication_log_1.txt: Read-only file system".
 */
export async function engineOpenError(dir: string, connectionArgs: readonly string[], timeoutMs = 60_000): Promise<string | null> {
  const chdb = createRequire(import.meta.url).resolve('chdb');
  const script =
    'const { Session } = require(process.argv[1]);' +
    'try { new Session(process.argv[2], { connectionArgs: JSON.parse(process.argv[3]) }).close(); } catch { process.exitCode = 1; }';
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script, chdb, dir, JSON.stringify(connectionArgs)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: timeoutMs,
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 64 * 1024) err += b.toString('utf8');
    });
    child.on('error', () => resolve(null));
    child.on('close', () => resolve(err.includes('DB::Exception') ? err : null));
  });
}

/**
 * A one-line PipelineError for the engine's refusal: WAREHOUSE_DAMAGED when a table does not load
 * because its data or metadata is damaged, else what the shared classification says of the
 * engine's reason (a folder held by another process or on a read-only mount is not retried).
 */
export function openRefusal(dir: string, text: string | null, fallback: string): PipelineError {
  if (text === null) return new PipelineError('WAREHOUSE_UNAVAILABLE', `${fallback} (the engine gave no reason)`);
  const cause = innermost(text);
  const table = tableOf(text);
  const subject = table ? `table ${table} does not load` : `the embedded warehouse ${dir} does not open`;
  if (isDamageError(text) || /Cannot parse definition from metadata file/.test(text)) {
    return new PipelineError('WAREHOUSE_DAMAGED', `${subject}: ${cause}; restore a backup (\`slo-pipeline restore BACKUP --force\`)`);
  }
  if (/Cannot lock file/.test(text)) {
    return new PipelineError('WAREHOUSE_QUERY_FAILED', `the embedded warehouse ${dir} is held by another process: ${cause}`);
  }
  const retry = canRetryWarehouseFailure({ message: text, clickhouseCode: engineCode(text) ?? undefined });
  return new PipelineError(retry ? 'WAREHOUSE_UNAVAILABLE' : 'WAREHOUSE_QUERY_FAILED', `${subject}: ${cause}`);
}

function innermost(text: string): string {
  const all = [...text.matchAll(/DB::\w*Exception: /g)];
  const last = all[all.length - 1];
  const from = last?.index !== undefined ? text.slice(last.index + last[0].length) : text;
  const line = (from.split('\n')[0] ?? '').trim();
  // The first sentence says what is wrong; the rest is advice on engine settings and the query that failed.
  const sentence = line.split(/\. (?=[A-Z])|: Cannot attach table|: failed at position/)[0] ?? line;
  return sentence.slice(0, 240);
}

function tableOf(text: string): string | null {
  const attach = /Cannot attach table `([^`]+)`\.`([^`]+)`/.exec(text);
  if (attach) return `${attach[1]}.${attach[2]}`;
  const job = /Load job 'load table ([^']+)'/.exec(text);
  if (job) return job[1] ?? null;
  const file = /metadata file [^\s:]*?([A-Za-z0-9_]+)\.sql/.exec(text);
  return file ? (file[1] ?? null) : null;
}
