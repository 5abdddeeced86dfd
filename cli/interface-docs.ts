import { readdirSync, readFileSync } from 'node:fs';
import { ACCESS } from '../query-api/auth.js';
import { INPUT_TOPICS, KEY_FIELD_OF_FAMILY, OUTPUT_TOPICS, RECORD_OF_FAMILY, FAMILIES } from '../processors/contracts/topics.js';
import { defaultRules } from '../processors/slo/definitions/alert-rules.js';
import { projectPath } from '../processors/util/project-path.js';
import { errorCodesTable } from '../scripts/error-codes-doc.js';
import type { CommandEntry, CommandSpec } from './args.js';
import { COMMANDS, isGroup } from './main.js';

/**
 * The generated parts of docs/ (between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`):
 * record tables from schemas/avro, the topic table from processors/contracts/topics.ts, the
 * error codes from processors/errors/codes.ts, the CLI reference from the command specs, and
 * the API's routes from its OpenAPI document. test/docs/interfaces.test.ts keeps them current
 * (`npm run docs` rewrites them).
 */

interface AvroField {
  name: string;
  type: AvroType;
  default?: unknown;
  doc?: string;
}
type AvroType = string | AvroType[] | { type: string; name?: string; symbols?: string[]; items?: AvroType; logicalType?: string; fields?: AvroField[] };
export interface AvroRecord {
  name: string;
  doc?: string;
  fields: AvroField[];
}

/** The current schemas of schemas/avro (history/ holds the superseded ones). */
export function avroRecords(): AvroRecord[] {
  const dir = projectPath('schemas', 'avro');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.avsc'))
    .sort()
    .map((f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as AvroRecord);
}

/** An Avro type as the tables show it: `string`, `long (timestamp-millis)`, `enum A, B`, `string?` for a null union. */
export function avroTypeText(t: AvroType): string {
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const rest = t.filter((x) => x !== 'null');
    const inner = rest.map(avroTypeText).join(' | ');
    return rest.length < t.length ? `${rest.length > 1 ? `(${inner})` : inner}?` : inner;
  }
  if (t.type === 'enum') return `enum ${(t.symbols ?? []).join(', ')}`;
  if (t.type === 'array') return `array of ${avroTypeText(t.items ?? 'null')}`;
  if (t.type === 'record') return `record ${t.name ?? ''}`;
  return t.logicalType ? `${t.type} (${t.logicalType})` : t.type;
}

const cell = (s: string): string => s.replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ');

