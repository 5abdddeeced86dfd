export { DAMAGE_REASONS, BENIGN_REASONS, isDamageReason, findDamage, assertUndamaged, describeDamage, partName, watchDamage, RECOVERY_HINT, type DamagedPart, type DamageWatch } from './damage.js';
export { asDamageError, withDamageErrors } from './damage-aware.js';
export { isDamageError } from './damage-errors.js';
export { verifyWarehouse, withProblems, FACT_TABLES, type VerifyReport, type VerifyOptions, type RecordCheck, type OffsetFigures, type FactFigures, type FailedCheck } from './verify.js';
export { repairWarehouse, type RepairOutcome } from './repair.js';
export { openReadmissions, closeReadmissions, type Readmission } from './readmission.js';
