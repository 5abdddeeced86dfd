import type { z } from 'zod';
import { PipelineError } from '../errors/index.js';

/**
 * Validates adapter options once, at construction. Unknown keys are rejected by the strict
 * schemas, and the error names the offending field and value so a typo in configuration
 * fails loudly instead of silently falling back to a default.
 */
export function parseOptions<S extends z.ZodType>(what: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue ? issue.path.map(String).join('.') : '';
  const keys = issue && issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '';
  const field = keys || path || '(options)';
  const message = `${what} option ${field}: ${issue?.message ?? 'invalid'}`;
  throw new PipelineError('INVALID_CONFIG', message, { field });
}
