import { isMoneyCurrency } from '../contracts/currencies.js';
import type { Family } from '../contracts/index.js';
import { PipelineError, type ErrorCode } from '../errors/index.js';
import {
  CROSS_RULES,
  FIELD_RULES,
  MAX_FUTURE_SKEW_MS,
  MAX_ID_LENGTH,
  MAX_LIST_ITEMS,
  MAX_TEXT_LENGTH,
  MIN_OCCURRED_AT,
  isPersonalPath,
  mentionsPersonal,
  type FieldKind,
  type FieldRule,
} from './rules.js';

/**
 * Hand-written checks compiled from FIELD_RULES: one closure per field, no allocation unless
 * a check fails. This is the hot path; zod-schemas.ts is the same table in zod form.
 */
export type FamilyCheck = (value: Record<string, unknown>, now: number) => PipelineError | undefined;

type FieldCheck = (v: unknown, now: number) => PipelineError | undefined;

export function compileFamily(family: Family): FamilyCheck {
  const rules = FIELD_RULES[family];
  const checks = rules.map(compileField);
  const cross = CROSS_RULES[family];
  const crossCheck = (value: Record<string, unknown>): PipelineError | undefined => {
    for (const rule of cross) {
      const message = rule.test(value);
      if (message !== undefined) return new PipelineError(rule.code, message, { field: rule.field, value: value[rule.field] });
    }
    return undefined;
  };
  // Generated so each family reads its fields by name, with its own inline caches; a shared
  // loop over `value[name]` goes megamorphic across the six event shapes and ran 1.8x slower
  // in bench/codec-validation.ts.
  const body = rules
    .map((r, i) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(r.field)) throw new Error(`field name ${r.field} is not a plain identifier`);
      return `  if ((e = c${i}(v.${r.field}, now)) !== undefined) return e;\n`;
    })
    .join('');
  const names = checks.map((_, i) => `c${i}`);
  const factory = new Function(...names, 'cross', `return function check_${family}(v, now) {\n  let e;\n${body}  return cross(v);\n};`) as (
    ...args: unknown[]
  ) => FamilyCheck;
  return factory(...checks, crossCheck);
}

