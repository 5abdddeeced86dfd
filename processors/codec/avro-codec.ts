import { OUTPUT_TOPICS, RECORD_OF_FAMILY, familyOfTopic } from '../contracts/index.js';
import { CONFLUENT_HEADER_LENGTH, CONFLUENT_MAGIC, ConfluentSchemas } from './confluent.js';
import { NOT_READ } from './fast-reader.js';
import { PipelineError, isPipelineError } from '../errors/index.js';
import { fingerprintToHex } from './fingerprint.js';
import { compileJsonReader, type JsonReader } from './json-values.js';
import { PRECISION_LOSS_MESSAGE, decodeWithExactLongs, encodeWithExactLongs, longOverflowError } from './long-precision.js';
import { resolveCodecOptions, type CodecOptions } from './options.js';
import { defaultSchemaDir, readSchemaFiles } from './schema-files.js';
import {
  SINGLE_OBJECT_HEADER_LENGTH,
  SINGLE_OBJECT_MAGIC_0,
  SINGLE_OBJECT_MAGIC_1,
  buildRegistry,
  findWriter,
  type CurrentRecord,
  type SchemaRegistry,
  type WriterSchema,
} from './schema-registry.js';

/** What `decode` returns: the record name of the reader schema and the decoded value. */
export interface DecodedRecord {
  recordName: string;
  /** Plain object with the docs/interfaces.md field names; timestamps and longs as numbers, optionals null. */
  value: unknown;
}

export interface AvroCodec {
  /** Names of the current records (`JourneyEvent`, ..., `DeadLetter`). */
  readonly recordNames: readonly string[];
  /**
   * Avro single-object encoding (0xC3 0x01, fingerprint, body) with the current schema, or
   * Confluent framing (0x00, schema id, body) for a record a schema registry gave an id.
   * Throws SCHEMA_MISMATCH.
   */
  encode(recordName: string, value: unknown): Buffer;
  /** Single-object (or, when configured, Confluent-framed) bytes to a value of the current schema. */
  decode(bytes: Buffer): DecodedRecord;
  /** A JSON Lines value to the same shape `decode` returns. Throws SCHEMA_MISMATCH naming the field. */
  fromJson(recordName: string, json: unknown): unknown;
  /** The record a topic carries: input, output and `<input>.dlq` topics; undefined for others. */
  recordForTopic(topic: string): string | undefined;
  /** The CRC-64-AVRO fingerprint (8 bytes, little-endian) of a record's current schema. */
  fingerprint(recordName: string): Buffer;
  /** A record's current schema as written in its `.avsc` file. */
  schema(recordName: string): Readonly<Record<string, unknown>>;
}

const SCRATCH_SIZE = 64 * 1024;

const RECORD_OF_OUTPUT_TOPIC: ReadonlyMap<string, string> = new Map([
  [OUTPUT_TOPICS.breach, 'SloBreachSignal'],
  [OUTPUT_TOPICS.quality, 'QualityScoreUpdate'],
]);
const DLQ_SUFFIX = '.dlq';

/**
 * Creates a codec over the `.avsc` files of `schemas/avro` (current readers/writers) and
 * `schemas/avro/history` (older writers). Everything is parsed and every writer->reader
 * resolver compiled here, once, so `decode` does no schema work per message.
 */
export function createCodec(options?: CodecOptions): AvroCodec {
  const opts = resolveCodecOptions(options);
  const registry = buildRegistry(readSchemaFiles(opts.schemaDir ?? defaultSchemaDir()));
  const codec = new Codec(registry);
  if (opts.confluentSchemas !== undefined) {
    const confluent = codec.enableConfluent();
    for (const [id, source] of opts.confluentSchemas) confluent.addWriter(id, parseSchemaSource(id, source));
  }
  return codec;
}

/**
 * The Confluent ids of a codec made by {@link createCodec}, accepting Confluent framing from
 * now on (a schema registry fills them in: registry/). Ids are process-wide for the shared
 * {@link defaultCodec}, as they are for the registry.
 */
