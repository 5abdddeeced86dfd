import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import {
  AlertConditionDocument,
  AlertNotificationTargetDocument,
  AlertPolicyDocument,
  DataSourceDocument,
  KINDS,
  ServiceDocument,
  SliDocument,
  SloDocument,
  type AlertConditionSpecT,
  type AlertNotificationTargetSpecT,
  type AlertPolicySpecT,
  type MetadataT,
  type SliSpecT,
  type SloDocumentT,
} from './schema.js';
import { buildDefinitions, type GroupSource } from './build.js';
import type { GroupTuple, GroupValues } from './group.js';
import type { SloDefinition } from './model.js';
import type { CompositeSlo } from './composite.js';

/** One problem in a set of definitions: where it is (file, document, field) and what is wrong. */
export interface SloProblem {
  file: string;
  /** 1-based index of the YAML document in its file. */
  document: number;
  /** 1-based index in a document that is a list of objects (a top-level YAML list). */
  item?: number;
  /** `metadata.name` of the document, when it has one. */
  name: string | null;
  /** Field path such as `spec.objectives[0].target`; empty for the document itself. */
  path: string;
  message: string;
}

/** `groups`: the grouped documents of a valid set, whose values the catalog may look up in the data. */
/** `composites`: the composite SLOs of the set (definitions/composite.ts), kept apart from `slos`. */
export type LoadResult = { ok: true; slos: SloDefinition[]; groups: GroupSource[]; composites: CompositeSlo[] } | { ok: false; problems: SloProblem[] };

export interface SourceFile {
  /** Shown in problems (a path relative to the SLO folder reads best). */
  file: string;
  text: string;
}

/** `file: document 2 (name): path: message` (`document 1, item 3 (name)` in a list) — one line per problem. */
export function formatProblem(p: SloProblem): string {
  const doc = `document ${p.document}${p.item !== undefined ? `, item ${p.item}` : ''}${p.name ? ` (${p.name})` : ''}`;
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
  item?: number;
  name: string | null;
}

export interface Parsed<T> extends DocRef {
  metadata: MetadataT;
  spec: T;
}

export interface ParsedSlo extends DocRef {
  doc: SloDocumentT;
}

export type ParsedSli = Parsed<SliSpecT>;

/** Every object of a set by kind and name (names are unique per kind). */
export interface SloRegistry {
  slos: ParsedSlo[];
  slis: Map<string, ParsedSli>;
  services: Map<string, Parsed<{ description?: string | undefined } | undefined>>;
  dataSources: Map<string, Parsed<{ description?: string | undefined; type: string; connectionDetails?: unknown }>>;
  alertPolicies: Map<string, Parsed<AlertPolicySpecT>>;
  alertConditions: Map<string, Parsed<AlertConditionSpecT>>;
  notificationTargets: Map<string, Parsed<AlertNotificationTargetSpecT>>;
}

export function emptyRegistry(): SloRegistry {
  return { slos: [], slis: new Map(), services: new Map(), dataSources: new Map(), alertPolicies: new Map(), alertConditions: new Map(), notificationTargets: new Map() };
}

/** YAML aliases allowed per document: a "billion laughs" document is refused, not expanded. */
const MAX_ALIASES = 100;

/**
 * Validates a set of OpenSLO files and builds the SLO definitions. The set is all or
 * nothing: any problem anywhere and no definition is returned, so an evaluator never
 * runs on a half-loaded set.
 */
export function loadSloFiles(files: readonly SourceFile[], groupValues: GroupValues = new Map()): LoadResult {
  const problems: SloProblem[] = [];
  const reg = emptyRegistry();
  for (const f of files) parseFile(f, problems, reg);
  const groups: GroupSource[] = [];
  const composites: CompositeSlo[] = [];
  const defs = buildDefinitions(reg, problems, new Map(), groups, composites);
  if (problems.length > 0) return { ok: false, problems };
  if (groupValues.size === 0) return { ok: true, slos: defs, groups, composites };
  // Values seen in the data never make a valid set invalid: one whose SLO would take a name
  // already in the set (another document's, or another group's) is left out.
  const taken = new Set(defs.map((d) => d.name));
  const usable = new Map<string, GroupTuple[]>();
  for (const g of groups) {
    const fresh = (groupValues.get(g.template) ?? []).filter((t) => {
      const name = g.nameOf(t);
      if (taken.has(name)) return defs.some((d) => d.name === name && d.group?.template === g.template);
      taken.add(name);
      return true;
    });
    usable.set(g.template, fresh);
  }
  const expandedComposites: CompositeSlo[] = [];
  const expanded = buildDefinitions(reg, problems, usable, [], expandedComposites);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, slos: expanded, groups, composites: expandedComposites };
}

