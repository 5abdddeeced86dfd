import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError } from '../../errors/pipeline-error.js';
import { formatProblem, loadSloFiles, type LoadResult, type SloProblem, type SourceFile } from './load.js';
import type { GroupValues } from './group.js';
import { withFileMaintenance } from './maintenance-load.js';
import type { SloDefinition } from './model.js';

/**
 * Every `*.yaml` / `*.yml` under `dir` (recursively, sorted), or a problem for the folder
 * itself. `groupValues`: values of grouped documents seen in the data (see group.ts).
 */
export function loadSloDir(dir: string, groupValues?: GroupValues): LoadResult {
  let files: string[];
  try {
    files = listYaml(dir);
  } catch (e) {
    return { ok: false, problems: [{ file: dir, document: 0, name: null, path: '', message: `cannot read: ${(e as Error).message}` }] };
  }
  if (files.length === 0) {
    return { ok: false, problems: [{ file: dir, document: 0, name: null, path: '', message: 'no SLO definitions (*.yaml, *.yml) found' }] };
  }
  const sources: SourceFile[] = [];
  for (const f of files) {
    const shown = f;
    try {
      sources.push({ file: shown, text: readFileSync(f, 'utf8') });
    } catch (e) {
      return { ok: false, problems: [{ file: shown, document: 0, name: null, path: '', message: `cannot read: ${(e as Error).message}` }] };
    }
  }
  return withFileMaintenance(sources, loadSloFiles(sources, groupValues));
}

/** Like loadSloDir, but an invalid set is an INVALID_SLO error (first problem in the message). */
export function loadSloDirOrThrow(dir: string): SloDefinition[] {
  const r = loadSloDir(dir);
  if (r.ok) return r.slos;
  throw invalidSetError(dir, r.problems);
}

/** The INVALID_SLO error for a refused set: the first problem, and how many more there are. */
export function invalidSetError(dir: string, problems: readonly SloProblem[]): PipelineError {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more; run slo validate ${dir})` : '';
  return new PipelineError('INVALID_SLO', `${first ? formatProblem(first) : dir}${more}`, {
    file: first?.file ?? dir,
    ...(first ? { document: first.name ?? first.document, field: first.path } : {}),
  });
}

/** Every `*.yaml` / `*.yml` under `dir`, recursively, sorted (throws when the folder cannot be read). */
export function listYaml(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}
