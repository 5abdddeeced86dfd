import type { Selector } from './model.js';
import { SLI_FAMILIES } from './selector.js';
import type { Report, ResolvedSli } from './sources.js';

/**
 * One definition, many SLOs: a document annotated `ops.group.by: route_id` (or several keys,
 * comma-separated) yields one SLO per distinct value of those fields, each selecting its own
 * events (`where` gains `route_id: <value>`) with its own budget, alerts and signal ids.
 *
 * - `ops.group.name`: the id of each SLO, `{route_id}` standing for the value in lowercase
 *   with every run of other characters as "-" (ROUTE-VIEN-COFFEE-01 -> route-vien-coffee-01);
 *   `{name}` is the document's name. @default `{name}-{<key>}` for each key
 * - `ops.group.values`: values known up front, comma-separated (`A/B` for two keys), so the
 *   SLOs exist before the data shows them.
 * - Values seen in the data are added by the catalog (`SloCatalog` with `groupValues`), at
 *   most MAX_GROUP_VALUES per document; `metadata.displayName` and `spec.description` may use
 *   `{route_id}` for the value as written.
 */
export const MAX_GROUP_VALUES = 500;

/** Values of the group keys of one SLO, by key. */
export type GroupTuple = Readonly<Record<string, string>>;
/** Values seen in the data, by document name (`metadata.name` of the grouped SLO). */
export type GroupValues = ReadonlyMap<string, readonly GroupTuple[]>;

export interface GroupSpec {
  /** `metadata.name` of the document. */
  template: string;
  keys: readonly string[];
  /** The SLO id for a tuple (before any `/objective`). */
  nameOf: (values: GroupTuple) => string;
  /** Values the document lists itself. */
  declared: readonly GroupTuple[];
  /** The events whose distinct key values make the groups (the ratio's total, or the threshold's events). */
  events: Selector;
}

const KEY = /^[a-z_]+$/;

export function slugValue(v: string): string {
  return v.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/**
 * The group of a document: null when it is not grouped, undefined when the annotations are
 * wrong (reported).
 */
export function groupOf(name: string, annotations: Readonly<Record<string, string>>, sli: ResolvedSli, report: Report): GroupSpec | null | undefined {
  const byText = annotations['ops.group.by'];
  const nameText = annotations['ops.group.name'];
  const valuesText = annotations['ops.group.values'];
  if (byText === undefined) {
    for (const [k, v] of [['ops.group.name', nameText], ['ops.group.values', valuesText]] as const) {
      if (v !== undefined) report(`metadata.annotations["${k}"]`, 'only applies with ops.group.by');
    }
    return nameText === undefined && valuesText === undefined ? null : undefined;
  }
  const path = 'metadata.annotations["ops.group.by"]';
  const keys = byText.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const events = sli.kind === 'ratio' ? sli.total : sli.events;
  const selectors = sli.kind === 'ratio' ? [sli.total, sli.good] : [sli.events];
  const allowed = SLI_FAMILIES[events.family].whereKeys;
  let ok = keys.length > 0;
  if (keys.length === 0) report(path, 'must name at least one field, e.g. route_id');
  for (const k of keys) {
    if (!KEY.test(k) || !allowed.includes(k)) {
      report(path, `cannot group by ${JSON.stringify(k)} (one of ${allowed.join(', ')})`);
      ok = false;
    } else if (selectors.some((s) => s.where[k] !== undefined)) {
      report(path, `${k} is already fixed by the indicator's where; a group needs it free`);
      ok = false;
    }
  }
  if (new Set(keys).size !== keys.length) {
    report(path, 'names a field twice');
    ok = false;
  }
  const template = nameText ?? `{name}-${keys.map((k) => `{${k}}`).join('-')}`;
  for (const m of template.matchAll(/\{([^}]*)\}/g)) {
    const k = m[1] ?? '';
    if (k !== 'name' && !keys.includes(k)) {
      report('metadata.annotations["ops.group.name"]', `{${k}} is not a group key (${keys.join(', ')}) or {name}`);
      ok = false;
    }
  }
  if (ok && !keys.every((k) => template.includes(`{${k}}`))) {
    report('metadata.annotations["ops.group.name"]', `must use every group key (${keys.map((k) => `{${k}}`).join(', ')}) so each SLO has its own id`);
    ok = false;
  }
  const declared: GroupTuple[] = [];
  if (valuesText !== undefined) {
    for (const item of valuesText.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
      const parts = keys.length === 1 ? [item] : item.split('/').map((s) => s.trim());
      if (parts.length !== keys.length || parts.some((s) => s.length === 0)) {
        report('metadata.annotations["ops.group.values"]', `value ${JSON.stringify(item)} must give ${keys.length} values separated by "/" (${keys.join('/')})`);
        ok = false;
        continue;
      }
      declared.push(Object.fromEntries(keys.map((k, i) => [k, parts[i] ?? ''])));
    }
    if (declared.length > MAX_GROUP_VALUES) {
      report('metadata.annotations["ops.group.values"]', `lists ${declared.length} values; at most ${MAX_GROUP_VALUES} per document`);
      ok = false;
    }
  }
  if (!ok) return undefined;
  const nameOf = (values: GroupTuple): string => template.replace(/\{([a-z_]+)\}/g, (_all, k: string) => (k === 'name' ? name : slugValue(values[k] ?? '')));
  return { template: name, keys, nameOf, declared, events };
}

/** Declared values, then values seen in the data, without repeats, at most MAX_GROUP_VALUES (declared first). */
export function groupTuples(group: GroupSpec, seen: readonly GroupTuple[]): GroupTuple[] {
  const out: GroupTuple[] = [];
  const keys = new Set<string>();
  const ids = new Set<string>();
  for (const t of [...group.declared, ...[...seen].sort((a, b) => tupleKey(group, a).localeCompare(tupleKey(group, b)))]) {
    if (out.length >= MAX_GROUP_VALUES) break;
    const k = tupleKey(group, t);
    if (keys.has(k) || group.keys.some((key) => !t[key])) continue;
    // Two values whose ids would collide (ROUTE-A-1 and route-a.1) keep the first.
    const id = group.nameOf(t);
    if (ids.has(id)) continue;
    keys.add(k);
    ids.add(id);
    out.push(Object.fromEntries(group.keys.map((key) => [key, t[key] ?? ''])));
  }
  return out;
}

function tupleKey(group: GroupSpec, t: GroupTuple): string {
  return JSON.stringify(group.keys.map((k) => t[k] ?? ''));
}
