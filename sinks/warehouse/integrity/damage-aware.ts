import { PipelineError, isPipelineError } from '../../../processors/errors/pipeline-error.js';
import type { Warehouse } from '../types.js';
import { RECOVERY_HINT } from './damage.js';
import { damageSite, isDamageError } from './damage-errors.js';

interface EngineError {
  message?: string;
  code?: string | number;
  clickhouseCode?: number;
  type?: string;
}

/** WAREHOUSE_DAMAGED for a failure whose engine error means damaged data; null for any other. */
export function asDamageError(e: unknown): PipelineError | null {
  if (isPipelineError(e) && e.code === 'WAREHOUSE_DAMAGED') return e;
  const cause = (isPipelineError(e) ? e.cause : e) as EngineError | undefined;
  if (!cause || typeof cause !== 'object') return null;
  const message = cause.message ?? '';
  if (!isDamageError(message, cause.clickhouseCode ?? cause.code ?? null, cause.type)) return null;
  const site = damageSite(message);
  const where = [site.table ? `table ${site.table}` : null, site.part ? `part ${site.part}` : null].filter(Boolean).join(' ');
  return new PipelineError('WAREHOUSE_DAMAGED', `${where ? `${where}: ` : ''}${site.what}; ${RECOVERY_HINT}`, {}, { cause: e });
}

const STATEMENTS = new Set<PropertyKey>(['exec', 'query', 'insert', 'insertJsonEachRow', 'insertNative']);

/**
 * The warehouse with every statement's failure on damaged data (a checksum mismatch, a missing
 * file in a part, a block that does not decompress) reported as WAREHOUSE_DAMAGED, whichever
 * adapter ran it: a read that meets damage after the open must be as loud as the open.
 * Everything else (the adapter's own members, `instanceof`) is the adapter's.
 */
export function withDamageErrors<W extends Warehouse>(wh: W): W {
  return new Proxy(wh, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (!STATEMENTS.has(prop)) return fn.bind(target);
      return async (...args: unknown[]): Promise<unknown> => {
        try {
          return await fn.apply(target, args);
        } catch (e) {
          throw asDamageError(e) ?? e;
        }
      };
    },
  });
}
