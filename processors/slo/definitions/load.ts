import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { ServiceDocument, SliDocument, SloDocument, type SliSpecT, type SloDocumentT } from './schema.js';
import { buildDefinitions } from './build.js';
import type { SloDefinition } from './model.js';

/** One problem in a set of definitions: where it is (file, document, field) and what is wrong. */
export interface SloProblem {
  file: string;
  /** 1-based index of the YAML document in its file. */
  document: number;
  /** `metadata.name` of the document, when it has one. */
  name: string | null;
  /** Field path such as `spec.objectives[0].target`; empty for the document itself. */
  path: string;
  message: string;
}

export type LoadResult = { ok: true; slos: SloDefinition[] } | { ok: false; problems: SloProblem[] };

export interface SourceFile {
  /** Shown in problems (a path relative to the SLO folder reads best). */
  file: string;
  text: string;
}

/** `file: document 2 (name): path: message` — one line per problem. */
export function formatProblem(p: SloProblem): string {
  const doc = `document ${p.document}${p.name ? ` (${p.name})` : ''}`;
  return `${p.file}: ${doc}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `${out ? '.' : ''}${s}` : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}

/** Where a parsed document came from, for problems found after parsing. */
export interface DocRef {
  file: string;
  document: number;
  name: string | null;
}

export interface ParsedSlo extends DocRef {
  doc: SloDocumentT;
}

export interface ParsedSli extends DocRef {
  spec: SliSpecT;
}

/**
 * Validates a set of OpenSLO files and builds the SLO definitions. The set is all or
 * nothing: any problem anywhere and no definition is returned, so an evaluator never
 * runs on a half-loaded set.
 */
export function loadSloFiles(files: readonly SourceFile[]): LoadResult {
  const problems: SloProblem[] = [];
  const slos: ParsedSlo[] = [];
  const slis = new Map<string, ParsedSli>();
  for (const f of files) parseFile(f, problems, slos, slis);
  const defs = buildDefinitions(slos, slis, problems);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, slos: defs };
}

function parseFile(f: SourceFile, problems: SloProblem[], slos: ParsedSlo[], slis: Map<string, ParsedSli>): void {
  const docs = parseAllDocuments(f.text);
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, i) => {
    const ref: DocRef = { file: f.file, document: i + 1, name: null };
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const line = e.linePos?.[0]?.line;
        problems.push({ ...ref, path: '', message: `YAML${line ? ` line ${line}` : ''}: ${e.message.split('\n')[0]}` });
      }
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ ...ref, path: '', message: 'a document must be a mapping with apiVersion, kind, metadata and spec' });
      return;
    }
    const obj = value as Record<string, unknown>;
    const meta = obj['metadata'];
    const rawName = meta && typeof meta === 'object' ? (meta as Record<string, unknown>)['name'] : undefined;
    ref.name = typeof rawName === 'string' ? rawName : null;
    const kind = obj['kind'];
    if (kind === 'SLO') {
      const doc = check(SloDocument, obj, ref, problems);
      if (doc) slos.push({ ...ref, doc });
    } else if (kind === 'SLI') {
      const doc = check(SliDocument, obj, ref, problems);
      if (doc) {
        const prior = slis.get(doc.metadata.name);
        if (prior) {
          problems.push({ ...ref, path: 'metadata.name', message: `SLI ${doc.metadata.name} is already defined in ${prior.file}, document ${prior.document}` });
        } else slis.set(doc.metadata.name, { ...ref, spec: doc.spec });
      }
    } else if (kind === 'Service') {
      check(ServiceDocument, obj, ref, problems);
    } else {
      problems.push({ ...ref, path: 'kind', message: `unsupported kind ${JSON.stringify(kind ?? null)} (SLO, SLI or Service)` });
    }
  });
}

function check<S extends z.ZodType>(schema: S, value: unknown, ref: DocRef, problems: SloProblem[]): z.infer<S> | null {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  for (const issue of r.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) problems.push({ ...ref, path: formatPath([...issue.path, k]), message: `unknown field ${JSON.stringify(k)}` });
    } else if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
      problems.push({ ...ref, path: formatPath(issue.path), message: 'is required' });
    } else {
      problems.push({ ...ref, path: formatPath(issue.path), message: issue.message });
    }
  }
  return null;
}