function parseFile(f: SourceFile, problems: SloProblem[], reg: SloRegistry): void {
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(f.text, { uniqueKeys: true });
  } catch (e) {
    problems.push({ file: f.file, document: 1, name: null, path: '', message: `YAML: ${firstLine(e)}` });
    return;
  }
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
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      problems.push({ ...ref, path: '', message: `YAML: ${firstLine(e)}` });
      return;
    }
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      // A top-level list of objects (as the OpenSLO examples are written).
      value.forEach((v, j) => parseObject(v, { ...ref, item: j + 1 }, problems, reg));
      return;
    }
    parseObject(value, ref, problems, reg);
  });
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

function parseObject(value: unknown, at: DocRef, problems: SloProblem[], reg: SloRegistry): void {
  const ref: DocRef = { ...at };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ ...ref, path: '', message: 'a document must be a mapping with apiVersion, kind, metadata and spec (or a list of such mappings)' });
    return;
  }
  const obj = value as Record<string, unknown>;
  const meta = obj['metadata'];
  const rawName = meta && typeof meta === 'object' ? (meta as Record<string, unknown>)['name'] : undefined;
  ref.name = typeof rawName === 'string' ? rawName : null;
  const kind = obj['kind'];
  const unique = <T>(map: Map<string, Parsed<T>>, label: string, parsed: Parsed<T>): void => {
    const prior = map.get(parsed.metadata.name);
    if (prior) problems.push({ ...ref, path: 'metadata.name', message: `${label} ${parsed.metadata.name} is already defined in ${where(prior)}` });
    else map.set(parsed.metadata.name, parsed);
  };
  switch (kind) {
    case 'SLO': {
      const doc = check(SloDocument, obj, ref, problems);
      if (doc) reg.slos.push({ ...ref, doc });
      return;
    }
    case 'SLI': {
      const doc = check(SliDocument, obj, ref, problems);
      if (doc) unique(reg.slis, 'SLI', { ...ref, metadata: doc.metadata, spec: doc.spec });
      return;
    }
    case 'Service': {
      const doc = check(ServiceDocument, obj, ref, problems);
      // A Service is a name and a description; the same service declared twice (as in the
      // specification's examples) is one service, described by its first declaration.
      if (doc && !reg.services.has(doc.metadata.name)) reg.services.set(doc.metadata.name, { ...ref, metadata: doc.metadata, spec: doc.spec });
      return;
    }
    case 'DataSource': {
      const doc = check(DataSourceDocument, obj, ref, problems);
      if (doc) unique(reg.dataSources, 'DataSource', { ...ref, metadata: doc.metadata, spec: doc.spec });
      return;
    }
    case 'AlertPolicy': {
      const doc = check(AlertPolicyDocument, obj, ref, problems);
      if (doc) unique(reg.alertPolicies, 'AlertPolicy', { ...ref, metadata: doc.metadata, spec: doc.spec });
      return;
    }
    case 'AlertCondition': {
      const doc = check(AlertConditionDocument, obj, ref, problems);
      if (doc) unique(reg.alertConditions, 'AlertCondition', { ...ref, metadata: doc.metadata, spec: doc.spec });
      return;
    }
    case 'AlertNotificationTarget': {
      const doc = check(AlertNotificationTargetDocument, obj, ref, problems);
      if (doc) unique(reg.notificationTargets, 'AlertNotificationTarget', { ...ref, metadata: doc.metadata, spec: doc.spec });
      return;
    }
    case 'MaintenanceWindow':
      return; // validated and attached by maintenance-load.ts
    default:
      problems.push({ ...ref, path: 'kind', message: `unsupported kind ${JSON.stringify(kind ?? null)} (one of ${KINDS.join(', ')})` });
  }
}

/** `file, document 2` (`file, document 1, item 3`) for messages about another object. */
export function where(r: DocRef): string {
  return `${r.file}, document ${r.document}${r.item !== undefined ? `, item ${r.item}` : ''}`;
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
