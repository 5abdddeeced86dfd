import { buildApi } from './app.js';
import { generateApiKey, hashApiKey, type ApiKeyEntry } from './auth.js';
import { createLogger } from '../processors/observability/logger.js';
import { startBoardFeed } from '../processors/slo/index.js';
import { resolveOptions, type ApiOptions } from './options.js';

export { buildApi } from './app.js';
export { ROLES, ACCESS, hashApiKey, generateApiKey, parseApiKeys, type Role, type ApiKeyEntry } from './auth.js';
export { API_ERROR_CODES, type ApiErrorCode } from './errors.js';
export type { ApiOptions, ApiAuthOptions, HealthProvider, PipelineHealthFigures } from './options.js';

export interface RunningApi {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The built-in status page. */
  statusUrl: string;
  /**
   * Set when no key was configured: a fresh admin key for this process only (its hash is
   * kept in memory), so a local `npm start` is usable. Print it once; it is never stored.
   */
  ephemeralAdminKey?: string;
  close(): Promise<void>;
}

/** Builds the API and listens on host:port (default 127.0.0.1:8080; port 0 picks one). */
export async function startApi(options: ApiOptions): Promise<RunningApi> {
  const resolved = resolveOptions(options);
  let ephemeralAdminKey: string | undefined;
  // One catalog for the routes and the board feed.
  let effective: ApiOptions = { ...options, sloCatalog: resolved.slos };
  if (resolved.keys.length === 0) {
    ephemeralAdminKey = generateApiKey();
    const keys: ApiKeyEntry[] = [{ role: 'admin', sha256: hashApiKey(ephemeralAdminKey), name: 'ephemeral-admin' }];
    effective = { ...effective, auth: { ...options.auth, keys } };
  }
  const app = await buildApi(effective);
  await app.listen({ host: resolved.host, port: resolved.port });
  const feed = resolved.boardFeed
    ? startBoardFeed(resolved.warehouse, resolved.slos, { ...resolved.boardFeed, logger: createLogger('board-feed') })
    : undefined;
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : resolved.port;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  const displayHost = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
  const url = `http://${displayHost}:${port}`;
  return {
    url,
    statusUrl: `${url}/status`,
    ...(ephemeralAdminKey ? { ephemeralAdminKey } : {}),
    close: async () => {
      await feed?.stop();
      await app.close();
    },
  };
}
