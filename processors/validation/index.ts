export { validate, assertValid, type ValidateOptions, type ValidationResult } from './validate.js';
export { validateWithZod, zodSchemaFor } from './zod-schemas.js';
export {
  VALIDATION_RULES,
  FIELD_RULES,
  CROSS_RULES,
  KIND_CHECKS,
  MAX_ID_LENGTH,
  MAX_TEXT_LENGTH,
  MAX_LIST_ITEMS,
  MIN_OCCURRED_AT,
  MAX_FUTURE_SKEW_MS,
  PERSONAL_FIELDS,
  isPersonalPath,
  mentionsPersonal,
  type ValidationRule,
  type FieldRule,
  type FieldKind,
  type CrossRule,
  type KindCheck,
} from './rules.js';
