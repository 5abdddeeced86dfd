import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { isPipelineError } from '../processors/errors/index.js';

/**
 * Error codes of the HTTP surface. Input problems reuse the pipeline's codes
 * (`BAD_ARGUMENT`, `INVALID_SLO`); the rest are HTTP-only. Every error body has the shape
 * `{ "error": { "code", "message", "field"? } }`.
 */
export const API_ERROR_CODES = {
  UNAUTHENTICATED: { status: 401, doc: 'No API key, or a key that is not configured.' },
  FORBIDDEN: { status: 403, doc: "The key's role may not use this route." },
  BAD_ARGUMENT: { status: 400, doc: 'A query parameter, path parameter or body is missing or malformed; the message names it.' },
  INVALID_SLO: { status: 400, doc: 'A proposed SLO definition does not parse or names an unknown field, topic, event type or window.' },
  NOT_FOUND: { status: 404, doc: 'No such SLO, incident or route.' },
  RATE_LIMITED: { status: 429, doc: 'Too many requests on an expensive route; retry after the `retry-after` seconds.' },
  UNAVAILABLE: { status: 503, doc: 'The warehouse or the SLO definitions are not available right now.' },
  INTERNAL: { status: 500, doc: 'An unexpected failure; details are in the server log, never in the response.' },
} as const;
export type ApiErrorCode = keyof typeof API_ERROR_CODES;

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly field: string | undefined;
  constructor(code: ApiErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.field = field;
  }
  get status(): number {
    return API_ERROR_CODES[this.code].status;
  }
}

export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(API_ERROR_CODES) as [ApiErrorCode, ...ApiErrorCode[]]),
    message: z.string(),
    field: z.string().optional(),
  }),
});

export function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  const body = { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } };
  return reply.code(err.status).type('application/json; charset=utf-8').send(body);
}

/** One message naming every bad field: `query.limit: must be <= 1000; query.by: ...`. */
export function zodMessage(part: string, error: z.ZodError): { message: string; field: string } {
  const first = error.issues[0];
  const pathOf = (p: ReadonlyArray<PropertyKey>): string => [part, ...p.map(String)].join('.');
  const message = error.issues
    .slice(0, 5)
    .map((i) => `${pathOf(i.path)}: ${i.message}`)
    .join('; ');
  return { message, field: first ? pathOf(first.path) : part };
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    if (err instanceof ApiError) return sendError(reply, err);
    if (isPipelineError(err) && (err.code === 'INVALID_SLO' || err.code === 'BAD_ARGUMENT')) {
      return sendError(reply, new ApiError(err.code, err.message, err.location.field));
    }
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status === 429) return sendError(reply, new ApiError('RATE_LIMITED', err.message));
    if (status >= 400 && status < 500) {
      // Fastify's own 4xx (malformed JSON, body too large, unsupported media type).
      const code: ApiErrorCode = status === 404 ? 'NOT_FOUND' : 'BAD_ARGUMENT';
      return reply.code(status).send({ error: { code, message: err.message } });
    }
    if (isPipelineError(err) && err.canRetry) {
      request.log.warn({ err }, 'warehouse unavailable');
      return sendError(reply, new ApiError('UNAVAILABLE', 'The warehouse is not available; retry later.'));
    }
    request.log.error({ err }, 'request failed');
    return sendError(reply, new ApiError('INTERNAL', 'Internal error; see the server log.'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new ApiError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0] ?? ''}`)),
  );
}