/** A record's fields: name, type, default, meaning (the schema's own doc strings). */
export function recordTable(r: AvroRecord): string {
  const rows = r.fields.map((f) => {
    const def = f.default === undefined ? '' : `\`${JSON.stringify(f.default)}\``;
    return `| \`${f.name}\` | ${cell(avroTypeText(f.type))} | ${def} | ${cell(f.doc ?? '')} |`;
  });
  return [`**${r.name}**${r.doc ? `: ${cell(r.doc)}` : ''}`, '', '| field | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export function recordTables(): string {
  return avroRecords()
    .map((r) => `### ${r.name}\n\n${recordTable(r)}`)
    .join('\n\n');
}

/** Topics in and out, their key and their record. */
export function topicsTable(): string {
  const rows = FAMILIES.map((f) => `| \`${INPUT_TOPICS[f]}\` | in | \`${KEY_FIELD_OF_FAMILY[f]}\` | [${RECORD_OF_FAMILY[f]}](#${RECORD_OF_FAMILY[f].toLowerCase()}) |`);
  rows.push(`| \`${OUTPUT_TOPICS.breach}\` | out | \`slo_id\` | [SloBreachSignal](#slobreachsignal) |`);
  rows.push(`| \`${OUTPUT_TOPICS.quality}\` | out | \`scope_id\` | [QualityScoreUpdate](#qualityscoreupdate) |`);
  rows.push('| `<input topic>.dlq` | out | the input record\'s key | [DeadLetter](#deadletter) |');
  return ['| topic | direction | key | record |', '|---|---|---|---|', ...rows].join('\n');
}

/** Every command and subcommand with its spec, in the order of the command table. */
export async function commandSpecs(): Promise<CommandSpec[]> {
  const out: CommandSpec[] = [];
  for (const c of Object.values(COMMANDS)) {
    const loaded = await c.load();
    const entries: CommandEntry[] = isGroup(loaded) ? Object.values(loaded.subcommands) : [loaded];
    out.push(...entries.map((e) => e.spec));
  }
  return out;
}

/** The CLI reference: per command its usage, what it does and a table of its options with their defaults. */
export function cliReference(specs: readonly CommandSpec[]): string {
  const index = ['| command | does |', '|---|---|', ...specs.map((s) => `| [\`slo-pipeline ${s.name}${s.args ? ` ${s.args}` : ''}\`](#${anchor(s.name)}) | ${cell(s.summary)} |`)];
  const sections = specs.map((s) => {
    const rows = Object.entries(s.flags).map(([n, f]) => {
      const flag = f.type === 'string' ? `\`--${n} ${f.arg}\`` : `\`--${n}\``;
      const def = f.type === 'string' && f.default !== undefined ? cell(f.default) : '';
      return `| ${flag} | ${cell(f.description)} | ${def} |`;
    });
    return [
      `### slo-pipeline ${s.name}`,
      '',
      `\`slo-pipeline ${s.name}${s.args ? ` ${s.args}` : ''} [options]\`: ${cell(s.summary)}`,
      ...(s.description ? ['', s.description.replace(/\n/g, ' ')] : []),
      '',
      '| option | meaning | default |',
      '|---|---|---|',
      ...rows,
      ...(s.notes ? ['', s.notes.replace(/\n/g, ' ')] : []),
    ].join('\n');
  });
  return [...index, '', ...sections.flatMap((x) => [x, ''])].join('\n').trimEnd();
}

const anchor = (name: string): string => `slo-pipeline-${name.replace(/\s+/g, '-')}`;

interface OpenApiDoc {
  paths: Record<string, Record<string, { summary?: string; security?: unknown[]; parameters?: Array<{ name: string; in: string }> }>>;
}

/** The API's routes from its OpenAPI document: method, path, whether a key is needed, query parameters, summary. */
export function apiTable(doc: OpenApiDoc): string {
  const rows: string[] = [];
  for (const path of Object.keys(doc.paths).sort()) {
    for (const [method, op] of Object.entries(doc.paths[path] ?? {})) {
      const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => `\`${p.name}\``);
      const key = op.security && op.security.length === 0 ? 'public' : 'API key';
      rows.push(`| ${method.toUpperCase()} | \`${path}\` | ${key} | ${query.join(', ')} | ${cell(op.summary ?? '')} |`);
    }
  }
  return ['| method | path | access | query parameters | returns |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The alert rules of an SLO that sets none, for a 30-day window (processors/slo/definitions/alert-rules.ts). */
export function alertDefaultsTable(): string {
  const rows = defaultRules(30 * 24 * 60).map((r) => `| ${r.severity} | ${r.threshold} | ${r.longWindow} | ${r.shortWindow} |`);
  return ['| severity | burn rate | long window | short window |', '|---|---|---|---|', ...rows].join('\n');
}

/** Which roles may read which area of the API (query-api/auth.ts). */
export function accessTable(): string {
  const rows = Object.entries(ACCESS).map(([area, roles]) => `| ${area} | ${roles.join(', ')} |`);
  return ['| area | roles |', '|---|---|', ...rows].join('\n');
}

/** Replaces every generated section of `text` with `sections[NAME]`; a marker without a section, or a section without a marker, is an error. */
export function fillSections(text: string, sections: Readonly<Record<string, string>>): string {
  const seen = new Set<string>();
  const out = text.replace(/(<!-- generated:([\w-]+) -->)[\s\S]*?(<!-- \/generated:\2 -->)/g, (_m, open: string, name: string, close: string) => {
    const body = sections[name];
    if (body === undefined) throw new Error(`no generated section named ${name}`);
    seen.add(name);
    return `${open}\n${body}\n${close}`;
  });
  const missing = Object.keys(sections).filter((n) => !seen.has(n));
  if (missing.length > 0) throw new Error(`no marker for the generated section(s) ${missing.join(', ')}`);
  return out;
}

export { errorCodesTable };
