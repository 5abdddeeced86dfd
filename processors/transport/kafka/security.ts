import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PipelineError } from '../../errors/index.js';

/** SASL mechanisms the transport speaks (kafkajs' names). */
export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/**
 * How the transport authenticates to a managed cluster (Confluent Cloud, MSK, Aiven, a
 * self-run cluster with SASL and TLS). Built from the environment by
 * {@link kafkaSecurityFromEnv}: secrets never come from flags, which show in `ps`.
 */
export interface KafkaSecurity {
  /** SASL authentication; without it the client connects unauthenticated. */
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /**
   * TLS to the brokers. Without `ca`, the system's trusted CAs verify the broker; `cert`
   * and `key` (PEM) are a client certificate for clusters that require one (mutual TLS).
   */
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
}

/** The environment variables read by {@link kafkaSecurityFromEnv}. */
export const KAFKA_SECURITY_ENV = [
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_PASSWORD_FILE',
  'KAFKA_TLS',
  'KAFKA_TLS_CA_FILE',
  'KAFKA_TLS_CERT_FILE',
  'KAFKA_TLS_KEY_FILE',
  'KAFKA_TLS_REJECT_UNAUTHORIZED',
] as const;
type Variable = (typeof KAFKA_SECURITY_ENV)[number];

const bool = z.enum(['true', 'false'], { message: 'must be true or false' });
const present = z.string().min(1, 'must not be empty');

/** One key per variable: an issue's path is the variable to name. */
const Env = z
  .strictObject({
    KAFKA_SASL_MECHANISM: z
      .string()
      .transform((v) => v.toLowerCase())
      .pipe(z.enum(SASL_MECHANISMS, { message: `must be one of ${SASL_MECHANISMS.join(', ')}` }))
      .optional(),
    KAFKA_SASL_USERNAME: present.optional(),
    KAFKA_SASL_PASSWORD: present.optional(),
    KAFKA_SASL_PASSWORD_FILE: present.optional(),
    KAFKA_TLS: bool.optional(),
    KAFKA_TLS_CA_FILE: present.optional(),
    KAFKA_TLS_CERT_FILE: present.optional(),
    KAFKA_TLS_KEY_FILE: present.optional(),
    KAFKA_TLS_REJECT_UNAUTHORIZED: bool.optional(),
  })
  .superRefine((e, ctx) => {
    const issue = (variable: Variable, message: string): void => ctx.addIssue({ code: 'custom', path: [variable], message });
    const sasl = e.KAFKA_SASL_MECHANISM !== undefined;
    if (!sasl) {
      for (const v of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'] as const) {
        if (e[v] !== undefined) issue('KAFKA_SASL_MECHANISM', `is required when ${v} is set (one of ${SASL_MECHANISMS.join(', ')})`);
      }
    } else {
      if (e.KAFKA_SASL_USERNAME === undefined) issue('KAFKA_SASL_USERNAME', `is required with KAFKA_SASL_MECHANISM=${e.KAFKA_SASL_MECHANISM}`);
      if (e.KAFKA_SASL_PASSWORD !== undefined && e.KAFKA_SASL_PASSWORD_FILE !== undefined) {
        issue('KAFKA_SASL_PASSWORD', 'set either KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both');
      } else if (e.KAFKA_SASL_PASSWORD === undefined && e.KAFKA_SASL_PASSWORD_FILE === undefined) {
        issue('KAFKA_SASL_PASSWORD', `KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE is required with KAFKA_SASL_MECHANISM=${e.KAFKA_SASL_MECHANISM}`);
      }
    }
    if ((e.KAFKA_TLS_CERT_FILE === undefined) !== (e.KAFKA_TLS_KEY_FILE === undefined)) {
      issue(e.KAFKA_TLS_CERT_FILE === undefined ? 'KAFKA_TLS_CERT_FILE' : 'KAFKA_TLS_KEY_FILE', 'a client certificate needs both KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE');
    }
    if (e.KAFKA_TLS === 'false') {
      for (const v of ['KAFKA_TLS_CA_FILE', 'KAFKA_TLS_CERT_FILE', 'KAFKA_TLS_KEY_FILE', 'KAFKA_TLS_REJECT_UNAUTHORIZED'] as const) {
        if (e[v] !== undefined) issue('KAFKA_TLS', `is false but ${v} is set`);
      }
    }
  });

