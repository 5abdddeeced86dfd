import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { PipelineError } from '../../errors/index.js';
import { classifyKafkaError, isAuthFailure } from './errors.js';
import { kafkaError } from './kafka-transport.js';
import { createKafkaTransport, describeKafkaSecurity, kafkaSecurityFromEnv } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'slo-kafka-security-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};
const KEY = file('client.key', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());

function refused(env: NodeJS.ProcessEnv): PipelineError {
  try {
    kafkaSecurityFromEnv(env);
  } catch (e) {
    expect(e).toBeInstanceOf(PipelineError);
    expect((e as PipelineError).code).toBe('INVALID_CONFIG');
    return e as PipelineError;
  }
  throw new Error('expected INVALID_CONFIG');
}

describe('kafkaSecurityFromEnv', () => {
  it('nothing set: no SASL, no TLS (empty variables count as unset)', () => {
    expect(kafkaSecurityFromEnv({})).toEqual({});
    expect(kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: '', KAFKA_TLS: '' })).toEqual({});
  });

  it('reads the mechanism case-insensitively and the password from a file without its trailing newline', () => {
    const path = file('password', 's3cret\n');
    expect(kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: path })).toEqual({
      sasl: { mechanism: 'scram-sha-256', username: 'u', password: 's3cret' },
    });
  });

  it('TLS: on by KAFKA_TLS or implied by a file; the broker is verified unless told otherwise', () => {
    expect(kafkaSecurityFromEnv({ KAFKA_TLS: 'true' })).toEqual({ tls: { rejectUnauthorized: true } });
    expect(kafkaSecurityFromEnv({ KAFKA_TLS_REJECT_UNAUTHORIZED: 'false' })).toEqual({ tls: { rejectUnauthorized: false } });
    expect(kafkaSecurityFromEnv({ KAFKA_TLS: 'false' })).toEqual({});
  });

  it.each<[string, NodeJS.ProcessEnv, string, RegExp]>([
    ['an unknown mechanism', { KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, 'KAFKA_SASL_MECHANISM', /plain, scram-sha-256, scram-sha-512/],
    ['a missing password', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_PASSWORD', /required/],
    ['a password twice', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SASL_PASSWORD_FILE: '/x' }, 'KAFKA_SASL_PASSWORD', /not both/],
    ['a missing user name', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'p' }, 'KAFKA_SASL_USERNAME', /required/],
    ['credentials without a mechanism', { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, 'KAFKA_SASL_MECHANISM', /required/],
    ['an unreadable password file', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: '/nonexistent/pw' }, 'KAFKA_SASL_PASSWORD_FILE', /cannot read .*ENOENT/],
    ['an empty password file', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: file('empty', '\n') }, 'KAFKA_SASL_PASSWORD_FILE', /is empty/],
    ['an unreadable CA file', { KAFKA_TLS_CA_FILE: '/nonexistent/ca.pem' }, 'KAFKA_TLS_CA_FILE', /cannot read/],
    ['a CA file that is not a certificate', { KAFKA_TLS_CA_FILE: KEY }, 'KAFKA_TLS_CA_FILE', /not a PEM certificate/],
    ['a key that is not a key', { KAFKA_TLS_CERT_FILE: KEY, KAFKA_TLS_KEY_FILE: file('junk', 'junk') }, 'KAFKA_TLS_CERT_FILE', /not a PEM certificate/],
    ['a client certificate without its key', { KAFKA_TLS_CERT_FILE: '/x' }, 'KAFKA_TLS_KEY_FILE', /both/],
    ['TLS off with a CA file', { KAFKA_TLS: 'false', KAFKA_TLS_CA_FILE: '/x' }, 'KAFKA_TLS', /is false but KAFKA_TLS_CA_FILE/],
    ['a boolean that is not one', { KAFKA_TLS: 'yes' }, 'KAFKA_TLS', /true or false/],
  ])('refuses %s, naming the variable', (_name, env, variable, message) => {
    const e = refused(env);
    expect(e.location.field).toBe(variable);
    expect(e.message.startsWith(`${variable}: `)).toBe(true);
    expect(e.message).toMatch(message);
  });

  it('never puts the password in a message or the start-up description', () => {
    const security = kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'hunter2-hunter2', KAFKA_TLS: 'true' });
    expect(describeKafkaSecurity(security)).toBe('SASL SCRAM-SHA-512 as svc, TLS');
    const e = (() => {
      try {
        createKafkaTransport({ brokers: ['127.0.0.1:9'], security: { ...security, sasl: { ...security.sasl!, mechanism: 'x' as never } } });
      } catch (err) {
        return err as PipelineError;
      }
      throw new Error('expected INVALID_CONFIG');
    })();
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toContain('security.sasl.mechanism');
    expect(e.message).not.toContain('hunter2');
  });
});

describe('authentication failures are KAFKA_AUTH_FAILED, never retried', () => {
  const { KafkaJSSASLAuthenticationError, KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } = kafkajs;
  it.each<[string, Error, string]>([
    ['SCRAM credentials refused', new (KafkaJSSASLAuthenticationError as unknown as new (m: string) => Error)('SASL SCRAM SHA512 authentication failed: invalid credentials'), 'KafkaJSSASLAuthenticationError'],
    [
      'a broker certificate from an unknown CA, after kafkajs retried the connection',
      new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain', { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), {
        retryCount: 5,
        retryTime: 100,
      }),
      'SELF_SIGNED_CERT_IN_CHAIN',
    ],
    ['a certificate for another host', new KafkaJSConnectionError('Connection error: Hostname/IP does not match', { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ])('%s', (_name, error, type) => {
    const f = classifyKafkaError(error);
    expect(f).toMatchObject({ kind: 'refused', type });
    expect(isAuthFailure(f)).toBe(true);
    const e = kafkaError(error, 'connecting a producer') as PipelineError;
    expect(e.code).toBe('KAFKA_AUTH_FAILED');
    expect(e.canRetry).toBe(false);
  });

  it('a refused connection is still an outage, retried', () => {
    const e = kafkaError(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED', { code: 'ECONNREFUSED' }), 'connecting') as PipelineError;
    expect(e.code).toBe('TRANSPORT_UNAVAILABLE');
  });
});