function compileField(rule: FieldRule): FieldCheck {
  const { field } = rule;
  // A personal field's value is described, never quoted: messages end up in dead letters and logs.
  const shown = isPersonalPath(field) ? showShape : show;
  const fail = (code: ErrorCode, v: unknown, what: string, at: string = field): PipelineError =>
    new PipelineError(code, `${at} ${what}, got ${shown(v)}`, { field: at, value: v });
  const nonFinite = (v: unknown): boolean => typeof v === 'number' && !Number.isFinite(v);
  const symbols = new Set(rule.symbols ?? []);
  const kind: FieldKind = rule.kind;
  switch (kind) {
    case 'id':
      return (v) => {
        if (typeof v !== 'string' || isBlank(v)) return fail('INVALID_FIELD', v, 'must be a non-blank string');
        return v.length > MAX_ID_LENGTH ? fail('INVALID_FIELD', v, `must be at most ${MAX_ID_LENGTH} characters`) : undefined;
      };
    case 'optionalId':
      return (v) => {
        if (v === null) return undefined;
        if (typeof v !== 'string' || isBlank(v)) return fail('INVALID_FIELD', v, 'must be null or a non-blank string');
        return v.length > MAX_ID_LENGTH ? fail('INVALID_FIELD', v, `must be at most ${MAX_ID_LENGTH} characters`) : undefined;
      };
    case 'optionalText':
      return (v) =>
        v === null || (typeof v === 'string' && v.length <= MAX_TEXT_LENGTH)
          ? undefined
          : fail('INVALID_FIELD', v, `must be null or a string of at most ${MAX_TEXT_LENGTH} characters`);
    case 'eventType':
      return (v) => (typeof v === 'string' && symbols.has(v) ? undefined : fail('INVALID_FIELD', v, `is not an event type of this topic (${[...symbols].join(', ')})`));
    case 'enum':
      return (v) => (typeof v === 'string' && symbols.has(v) ? undefined : fail('INVALID_FIELD', v, `must be one of ${[...symbols].join(', ')}`));
    case 'optionalEnum':
      return (v) => (v === null || (typeof v === 'string' && symbols.has(v)) ? undefined : fail('INVALID_FIELD', v, `must be null or one of ${[...symbols].join(', ')}`));
    case 'timestamp':
      return (v, now) => {
        if (typeof v === 'number' && Number.isInteger(v) && v >= MIN_OCCURRED_AT && v <= now + MAX_FUTURE_SKEW_MS) return undefined;
        return fail('BAD_TIMESTAMP', v, `must be epoch ms between 2000-01-01 and ${new Date(now + MAX_FUTURE_SKEW_MS).toISOString()}`);
      };
    case 'score':
    case 'optionalScore': {
      const nullable = kind === 'optionalScore';
      return (v) => {
        if (v === null && nullable) return undefined;
        if (typeof v === 'number' && v >= 0 && v <= 1) return undefined;
        return nonFinite(v) ? fail('NUMBER_OUT_OF_RANGE', v, 'must be a finite number') : fail('INVALID_FIELD', v, 'must be a number in [0, 1]');
      };
    }
    case 'amount':
    case 'optionalAmount': {
      const nullable = kind === 'optionalAmount';
      return (v) => {
        if (v === null && nullable) return undefined;
        return amountError(v, fail);
      };
    }
    case 'currency':
    case 'optionalCurrency': {
      const nullable = kind === 'optionalCurrency';
      return (v) => {
        if (v === null && nullable) return undefined;
        return typeof v === 'string' && isMoneyCurrency(v) ? undefined : fail('UNKNOWN_CURRENCY', v, 'must be an ISO 4217 currency code with a minor unit');
      };
    }
    case 'rate':
      return (v) => {
        if (typeof v === 'number' && v > 0 && Number.isFinite(v)) return undefined;
        return nonFinite(v) ? fail('NUMBER_OUT_OF_RANGE', v, 'must be a finite number') : fail('INVALID_FIELD', v, 'must be a number > 0');
      };
    case 'optionalDuration':
      return (v) => {
        if (v === null || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) return undefined;
        if (typeof v === 'number' && !Number.isSafeInteger(v)) {
          return fail('NUMBER_OUT_OF_RANGE', v, 'must be an exact integer within +-(2^53 - 1) milliseconds');
        }
        return fail('INVALID_FIELD', v, 'must be null or a whole number of milliseconds >= 0');
      };
    case 'idList':
      return (v) => {
        if (!Array.isArray(v) || v.length > MAX_LIST_ITEMS) return fail('INVALID_FIELD', v, `must be an array of at most ${MAX_LIST_ITEMS} ids`);
        for (let i = 0; i < v.length; i++) {
          const item: unknown = v[i];
          if (typeof item !== 'string' || isBlank(item) || item.length > MAX_ID_LENGTH) {
            return fail('INVALID_FIELD', item, `must be a non-blank string of at most ${MAX_ID_LENGTH} characters`, `${field}[${i}]`);
          }
        }
        return undefined;
      };
  }
}

function amountError(
  v: unknown,
  fail: (code: ErrorCode, v: unknown, what: string) => PipelineError,
): PipelineError | undefined {
  if (typeof v === 'bigint') {
    if (v < 0n) return fail('NEGATIVE_AMOUNT', v, 'must not be negative');
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? fail('AMOUNT_OVERFLOW', v, 'must be at most 2^53 - 1 minor units') : undefined;
  }
  if (typeof v !== 'number') return fail('INVALID_FIELD', v, 'must be an integer number of minor units');
  if (!Number.isInteger(v)) return fail('NUMBER_OUT_OF_RANGE', v, 'must be an exact integer number of minor units');
  if (v < 0) return fail('NEGATIVE_AMOUNT', v, 'must not be negative');
  return v > Number.MAX_SAFE_INTEGER ? fail('AMOUNT_OVERFLOW', v, 'must be at most 2^53 - 1 minor units') : undefined;
}

/** Blank: empty or only whitespace. The first-character test keeps `trim()` off the common path. */
export function isBlank(s: string): boolean {
  if (s.length === 0) return true;
  const c = s.charCodeAt(0);
  return (c <= 32 || c === 0xa0 || c >= 0x1680) && s.trim().length === 0;
}

/** What a value is, without its content. */
export function showShape(v: unknown): string {
  if (typeof v === 'string') return `a string of ${v.length} characters`;
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function show(v: unknown): string {
  if (typeof v === 'string') return mentionsPersonal(v) ? showShape(v) : JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}
