import { describe, expect, it } from 'vitest';
import { settingsClause } from './sql-util.js';

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
