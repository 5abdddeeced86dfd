import avsc from 'avsc';
import type { Type } from 'avsc';
import { PipelineError } from '../errors/index.js';
import { makeRecordsPlain, type CurrentRecord, type LongKind, type WriterSchema } from './schema-registry.js';

/**
 * avsc's long type refuses (throws) rather than round a long beyond ±(2^53 - 2). That keeps
 * the hot path on plain numbers; only when it throws do we decode again with longs as BigInt
 * to name the field and its exact value.
 */
const BIG_LONG = avsc.types.LongType.__with({
  fromBuffer: (b: Buffer): bigint => b.readBigInt64LE(0),
  toBuffer: (n: bigint): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(n);
    return b;
  },
  fromJSON: (x: string | number): bigint => BigInt(x),
  toJSON: (n: bigint): number => Number(n),
  isValid: (n: unknown): boolean => typeof n === 'bigint',
  compare: (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0),
});

export const PRECISION_LOSS_MESSAGE = 'potential precision loss';

/** Decodes with BigInt longs; returns the value with every long as a number when all fit, else throws. */
export function decodeWithExactLongs(writer: WriterSchema, bytes: Buffer, offset: number): Record<string, unknown> {
  writer.wide ??= buildWide(writer);
  const { value, offset: end } = writer.wide.reader.decode(bytes, offset, writer.wide.resolver) as { value: unknown; offset: number };
  if (end !== bytes.length || typeof value !== 'object' || value === null) {
    throw new PipelineError('UNDECODABLE', `${writer.record.name}: body does not decode with writer ${writer.source}`);
  }
  const record = value as Record<string, unknown>;
  for (const [field, kind] of writer.record.longFields) {
    const v = record[field];
    if (typeof v !== 'bigint') continue;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw longOverflowError(writer.record.name, field, kind, v.toString());
    }
    record[field] = Number(v);
  }
  return record;
}

/**
 * AMOUNT_OVERFLOW for money and BAD_TIMESTAMP for timestamps (the codes that say what is
 * wrong with the value), NUMBER_OUT_OF_RANGE for other longs.
 */
export function longOverflowError(recordName: string, field: string, kind: LongKind, value: string): PipelineError {
  const what = `${recordName}.${field} = ${value} is beyond +-(2^53 - 1) and cannot be represented exactly`;
  const code = kind === 'money' ? 'AMOUNT_OVERFLOW' : kind === 'timestamp' ? 'BAD_TIMESTAMP' : 'NUMBER_OUT_OF_RANGE';
  return new PipelineError(code, what, { field, value });
}

/**
 * avsc's own long type also refuses exactly ±(2^53 - 1) on write, though it is exact; such a
 * value is written through the BigInt type instead. Returns undefined when some long is
 * not a safe integer (the caller reports it).
 */
export function encodeWithExactLongs(record: CurrentRecord, value: unknown): Buffer | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const field of record.longFields.keys()) {
    const v = copy[field];
    if (typeof v !== 'number') continue;
    if (!Number.isSafeInteger(v)) return undefined;
    copy[field] = BigInt(v);
  }
  record.wide ??= wideType(record.schema);
  try {
    return record.wide.toBuffer(copy);
  } catch {
    return undefined;
  }
}

function buildWide(writer: WriterSchema): { reader: Type; resolver: Resolver } {
  writer.record.wide ??= wideType(writer.record.schema);
  const reader = writer.record.wide;
  return { reader, resolver: reader.createResolver(wideType(writer.writerSchema)) };
}

function wideType(schema: Readonly<Record<string, unknown>>): Type {
  const type = avsc.Type.forSchema(stripLogicalTypes(schema) as avsc.Schema, { registry: { long: BIG_LONG }, omitRecordMethods: true });
  makeRecordsPlain(type);
  return type;
}
type Resolver = ReturnType<Type['createResolver']>;

/** `{"type":"long","logicalType":...}` bypasses the registry override in avsc; plain `"long"` does not. */
function stripLogicalTypes(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripLogicalTypes);
  if (typeof schema !== 'object' || schema === null) return schema;
  const obj = schema as Record<string, unknown>;
  if (obj['type'] === 'long' && 'logicalType' in obj) return 'long';
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = k === 'default' ? v : stripLogicalTypes(v);
  return out;
}
