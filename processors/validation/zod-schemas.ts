import { z } from 'zod';
import { isMoneyCurrency } from '../contracts/currencies.js';
import type { EventOfFamily, Family } from '../contracts/index.js';
import { PipelineError, type ErrorCode } from '../errors/index.js';
import { isBlank } from './fast-checks.js';
import {
  CROSS_RULES,
  FIELD_RULES,
  MAX_FUTURE_SKEW_MS,
  MAX_ID_LENGTH,
  MAX_LIST_ITEMS,
  MAX_TEXT_LENGTH,
  MIN_OCCURRED_AT,
  type FieldKind,
  type FieldRule,
} from './rules.js';

/**
 * The rules of rules.ts as zod schemas: the readable, introspectable statement of what a
 * valid event is (and what `z.toJSONSchema` can export). `validate` runs the equivalent
 * compiled checks instead, because zod allocates an issue list and a copy per parse.
 */
const nonBlankId = z
  .string()
  .refine((s) => !isBlank(s), 'must not be blank')
  .max(MAX_ID_LENGTH);

function kindSchema(rule: FieldRule, now: number): z.ZodType {
  const symbols = (rule.symbols ?? []) as [string, ...string[]];
  const kind: FieldKind = rule.kind;
  switch (kind) {
    case 'id':
      return nonBlankId;
    case 'optionalId':
      return nonBlankId.nullable();
    case 'optionalText':
      return z.string().max(MAX_TEXT_LENGTH).nullable();
    case 'eventType':
    case 'enum':
      return z.enum(symbols);
    case 'optionalEnum':
      return z.enum(symbols).nullable();
    case 'timestamp':
      return z.number().int().min(MIN_OCCURRED_AT).max(now + MAX_FUTURE_SKEW_MS);
    case 'score':
      return z.number().min(0).max(1);
    case 'optionalScore':
      return z.number().min(0).max(1).nullable();
    case 'amount':
      return z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
    case 'optionalAmount':
      return z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable();
    case 'currency':
      return z.string().refine(isMoneyCurrency, 'not an ISO 4217 code with a minor unit');
    case 'optionalCurrency':
      return z.string().refine(isMoneyCurrency, 'not an ISO 4217 code with a minor unit').nullable();
    case 'rate':
      return z.number().positive();
    case 'optionalDuration':
      return z.number().int().min(0).nullable();
    case 'idList':
      return z.array(nonBlankId).max(MAX_LIST_ITEMS);
  }
}

const cache = new Map<string, z.ZodType>();

/** The zod schema of a family's events, for a given `now` (the timestamp rule depends on it). */
export function zodSchemaFor(family: Family, now: number = Date.now()): z.ZodType {
  const key = `${family}@${now}`;
  let schema = cache.get(key);
  if (schema === undefined) {
    if (cache.size >= 64) cache.clear();
    schema = buildSchema(family, now);
    cache.set(key, schema);
  }
  return schema;
}

function buildSchema(family: Family, now: number): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const rule of FIELD_RULES[family]) shape[rule.field] = kindSchema(rule, now);
  return z.looseObject(shape).superRefine((value, ctx) => {
    for (const rule of CROSS_RULES[family]) {
      const message = rule.test(value);
      if (message !== undefined) ctx.addIssue({ code: 'custom', path: [rule.field], message, params: { code: rule.code } });
    }
  });
}

/** Which code a zod issue on a field of `kind`, about value `v`, stands for. */
function codeFor(kind: FieldKind | undefined, issue: z.core.$ZodIssue, v: unknown): ErrorCode {
  if (issue.code === 'custom' && typeof issue.params?.['code'] === 'string') return issue.params['code'] as ErrorCode;
  switch (kind) {
    case 'timestamp':
      return 'BAD_TIMESTAMP';
    case 'currency':
    case 'optionalCurrency':
      return 'UNKNOWN_CURRENCY';
    case 'amount':
    case 'optionalAmount':
      if (typeof v === 'number' && !Number.isInteger(v)) return 'NUMBER_OUT_OF_RANGE';
      return issue.code === 'too_small' ? 'NEGATIVE_AMOUNT' : issue.code === 'too_big' ? 'AMOUNT_OVERFLOW' : 'INVALID_FIELD';
    case 'score':
    case 'optionalScore':
    case 'rate':
      return typeof v === 'number' && !Number.isFinite(v) ? 'NUMBER_OUT_OF_RANGE' : 'INVALID_FIELD';
    case 'optionalDuration':
      return typeof v === 'number' && !Number.isSafeInteger(v) ? 'NUMBER_OUT_OF_RANGE' : 'INVALID_FIELD';
    default:
      return 'INVALID_FIELD';
  }
}

/** `validate` through zod: slower, same verdicts (a test holds the two to that). */
export function validateWithZod<F extends Family>(
  family: F,
  value: unknown,
  now: number = Date.now(),
): { ok: true; event: EventOfFamily[F] } | { ok: false; error: PipelineError } {
  const parsed = zodSchemaFor(family, now).safeParse(value);
  if (parsed.success) return { ok: true, event: parsed.data as EventOfFamily[F] };
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  const [head, index] = issue.path;
  const field = typeof head === 'string' ? (typeof index === 'number' ? `${head}[${index}]` : head) : undefined;
  const kind = FIELD_RULES[family].find((r) => r.field === head)?.kind;
  const offending = lookup(value, issue.path);
  return {
    ok: false,
    error: new PipelineError(codeFor(kind, issue, offending), `${field ?? 'value'}: ${issue.message}`, field === undefined ? { value: offending } : { field, value: offending }),
  };
}

function lookup(value: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
