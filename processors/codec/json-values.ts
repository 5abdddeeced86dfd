import type avsc from 'avsc';
import type { Type } from 'avsc';
import { PipelineError } from '../errors/index.js';
import { longOverflowError } from './long-precision.js';
import type { CurrentRecord, LongKind } from './schema-registry.js';

/**
 * Converts a JSON Lines value (plain JSON: unions not wrapped, `null` for absent optionals,
 * timestamps as epoch ms) into the same shape `decode` returns, or throws SCHEMA_MISMATCH
 * naming the field and value. A missing field that has a default (the optionals, the
 * arrays) takes it, as an Avro reader does for a writer that lacks the field.
 */
export type JsonReader = (json: unknown) => Record<string, unknown>;

type Check = (value: unknown, path: string) => unknown;

export function compileJsonReader(record: CurrentRecord): JsonReader {
  const fields = record.type.fields.map((f) => ({
    name: f.name,
    check: compileType(f.type, record.name, record.longFields.get(f.name)),
    defaultValue: () => f.defaultValue() as unknown,
    hasDefault: f.defaultValue() !== undefined,
  }));
  const known = new Set(fields.map((f) => f.name));
  const name = record.name;
  return (json) => {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw mismatch(name, undefined, json, `value must be a JSON object, got ${describe(json)}`);
    }
    const input = json as Record<string, unknown>;
    for (const key in input) {
      if (!known.has(key)) throw mismatch(name, key, input[key], `unknown field ${key}`);
    }
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const v = input[f.name];
      if (v === undefined) {
        if (!f.hasDefault) throw mismatch(name, f.name, undefined, `missing required field ${f.name}`);
        out[f.name] = f.defaultValue();
      } else {
        out[f.name] = f.check(v, f.name);
      }
    }
    return out;
  };
}

function compileType(type: Type, recordName: string, longKind: LongKind | undefined): Check {
  const fail = (path: string, v: unknown, expected: string): never => {
    throw mismatch(recordName, path, v, `${path} must be ${expected}, got ${describe(v)}`);
  };
  switch (type.typeName) {
    case 'null':
      return (v, p) => (v === null ? null : fail(p, v, 'null'));
    case 'boolean':
      return (v, p) => (typeof v === 'boolean' ? v : fail(p, v, 'a boolean'));
    case 'string':
      return (v, p) => (typeof v === 'string' ? v : fail(p, v, 'a string'));
    case 'int':
      return (v, p) => (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff ? v : fail(p, v, 'a 32-bit integer'));
    case 'float':
    case 'double':
      return (v, p) => (typeof v === 'number' ? v : fail(p, v, 'a number'));
    case 'long':
      return (v, p) => {
        if (typeof v !== 'number' || !Number.isInteger(v)) return fail(p, v, longKind === 'timestamp' ? 'epoch milliseconds (an integer)' : 'an integer');
        // JSON.parse has already rounded such a number: say so instead of using the wrong value.
        if (!Number.isSafeInteger(v)) throw longOverflowError(recordName, p, longKind ?? 'long', String(v));
        return v;
      };
    case 'bytes':
      return (v, p) => {
        if (Buffer.isBuffer(v)) return v;
        if (v instanceof Uint8Array) return Buffer.from(v);
        return typeof v === 'string' ? Buffer.from(v, 'base64') : fail(p, v, 'base64 text');
      };
    case 'enum': {
      const symbols = new Set((type as InstanceType<typeof avsc.types.EnumType>).symbols);
      const list = [...symbols].join(', ');
      return (v, p) => (typeof v === 'string' && symbols.has(v) ? v : fail(p, v, `one of ${list}`));
    }
    case 'array': {
      const item = compileType((type as InstanceType<typeof avsc.types.ArrayType>).itemsType, recordName, undefined);
      return (v, p) => {
        if (!Array.isArray(v)) return fail(p, v, 'an array');
        const out: unknown[] = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) out[i] = item(v[i], `${p}[${i}]`);
        return out;
      };
    }
    case 'union:unwrapped': {
      const branches = (type as InstanceType<typeof avsc.types.UnwrappedUnionType>).types;
      const nullable = branches.some((b) => b.typeName === 'null');
      const others = branches.filter((b) => b.typeName !== 'null').map((b) => compileType(b, recordName, longKind));
      return (v, p) => {
        if (v === null) return nullable ? null : fail(p, v, 'not null');
        if (others.length === 1 && others[0] !== undefined) return others[0](v, p);
        for (const check of others) {
          try {
            return check(v, p);
          } catch {
            // try the next branch
          }
        }
        return fail(p, v, `one of ${branches.map((b) => b.typeName).join(' | ')}`);
      };
    }
    default:
      return (v, p) => fail(p, v, `a value of Avro type ${type.typeName} (not supported in JSON input)`);
  }
}

function mismatch(recordName: string, field: string | undefined, value: unknown, message: string): PipelineError {
  return new PipelineError('SCHEMA_MISMATCH', `${recordName}: ${message}`, field === undefined ? { value } : { field, value });
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v;
}
