import avsc from 'avsc';
import type { Type } from 'avsc';

/**
 * A record body read by generated code instead of avsc's generic type tree: the ingest hot
 * path's decoder for values written with the current schema. It reads each field inline (no
 * type object per field, no call per union branch) and builds the record as one object literal
 * with the fields in schema order, the same plain value avsc returns.
 *
 * It accepts only what it reads unambiguously: anything else (a truncated body, a bad union or
 * enum index, a negative length, a long of more than 7 varint bytes, i.e. 2^48 or more in
 * magnitude, trailing bytes) makes it return {@link NOT_READ}, and the caller decodes the
 * body with avsc, which yields the value or the precise error. So a value it returns is always
 * the value avsc returns for the same bytes (fast-reader.test.ts checks that on generated and
 * mutated bodies).
 */
export const NOT_READ: unique symbol = Symbol('not read');

export type FastReader = (buf: Buffer, pos: number) => unknown;

type Emit = (target: string) => string;

/** Reads a zigzag varint long of at most 7 bytes (exact as a double) into `target`; a longer one bails out. */
function longCode(target: string): string {
  return (
    `if (p >= end) return NR; b = buf[p++]; n = b & 127;\n` +
    `if (b > 127) { m = 128; do { if (p >= end || m > 35184372088832) return NR; b = buf[p++]; n += (b & 127) * m; m *= 128; } while (b > 127); }\n` +
    `${target} = n % 2 === 1 ? -(n + 1) / 2 : n / 2;\n`
  );
}

function stringCode(target: string): string {
  return (
    longCode('len') +
    `if (len < 0 || p + len > end) return NR;\n` +
    `${target} = len === 0 ? '' : buf.utf8Slice(p, p + len); p += len;\n`
  );
}

/** Code reading one value of `type`, or undefined when the type is not one this reader handles. */
function emitter(type: Type, consts: unknown[]): Emit | undefined {
  if (type instanceof avsc.types.StringType) return stringCode;
  if (type instanceof avsc.types.LongType) return longCode;
  if (type instanceof avsc.types.DoubleType) {
    return (t) => `if (p + 8 > end) return NR; ${t} = buf.readDoubleLE(p); p += 8;\n`;
  }
  if (type instanceof avsc.types.NullType) return (t) => `${t} = null;\n`;
  if (type instanceof avsc.types.EnumType) {
    const k = consts.push(type.symbols) - 1;
    return (t) => longCode('idx') + `if (idx < 0 || idx >= K${k}.length) return NR; ${t} = K${k}[idx];\n`;
  }
  if (type instanceof avsc.types.ArrayType) {
    if (!(type.itemsType instanceof avsc.types.StringType)) return undefined;
    return (t) =>
      `${t} = [];\n` +
      `for (;;) {\n` +
      longCode('cnt') +
      `if (cnt === 0) break;\n` +
      `if (cnt < 0) { cnt = -cnt; ${longCode('sz')} }\n` +
      `for (let i = 0; i < cnt; i++) { ${stringCode('s')} ${t}.push(s); }\n` +
      `}\n`;
  }
  if (type instanceof avsc.types.MapType) {
    if (!(type.valuesType instanceof avsc.types.StringType)) return undefined;
    return (t) =>
      `${t} = {};\n` +
      `for (;;) {\n` +
      longCode('cnt') +
      `if (cnt === 0) break;\n` +
      `if (cnt < 0) { cnt = -cnt; ${longCode('sz')} }\n` +
      `for (let i = 0; i < cnt; i++) { ${stringCode('k')} ${stringCode('s')} ${t}[k] = s; }\n` +
      `}\n`;
  }
  if (type instanceof avsc.types.UnwrappedUnionType) {
    const branches = type.types.map((b) => emitter(b, consts));
    if (branches.some((b) => b === undefined)) return undefined;
    return (t) => {
      let code = longCode('u') + `switch (u) {\n`;
      branches.forEach((b, i) => {
        code += `case ${i}: {\n${(b as Emit)(t)}break;\n}\n`;
      });
      return code + `default: return NR;\n}\n`;
    };
  }
  return undefined;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The reader of `type`'s bodies, or undefined when some field has a type it does not handle
 * (those records always go through avsc).
 */
export function compileFastReader(type: Type): FastReader | undefined {
  if (!(type instanceof avsc.types.RecordType)) return undefined;
  const consts: unknown[] = [];
  let body = '';
  for (const [i, field] of type.fields.entries()) {
    if (!IDENT.test(field.name)) return undefined;
    const emit = emitter(field.type, consts);
    if (!emit) return undefined;
    body += emit(`f${i}`);
  }
  const locals = type.fields.map((_, i) => `f${i}`).join(', ');
  // The record is built by a constructor whose prototype is Object.prototype (a plain object,
  // as avsc's), not by an object literal: V8 tracks an object literal's allocation site and,
  // from what a collection saw, may decide to allocate all of that site's objects in the old
  // generation. With a literal here, one decode bench run in three was 25% slower and used
  // 350 MB more memory (none with --no-allocation-site-pretenuring, none with a constructor).
  const ctor =
    `function Rec(${locals}) {\n${type.fields.map((f, i) => `  this.${f.name} = f${i};`).join('\n')}\n}\n` +
    `Rec.prototype = Object.prototype;\n`;
  const source =
    ctor +
    `return function read(buf, pos) {\n` +
    `  const end = buf.length; let p = pos, b = 0, n = 0, m = 0, len = 0, idx = 0, u = 0, cnt = 0, sz = 0, s = '', k = '';\n` +
    `  let ${locals};\n${body}` +
    `  if (p !== end) return NR;\n` +
    `  return new Rec(${locals});\n};`;
  const params = ['NR', ...consts.map((_, k) => `K${k}`)];
  return new Function(...params, source)(NOT_READ, ...consts) as FastReader;
}
