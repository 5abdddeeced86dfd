import { z } from 'zod';

/** Shared request pieces: pagination and instants. Every list route takes `limit` and `offset`. */
export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 100;
export const MAX_OFFSET = 1_000_000;

export const pagination = {
  limit: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_LIMIT, `must be at most ${MAX_LIMIT}`)
    .default(DEFAULT_LIMIT)
    .describe(`Page size (1..${MAX_LIMIT}).`),
  offset: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be at least 0')
    .max(MAX_OFFSET, `must be at most ${MAX_OFFSET}`)
    .default(0)
    .describe('Rows to skip.'),
};

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The `YYYY-MM-DD` at the start of `s` is a real calendar date (JS Date rolls 02-30 over to March). */
function realDate(s: string): boolean {
  const [y, m, d] = s.slice(0, 10).split('-').map(Number);
  if (y === undefined || m === undefined || d === undefined) return false;
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** `YYYY-MM-DD` (midnight UTC) or an ISO 8601 instant with a zone; parsed to a Date. */
export function instant(description: string) {
  return z
    .string()
    .max(40)
    .refine((s) => (DATE_ONLY.test(s) || DATE_TIME.test(s)) && realDate(s) && !Number.isNaN(Date.parse(DATE_ONLY.test(s) ? `${s}T00:00:00Z` : s)), {
      message: 'must be a date (YYYY-MM-DD) or an ISO 8601 instant with a zone (2024-05-01T12:00:00Z)',
    })
    .transform((s) => new Date(DATE_ONLY.test(s) ? `${s}T00:00:00Z` : s))
    .describe(description);
}

/** A UTC day `YYYY-MM-DD` (a real calendar date), kept as text; P&L bounds are whole days, inclusive. */
export function day(description: string) {
  return z
    .string()
    .regex(DATE_ONLY, 'must be a date YYYY-MM-DD')
    .refine(realDate, {
      message: 'must be a real calendar date',
    })
    .describe(description);
}

/** Checks `from <= to` for inclusive day bounds. */
export function checkDays(from: string | undefined, to: string | undefined): string | undefined {
  if (from && to && from > to) return 'query.from: must not be after query.to';
  return undefined;
}

/** An opaque identifier as docs/interfaces.md uses them (`OPS-INC-42`, `slo-vien-coffee`). */
export const identifier = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'may contain only letters, digits, ".", "_", ":" and "-"');

export function page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    limit: z.number().int(),
    offset: z.number().int(),
    total: z.number().int().describe('Rows matching the filters, before pagination.'),
  });
}

export interface Page<T> {
  items: T[];
  limit: number;
  offset: number;
  total: number;
}

export function paginate<T>(all: readonly T[], limit: number, offset: number): Page<T> {
  return { items: all.slice(offset, offset + limit), limit, offset, total: all.length };
}

/** Checks `from < to` when both are given. */
export function checkRange(from: Date | undefined, to: Date | undefined): string | undefined {
  if (from && to && from.getTime() >= to.getTime()) return 'query.from: must be before query.to';
  return undefined;
}
