import { describe, expect, it } from 'vitest';
import { ISO_CURRENCIES, MONEY_CURRENCIES, isIsoCurrency, isMoneyCurrency, minorUnits } from './currencies.js';

describe('ISO 4217 currencies', () => {
  it.each([
    ['EUR', 2], ['USD', 2], ['GBP', 2], ['CHF', 2], ['CZK', 2], ['HUF', 2], ['PLN', 2], ['SEK', 2], ['CNY', 2], ['INR', 2],
    ['JPY', 0], ['KRW', 0], ['ISK', 0], ['CLP', 0], ['VND', 0], ['XAF', 0], ['UGX', 0],
    ['BHD', 3], ['KWD', 3], ['JOD', 3], ['OMR', 3], ['TND', 3], ['IQD', 3], ['LYD', 3],
    ['CLF', 4], ['UYW', 4],
  ])('%s has %i minor units', (code, units) => {
    expect(minorUnits(code)).toBe(units);
    expect(isIsoCurrency(code)).toBe(true);
    expect(isMoneyCurrency(code)).toBe(true);
  });

  it('knows codes without a minor unit but does not let them carry money', () => {
    for (const code of ['XAU', 'XAG', 'XDR', 'XTS', 'XXX']) {
      expect(isIsoCurrency(code)).toBe(true);
      expect(isMoneyCurrency(code)).toBe(false);
      expect(minorUnits(code)).toBeUndefined();
    }
  });

  it('rejects non-codes, lower case and withdrawn currencies', () => {
    for (const code of ['EUX', 'eur', 'EU', 'EURO', '', 'HRK', 'DEM', 'VEF', 'MRO']) {
      expect(isIsoCurrency(code)).toBe(false);
      expect(minorUnits(code)).toBeUndefined();
    }
  });

  it('is the whole active list: sorted, unique, three upper-case letters each', () => {
    expect(MONEY_CURRENCIES.length).toBeGreaterThanOrEqual(155);
    expect(ISO_CURRENCIES.length).toBe(MONEY_CURRENCIES.length + 13);
    expect([...ISO_CURRENCIES].sort()).toEqual(ISO_CURRENCIES);
    expect(new Set(ISO_CURRENCIES).size).toBe(ISO_CURRENCIES.length);
    for (const code of ISO_CURRENCIES) expect(code).toMatch(/^[A-Z]{3}$/);
  });

  it('agrees with the ICU currency list of the runtime on every code it has in common', () => {
    const icu = new Set(Intl.supportedValuesOf('currency'));
    const missing = MONEY_CURRENCIES.filter((c) => !icu.has(c));
    // ICU leaves out fund codes; VED and other recent codes may postdate the runtime's ICU data.
    const funds = ['BOV', 'CHE', 'CHW', 'CLF', 'COU', 'MXV', 'USN', 'UYI', 'UYW'];
    expect(missing.filter((c) => !funds.includes(c) && !['VED', 'XCG', 'ZWG', 'SLE'].includes(c))).toEqual([]);
  });
});
