/**
 * CRC-64-AVRO (Rabin) fingerprints, as the Avro specification defines them for single-object
 * encoding. Computed once per schema at start-up, so BigInt arithmetic is fine here; the hot
 * path compares the fingerprint as two 32-bit halves (see schema-registry.ts).
 */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK_64 = 0xffffffffffffffffn;

const TABLE: readonly bigint[] = (() => {
  const table: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) {
      fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK_64);
    }
    table.push(fp);
  }
  return table;
})();

/** The 64-bit Rabin fingerprint of `bytes`, as an unsigned BigInt. */
export function rabin64(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const b of bytes) {
    const entry = TABLE[Number((fp ^ BigInt(b)) & 0xffn)] ?? 0n;
    fp = (fp >> 8n) ^ entry;
  }
  return fp;
}

/**
 * The fingerprint of a schema's Parsing Canonical Form, as the 8 little-endian bytes that
 * follow the 0xC3 0x01 marker in single-object encoding.
 */
export function schemaFingerprint(canonicalForm: string): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(rabin64(Buffer.from(canonicalForm, 'utf8')));
  return out;
}

/** The fingerprint as a signed decimal, the way the Avro test vectors and Java print it. */
export function fingerprintToSignedString(fingerprint: Buffer): string {
  return fingerprint.readBigInt64LE(0).toString();
}

/** The fingerprint as 16 hex digits, most significant first (for messages and logs). */
export function fingerprintToHex(fingerprint: Buffer): string {
  return fingerprint.readBigUInt64LE(0).toString(16).padStart(16, '0');
}