export function confluentSchemasOf(codec: AvroCodec, origin?: string): ConfluentSchemas {
  if (!(codec instanceof Codec)) throw new TypeError('Confluent ids can only be added to a codec made by createCodec');
  return codec.enableConfluent(origin);
}

let shared: AvroCodec | undefined;

/** A process-wide codec over the default schema folder, created on first use. */
export function defaultCodec(): AvroCodec {
  shared ??= createCodec();
  return shared;
}

class Codec implements AvroCodec {
  readonly recordNames: readonly string[];
  private readonly jsonReaders = new Map<string, JsonReader>();
  private scratch = Buffer.allocUnsafe(SCRATCH_SIZE);
  /** Undefined until Confluent framing is configured: then 0x00 is a framing, not BAD_FRAMING. */
  private confluent: ConfluentSchemas | undefined;

  constructor(private readonly registry: SchemaRegistry) {
    this.recordNames = [...registry.current.keys()];
    for (const record of registry.current.values()) this.jsonReaders.set(record.name, compileJsonReader(record));
  }

  enableConfluent(origin?: string): ConfluentSchemas {
    this.confluent ??= new ConfluentSchemas(this.registry, origin);
    return this.confluent;
  }

  encode(recordName: string, value: unknown): Buffer {
    const record = this.record(recordName);
    const header = this.confluent?.headerOf(recordName) ?? record.header;
    let end: number;
    try {
      end = record.type.encode(value, this.scratch, header.length);
    } catch (e) {
      const body = encodeWithExactLongs(record, value);
      if (body === undefined) throw encodeError(record, value, e);
      return Buffer.concat([header, body]);
    }
    if (end < 0) {
      // Larger than the scratch buffer: grow it for next time and encode again.
      this.scratch = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.scratch.length - end));
      return this.encode(recordName, value);
    }
    const out = Buffer.allocUnsafe(end);
    header.copy(out, 0);
    this.scratch.copy(out, header.length, header.length, end);
    return out;
  }

  decode(bytes: Buffer): DecodedRecord {
    const first = bytes.length > 0 ? bytes[0] : undefined;
    if (first === SINGLE_OBJECT_MAGIC_0 && bytes.length >= SINGLE_OBJECT_HEADER_LENGTH && bytes[1] === SINGLE_OBJECT_MAGIC_1) {
      const writer = findWriter(this.registry, bytes, 2);
      if (writer === undefined) {
        const hex = fingerprintToHex(bytes.subarray(2, SINGLE_OBJECT_HEADER_LENGTH));
        throw new PipelineError('UNKNOWN_SCHEMA', `writer schema fingerprint ${hex} is not known`, { value: hex });
      }
      return { recordName: writer.record.name, value: readBody(writer, bytes, SINGLE_OBJECT_HEADER_LENGTH) };
    }
    if (first === CONFLUENT_MAGIC && this.confluent !== undefined && bytes.length >= CONFLUENT_HEADER_LENGTH) {
      const writer = this.confluent.writer(bytes.readUInt32BE(1));
      return { recordName: writer.record.name, value: readBody(writer, bytes, CONFLUENT_HEADER_LENGTH) };
    }
    throw new PipelineError('BAD_FRAMING', framingMessage(bytes, this.confluent !== undefined), {
      value: bytes.subarray(0, 2).toString('hex'),
    });
  }

  fromJson(recordName: string, json: unknown): unknown {
    const reader = this.jsonReaders.get(recordName);
    if (reader === undefined) throw unknownRecord(recordName);
    return reader(json);
  }

  recordForTopic(topic: string): string | undefined {
    const family = familyOfTopic(topic);
    if (family !== undefined) return RECORD_OF_FAMILY[family];
    const output = RECORD_OF_OUTPUT_TOPIC.get(topic);
    if (output !== undefined) return output;
    if (topic.endsWith(DLQ_SUFFIX) && familyOfTopic(topic.slice(0, -DLQ_SUFFIX.length)) !== undefined) return 'DeadLetter';
    return undefined;
  }

  fingerprint(recordName: string): Buffer {
    return Buffer.from(this.record(recordName).fingerprint);
  }

  schema(recordName: string): Readonly<Record<string, unknown>> {
    return this.record(recordName).schema;
  }

  private record(recordName: string): CurrentRecord {
    const record = this.registry.current.get(recordName);
    if (record === undefined) throw unknownRecord(recordName);
    return record;
  }
}

