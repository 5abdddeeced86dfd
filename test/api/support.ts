import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApi, hashApiKey, type ApiOptions, type Role } from '../../query-api/index.js';
import type { AccessArea } from '../../query-api/auth.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';

/** One plain key per role; the API is configured with their hashes only. */
export const KEYS: Record<Role, string> = {
  finance: 'test-key-finance-0123456789abcdef',
  sre: 'test-key-sre-0123456789abcdef',
  product: 'test-key-product-0123456789abcdef',
  viewer: 'test-key-viewer-0123456789abcdef',
  admin: 'test-key-admin-0123456789abcdef',
};

export function auth(role: Role): Record<string, string> {
  return { authorization: `Bearer ${KEYS[role]}` };
}

export async function testApi(warehouse: Warehouse, options: Partial<ApiOptions> = {}): Promise<FastifyInstance> {
  return buildApi({
    warehouse,
    ...options,
    auth: {
      keys: (Object.keys(KEYS) as Role[]).map((role) => ({ role, sha256: hashApiKey(KEYS[role]), name: `test-${role}` })),
      ...options.auth,
    },
  });
}

/** Every protected route with a valid request, and who may call it. */
export interface RouteCase {
  area: AccessArea;
  request: InjectOptions & { url: string; method: 'GET' | 'POST' };
}

export const BACKTEST_YAML = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: proposed-journey-success
spec:
  service: tjm
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 28d
      isRolling: true
  indicator:
    metadata: { name: journey-success }
    spec:
      ratioMetric:
        counter: true
        good: { metricSource: { type: slo-pipeline, spec: { topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED] } } }
        total: { metricSource: { type: slo-pipeline, spec: { topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED, JOURNEY_FAILED, JOURNEY_ABANDONED] } } }
  objectives:
    - target: 0.95
`;

export function routeCases(sloId: string, incidentId: string, from: string, to: string): RouteCase[] {
  return [
    { area: 'slo', request: { method: 'GET', url: '/v1/slos' } },
    { area: 'slo', request: { method: 'GET', url: '/v1/slos/status' } },
    { area: 'slo', request: { method: 'GET', url: `/v1/slos/${sloId}/status` } },
    { area: 'slo', request: { method: 'GET', url: `/v1/slos/${sloId}/history?from=${from}&to=${to}&step_minutes=60` } },
    { area: 'alerts', request: { method: 'GET', url: '/v1/alerts' } },
    { area: 'alerts', request: { method: 'GET', url: '/v1/notifications' } },
    { area: 'health', request: { method: 'GET', url: '/v1/health' } },
    {
      area: 'backtest',
      request: {
        method: 'POST',
        url: `/v1/backtest?from=${from}&to=${to}`,
        headers: { 'content-type': 'application/yaml' },
        payload: BACKTEST_YAML,
      },
    },
    { area: 'backtest', request: { method: 'GET', url: `/v1/slos/${sloId}/sweep?from=${from}&to=${to}` } },
    { area: 'finance', request: { method: 'GET', url: '/v1/pnl?by=month' } },
    { area: 'finance', request: { method: 'GET', url: '/v1/incidents' } },
    { area: 'finance', request: { method: 'GET', url: `/v1/incidents/${incidentId}` } },
  ];
}

export function withHeaders(req: RouteCase['request'], headers: Record<string, string>): InjectOptions {
  return { ...req, headers: { ...(req.headers as Record<string, string> | undefined), ...headers } };
}

export function json<T = Record<string, unknown>>(body: string): T {
  return JSON.parse(body) as T;
}
