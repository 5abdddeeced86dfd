import { describe, expect, it } from 'vitest';
import { FAMILIES, type Family } from '../contracts/index.js';
import {
  SAMPLE_COMPENSATION,
  SAMPLE_FX,
  SAMPLE_INCIDENT,
  SAMPLE_JOURNEY,
  SAMPLE_LEM,
  SAMPLE_REFUND,
  SAMPLE_TIME,
} from '../codec/samples.js';
import type { ErrorCode } from '../errors/index.js';
import { FIELD_RULES, MAX_FUTURE_SKEW_MS, VALIDATION_RULES, assertValid, validate, validateWithZod } from './index.js';

const NOW = SAMPLE_TIME + 60_000;
const SAMPLES: Record<Family, Record<string, unknown>> = {
  journey: { ...SAMPLE_JOURNEY },
  lem: { ...SAMPLE_LEM },
  incident: { ...SAMPLE_INCIDENT },
  compensation: { ...SAMPLE_COMPENSATION },
  refund: { ...SAMPLE_REFUND },
  fx: { ...SAMPLE_FX },
};

/** A value breaking each per-field check, and the code the pipeline must report for it. */
const VIOLATIONS: Record<string, { bad: unknown; code: ErrorCode; index?: number }> = {
  'id.required': { bad: '   ', code: 'INVALID_FIELD' },
  'id.length': { bad: 'x'.repeat(257), code: 'INVALID_FIELD' },
  'optionalId.blank': { bad: '', code: 'INVALID_FIELD' },
  'optionalId.length': { bad: 'x'.repeat(257), code: 'INVALID_FIELD' },
  'optionalText.text': { bad: 'x'.repeat(2049), code: 'INVALID_FIELD' },
  'eventType.allowed': { bad: 'SUCCEEDED_ELSEWHERE', code: 'INVALID_FIELD' },
  'enum.symbol': { bad: 'NOPE', code: 'INVALID_FIELD' },
  'optionalEnum.symbol': { bad: 'NOPE', code: 'INVALID_FIELD' },
  'timestamp.range': { bad: Date.UTC(1999, 11, 31, 23, 59, 59), code: 'BAD_TIMESTAMP' },
  'score.finite': { bad: Infinity, code: 'NUMBER_OUT_OF_RANGE' },
  'score.range': { bad: 1.5, code: 'INVALID_FIELD' },
  'optionalScore.finite': { bad: NaN, code: 'NUMBER_OUT_OF_RANGE' },
  'optionalScore.range': { bad: -0.1, code: 'INVALID_FIELD' },
  'amount.type': { bad: '125', code: 'INVALID_FIELD' },
  'amount.integer': { bad: 12.5, code: 'NUMBER_OUT_OF_RANGE' },
  'amount.negative': { bad: -1, code: 'NEGATIVE_AMOUNT' },
  'amount.overflow': { bad: 2 ** 53, code: 'AMOUNT_OVERFLOW' },
  'optionalAmount.type': { bad: true, code: 'INVALID_FIELD' },
  'optionalAmount.integer': { bad: 0.5, code: 'NUMBER_OUT_OF_RANGE' },
  'optionalAmount.negative': { bad: -2490, code: 'NEGATIVE_AMOUNT' },
  'optionalAmount.overflow': { bad: 2 ** 60, code: 'AMOUNT_OVERFLOW' },
  'currency.iso': { bad: 'EUX', code: 'UNKNOWN_CURRENCY' },
  'optionalCurrency.iso': { bad: 'euro', code: 'UNKNOWN_CURRENCY' },
  'rate.finite': { bad: -Infinity, code: 'NUMBER_OUT_OF_RANGE' },
  'rate.positive': { bad: 0, code: 'INVALID_FIELD' },
  'optionalDuration.integer': { bad: 1.5, code: 'NUMBER_OUT_OF_RANGE' },
  'optionalDuration.non_negative': { bad: -5, code: 'INVALID_FIELD' },
  'idList.items': { bad: ['ok', ' '], code: 'INVALID_FIELD', index: 1 },
};

