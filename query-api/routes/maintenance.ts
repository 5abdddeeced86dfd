import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MaintenanceName, MaintenanceSpec } from '../../processors/slo/index.js';
import type { KeyStore } from '../auth.js';
import type { ResolvedApiOptions } from '../options.js';
import { defineRoute } from '../route.js';
import { instant } from '../schemas.js';
import { MaintenanceService } from '../services/maintenance-service.js';

const WEEK_MS = 7 * 86_400_000;
const span = z.object({ from: z.string(), to: z.string() }).nullable();

export const maintenanceWindowSchema = z.object({
  name: z.string(),
  origin: z.enum(['file', 'api']).describe('Declared in the SLO folder (`declared_in` names file and document) or through this API.'),
  declared_in: z.string().nullable(),
  selector: z.object({ slos: z.array(z.string()), labels: z.record(z.string(), z.string()) }),
  start: z.string().describe('Wall-clock start in `time_zone`, YYYY-MM-DDTHH:MM; the first occurrence of a recurring window.'),
  duration: z.string(),
  rrule: z.string().nullable().describe('RFC 5545 recurrence rule (FREQ=WEEKLY;BYDAY=SU); null for a one-off window.'),
  time_zone: z.string(),
  reason: z.string(),
  slo_ids: z.array(z.string()).describe('The deployed SLOs it selects.'),
  active: span.describe('The occurrence holding the evaluation time, if any.'),
  next: span.describe('The first occurrence starting after the evaluation time, within a year.'),
  changed_by: z.string().nullable().describe('Role of the API key of the last change (API windows).'),
  changed_at: z.string().nullable(),
});

const { timeZone: _fileTimeZone, ...apiSpec } = MaintenanceSpec.shape;
const bodySchema = z.strictObject({
  name: MaintenanceName,
  ...apiSpec,
  time_zone: z.string().max(64).optional().describe('IANA time zone of `start` and of the recurrence. Default UTC.'),
});

/**
 * Maintenance windows: any authenticated role reads them (they explain the status page), the
 * SRE and admin roles declare and delete them. A window declared or deleted here reaches the
 * evaluator within seconds (it re-evaluates what the change touches) and every status at once.
 */
export function registerMaintenanceRoutes(app: FastifyInstance, keys: KeyStore, opts: ResolvedApiOptions): void {
  const service = new MaintenanceService(opts.warehouse, opts.slos, opts.now);
  defineRoute(app, keys, {
    method: 'GET',
    url: '/v1/maintenance-windows',
    area: 'status',
    summary: 'Maintenance windows of the SLO folder and of this API, with the occurrence in force and the next one.',
    tags: ['slo'],
    query: z.strictObject({ at: instant('Evaluation time for `active` and `next`; default: as `/v1/slos/status`.').optional() }),
    response: z.object({ evaluated_at: z.string(), windows: z.array(maintenanceWindowSchema) }),
    handler: async ({ query }) => service.list(query.at?.getTime()),
  });
  defineRoute(app, keys, {
    method: 'GET',
    url: '/status/maintenance',
    area: opts.publicStatus ? 'public' : 'status',
    summary: `Maintenance windows for the built-in status page (/status): those in force or starting within a week, at the status page's evaluation time. ${
      opts.publicStatus ? 'Public on this server.' : 'Any role, including the read-only `viewer` role.'
    }`,
    tags: ['status'],
    response: z.object({ evaluated_at: z.string(), windows: z.array(maintenanceWindowSchema) }),
    handler: async (_input, _request, reply) => {
      void reply.header('cache-control', 'no-store');
      const all = await service.list();
      const horizon = Date.parse(all.evaluated_at) + WEEK_MS;
      return { ...all, windows: all.windows.filter((w) => w.active !== null || (w.next !== null && Date.parse(w.next.from) < horizon)) };
    },
  });
  defineRoute(app, keys, {
    method: 'POST',
    url: '/v1/maintenance-windows',
    area: 'alerts',
    summary: 'Declare (or replace, by name) a maintenance window: its minutes count as no events for the SLOs it selects, and their signals are held back.',
    tags: ['slo'],
    body: bodySchema,
    response: maintenanceWindowSchema,
    handler: async ({ body, principal }) => {
      const { time_zone, ...rest } = body;
      return service.put({ ...rest, ...(time_zone !== undefined ? { timeZone: time_zone } : {}) }, principal?.role ?? 'unknown');
    },
  });
  defineRoute(app, keys, {
    method: 'DELETE',
    url: '/v1/maintenance-windows/:name',
    area: 'alerts',
    summary: 'Delete a maintenance window declared through this API; the minutes it covered count again.',
    tags: ['slo'],
    params: z.strictObject({ name: MaintenanceName }),
    response: z.object({ deleted: z.string() }),
    handler: async ({ params, principal }) => {
      await service.remove(params.name, principal?.role ?? 'unknown');
      return { deleted: params.name };
    },
  });
}
