import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PipelineError } from '../errors/pipeline-error.js';

export const PII_KEY_ENV = 'SLO_PII_HMAC_KEY';
export const PII_KEY_FILE_ENV = 'SLO_PII_HMAC_KEY_FILE';

/**
 * Shortest key accepted, in bytes: HMAC-SHA256's own output size. A shorter secret makes the
 * keyed hash of a guessable `user_id` cheaper to brute-force than the hash itself promises.
 */
export const MIN_PII_KEY_BYTES = 32;

function refuse(field: string, reason: string): never {
  throw new PipelineError('INVALID_CONFIG', `${field}: ${reason}`, { field });
}

function checkKey(key: string, field: string): string {
  if (key.length === 0) refuse(field, 'the personal-data key is empty');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes < MIN_PII_KEY_BYTES) refuse(field, `the personal-data key is ${bytes} bytes; at least ${MIN_PII_KEY_BYTES} are needed (e.g. \`openssl rand -hex 32\`)`);
  return key;
}

/** A key file must be private to its owner, like an SSH key: any group or other permission bit refuses it. */
function readKeyFile(file: string, field: string): string {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    refuse(field, `cannot read the key file ${file}`);
  }
  if ((mode & 0o077) !== 0) {
    refuse(field, `the key file ${file} is accessible to others (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); make it private with chmod 600`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    refuse(field, `cannot read the key file ${file}`);
  }
  // One trailing newline is what editors and `echo` leave; anything else is the key.
  return checkKey(text.replace(/\r?\n$/, ''), `${field} (${file})`);
}

/**
 * The HMAC key for personal data, checked once at the edge: from SLO_PII_HMAC_KEY, or from
 * the file named by SLO_PII_HMAC_KEY_FILE (a mounted secret), in any deployment. Only the
 * embedded default may fall back to a random key kept beside its data (mode 600), so a local
 * demo works out of the box and hashes stay stable across its restarts. A key that is empty,
 * shorter than 32 bytes, or in a file others can read is refused with a one-line reason.
 */
export function resolvePiiKey(env: NodeJS.ProcessEnv, embeddedDataDir: string | null): string {
  const fromEnv = env[PII_KEY_ENV];
  const fromFile = env[PII_KEY_FILE_ENV];
  if (fromEnv !== undefined && fromFile !== undefined) {
    refuse(PII_KEY_ENV, `set either ${PII_KEY_ENV} or ${PII_KEY_FILE_ENV}, not both`);
  }
  if (fromEnv !== undefined) return checkKey(fromEnv, PII_KEY_ENV);
  if (fromFile !== undefined) return readKeyFile(fromFile, PII_KEY_FILE_ENV);
  if (embeddedDataDir === null) {
    refuse(PII_KEY_ENV, `${PII_KEY_ENV} or ${PII_KEY_FILE_ENV} is required with a ClickHouse server or Kafka`);
  }
  const dir = resolve(embeddedDataDir);
  const file = join(dir, 'pii-hmac.key');
  if (existsSync(file)) return readKeyFile(file, 'pii-hmac.key');
  mkdirSync(dir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
