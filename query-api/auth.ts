import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { PipelineError } from '../processors/errors/index.js';

/**
 * Access control: API keys from configuration, stored only as SHA-256 hashes.
 *
 * Why API keys and not JWT: the consumers are dashboards, scripts and the Ops engine, each a
 * long-lived service identity; keys need no issuer, clock or key rotation protocol, and a key
 * can be revoked by deleting one line of configuration. Keys are 256-bit random strings, so
 * a fast hash is enough (scrypt guards low-entropy passwords, not random secrets). The
 * presented key is hashed and compared against every configured hash with timingSafeEqual,
 * without stopping at the first match, so timing tells nothing about which key or prefix matched.
 */
export const ROLES = ['finance', 'sre', 'product', 'viewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What each role may reach. `admin` reaches everything; `viewer` only the status page data. */
export const ACCESS = {
  finance: ['finance', 'admin'],
  slo: ['sre', 'product', 'admin'],
  alerts: ['sre', 'admin'],
  health: ['sre', 'admin'],
  backtest: ['product', 'admin'],
  status: ['finance', 'sre', 'product', 'viewer', 'admin'],
} as const satisfies Record<string, readonly Role[]>;
export type AccessArea = keyof typeof ACCESS;

export interface ApiKeyEntry {
  role: Role;
  /** Lower-case hex SHA-256 of the key. */
  sha256: string;
  /** A label for logs (never the key itself). */
  name?: string;
}

export interface Principal {
  role: Role;
  name: string;
  /** Hash prefix: a stable, non-secret identity for rate limiting and logs. */
  id: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A fresh key: 32 random bytes, base64url, prefixed so it is recognisable in a leak scan. */
export function generateApiKey(): string {
  return `slo_${randomBytes(32).toString('base64url')}`;
}

/**
 * Parses `SLO_API_KEYS`: comma-separated `role:sha256hex` or `role:name:sha256hex` entries.
 * A bad entry is named in the error; nothing is half-loaded.
 */
export function parseApiKeys(value: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  const parts = value.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  parts.forEach((part, i) => {
    const fields = part.split(':');
    const role = fields[0] ?? '';
    const hash = (fields.length === 3 ? fields[2] : fields[1])?.toLowerCase() ?? '';
    const name = fields.length === 3 ? fields[1] : `${role}-${i + 1}`;
    if (fields.length < 2 || fields.length > 3) {
      throw new PipelineError('INVALID_CONFIG', `SLO_API_KEYS entry ${i + 1}: expected role:sha256 or role:name:sha256`, {
        field: 'SLO_API_KEYS',
      });
    }
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new PipelineError('INVALID_CONFIG', `SLO_API_KEYS entry ${i + 1}: unknown role "${role}" (roles: ${ROLES.join(', ')})`, {
        field: 'SLO_API_KEYS',
        value: role,
      });
    }
    if (!HEX64.test(hash)) {
      throw new PipelineError('INVALID_CONFIG', `SLO_API_KEYS entry ${i + 1}: the hash must be 64 hex digits (SHA-256 of the key)`, {
        field: 'SLO_API_KEYS',
      });
    }
    entries.push({ role: role as Role, sha256: hash, ...(name ? { name } : {}) });
  });
  return entries;
}

export class KeyStore {
  private readonly entries: ReadonlyArray<{ role: Role; name: string; digest: Buffer; id: string }>;

  constructor(keys: readonly ApiKeyEntry[]) {
    this.entries = keys.map((k, i) => {
      if (!HEX64.test(k.sha256)) throw new PipelineError('INVALID_CONFIG', `API key ${i + 1}: sha256 must be 64 lower-case hex digits`);
      return { role: k.role, name: k.name ?? `${k.role}-${i + 1}`, digest: Buffer.from(k.sha256, 'hex'), id: k.sha256.slice(0, 12) };
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal for a presented key, or undefined. Constant time in the number of keys. */
  verify(presented: string): Principal | undefined {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: Principal | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(digest, e.digest) && found === undefined) found = { role: e.role, name: e.name, id: e.id };
    }
    return found;
  }
}

/** The key from `Authorization: Bearer <key>` or `X-API-Key: <key>`; undefined when absent. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers['authorization'];
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m?.[1]) return m[1];
  }
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim().length > 0) return apiKey.trim();
  return undefined;
}

export function allowed(area: AccessArea, role: Role): boolean {
  return (ACCESS[area] as readonly Role[]).includes(role);
}
