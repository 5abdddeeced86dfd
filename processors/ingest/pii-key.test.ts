import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPiiHasher } from './normalize.js';
import { MIN_PII_KEY_BYTES, resolvePiiKey } from './pii-key.js';

const dir = mkdtempSync(join(tmpdir(), 'pii-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keyFile = (name: string, text: string, mode: number): string => {
  const f = join(dir, name);
  writeFileSync(f, text);
  chmodSync(f, mode);
  return f;
};

describe('the personal-data key is checked at the edge', () => {
  const ok = 'k'.repeat(MIN_PII_KEY_BYTES);

  it('from the environment: at least 32 bytes, never empty', () => {
    expect(resolvePiiKey({ SLO_PII_HMAC_KEY: ok }, null)).toBe(ok);
    expect(() => resolvePiiKey({ SLO_PII_HMAC_KEY: '' }, null)).toThrow('SLO_PII_HMAC_KEY: the personal-data key is empty');
    expect(() => resolvePiiKey({ SLO_PII_HMAC_KEY: ok.slice(1) }, null)).toThrow('is 31 bytes; at least 32 are needed');
    // Bytes, not characters: 16 two-byte characters are 32 bytes.
    expect(resolvePiiKey({ SLO_PII_HMAC_KEY: 'é'.repeat(16) }, null)).toBe('é'.repeat(16));
    expect(() => resolvePiiKey({ SLO_PII_HMAC_KEY: 'é'.repeat(15) }, null)).toThrow('is 30 bytes');
  });

  it('from a file: private to its owner, one trailing newline ignored', () => {
    expect(resolvePiiKey({ SLO_PII_HMAC_KEY_FILE: keyFile('a.key', `${ok}\n`, 0o600) }, null)).toBe(ok);
    expect(resolvePiiKey({ SLO_PII_HMAC_KEY_FILE: keyFile('b.key', ok, 0o400) }, null)).toBe(ok);
    for (const mode of [0o644, 0o604, 0o640, 0o620, 0o660]) {
      const f = keyFile(`m${mode.toString(8)}.key`, ok, mode);
      expect(() => resolvePiiKey({ SLO_PII_HMAC_KEY_FILE: f }, null)).toThrow(`the key file ${f} is accessible to others (mode ${mode.toString(8)}); make it private with chmod 600`);
    }
    expect(() => resolvePiiKey({ SLO_PII_HMAC_KEY_FILE: keyFile('empty.key', '\n', 0o600) }, null)).toThrow('the personal-data key is empty');
    expect(() => resolvePiiKey({ SLO_PII_HMAC_KEY_FILE: keyFile('short.key', 'short\n', 0o600) }, null)).toThrow('is 5 bytes');
    expect(() => resolvePiiKey({ SLO_PII_HMAC_KEY_FILE: join(dir, 'missing.key') }, null)).toThrow('cannot read the key file');
  });

  it('refuses two sources, and no source outside the embedded default', () => {
    expect(() => resolvePiiKey({ SLO_PII_HMAC_KEY: ok, SLO_PII_HMAC_KEY_FILE: 'x' }, null)).toThrow('set either SLO_PII_HMAC_KEY or SLO_PII_HMAC_KEY_FILE, not both');
    expect(() => resolvePiiKey({}, null)).toThrow('is required with a ClickHouse server or Kafka');
  });

  it('the embedded default creates a private random key once and keeps it; a key file others can read is refused', () => {
    const data = join(dir, 'data');
    const k = resolvePiiKey({}, data);
    expect(Buffer.byteLength(k)).toBeGreaterThanOrEqual(MIN_PII_KEY_BYTES);
    expect(statSync(join(data, 'pii-hmac.key')).mode & 0o777).toBe(0o600);
    expect(resolvePiiKey({}, data)).toBe(k);
    expect(readFileSync(join(data, 'pii-hmac.key'), 'utf8')).toBe(`${k}\n`);
    chmodSync(join(data, 'pii-hmac.key'), 0o644);
    expect(() => resolvePiiKey({}, data)).toThrow('is accessible to others');
  });

  it('the hash is keyed: another key, another hash; the same key, the same hash', () => {
    const a = createPiiHasher(ok);
    const b = createPiiHasher(`${ok}x`);
    expect(a('USR-9')).toMatch(/^[0-9a-f]{64}$/);
    expect(a('USR-9')).toBe(createPiiHasher(ok)('USR-9'));
    expect(a('USR-9')).not.toBe(b('USR-9'));
  });
});
