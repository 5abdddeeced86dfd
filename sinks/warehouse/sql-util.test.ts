import { describe, expect, it } from 'vitest';
import { chunksOf, settingsClause } from './sql-util.js';

describe('settingsClause', () => {
  it('quotes string values with backslash and quote escaped, numbers as they are', () => {
    expect(settingsClause({ a: 1, insert_deduplication_token: "t-0-1 it's \\ x" })).toBe(
      "SETTINGS a = 1, insert_deduplication_token = 't-0-1 it\\'s \\\\ x'",
    );
    expect(settingsClause({})).toBe('');
  });

  it('refuses setting names that are not identifiers and numbers that are not finite', () => {
    expect(() => settingsClause({ 'a = 1, b': 2 })).toThrow(/invalid setting name/);
    expect(() => settingsClause({ a: Number.NaN })).toThrow(/finite/);
  });
});

describe('chunksOf (ids per statement of a long list)', () => {
  it('keeps order, bounds each run by bytes (UTF-8 plus quotes and a comma), never splits or drops an id', () => {
    const ids = ['aaaa', 'bbbb', 'cccc', 'dddd', 'ééé'];
    // 7 bytes each ('ééé' is 6 bytes + 3): 14 fit, 21 do not.
    expect(chunksOf(ids, 14)).toEqual([['aaaa', 'bbbb'], ['cccc', 'dddd'], ['ééé']]);
    expect(chunksOf(ids, 1000)).toEqual([ids]);
    expect(chunksOf([], 10)).toEqual([]);
    // An id longer than the bound is a run of its own.
    expect(chunksOf(['x'.repeat(50), 'y'], 10)).toEqual([['x'.repeat(50)], ['y']]);
  });
});
