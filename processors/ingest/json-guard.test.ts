import { describe, expect, it } from 'vitest';
import { InexactNumber } from '../codec/json-values.js';
import {
  MAX_JSON_DEPTH,
  decodeUtf8,
  deeperThan,
  inexactKind,
  integersAsWritten,
  invalidUtf8,
  isIntegerLiteral,
  parseErrorText,
  parseJson,
  readJson,
  scanJson,
} from './json-guard.js';

const nested = (levels: number, inner = ''): string => '['.repeat(levels) + inner + ']'.repeat(levels);

describe('depth', () => {
  it('takes exactly 64 levels and refuses 65', () => {
    expect(parseJson(nested(MAX_JSON_DEPTH), 'value').ok).toBe(true);
    const deep = parseJson(nested(MAX_JSON_DEPTH + 1), 'value');
    expect(deep.ok ? 'ok' : [deep.code, deep.reason]).toEqual(['TOO_DEEP', 'value nests objects or arrays deeper than 64 levels']);
  });

  it('counts objects and arrays alike, and nothing inside strings', () => {
    const objects = (n: number): string => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
    expect(deeperThan(objects(64), 64)).toBe(false);
    expect(deeperThan(objects(65), 64)).toBe(true);
    const brackets = JSON.stringify({ s: '[[[[{{{{'.repeat(100), t: 'a\\"[[[' });
    expect(deeperThan(brackets, 2)).toBe(false);
    expect(deeperThan(`[${brackets},[[1]]]`, 2)).toBe(true);
  });

  it('checks 6,000 and 1,000,000 levels without recursion', () => {
    expect(parseJson(nested(6000), 'value').ok).toBe(false);
    const huge = parseJson(nested(1_000_000), 'value');
    expect(huge.ok ? 'ok' : huge.code).toBe('TOO_DEEP');
  });
});

describe('numbers JSON.parse cannot carry', () => {
  const asIs = (v: unknown): unknown => v;

  it('refuses a number beyond double range anywhere, naming its path', () => {
    // `read` refuses the shape (as the codec does for a nested number), the scan names the number.
    const refuse = (): never => {
      throw new Error('not this shape');
    };
    const r = readJson('{"a":{"b":[1, 2, -1e400]}}', 'value', refuse);
    expect(r.ok ? 'ok' : [r.code, r.field, r.reason]).toEqual(['NUMBER_OUT_OF_RANGE', 'a.b[2]', 'value: a.b[2] = -1e400 is beyond the range of a double']);
    const top = readJson('1E+999', 'value', refuse);
    expect(top.ok ? 'ok' : [top.code, top.field]).toEqual(['NUMBER_OUT_OF_RANGE', undefined]);
    expect(() => readJson('{"a":"1e400"}', 'value', refuse)).toThrow('not this shape');
  });

  it('marks a non-integer literal that was rounded to an integer, and leaves exact ones alone', () => {
    const r = readJson('{"d":12345678.0000000001,"e":1e-400,"f":9007199254740991,"g":0.5,"h":"12345678901234567890","i":-0,"j": 7}', 'value', asIs);
    if (!r.ok) throw new Error(r.reason);
    const v = r.value as Record<string, unknown>;
    expect(v['d']).toEqual(new InexactNumber('12345678.0000000001', 12345678));
    expect(v['e']).toEqual(new InexactNumber('1e-400', 0));
    expect([v['f'], v['g'], v['h'], v['i'], v['j']]).toEqual([9007199254740991, 0.5, '12345678901234567890', -0, 7]);
  });

  it('reads plainly written integers without scanning, and scans anything else', () => {
    expect(integersAsWritten('{"a":1,"b":"x","c":[1.5],"d":-20}', { a: 1, b: 'x', c: [1.5], d: -20 })).toBe(true);
    expect(integersAsWritten('{"a": 1}', { a: 1 })).toBe(false);
    expect(integersAsWritten('{"a":1.0000000000000001}', { a: 1 })).toBe(false);
    expect(integersAsWritten('{"a":10}', { a: 1 })).toBe(false);
    expect(integersAsWritten('{"a":5,"a":5.00000000000000001}', { a: 5 })).toBe(false);
  });

  it('classifies literals by their exact value', () => {
    expect(inexactKind('1e400')).toBe('non-finite');
    expect(inexactKind('9007199254740990.5')).toBe('rounded-to-integer');
    expect(inexactKind('9007199254740993')).toBeUndefined(); // an integer: the long check sees 2^53 and refuses it
    expect(inexactKind('1.5e1')).toBeUndefined();
    expect(inexactKind('0.1')).toBeUndefined();
    expect(['5', '5.0', '-0', '1.5e1', '1e21', '0e-999', '120e-1'].map(isIntegerLiteral)).toEqual([true, true, true, true, true, true, true]);
    expect(['5.5', '1e-1', '1e-400', '125e-2'].map(isIntegerLiteral)).toEqual([false, false, false, false]);
  });

  it('finds the span of a top-level member, the last one when repeated', () => {
    const text = '{"topic":"t","value": {"a":[1,{"b":2}]} ,"value" : [1e400] , "key":"k"}';
    const { span, numbers } = scanJson(text, 'value');
    expect(span && text.slice(span[0], span[1])).toBe('[1e400]');
    expect(numbers).toEqual([{ path: ['value', 0], text: '1e400', kind: 'non-finite' }]);
  });
});

describe('UTF-8 and parse errors', () => {
  it('decodes strictly and names the first bad byte', () => {
    expect(decodeUtf8(Buffer.from('{"a":"é"}'))).toBe('{"a":"é"}');
    const bad = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect(decodeUtf8(bad)).toBeUndefined();
    expect(invalidUtf8(bad, 'value').reason).toBe('value is not valid UTF-8: byte 0xc3 at offset 6 of 10');
    expect(decodeUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBeUndefined(); // an encoded surrogate
    expect(invalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80]), 'line').reason).toContain('offset 1');
  });

  it('never repeats a piece of the text in a parse error', () => {
    for (const text of ['{"user_id":"USR-SECRET-1" x', 'USR-SECRET-2', '{"user_id":"USR-SECRET-3",']) {
      const r = parseJson(text, 'value');
      expect(r.ok ? 'ok' : r.code).toBe('NOT_JSON');
      if (!r.ok) expect(r.reason).not.toContain('USR-SECRET');
    }
    expect(parseErrorText(new SyntaxError('Unexpected token \'U\', "USR-1" is not valid JSON'))).toBe("Unexpected token 'U'");
  });
});
