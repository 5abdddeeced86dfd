import { PipelineError } from '../errors/index.js';
import { historicalWriter, type SchemaRegistry, type WriterSchema } from './schema-registry.js';

/** Confluent wire framing: magic byte 0, the schema id as 4 bytes big-endian, then the Avro body. */
export const CONFLUENT_MAGIC = 0x00;
export const CONFLUENT_HEADER_LENGTH = 5;

/** The schema id of a Confluent-framed value, or undefined when the value is not one. */
export function confluentId(bytes: Buffer | null): number | undefined {
  if (bytes === null || bytes.length < CONFLUENT_HEADER_LENGTH || bytes[0] !== CONFLUENT_MAGIC) return undefined;
  return bytes.readUInt32BE(1);
}

export function confluentHeader(id: number): Buffer {
  const header = Buffer.alloc(CONFLUENT_HEADER_LENGTH);
  header.writeUInt32BE(id, 1);
  return header;
}

/**
 * The Confluent schema ids a codec knows: writers to decode by id (configured in code, or
 * looked up in a registry), the id each record is encoded with, and the ids a registry does
 * not know (with the reason a dead letter carries). Decoding stays synchronous: ids are
 * resolved before a batch is decoded (registry/resolve.ts), never per message.
 */
export class ConfluentSchemas {
  private readonly writers = new Map<number, WriterSchema>();
  private readonly refused = new Map<number, { reason: string; until: number }>();
  private readonly headers = new Map<string, Buffer>();

  constructor(
    private readonly registry: SchemaRegistry,
    /** Named in the message of an id nobody configured or refused. */
    private readonly origin: string = 'configured',
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Accepts `schema` as the writer of `id`. A schema identical to a current or historical
   * `.avsc` (same CRC-64-AVRO fingerprint) reuses that writer and its generated reader.
   * Throws INVALID_CONFIG when the schema is not a record this pipeline reads.
   */
  addWriter(id: number, schema: Record<string, unknown>): WriterSchema {
    const parsed = historicalWriter(this.registry.current, schema, `confluent:${id}`);
    const lo = parsed.fingerprint.readUInt32LE(0);
    const known = this.registry.byFingerprint.get(lo)?.find((w) => w.fingerprint.equals(parsed.fingerprint));
    const writer = known ?? parsed;
    this.writers.set(id, writer);
    this.refused.delete(id);
    return writer;
  }

  /** Values of `recordName` are encoded with Confluent framing and this id from now on. */
  encodeWith(recordName: string, id: number): void {
    this.headers.set(recordName, confluentHeader(id));
  }

  /** The 5-byte header `recordName` is encoded with, when it has an id. */
  headerOf(recordName: string): Buffer | undefined {
    return this.headers.get(recordName);
  }

  /** The id `recordName` is encoded with, when it has one. */
  encodeId(recordName: string): number | undefined {
    return this.headers.get(recordName)?.readUInt32BE(1);
  }

  /** Whether `id` is neither known nor refused (a refusal expires after its time to live). */
  isUnresolved(id: number): boolean {
    if (this.writers.has(id)) return false;
    const r = this.refused.get(id);
    return r === undefined || r.until <= this.now();
  }

  /** Records `id` as not decodable for `ttlMs`, with the reason its values are dead-lettered with. */
  refuse(id: number, reason: string, ttlMs: number): void {
    this.refused.set(id, { reason, until: this.now() + ttlMs });
  }

  /** The writer of `id`; UNKNOWN_SCHEMA (a dead-letter reason) when there is none. */
  writer(id: number): WriterSchema {
    const w = this.writers.get(id);
    if (w !== undefined) return w;
    const reason = this.refused.get(id)?.reason ?? `is not ${this.origin}`;
    throw new PipelineError('UNKNOWN_SCHEMA', `Confluent schema id ${id} ${reason}`, { value: id });
  }
}