interface Case {
  rule: string;
  family: Family;
  patch: Record<string, unknown>;
  code: ErrorCode;
  field: string;
  value: unknown;
}

const FIELD_CASES: Case[] = FAMILIES.flatMap((family) =>
  FIELD_RULES[family].flatMap((rule) =>
    Object.entries(VIOLATIONS)
      .filter(([key]) => key.startsWith(`${rule.kind}.`))
      .map(([key, v]) => ({
        rule: `${family}.${rule.field}.${key.slice(rule.kind.length + 1)}`,
        family,
        patch: { [rule.field]: v.bad },
        code: v.code,
        field: v.index === undefined ? rule.field : `${rule.field}[${v.index}]`,
        value: v.index === undefined ? v.bad : (v.bad as unknown[])[v.index],
      })),
  ),
);

const CROSS_CASES: Case[] = [
  { rule: 'journey.preflight_status.only_on_preflight', family: 'journey', patch: { preflight_status: 'OK' }, code: 'INVALID_FIELD', field: 'preflight_status', value: 'OK' },
  { rule: 'journey.preflight_reason.only_on_preflight', family: 'journey', patch: { preflight_reason: 'NONE' }, code: 'INVALID_FIELD', field: 'preflight_reason', value: 'NONE' },
  {
    rule: 'journey.preflight_status.required_on_preflight',
    family: 'journey',
    patch: { event_type: 'PREFLIGHT_CHECKED', preflight_reason: 'SLO_BREACH' },
    code: 'INVALID_FIELD',
    field: 'preflight_status',
    value: null,
  },
  { rule: 'journey.currency.required_with_order_value', family: 'journey', patch: { currency: null }, code: 'UNKNOWN_CURRENCY', field: 'currency', value: null },
];

const CASES = [...FIELD_CASES, ...CROSS_CASES];

