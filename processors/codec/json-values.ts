import type avsc from 'avsc';
import type { Type } from 'avsc';
import { PipelineError } from '../errors/index.js';
import { PERSONAL_FIELDS, isPersonalPath, mentionsPersonal } from '../validation/rules.js';
import { longOverflowError } from './long-precision.js';
import type { CurrentRecord, LongKind } from './schema-registry.js';

/**
 * A JSON number whose text is not an integer although JSON.parse rounded it to one
 * (`12345678.0000000001`, `1e-400`, `9007199254740990.5`). The JSON reader of the ingest
 * path puts it in place of the rounded number: a `long` refuses it (the producer did not
 * send an integer), a `double` takes the rounded value as any double reader would.
 */
export class InexactNumber {
  constructor(
    /** The number as written. */
    readonly text: string,
    /** What JSON.parse made of it. */
    readonly value: number,
  ) {}
}

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
      if (known.has(key)) continue;
      // A member name can be any text, personal data included: named only when it cannot be that.
      if (PERSONAL_FIELDS.has(key) || !mentionsPersonal(key)) throw mismatch(name, key, input[key], `unknown field ${key}`);
      throw mismatch(name, undefined, undefined, `unknown field with a name of ${key.length} characters naming a personal field`);
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
    throw mismatch(recordName, path, v, `${path} must be ${expected}, got ${isPersonalPath(path) ? shape(v) : describe(v)}`);
  };
  const outOfRange = (path: string, v: unknown, expected: string): never => {
    const shown = v instanceof InexactNumber ? v.text : String(v);
    throw new PipelineError('NUMBER_OUT_OF_RANGE', `${recordName}: ${path} must be ${expected}, got ${shown}`, { field: path, value: shown });
  };
  switch (type.typeName) {
    case 'null':
      return (v, p) => (v === null ? null : fail(p, v, 'null'));
    case 'boolean':
      return (v, p) => (typeof v === 'boolean' ? v : fail(p, v, 'a boolean'));
    case 'string':
      return (v, p) => (typeof v === 'string' ? v : fail(p, v, 'a string'));
    case 'int':
      return (v, p) => {
        if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return v;
        return typeof v === 'number' || v instanceof InexactNumber ? outOfRange(p, v, 'a 32-bit integer') : fail(p, v, 'a 32-bit integer');
      };
    case 'float':
    case 'double':
      return (v, p) => {
        if (typeof v === 'number') return Number.isFinite(v) ? v : outOfRange(p, v, 'a finite number');
        return v instanceof InexactNumber ? v.value : fail(p, v, 'a number');
      };
    case 'long': {
      const integer = longKind === 'timestamp' ? 'epoch milliseconds (an integer)' : 'an integer';
      return (v, p) => {
        if (typeof v !== 'number') return v instanceof InexactNumber ? outOfRange(p, v, `${integer}`) : fail(p, v, integer);
        if (!Number.isInteger(v)) return outOfRange(p, v, integer);
        // JSON.parse has already rounded such a number: say so instead of using the wrong value.
        if (!Number.isSafeInteger(v)) throw longOverflowError(recordName, p, longKind ?? 'long', String(v));
        return v;
      };
    }
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
    case 'map': {
      const value = compileType((type as InstanceType<typeof avsc.types.MapType>).valuesType, recordName, undefined);
      return (v, p) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, v, 'an object');
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) out[k] = value(x, `${p}.${k}`);
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
  if (v instanceof InexactNumber) return v.text.length > 60 ? `${v.text.slice(0, 60)}…` : v.text;
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return mentionsPersonal(v) ? shape(v) : JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v;
}

/** What a value is, without its content (for personal fields). */
function shape(v: unknown): string {
  if (typeof v === 'string') return `a string of ${v.length} characters`;
  if (v === undefined || v === null) return describe(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' && !(v instanceof InexactNumber) ? 'an object' : 'a number';
}
