import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { z } from 'zod';
import { allowed, presentedKey, type AccessArea, type KeyStore, type Principal } from './auth.js';
import { ApiError, errorBodySchema, sendError, zodMessage } from './errors.js';

/**
 * One place that turns a route description into a fastify route: zod schemas validate the
 * request (so a 400 names the field) and are converted to JSON Schema for the OpenAPI
 * document; authentication and the role check run first, in `onRequest`, so an
 * unauthenticated caller learns nothing about parameters.
 */
export interface RouteSpec<Q extends z.ZodType, P extends z.ZodType, B extends z.ZodType> {
  method: HTTPMethods;
  url: string;
  /** Who may call it; `public` routes carry no data (liveness, docs shell). */
  area: AccessArea | 'public';
  summary: string;
  description?: string;
  tags: string[];
  query?: Q;
  params?: P;
  body?: B;
  /** Body content types documented and accepted (JSON unless given). */
  bodyContentTypes?: string[];
  /** Response schema for the 200 answer (documentation). */
  response?: z.ZodType;
  /** Extra documented 200 content types (e.g. text/csv). */
  produces?: string[];
  /** Per-route rate limit (requests per window per API key). */
  rateLimit?: { max: number; timeWindowMs: number };
  handler: (
    input: { query: z.output<Q>; params: z.output<P>; body: z.output<B>; principal: Principal | undefined },
    request: FastifyRequest,
    reply: FastifyReply,
  ) => Promise<unknown>;
}

const principals = new WeakMap<FastifyRequest, Principal>();

export function principalOf(request: FastifyRequest): Principal | undefined {
  return principals.get(request);
}

function toJson(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
}

const ERROR_DOC = toJson(errorBodySchema, 'output');

/** Authenticates and checks the role; true when the request may go on. */
export function authorize(keys: KeyStore, area: AccessArea, request: FastifyRequest, reply: FastifyReply): boolean {
  const key = presentedKey(request.headers);
  if (key === undefined) {
    void reply.header('www-authenticate', 'Bearer realm="slo-pipeline"');
    sendError(reply, new ApiError('UNAUTHENTICATED', 'Missing API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>".'));
    return false;
  }
  const principal = keys.verify(key);
  if (!principal) {
    void reply.header('www-authenticate', 'Bearer realm="slo-pipeline", error="invalid_token"');
    sendError(reply, new ApiError('UNAUTHENTICATED', 'Unknown API key.'));
    return false;
  }
  principals.set(request, principal);
  if (!allowed(area, principal.role)) {
    sendError(reply, new ApiError('FORBIDDEN', `Role "${principal.role}" may not use ${request.routeOptions.url ?? request.url}.`));
    return false;
  }
  return true;
}

function parsePart<T extends z.ZodType>(schema: T | undefined, value: unknown, part: string): z.output<T> {
  if (!schema) return undefined as z.output<T>;
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const { message, field } = zodMessage(part, result.error);
    throw new ApiError('BAD_ARGUMENT', message, field);
  }
  return result.data;
}

export function defineRoute<Q extends z.ZodType = z.ZodUndefined, P extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined>(
  app: FastifyInstance,
  keys: KeyStore,
  spec: RouteSpec<Q, P, B>,
): void {
  const area = spec.area;
  const responses: Record<string, unknown> = {};
  if (spec.response || spec.produces) {
    const content: Record<string, unknown> = {};
    if (spec.response) content['application/json'] = { schema: toJson(spec.response, 'output') };
    for (const type of spec.produces ?? []) content[type] = { schema: { type: 'string' } };
    responses['200'] = { description: 'OK', content };
  }
  if (area !== 'public') {
    responses['401'] = { description: 'Missing or unknown API key', content: { 'application/json': { schema: ERROR_DOC } } };
    responses['403'] = { description: 'Role not allowed', content: { 'application/json': { schema: ERROR_DOC } } };
  }
  if (spec.query || spec.params || spec.body) {
    responses['400'] = { description: 'Bad parameters', content: { 'application/json': { schema: ERROR_DOC } } };
  }
  if (spec.rateLimit) responses['429'] = { description: 'Rate limited', content: { 'application/json': { schema: ERROR_DOC } } };

  const schema: Record<string, unknown> = {
    summary: spec.summary,
    tags: spec.tags,
    response: responses,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.query ? { querystring: toJson(spec.query, 'input') } : {}),
    ...(spec.params ? { params: toJson(spec.params, 'input') } : {}),
    ...(area === 'public' ? { security: [] } : { security: [{ bearerAuth: [] }, { apiKeyHeader: [] }] }),
  };
  if (spec.body) {
    const bodyJson = toJson(spec.body, 'input');
    const types = spec.bodyContentTypes ?? ['application/json'];
    schema['body'] = { content: Object.fromEntries(types.map((t) => [t, { schema: bodyJson }])) };
  }

  app.route({
    method: spec.method,
    url: spec.url,
    schema,
    ...(spec.rateLimit
      ? { config: { rateLimit: { max: spec.rateLimit.max, timeWindow: spec.rateLimit.timeWindowMs, hook: 'preHandler' } } }
      : {}),
    onRequest: async (request, reply) => {
      if (area === 'public') return;
      if (!authorize(keys, area, request, reply)) return reply;
      return undefined;
    },
    handler: async (request, reply) => {
      const query = parsePart(spec.query, request.query, 'query');
      const params = parsePart(spec.params, request.params, 'params');
      const body = parsePart(spec.body, request.body, 'body');
      return spec.handler({ query, params, body, principal: principals.get(request) }, request, reply);
    },
  });
}
