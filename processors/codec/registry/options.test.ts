import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PipelineError } from '../../errors/index.js';
import { SCHEMA_REGISTRY_DEFAULTS, schemaRegistryOptionsFromEnv } from './options.js';

const dir = mkdtempSync(join(tmpdir(), 'slo-registry-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('schemaRegistryOptionsFromEnv', () => {
  it('no URL: no registry', () => {
    expect(schemaRegistryOptionsFromEnv({})).toBeNull();
    expect(schemaRegistryOptionsFromEnv({ SLO_SCHEMA_REGISTRY_URL: '' })).toBeNull();
  });

  it('reads the URL, basic auth (password from a file) and the registering switch', () => {
    const file = join(dir, 'pw');
    writeFileSync(file, 'secret\n');
    expect(
      schemaRegistryOptionsFromEnv({
        SLO_SCHEMA_REGISTRY_URL: 'https://registry.example/',
        SLO_SCHEMA_REGISTRY_USERNAME: 'key',
        SLO_SCHEMA_REGISTRY_PASSWORD_FILE: file,
        SLO_SCHEMA_REGISTRY_AUTO_REGISTER: 'true',
        SLO_RETRY_FOR: '2m',
      }),
    ).toEqual({ ...SCHEMA_REGISTRY_DEFAULTS, url: 'https://registry.example', username: 'key', password: 'secret', autoRegister: true, retryForMs: 120_000 });
  });

  it.each<[string, NodeJS.ProcessEnv, string]>([
    ['a URL that is not http(s)', { SLO_SCHEMA_REGISTRY_URL: 'ftp://registry' }, 'SLO_SCHEMA_REGISTRY_URL'],
    ['credentials in the URL', { SLO_SCHEMA_REGISTRY_URL: 'https://key:secret@registry' }, 'SLO_SCHEMA_REGISTRY_URL'],
    ['a user without a password', { SLO_SCHEMA_REGISTRY_URL: 'https://r', SLO_SCHEMA_REGISTRY_USERNAME: 'key' }, 'SLO_SCHEMA_REGISTRY_PASSWORD'],
    ['a password without a user', { SLO_SCHEMA_REGISTRY_URL: 'https://r', SLO_SCHEMA_REGISTRY_PASSWORD: 'x' }, 'SLO_SCHEMA_REGISTRY_USERNAME'],
    ['an unreadable password file', { SLO_SCHEMA_REGISTRY_URL: 'https://r', SLO_SCHEMA_REGISTRY_USERNAME: 'k', SLO_SCHEMA_REGISTRY_PASSWORD_FILE: '/nonexistent' }, 'SLO_SCHEMA_REGISTRY_PASSWORD_FILE'],
    ['a switch that is not a boolean', { SLO_SCHEMA_REGISTRY_URL: 'https://r', SLO_SCHEMA_REGISTRY_AUTO_REGISTER: 'yes' }, 'SLO_SCHEMA_REGISTRY_AUTO_REGISTER'],
  ])('refuses %s, naming the variable', (_name, env, variable) => {
    let error: unknown;
    try {
      schemaRegistryOptionsFromEnv(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).code).toBe('INVALID_CONFIG');
    expect((error as PipelineError).location.field).toBe(variable);
    expect((error as PipelineError).message).not.toContain('secret');
  });
});
