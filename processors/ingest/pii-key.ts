import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PipelineError } from '../errors/pipeline-error.js';

export const PII_KEY_ENV = 'SLO_PII_HMAC_KEY';

/**
 * The HMAC key for personal data. From SLO_PII_HMAC_KEY (>= 16 chars) in any deployment.
 * Only the embedded default may fall back to a random key kept beside its data (mode 600),
 * so a local demo works out of the box and hashes stay stable across its restarts.
 */
export function resolvePiiKey(env: NodeJS.ProcessEnv, embeddedDataDir: string | null): string {
  const fromEnv = env[PII_KEY_ENV];
  if (fromEnv !== undefined) {
    if (fromEnv.length < 16) {
      throw new PipelineError('INVALID_CONFIG', `${PII_KEY_ENV} must be at least 16 characters`, { field: PII_KEY_ENV });
    }
    return fromEnv;
  }
  if (embeddedDataDir === null) {
    throw new PipelineError('INVALID_CONFIG', `${PII_KEY_ENV} is required with a ClickHouse server or Kafka`, {
      field: PII_KEY_ENV,
    });
  }
  const dir = resolve(embeddedDataDir);
  const file = join(dir, 'pii-hmac.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
