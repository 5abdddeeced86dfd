import avsc from 'avsc';
import type { Type } from 'avsc';
import { PipelineError } from '../errors/index.js';
import { schemaFingerprint } from './fingerprint.js';
import type { SchemaFile } from './schema-files.js';
import { compileFastReader, type FastReader } from './fast-reader.js';

export type Resolver = ReturnType<Type['createResolver']>;
type RecordType = InstanceType<typeof avsc.types.RecordType>;

/** How a long field is reported when it does not fit a JS number without losing precision. */
export type LongKind = 'money' | 'timestamp' | 'long';

/** The current (reader) schema of one record. */
export interface CurrentRecord {
  /** Short record name, e.g. `JourneyEvent` (also the `.avsc` file name). */
  name: string;
  /** The schema as written in the file (with docs), for tooling. */
  schema: Readonly<Record<string, unknown>>;
  type: RecordType;
  fingerprint: Buffer;
  /** 0xC3 0x01 + fingerprint: the first 10 bytes of every value this codec encodes. */
  header: Buffer;
  longFields: ReadonlyMap<string, LongKind>;
  /** The schema with BigInt longs; built on first use by the precision paths only. */
  wide?: Type;
}

/** A writer schema the codec can decode, current or historical, with its resolver to the reader. */
export interface WriterSchema {
  record: CurrentRecord;
  writerType: Type;
  /** The writer schema as JSON. */
  writerSchema: Readonly<Record<string, unknown>>;
  /** Undefined when the writer is the current schema itself (no resolution needed). */
  resolver: Resolver | undefined;
  fingerprint: Buffer;
  /** Where the schema came from (file path or `confluent:<id>`), for messages. */
  source: string;
  /** Types decoding longs as BigInt; built on first use by the precision-loss path only. */
  wide?: { reader: Type; resolver: Resolver };
  /** Generated reader of this writer's bodies (current schemas only; fast-reader.ts). */
  fast?: FastReader | undefined;
}

export const SINGLE_OBJECT_MAGIC_0 = 0xc3;
export const SINGLE_OBJECT_MAGIC_1 = 0x01;
export const SINGLE_OBJECT_HEADER_LENGTH = 10;

export interface SchemaRegistry {
  current: ReadonlyMap<string, CurrentRecord>;
  /** All writers by fingerprint: Map<low 32 bits, writers sharing them> (almost always one). */
  byFingerprint: ReadonlyMap<number, readonly WriterSchema[]>;
  writers: readonly WriterSchema[];
}

export function buildRegistry(files: readonly SchemaFile[]): SchemaRegistry {
  const current = new Map<string, CurrentRecord>();
  for (const file of files.filter((f) => !f.historical)) {
    const name = shortName(file);
    const expected = file.path.replace(/^.*[\\/]/, '').replace(/\.avsc$/, '');
    if (expected !== name) {
      throw new PipelineError('INVALID_CONFIG', `${file.path}: file name must be the record name ${name}.avsc`, { file: file.path });
    }
    const type = parseRecord(file.schema, file.path);
    const fingerprint = schemaFingerprint(JSON.stringify(type.schema()));
    const header = Buffer.concat([Buffer.from([SINGLE_OBJECT_MAGIC_0, SINGLE_OBJECT_MAGIC_1]), fingerprint]);
    current.set(name, { name, schema: file.schema, type, fingerprint, header, longFields: longKinds(file.schema) });
  }
  const writers: WriterSchema[] = [];
  for (const record of current.values()) {
    writers.push({
      record,
      writerType: record.type,
      writerSchema: record.schema,
      resolver: undefined,
      fingerprint: record.fingerprint,
      source: `${record.name}.avsc`,
      fast: compileFastReader(record.type),
    });
  }
  for (const file of files.filter((f) => f.historical)) {
    writers.push(historicalWriter(current, file.schema, file.path));
  }
  const byFingerprint = new Map<number, WriterSchema[]>();
  for (const writer of writers) {
    const lo = writer.fingerprint.readUInt32LE(0);
    const same = byFingerprint.get(lo) ?? [];
    if (same.some((w) => w.fingerprint.equals(writer.fingerprint))) continue; // identical schema twice
    same.push(writer);
    byFingerprint.set(lo, same);
  }
  return { current, byFingerprint, writers };
}

