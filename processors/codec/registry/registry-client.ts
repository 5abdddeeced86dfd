import { PipelineError } from '../../errors/index.js';
import type { ResolvedSchemaRegistryOptions } from './options.js';

/** A schema as the registry answers it. */
export interface RegisteredSchema {
  id: number;
  /** The subject's version (subject lookups only). */
  version?: number;
  /** `AVRO` unless the registry says otherwise (it omits the field for Avro). */
  schemaType: string;
  /** The schema text parsed; undefined for non-JSON (Protobuf) schemas. */
  schema: Record<string, unknown> | undefined;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * The three Confluent Schema Registry calls the pipeline needs, over `fetch`: a subject's
 * latest version, registering a schema under a subject, and a schema by its global id.
 * Failures are typed: an unreachable registry or a 5xx is SCHEMA_REGISTRY_UNAVAILABLE (a retry
 * can help); refused credentials, an incompatible schema or a malformed answer is
 * INVALID_CONFIG; "not found" is a null answer, not an error.
 */
export class SchemaRegistryClient {
  private readonly authorization: string | undefined;

  constructor(private readonly options: Pick<ResolvedSchemaRegistryOptions, 'url' | 'username' | 'password' | 'timeoutMs'>) {
    this.authorization =
      options.username !== undefined && options.password !== undefined
        ? `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`
        : undefined;
  }

  get url(): string {
    return this.options.url;
  }

  /** `GET /subjects/{subject}/versions/latest`; null when the subject has no version. */
  async latest(subject: string): Promise<RegisteredSchema | null> {
    const body = await this.call('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`, `looking up subject ${subject}`);
    return body === null ? null : registered(body, `subject ${subject}`);
  }

  /**
   * `POST /subjects/{subject}/versions`: the schema's global id (the existing one when the
   * subject already holds this schema). An incompatible schema (409) is INVALID_CONFIG.
   */
  async register(subject: string, schema: Readonly<Record<string, unknown>>): Promise<number> {
    const what = `registering the schema under subject ${subject}`;
    const body = await this.call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, what, { schema: JSON.stringify(schema) });
    const id = body?.['id'];
    if (typeof id !== 'number' || !Number.isInteger(id)) throw malformed(what, body);
    return id;
  }

  /** `GET /schemas/ids/{id}`; null when the registry does not know the id. */
  async schemaById(id: number): Promise<RegisteredSchema | null> {
    const body = await this.call('GET', `/schemas/ids/${id}`, `looking up schema id ${id}`);
    return body === null ? null : registered({ ...body, id }, `schema id ${id}`);
  }

  private async call(method: 'GET' | 'POST', path: string, what: string, payload?: unknown): Promise<Record<string, unknown> | null> {
    let res: Response;
    try {
      res = await fetch(`${this.options.url}${path}`, {
        method,
        headers: {
          accept: `${CONTENT_TYPE}, application/json`,
          ...(payload !== undefined ? { 'content-type': CONTENT_TYPE } : {}),
          ...(this.authorization !== undefined ? { authorization: this.authorization } : {}),
        },
        ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (e) {
      // fetch fails with a bare "fetch failed" TypeError; the reason is its cause.
      const inner = (e as { cause?: { code?: string; message?: string } }).cause;
      const cause = inner?.code ?? inner?.message ?? (e as Error).message;
      throw new PipelineError('SCHEMA_REGISTRY_UNAVAILABLE', `schema registry ${this.options.url}: ${what} failed (${cause})`, {}, { cause: e });
    }
    const text = await res.text().catch(() => '');
    let body: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = text === '' ? null : JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      // not JSON: judged by the status below
    }
    if (res.ok) {
      if (body === null) throw malformed(what, text);
      return body;
    }
    const message = typeof body?.['message'] === 'string' ? (body['message'] as string).replace(/\s+/g, ' ').slice(0, 300) : `HTTP ${res.status}`;
    const where = `schema registry ${this.options.url}: ${what}`;
    if (res.status === 404) return null;
    if (res.status === 401 || res.status === 403) {
      throw new PipelineError('INVALID_CONFIG', `${where}: credentials refused (${res.status}): check SLO_SCHEMA_REGISTRY_USERNAME and _PASSWORD`, { field: 'SLO_SCHEMA_REGISTRY_USERNAME' });
    }
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      throw new PipelineError('SCHEMA_REGISTRY_UNAVAILABLE', `${where}: ${res.status} ${message}`);
    }
    // 409 (incompatible with the subject's compatibility rule), 422 (invalid schema) and the rest.
    throw new PipelineError('INVALID_CONFIG', `${where}: refused (${res.status}): ${message}`);
  }
}

function registered(body: Record<string, unknown>, what: string): RegisteredSchema {
  const { id, version, schemaType, schema } = body;
  if (typeof id !== 'number' || !Number.isInteger(id) || typeof schema !== 'string') throw malformed(`looking up ${what}`, body);
  const type = typeof schemaType === 'string' ? schemaType : 'AVRO';
  let parsed: Record<string, unknown> | undefined;
  if (type === 'AVRO') {
    try {
      const json: unknown = JSON.parse(schema);
      if (json !== null && typeof json === 'object' && !Array.isArray(json)) parsed = json as Record<string, unknown>;
    } catch {
      parsed = undefined;
    }
  }
  return { id, ...(typeof version === 'number' ? { version } : {}), schemaType: type, schema: parsed };
}

function malformed(what: string, body: unknown): PipelineError {
  const shown = (typeof body === 'string' ? body : JSON.stringify(body) ?? '').slice(0, 200);
  return new PipelineError('INVALID_CONFIG', `schema registry: ${what}: unexpected answer ${shown}`);
}
