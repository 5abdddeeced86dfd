import { describe, expect, it } from 'vitest';
import { fingerprintToHex, fingerprintToSignedString, schemaFingerprint } from './fingerprint.js';

// Canonical forms and fingerprints from the Avro specification's test data (schema-tests.txt).
const VECTORS: Array<[string, string]> = [
  ['"null"', '7195948357588979594'],
  ['"boolean"', '-6970731678124411036'],
  ['"int"', '8247732601305521295'],
  ['"long"', '-3434872931120570953'],
  ['"float"', '5583340709985441680'],
  ['"double"', '-8181574048448539266'],
  ['"bytes"', '5746618253357095269'],
  ['"string"', '-8142146995180207161'],
  ['[]', '-1241056759729112623'],
  ['["int"]', '-5232228896498058493'],
  ['["int","boolean"]', '5392556393470105090'],
  ['{"name":"foo","type":"record","fields":[]}', '-4824392279771201922'],
  ['{"name":"x.y.foo","type":"record","fields":[]}', '5916914534497305771'],
  ['{"name":"a.b.foo","type":"record","fields":[]}', '-4616218487480524110'],
  ['{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}', '7843277075252814651'],
  ['{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"},{"name":"f2","type":"int"}]}', '-4860222112080293046'],
  ['{"name":"foo","type":"enum","symbols":["A1"]}', '-6342190197741309591'],
  ['{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}', '-4448647247586288245'],
  ['{"name":"foo","type":"fixed","size":15}', '1756455273707447556'],
  ['{"name":"x.y.z.foo","type":"fixed","size":32}', '-3064184465700546786'],
  ['{"type":"array","items":"null"}', '-589620603366471059'],
  ['{"type":"map","values":"string"}', '-8732877298790414990'],
  ['{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}', '-1759257747318642341'],
];

describe('CRC-64-AVRO fingerprint', () => {
  it.each(VECTORS)('%s -> %s', (canonical, expected) => {
    expect(fingerprintToSignedString(schemaFingerprint(canonical))).toBe(expected);
  });

  it('is 8 little-endian bytes, printed most significant first in hex', () => {
    const fp = schemaFingerprint('"null"');
    expect(fp).toHaveLength(8);
    expect(fingerprintToHex(fp)).toBe(BigInt('7195948357588979594').toString(16).padStart(16, '0'));
    expect(fp.readBigInt64LE(0)).toBe(7195948357588979594n);
  });
});
