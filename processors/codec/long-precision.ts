import avsc from 'avsc';
import type { Type } from 'avsc';
import { PipelineError } from '../errors/index.js';
import type { LongKind, WriterSchema } from './schema-registry.js';

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

/** AMOUNT_OVERFLOW for money, BAD_TIMESTAMP for timestamps, INVALID_FIELD for other longs. */
export function longOverflowError(recordName: string, field: string, kind: LongKind, value: string): PipelineError {
  const what = `${recordName}.${field} = ${value} is beyond 2^53 - 1 and cannot be represented exactly`;
  const code = kind === 'money' ? 'AMOUNT_OVERFLOW' : kind === 'timestamp' ? 'BAD_TIMESTAMP' : 'INVALID_FIELD';
  return new PipelineError(code, what, { field, value });
}

function buildWide(writer: WriterSchema): { reader: Type; resolver: Resolver } {
  const reader = avsc.Type.forSchema(stripLogicalTypes(writer.record.schema) as avsc.Schema, { registry: { long: BIG_LONG } });
  const source = avsc.Type.forSchema(stripLogicalTypes(writer.writerSchema) as avsc.Schema, { registry: { long: BIG_LONG } });
  return { reader, resolver: reader.createResolver(source) };
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
