import type { SloCatalog } from '../../processors/slo/index.js';
import { parseApiKeys, startApi, type HealthProvider, type RunningApi } from '../../query-api/index.js';
import type { Role, RoleContext, RoleHealth } from './role.js';

export interface ApiRoleOptions {
  host: string;
  port: number;
  catalog: SloCatalog;
  health: HealthProvider;
  /** Where the API's URLs are printed. */
  out: (line: string) => void;
}

/**
 * The query API, the status page and the OpenAPI docs: stateless and read-only (it starts no
 * writer: the board feed and the cost refresher belong to the evaluator's leader), so any
 * number of API processes can serve one warehouse.
 */
export class ApiRole implements Role {
  readonly name = 'api';
  readonly failure: unknown = undefined;
  private api: RunningApi | null = null;

  constructor(
    private readonly ctx: RoleContext,
    private readonly o: ApiRoleOptions,
  ) {}

  get url(): string | null {
    return this.api?.url ?? null;
  }

  async start(): Promise<void> {
    const keys = this.ctx.env['SLO_API_KEYS'];
    this.api = await startApi({
      warehouse: this.ctx.wh,
      sloCatalog: this.o.catalog,
      metrics: this.ctx.metrics.registry,
      host: this.o.host,
      port: this.o.port,
      health: this.o.health,
      boardFeed: false,
      auth: { keys: keys ? parseApiKeys(keys) : [] },
    });
    this.o.out(`status page: ${this.api.statusUrl}`);
    this.o.out(`query API:   ${this.api.url}/v1 (OpenAPI: ${this.api.url}/openapi.json, docs: ${this.api.url}/docs)`);
    if (this.api.ephemeralAdminKey) this.o.out(`admin API key for this process (set SLO_API_KEYS to configure keys): ${this.api.ephemeralAdminKey}`);
  }

  async stop(): Promise<void> {
    await this.api?.close();
    this.api = null;
  }

  async health(): Promise<RoleHealth> {
    return { status: this.api ? 'ok' : 'stopped', ...(this.api ? { url: this.api.url } : {}) };
  }
}
