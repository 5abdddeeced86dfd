import Fastify, { type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { KeyStore } from './auth.js';
import { installErrorHandler, API_ERROR_CODES } from './errors.js';
import { resolveOptions, type ApiOptions, type ResolvedApiOptions } from './options.js';
import { principalOf } from './route.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerSloRoutes } from './routes/slos.js';
import { registerFinanceRoutes } from './routes/finance.js';
import { registerStatusRoutes } from './routes/status.js';
import { registerNotificationRoutes } from './routes/notifications.js';
import { registerMaintenanceRoutes } from './routes/maintenance.js';
import { registerSeriesRoutes } from './routes/series.js';
import { registerChartAssets } from './status-page/assets.js';
import { createServices } from './services/index.js';

const API_DESCRIPTION = `Query API of the SLO and incident-economics pipeline.

Authentication: every data route needs an API key, sent as \`Authorization: Bearer <key>\` or
\`X-API-Key: <key>\`. Keys are configured as SHA-256 hashes with a role (\`SLO_API_KEYS\`).
Roles: \`finance\` (P&L, incidents), \`sre\` (SLOs, alerts, health), \`product\` (SLOs, backtest),
\`viewer\` (status page data only), \`admin\` (everything). No key: 401; wrong role: 403.

Errors: \`{"error": {"code", "message", "field"?}}\` with codes
${Object.entries(API_ERROR_CODES)
  .map(([code, e]) => `\`${code}\` (${e.status}): ${e.doc}`)
  .join('\n')}`;

/** Builds the fastify instance with every route registered (not listening; use `inject()` in tests). */
export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const opts: ResolvedApiOptions = resolveOptions(options);
  const keys = new KeyStore(opts.keys);
  const app = Fastify({ logger: opts.logger, bodyLimit: 256 * 1024, trustProxy: false });

  // Requests are validated by the zod schemas in each route (see route.ts), which give
  // messages naming the field; the JSON Schemas in the route options only document them.
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  installErrorHandler(app);

  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => principalOf(request)?.id ?? request.ip,
    // The builder's result is thrown; the error handler turns it into the RATE_LIMITED body.
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`Rate limit of ${context.max} requests per ${context.after} exceeded; retry later.`), { statusCode: 429 }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'slo-pipeline query API', version: '1.0.0', description: API_DESCRIPTION },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key as a bearer token.' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      tags: [
        { name: 'slo', description: 'SLO status, history, alerts and backtests (sre, product)' },
        { name: 'finance', description: 'Incident P&L and drill-down (finance)' },
        { name: 'health', description: 'Pipeline health (sre)' },
        { name: 'status', description: 'Built-in status page' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const services = createServices(opts);
  registerHealthRoutes(app, keys, opts);
  registerSloRoutes(app, keys, opts, services);
  registerFinanceRoutes(app, keys, opts, services);
  registerStatusRoutes(app, keys, opts, services);
  registerNotificationRoutes(app, keys, opts);
  registerMaintenanceRoutes(app, keys, opts);
  registerSeriesRoutes(app, keys, opts, services);
  registerChartAssets(app);
  await app.ready();
  return app;
}