function readBody(writer: WriterSchema, bytes: Buffer, offset: number): unknown {
  if (writer.fast) {
    const value = writer.fast(bytes, offset);
    if (value !== NOT_READ) return value;
  }
  let result: { value: unknown; offset: number };
  try {
    result = writer.record.type.decode(bytes, offset, writer.resolver) as { value: unknown; offset: number };
  } catch (e) {
    if (e instanceof Error && e.message === PRECISION_LOSS_MESSAGE) return exactLongs(writer, bytes, offset);
    throw undecodable(writer, e instanceof Error ? e.message : String(e), e);
  }
  if (result.offset < 0) throw undecodable(writer, 'truncated body');
  if (result.offset !== bytes.length) throw undecodable(writer, `${bytes.length - result.offset} trailing bytes after the record`);
  return result.value;
}

function exactLongs(writer: WriterSchema, bytes: Buffer, offset: number): unknown {
  try {
    return decodeWithExactLongs(writer, bytes, offset);
  } catch (e) {
    if (isPipelineError(e)) throw e;
    throw undecodable(writer, e instanceof Error ? e.message : String(e), e);
  }
}

function undecodable(writer: WriterSchema, reason: string, cause?: unknown): PipelineError {
  return new PipelineError('UNDECODABLE', `${writer.record.name} body does not decode with writer ${writer.source}: ${reason}`, {}, { cause });
}

function encodeError(record: CurrentRecord, value: unknown, cause: unknown): PipelineError {
  let first: { path: string; value: unknown } | undefined;
  record.type.isValid(value, {
    errorHook: (path: string[], v: unknown) => {
      first ??= { path: path.join('.'), value: v };
    },
  });
  if (first === undefined) {
    return new PipelineError('SCHEMA_MISMATCH', `${record.name}: cannot encode (${(cause as Error).message})`, {}, { cause });
  }
  const kind = record.longFields.get(first.path);
  if (kind !== undefined && typeof first.value === 'number' && Number.isInteger(first.value)) {
    return longOverflowError(record.name, first.path, kind, String(first.value));
  }
  const shown = typeof first.value === 'string' ? JSON.stringify(first.value) : String(first.value);
  return new PipelineError('SCHEMA_MISMATCH', `${record.name}: field ${first.path || '(record)'} has invalid value ${shown}`, {
    field: first.path,
    value: first.value,
  });
}

function unknownRecord(recordName: string): PipelineError {
  return new PipelineError('UNKNOWN_SCHEMA', `no schema for record ${recordName}`, { value: recordName });
}

function framingMessage(bytes: Buffer, confluent: boolean): string {
  if (bytes.length === 0) return 'empty value';
  const accepted = confluent ? 'Avro single-object encoding (0xC3 0x01) or Confluent framing (0x00)' : 'Avro single-object encoding (0xC3 0x01)';
  if ((bytes[0] === SINGLE_OBJECT_MAGIC_0 && bytes[1] === SINGLE_OBJECT_MAGIC_1) || (confluent && bytes[0] === CONFLUENT_MAGIC)) {
    return `value of ${bytes.length} bytes is shorter than its header`;
  }
  return `value starts with 0x${bytes.subarray(0, 2).toString('hex')}; expected ${accepted}`;
}

function parseSchemaSource(id: number, source: string | object): Record<string, unknown> {
  try {
    const parsed: unknown = typeof source === 'string' ? JSON.parse(source) : source;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch (e) {
    throw new PipelineError('INVALID_CONFIG', `Confluent schema ${id} is not JSON: ${(e as Error).message}`, { field: `confluentSchemas.${id}` }, { cause: e });
  }
  throw new PipelineError('INVALID_CONFIG', `Confluent schema ${id} must be a record schema`, { field: `confluentSchemas.${id}` });
}