/** A writer schema that resolves to a current reader of the same record name. */
export function historicalWriter(current: ReadonlyMap<string, CurrentRecord>, schema: Record<string, unknown>, source: string): WriterSchema {
  const name = shortName({ schema, path: source });
  const record = current.get(name);
  if (record === undefined) {
    throw new PipelineError('INVALID_CONFIG', `${source}: no current schema for record ${name}`, { file: source });
  }
  const writerType = parseRecord(schema, source);
  let resolver: Resolver;
  try {
    resolver = record.type.createResolver(writerType);
  } catch (e) {
    throw new PipelineError('INVALID_CONFIG', `${source}: cannot be read with the current ${name} schema: ${(e as Error).message}`, { file: source }, { cause: e });
  }
  return { record, writerType, writerSchema: schema, resolver, fingerprint: schemaFingerprint(JSON.stringify(writerType.schema())), source };
}

export function findWriter(registry: SchemaRegistry, bytes: Buffer, offset: number): WriterSchema | undefined {
  const candidates = registry.byFingerprint.get(bytes.readUInt32LE(offset));
  if (candidates === undefined) return undefined;
  const hi = bytes.readUInt32LE(offset + 4);
  for (const w of candidates) if (w.fingerprint.readUInt32LE(4) === hi) return w;
  return undefined;
}

function shortName(file: { schema: Record<string, unknown>; path: string }): string {
  const name = file.schema['name'];
  if (typeof name !== 'string' || name.length === 0) {
    throw new PipelineError('INVALID_CONFIG', `${file.path}: record has no name`, { file: file.path });
  }
  return name.slice(name.lastIndexOf('.') + 1);
}

function parseRecord(schema: Record<string, unknown>, source: string): RecordType {
  let type: Type;
  try {
    type = avsc.Type.forSchema(schema as avsc.Schema, { omitRecordMethods: true, wrapUnions: 'auto' });
  } catch (e) {
    throw new PipelineError('INVALID_CONFIG', `${source}: invalid Avro schema: ${(e as Error).message}`, { file: source }, { cause: e });
  }
  makeRecordsPlain(type, new Set());
  return type as RecordType;
}

/**
 * avsc builds records with a generated constructor. Pointing its prototype at
 * Object.prototype makes decoded values plain objects (what `toStrictEqual`, spreads and
 * structured clones expect) at no per-message cost.
 */
export function makeRecordsPlain(type: Type, seen: Set<Type> = new Set()): void {
  if (seen.has(type)) return;
  seen.add(type);
  if (type instanceof avsc.types.RecordType) {
    const ctor = type.recordConstructor as { prototype: object };
    ctor.prototype = Object.prototype;
    for (const f of type.fields) makeRecordsPlain(f.type, seen);
  } else if (type instanceof avsc.types.ArrayType) {
    makeRecordsPlain(type.itemsType, seen);
  } else if (type instanceof avsc.types.MapType) {
    makeRecordsPlain(type.valuesType as Type, seen);
  } else if (type instanceof avsc.types.UnwrappedUnionType || type instanceof avsc.types.WrappedUnionType) {
    for (const t of type.types) makeRecordsPlain(t, seen);
  }
}

/** Money amounts are the `*_minor` fields (docs/interfaces.md: `amount_minor`, `order_value_minor`). */
function longKinds(schema: Record<string, unknown>): Map<string, LongKind> {
  const kinds = new Map<string, LongKind>();
  const fields = schema['fields'];
  if (!Array.isArray(fields)) return kinds;
  for (const f of fields as Array<{ name?: unknown; type?: unknown }>) {
    if (typeof f.name !== 'string') continue;
    const branches = Array.isArray(f.type) ? (f.type as unknown[]) : [f.type];
    for (const b of branches) {
      const isLong = b === 'long' || (typeof b === 'object' && b !== null && (b as { type?: unknown }).type === 'long');
      if (!isLong) continue;
      const logical = typeof b === 'object' && b !== null ? (b as { logicalType?: unknown }).logicalType : undefined;
      kinds.set(f.name, logical === 'timestamp-millis' ? 'timestamp' : /(^|_)minor$/.test(f.name) ? 'money' : 'long');
    }
  }
  return kinds;
}
