import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PipelineError } from '../errors/index.js';

/** One `.avsc` file as read from disk. */
export interface SchemaFile {
  path: string;
  /** Parsed JSON of the schema. */
  schema: Record<string, unknown>;
  /** True for files under `history/`: older writers, never used to encode. */
  historical: boolean;
}

/**
 * The package root is the nearest ancestor holding both package.json and schemas/avro. Walking
 * up (instead of a fixed `../..`) keeps this right from the sources and from `dist/`.
 */
export function defaultSchemaDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'schemas', 'avro');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new PipelineError('INVALID_CONFIG', 'schemas/avro not found above the codec module; set schemaDir');
    }
    dir = parent;
  }
}

/** Reads every current `.avsc` in `dir` and every historical one in `dir/history`. */
export function readSchemaFiles(dir: string): SchemaFile[] {
  const root = resolve(dir);
  if (!existsSync(root)) {
    throw new PipelineError('INVALID_CONFIG', `schema folder ${root} does not exist`, { field: 'schemaDir', value: dir });
  }
  const files: SchemaFile[] = listAvsc(root).map((path) => ({ path, schema: readSchema(path), historical: false }));
  const history = join(root, 'history');
  if (existsSync(history)) {
    for (const path of listAvsc(history)) files.push({ path, schema: readSchema(path), historical: true });
  }
  return files;
}

function listAvsc(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.avsc'))
    .map((e) => join(dir, e.name))
    .sort();
}

function readSchema(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PipelineError('INVALID_CONFIG', `${path}: not a readable JSON schema (${(e as Error).message})`, { file: path }, { cause: e });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || (parsed as { type?: unknown }).type !== 'record') {
    throw new PipelineError('INVALID_CONFIG', `${path}: top-level schema must be an Avro record`, { file: path });
  }
  return parsed as Record<string, unknown>;
}
