import { describe, expect, it } from 'vitest';
import { createPiiHasher } from './normalize.js';
import { REDACTED, REDACTED_TEXT, TOO_DEEP_MARKER, bytesMentionPersonal, redact } from './redact.js';

const hash = createPiiHasher('0123456789abcdef-test');

/** `{"a":{"a":...{"user_id":"USR-1"}}}`, `levels` objects deep in all. */
function nestedUser(levels: number): unknown {
  let v: unknown = { user_id: 'USR-1' };
  for (let i = 1; i < levels; i++) v = { a: v };
  return v;
}

describe('redact', () => {
  it('hashes a user_id at exactly 64 levels and replaces the subtree at 65', () => {
    const at64 = JSON.stringify(redact(nestedUser(64), hash).value);
    expect(at64).toContain(`"user_id":"hmac:${hash('USR-1')}"`);
    const at65 = redact(nestedUser(65), hash);
    expect(at65.changed).toBe(true);
    expect(JSON.stringify(at65.value)).not.toContain('USR-1');
    expect(JSON.stringify(at65.value)).toContain(TOO_DEEP_MARKER);
  });

  it('walks 100,000 levels without recursion', () => {
    const r = redact(nestedUser(100_000), hash);
    expect(JSON.stringify(r.value)).not.toContain('USR-1');
  });

  it('keeps everything else as it was, members in order', () => {
    const v = { b: 1, a: [true, null, 'x', { c: 2.5 }], __proto__x: 'y', user_id: null };
    const r = redact(v, hash);
    expect(r.changed).toBe(false);
    expect(JSON.stringify(r.value)).toBe(JSON.stringify(v));
    const proto = redact(JSON.parse('{"__proto__":{"user_id":"USR-2"}}'), hash);
    expect(JSON.stringify(proto.value)).toBe(`{"__proto__":{"user_id":"hmac:${hash('USR-2')}"}}`);
  });

  it('removes what cannot be hashed, and text that names a personal field but is not JSON', () => {
    expect(redact({ user_id: 42 }, hash).value).toEqual({ user_id: REDACTED });
    expect(redact({ user_id: 'USR-3' }, null).value).toEqual({ user_id: REDACTED });
    expect(redact({ note: 'user_id=USR-4' }, hash).value).toEqual({ note: REDACTED_TEXT });
    expect(redact(['{"user_id":"USR-5"}'], hash).value).toEqual([`{"user_id":"hmac:${hash('USR-5')}"}`]);
    expect(bytesMentionPersonal(Buffer.from('{"user\\u005fid":1}'))).toBe(true);
    expect(bytesMentionPersonal(Buffer.from('{"scope_id":"ROUTE-1"}'))).toBe(false);
  });
});