describe('validate', () => {
  it.each(FAMILIES)('accepts the %s sample, returning the same object', (family) => {
    const result = validate(family, SAMPLES[family], { now: NOW });
    expect(result).toEqual({ ok: true, event: SAMPLES[family] });
    if (result.ok) expect(result.event).toBe(SAMPLES[family]);
  });

  it('has exactly one case per rule', () => {
    expect(CASES.map((c) => c.rule).sort()).toEqual(VALIDATION_RULES.map((r) => r.id).sort());
  });

  it.each(CASES)('$rule -> $code on $field', ({ family, patch, code, field, value }) => {
    const result = validate(family, { ...SAMPLES[family], ...patch }, { now: NOW });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.location.field).toBe(field);
    expect(result.error.location.value).toStrictEqual(value);
    expect(result.error.message).toContain(field.replace(/\[\d+\]$/, ''));
  });

  it.each(CASES)('the zod schemas give the same verdict for $rule', ({ family, patch, code, field }) => {
    const result = validateWithZod(family, { ...SAMPLES[family], ...patch }, NOW);
    expect(result.ok ? 'ok' : [result.error.code, result.error.location.field]).toEqual([code, field]);
  });

  it.each(FAMILIES)('the zod schemas accept the %s sample', (family) => {
    expect(validateWithZod(family, SAMPLES[family], NOW).ok).toBe(true);
  });

  it('accepts occurred_at up to exactly one day after now, not a millisecond more', () => {
    const at = (t: number) => validate('fx', { ...SAMPLE_FX, occurred_at: t }, { now: NOW });
    expect(at(NOW + MAX_FUTURE_SKEW_MS).ok).toBe(true);
    const late = at(NOW + MAX_FUTURE_SKEW_MS + 1);
    expect(late.ok ? 'ok' : [late.error.code, late.error.location.field]).toEqual(['BAD_TIMESTAMP', 'occurred_at']);
    expect(at(Date.UTC(2000, 0, 1)).ok).toBe(true);
  });

  it('rejects an event type of another family', () => {
    const result = validate('compensation', { ...SAMPLE_COMPENSATION, event_type: 'SUCCEEDED' }, { now: NOW });
    expect(result.ok ? 'ok' : [result.error.code, result.error.location.field, result.error.location.value]).toEqual([
      'INVALID_FIELD',
      'event_type',
      'SUCCEEDED',
    ]);
  });

  it('accepts a PREFLIGHT_CHECKED event with its preflight fields', () => {
    const preflight = { ...SAMPLE_JOURNEY, event_type: 'PREFLIGHT_CHECKED', preflight_status: 'DEGRADED', preflight_reason: 'SAFETY_RISK' };
    expect(validate('journey', preflight, { now: NOW }).ok).toBe(true);
  });

  it('rejects non-finite rates and scores', () => {
    for (const rate of [NaN, Infinity, -1]) expect(validate('fx', { ...SAMPLE_FX, rate_to_reporting: rate }, { now: NOW }).ok).toBe(false);
    expect(validate('lem', { ...SAMPLE_LEM, current_score: NaN }, { now: NOW }).ok).toBe(false);
  });

  it('refuses a duration from 2^53 on as out of range, and takes 2^53 - 1', () => {
    const at = (d: number) => validate('journey', { ...SAMPLE_JOURNEY, duration_ms: d }, { now: NOW });
    expect(at(Number.MAX_SAFE_INTEGER).ok).toBe(true);
    const big = at(2 ** 53);
    expect(big.ok ? 'ok' : [big.error.code, big.error.location.field]).toEqual(['NUMBER_OUT_OF_RANGE', 'duration_ms']);
  });

  it('never quotes a personal value in a message, only its shape', () => {
    const id = `USR-${'9'.repeat(300)}`;
    const result = validate('refund', { ...SAMPLE_REFUND, user_id: id }, { now: NOW });
    expect(result.ok ? 'ok' : [result.error.code, result.error.location.field]).toEqual(['INVALID_FIELD', 'user_id']);
    if (!result.ok) {
      expect(result.error.message).not.toContain('USR-');
      expect(result.error.message).toContain(`a string of ${id.length} characters`);
    }
    // Nor text that names a personal field, whichever field holds it.
    const text = JSON.stringify({ user_id: 'USR-SECRET-1', pad: 'x'.repeat(300) });
    const other = validate('journey', { ...SAMPLE_JOURNEY, error_code: text }, { now: NOW });
    expect(other.ok ? 'ok' : [other.error.code, other.error.location.field]).toEqual(['INVALID_FIELD', 'error_code']);
    if (!other.ok) expect(other.error.message).not.toContain('USR-SECRET');
  });

  it('reports amounts decoded as BigInt by their size', () => {
    const big = validate('refund', { ...SAMPLE_REFUND, amount_minor: 2n ** 64n }, { now: NOW });
    expect(big.ok ? 'ok' : big.error.code).toBe('AMOUNT_OVERFLOW');
    const negative = validate('refund', { ...SAMPLE_REFUND, amount_minor: -(2n ** 64n) }, { now: NOW });
    expect(negative.ok ? 'ok' : negative.error.code).toBe('NEGATIVE_AMOUNT');
  });

  it('rejects a value that is not an object, and assertValid throws the same error', () => {
    const result = validate('fx', null, { now: NOW });
    expect(result.ok ? 'ok' : result.error.code).toBe('INVALID_FIELD');
    expect(() => assertValid('compensation', { ...SAMPLE_COMPENSATION, amount_minor: -5 }, { now: NOW })).toThrow(/amount_minor/);
    expect(assertValid('fx', SAMPLE_FX, { now: NOW })).toBe(SAMPLE_FX);
  });

  it('validates 100,000 events with the same verdicts every time', () => {
    const events = Array.from({ length: 100_000 }, (_, i) => ({ ...SAMPLE_COMPENSATION, amount_minor: i % 10 === 0 ? -(i + 1) : i }));
    let rejected = 0;
    for (const e of events) if (!validate('compensation', e, { now: NOW }).ok) rejected++;
    expect(rejected).toBe(10_000);
  });
});
