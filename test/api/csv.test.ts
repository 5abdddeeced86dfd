import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../query-api/csv.js';
import { parse } from './csv-parse.js';

describe('CSV for spreadsheets', () => {
  it.each([
    ['VEN-123', 'VEN-123'],
    ['-12.50', '-12.50'],
    ['1250', '1250'],
    [null, ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['+1+2', "'+1+2"],
    ['-cmd', "'-cmd"],
    ['@SUM(A1)', "'@SUM(A1)"],
    [' padded', '" padded"'],
  ])('%j -> %s', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('writes a header and CRLF rows that read back', () => {
    const text = toCsv(['month', 'vendor_id', 'total_cost'], [{ month: '2026-11', vendor_id: null, total_cost: '12.50' }]);
    expect(text).toBe('month,vendor_id,total_cost\r\n2026-11,,12.50\r\n');
    expect(parse(text)).toEqual([['month', 'vendor_id', 'total_cost'], ['2026-11', '', '12.50']]);
  });
});
