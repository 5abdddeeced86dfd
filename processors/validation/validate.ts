import { FAMILIES, type EventOfFamily, type Family } from '../contracts/index.js';
import { PipelineError } from '../errors/index.js';
import { compileFamily, type FamilyCheck } from './fast-checks.js';

export interface ValidateOptions {
  /**
   * The clock `occurred_at` is checked against (epoch ms): events more than a day ahead of it
   * are BAD_TIMESTAMP. Pass it for deterministic replays and tests.
   * @default Date.now()
   */
  now?: number;
}

export type ValidationResult<F extends Family> =
  | { ok: true; event: EventOfFamily[F] }
  | { ok: false; error: PipelineError };

const CHECKS: Readonly<Record<Family, FamilyCheck>> = Object.fromEntries(FAMILIES.map((f) => [f, compileFamily(f)])) as Record<
  Family,
  FamilyCheck
>;

/**
 * Semantic validation of a decoded event (the shape `decode`/`fromJson` return). On success
 * the same object is returned, typed; on failure the error carries the specific code and
 * `location.field` / `location.value` of the first rule broken (fields in schema order,
 * then cross-field rules).
 */
export function validate<F extends Family>(family: F, value: unknown, options?: ValidateOptions): ValidationResult<F> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: new PipelineError('INVALID_FIELD', `a ${family} event must be an object`, { value }) };
  }
  const check = CHECKS[family];
  if (check === undefined) {
    return { ok: false, error: new PipelineError('UNKNOWN_TOPIC', `unknown input family ${String(family)}`, { value: family }) };
  }
  const error = check(value as Record<string, unknown>, options?.now ?? Date.now());
  return error === undefined ? { ok: true, event: value as EventOfFamily[F] } : { ok: false, error };
}

/** Like {@link validate}, but returns the event or throws the PipelineError. */
export function assertValid<F extends Family>(family: F, value: unknown, options?: ValidateOptions): EventOfFamily[F] {
  const result = validate(family, value, options);
  if (!result.ok) throw result.error;
  return result.event;
}
