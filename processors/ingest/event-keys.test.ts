import { describe, expect, it } from 'vitest';
import { chunksOf } from './event-keys.js';

describe('chunksOf (ids per lookup statement)', () => {
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
