import { parseAllDocuments } from 'yaml';
import { compositeIds, withCompositeMaintenance } from '../core/composite-maintenance.js';
import { formatPath, type LoadResult, type SloProblem, type SourceFile } from './load.js';
import { buildMaintenanceWindow, MaintenanceDocument, selectsSlo, type MaintenanceWindow } from './maintenance.js';
import type { SloDefinition } from './model.js';

/**
 * `kind: MaintenanceWindow` documents of an SLO folder: validated whole like the rest of the
 * set (every problem names file, document and field, and any problem refuses the set), then
 * each SLO gets the windows that select it (`SloDefinition.maintenance`). The SLO loader
 * (load.ts) skips these documents; they may sit in any file, beside SLOs or in their own.
 */
export const MAINTENANCE_KIND = 'MaintenanceWindow';

/** The windows declared in `files`, or the problems found in them. */
export function loadMaintenanceFiles(files: readonly SourceFile[]): { windows: MaintenanceWindow[]; problems: SloProblem[] } {
  const windows: MaintenanceWindow[] = [];
  const problems: SloProblem[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    let docs: ReturnType<typeof parseAllDocuments>;
    try {
      docs = parseAllDocuments(f.text, { uniqueKeys: true });
    } catch {
      continue; // the SLO loader reports the file's YAML problem
    }
    (Array.isArray(docs) ? docs : []).forEach((doc, i) => {
      if (doc.errors.length > 0) return;
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch {
        return;
      }
      const items = Array.isArray(value) ? value.map((v, j) => ({ v, item: j + 1 })) : [{ v: value, item: undefined }];
      for (const { v, item } of items) {
        if (!v || typeof v !== 'object' || (v as Record<string, unknown>)['kind'] !== MAINTENANCE_KIND) continue;
        const meta = (v as Record<string, unknown>)['metadata'];
        const rawName = meta && typeof meta === 'object' ? (meta as Record<string, unknown>)['name'] : undefined;
        const ref = { file: f.file, document: i + 1, ...(item !== undefined ? { item } : {}), name: typeof rawName === 'string' ? rawName : null };
        const r = MaintenanceDocument.safeParse(v);
        if (!r.success) {
          for (const issue of r.error.issues) {
            if (issue.code === 'unrecognized_keys') {
              for (const k of issue.keys) problems.push({ ...ref, path: formatPath([...issue.path, k]), message: `unknown field ${JSON.stringify(k)}` });
            } else if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
              problems.push({ ...ref, path: formatPath(issue.path), message: 'is required' });
            } else {
              problems.push({ ...ref, path: formatPath(issue.path), message: issue.message });
            }
          }
          continue;
        }
        const name = r.data.metadata.name;
        const at = `${f.file}#${i + 1}${item !== undefined ? `.${item}` : ''}`;
        const prior = seen.get(name);
        if (prior) {
          problems.push({ ...ref, path: 'metadata.name', message: `MaintenanceWindow ${name} is already defined in ${prior}` });
          continue;
        }
        seen.set(name, at);
        const b = buildMaintenanceWindow(name, r.data.spec, at);
        if (b.ok) windows.push(b.window);
        else for (const p of b.problems) problems.push({ ...ref, path: `spec.${p.path}`, message: p.message });
      }
    });
  }
  return { windows, problems };
}

/**
 * Gives each SLO the windows that select it. A window naming an SLO id or name the set does
 * not hold is a problem (a typo would otherwise exclude nothing, silently).
 */
export function attachMaintenance(slos: readonly SloDefinition[], windows: readonly MaintenanceWindow[], problemsOut?: SloProblem[], otherIds: readonly string[] = []): SloDefinition[] {
  if (problemsOut) {
    const known = new Set([...slos.flatMap((s) => [s.id, s.name]), ...otherIds]);
    for (const w of windows) {
      for (const [k, id] of w.selector.slos.entries()) {
        if (known.has(id)) continue;
        const [file, doc] = w.origin.split('#');
        problemsOut.push({ file: file ?? w.origin, document: Number((doc ?? '1').split('.')[0]), name: w.name, path: `spec.selector.slos[${k}]`, message: `no SLO ${JSON.stringify(id)} in the set` });
      }
    }
  }
  return slos.map((s) => {
    const mine = windows.filter((w) => selectsSlo(w, s));
    if (mine.length === 0 && !s.maintenance) return s;
    const rest = { ...s };
    delete rest.maintenance;
    return mine.length === 0 ? rest : { ...rest, maintenance: mine };
  });
}

/** A loaded set with the maintenance windows of the same files: problems of either refuse the set. */
export function withFileMaintenance(files: readonly SourceFile[], loaded: LoadResult): LoadResult {
  const m = loadMaintenanceFiles(files);
  if (!loaded.ok) return m.problems.length > 0 ? { ok: false, problems: [...loaded.problems, ...m.problems] } : loaded;
  const problems = [...m.problems];
  // A window may name a composite SLO too (core/composite-maintenance.ts applies it).
  const slos = attachMaintenance(loaded.slos, m.windows, problems, compositeIds(loaded.composites));
  if (problems.length > 0) return { ok: false, problems };
  return { ...loaded, slos, composites: withCompositeMaintenance(loaded.composites, m.windows) };
}