/**
 * The transport's security from the environment, validated whole: `KAFKA_SASL_MECHANISM`
 * (`plain`, `scram-sha-256`, `scram-sha-512`), `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD`
 * or `KAFKA_SASL_PASSWORD_FILE` (a mounted secret; one trailing newline is dropped),
 * `KAFKA_TLS` (`true`/`false`; implied by any `KAFKA_TLS_*_FILE`), `KAFKA_TLS_CA_FILE`,
 * `KAFKA_TLS_CERT_FILE` + `KAFKA_TLS_KEY_FILE` (PEM), `KAFKA_TLS_REJECT_UNAUTHORIZED`
 * (default `true`). Files are read and parsed here, so a missing or malformed one stops the
 * start. Any problem is INVALID_CONFIG naming the variable. Empty variables count as unset.
 */
export function kafkaSecurityFromEnv(env: NodeJS.ProcessEnv): KafkaSecurity {
  const given = Object.fromEntries(KAFKA_SECURITY_ENV.flatMap((v) => (env[v] !== undefined && env[v] !== '' ? [[v, env[v]]] : [])));
  const parsed = Env.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'KAFKA_SASL_MECHANISM');
    throw new PipelineError('INVALID_CONFIG', `${variable}: ${issue?.message ?? 'invalid'}`, { field: variable });
  }
  const e = parsed.data;
  const security: KafkaSecurity = {};
  if (e.KAFKA_SASL_MECHANISM !== undefined && e.KAFKA_SASL_USERNAME !== undefined) {
    const password = e.KAFKA_SASL_PASSWORD ?? secretFile('KAFKA_SASL_PASSWORD_FILE', e.KAFKA_SASL_PASSWORD_FILE as string);
    security.sasl = { mechanism: e.KAFKA_SASL_MECHANISM, username: e.KAFKA_SASL_USERNAME, password };
  }
  const files = e.KAFKA_TLS_CA_FILE !== undefined || e.KAFKA_TLS_CERT_FILE !== undefined;
  if (e.KAFKA_TLS === 'true' || files || e.KAFKA_TLS_REJECT_UNAUTHORIZED !== undefined) {
    security.tls = { rejectUnauthorized: e.KAFKA_TLS_REJECT_UNAUTHORIZED !== 'false' };
    if (e.KAFKA_TLS_CA_FILE !== undefined) security.tls.ca = pemFile('KAFKA_TLS_CA_FILE', e.KAFKA_TLS_CA_FILE, 'certificate');
    if (e.KAFKA_TLS_CERT_FILE !== undefined && e.KAFKA_TLS_KEY_FILE !== undefined) {
      security.tls.cert = pemFile('KAFKA_TLS_CERT_FILE', e.KAFKA_TLS_CERT_FILE, 'certificate');
      security.tls.key = pemFile('KAFKA_TLS_KEY_FILE', e.KAFKA_TLS_KEY_FILE, 'key');
    }
  }
  return security;
}

/** A one-line description without secrets, for the start-up log. */
export function describeKafkaSecurity(security: KafkaSecurity | undefined): string {
  const sasl = security?.sasl ? `SASL ${security.sasl.mechanism.toUpperCase()} as ${security.sasl.username}` : 'no SASL';
  const tls = security?.tls
    ? `TLS${security.tls.ca ? ' (own CA)' : ''}${security.tls.cert ? ' with a client certificate' : ''}${security.tls.rejectUnauthorized ? '' : ' NOT verifying the broker'}`
    : 'no TLS';
  return `${sasl}, ${tls}`;
}

function read(variable: Variable, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new PipelineError('INVALID_CONFIG', `${variable}: cannot read ${path} (${why})`, { field: variable, file: path }, { cause: e });
  }
}

function secretFile(variable: Variable, path: string): string {
  const text = read(variable, path).replace(/\r?\n$/, '');
  if (text === '') throw new PipelineError('INVALID_CONFIG', `${variable}: ${path} is empty`, { field: variable, file: path });
  return text;
}

function pemFile(variable: Variable, path: string, kind: 'certificate' | 'key'): string {
  const text = read(variable, path);
  try {
    if (kind === 'certificate') new X509Certificate(text);
    else createPrivateKey(text);
  } catch (e) {
    throw new PipelineError('INVALID_CONFIG', `${variable}: ${path} is not a PEM ${kind} (${(e as Error).message})`, { field: variable, file: path }, { cause: e });
  }
  return text;
}
