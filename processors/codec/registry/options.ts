import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PipelineError } from '../../errors/index.js';
import { durationMs } from '../../util/duration-text.js';

/** A Confluent Schema Registry the codec takes its Confluent schema ids from. */
export interface SchemaRegistryOptions {
  /** Base URL, e.g. `https://psrc-xxxx.europe-west3.gcp.confluent.cloud`. Required. */
  url: string;
  /** HTTP basic auth (Confluent Cloud: the API key and secret). @default none */
  username?: string;
  password?: string;
  /**
   * Register the current schema of each output record (breach signals, quality scores, dead
   * letters) under `<topic>-value` when the subject's latest version is another schema. Off,
   * the subject must already hold the current schema, else the start fails naming it. Input
   * subjects belong to their producers and are only read.
   * @default false
   */
  autoRegister?: boolean;
  /** Per request. @default 10000 */
  timeoutMs?: number;
  /**
   * How long an id the registry does not know is refused without asking again (its records
   * go to the dead-letter topic meanwhile). @default 60000
   */
  unknownIdTtlMs?: number;
  /**
   * How long an unreachable registry is retried, with backoff, while a batch waits for an id,
   * before the consumer stops with SCHEMA_REGISTRY_UNAVAILABLE (SLO_RETRY_FOR).
   * @default 600000
   */
  retryForMs?: number;
}

export const SCHEMA_REGISTRY_DEFAULTS = { autoRegister: false, timeoutMs: 10_000, unknownIdTtlMs: 60_000, retryForMs: 600_000 } as const;

export type ResolvedSchemaRegistryOptions = Required<Pick<SchemaRegistryOptions, 'url' | 'autoRegister' | 'timeoutMs' | 'unknownIdTtlMs' | 'retryForMs'>> &
  Pick<SchemaRegistryOptions, 'username' | 'password'>;

const present = z.string().min(1, 'must not be empty');
const Env = z
  .strictObject({
    SLO_SCHEMA_REGISTRY_URL: z
      .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
      .refine((u) => new URL(u).username === '' && new URL(u).password === '', 'must not hold credentials: use SLO_SCHEMA_REGISTRY_USERNAME and _PASSWORD'),
    SLO_SCHEMA_REGISTRY_USERNAME: present.optional(),
    SLO_SCHEMA_REGISTRY_PASSWORD: present.optional(),
    SLO_SCHEMA_REGISTRY_PASSWORD_FILE: present.optional(),
    SLO_SCHEMA_REGISTRY_AUTO_REGISTER: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
    SLO_RETRY_FOR: z
      .string()
      .refine((v) => (durationMs(v) ?? -1) >= 0, 'must be a duration like 30s, 10m or 1h')
      .optional(),
  })
  .superRefine((e, ctx) => {
    const issue = (variable: string, message: string): void => ctx.addIssue({ code: 'custom', path: [variable], message });
    const password = e.SLO_SCHEMA_REGISTRY_PASSWORD !== undefined || e.SLO_SCHEMA_REGISTRY_PASSWORD_FILE !== undefined;
    if (e.SLO_SCHEMA_REGISTRY_PASSWORD !== undefined && e.SLO_SCHEMA_REGISTRY_PASSWORD_FILE !== undefined) {
      issue('SLO_SCHEMA_REGISTRY_PASSWORD', 'set either SLO_SCHEMA_REGISTRY_PASSWORD or SLO_SCHEMA_REGISTRY_PASSWORD_FILE, not both');
    } else if (password && e.SLO_SCHEMA_REGISTRY_USERNAME === undefined) {
      issue('SLO_SCHEMA_REGISTRY_USERNAME', 'is required with a registry password');
    } else if (!password && e.SLO_SCHEMA_REGISTRY_USERNAME !== undefined) {
      issue('SLO_SCHEMA_REGISTRY_PASSWORD', 'SLO_SCHEMA_REGISTRY_PASSWORD or SLO_SCHEMA_REGISTRY_PASSWORD_FILE is required with SLO_SCHEMA_REGISTRY_USERNAME');
    }
  });

const VARIABLES = [
  'SLO_SCHEMA_REGISTRY_URL',
  'SLO_SCHEMA_REGISTRY_USERNAME',
  'SLO_SCHEMA_REGISTRY_PASSWORD',
  'SLO_SCHEMA_REGISTRY_PASSWORD_FILE',
  'SLO_SCHEMA_REGISTRY_AUTO_REGISTER',
  'SLO_RETRY_FOR',
] as const;

/**
 * The schema registry from the environment: `SLO_SCHEMA_REGISTRY_URL`, basic auth from
 * `SLO_SCHEMA_REGISTRY_USERNAME` and `SLO_SCHEMA_REGISTRY_PASSWORD` (or `_PASSWORD_FILE`),
 * `SLO_SCHEMA_REGISTRY_AUTO_REGISTER`, and `SLO_RETRY_FOR` for outages. Null without a URL;
 * an invalid value is INVALID_CONFIG naming the variable.
 */
export function schemaRegistryOptionsFromEnv(env: NodeJS.ProcessEnv): ResolvedSchemaRegistryOptions | null {
  if (!env['SLO_SCHEMA_REGISTRY_URL']) return null;
  const given = Object.fromEntries(VARIABLES.flatMap((v) => (env[v] !== undefined && env[v] !== '' ? [[v, env[v]]] : [])));
  const parsed = Env.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'SLO_SCHEMA_REGISTRY_URL');
    throw new PipelineError('INVALID_CONFIG', `${variable}: ${issue?.message ?? 'invalid'}`, { field: variable });
  }
  const e = parsed.data;
  const password = e.SLO_SCHEMA_REGISTRY_PASSWORD ?? (e.SLO_SCHEMA_REGISTRY_PASSWORD_FILE !== undefined ? secretFile(e.SLO_SCHEMA_REGISTRY_PASSWORD_FILE) : undefined);
  return {
    ...SCHEMA_REGISTRY_DEFAULTS,
    url: e.SLO_SCHEMA_REGISTRY_URL.replace(/\/+$/, ''),
    ...(e.SLO_SCHEMA_REGISTRY_USERNAME !== undefined && password !== undefined ? { username: e.SLO_SCHEMA_REGISTRY_USERNAME, password } : {}),
    autoRegister: e.SLO_SCHEMA_REGISTRY_AUTO_REGISTER === 'true',
    ...(e.SLO_RETRY_FOR !== undefined ? { retryForMs: durationMs(e.SLO_RETRY_FOR) as number } : {}),
  };
}

/** Options given in code, with defaults. */
export function resolveSchemaRegistryOptions(options: SchemaRegistryOptions): ResolvedSchemaRegistryOptions {
  return { ...SCHEMA_REGISTRY_DEFAULTS, ...options, url: options.url.replace(/\/+$/, '') };
}

function secretFile(path: string): string {
  const variable = 'SLO_SCHEMA_REGISTRY_PASSWORD_FILE';
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new PipelineError('INVALID_CONFIG', `${variable}: cannot read ${path} (${why})`, { field: variable, file: path }, { cause: e });
  }
  if (text === '') throw new PipelineError('INVALID_CONFIG', `${variable}: ${path} is empty`, { field: variable, file: path });
  return text;
}
