import { describe, expect, it } from 'vitest';
import { expandMacros, expandPanelSql, interpolateVariables } from '../../dashboards/macros.js';

const from = new Date('2026-11-01T00:00:00.000Z');
const to = new Date('2026-11-02T12:30:15.250Z');

describe('ClickHouse plugin macros, expanded as the plugin backend does', () => {
  it.each([
    ['$__fromTime', 'toDateTime(1793491200)'],
    ['$__toTime', 'toDateTime(1793622615)'],
    ['$__fromTime_ms', 'fromUnixTimestamp64Milli(1793491200000)'],
    ['$__toTime_ms', 'fromUnixTimestamp64Milli(1793622615250)'],
    ['$__timeFilter(ts)', 'ts >= toDateTime(1793491200) AND ts <= toDateTime(1793622615)'],
    ['$__timeFilter_ms(ts)', 'ts >= fromUnixTimestamp64Milli(1793491200000) AND ts <= fromUnixTimestamp64Milli(1793622615250)'],
    ['$__dateFilter(d)', "d >= toDate('2026-11-01') AND d <= toDate('2026-11-02')"],
    [
      '$__dateTimeFilter(d, ts)',
      "(d >= toDate('2026-11-01') AND d <= toDate('2026-11-02')) AND (ts >= toDateTime(1793491200) AND ts <= toDateTime(1793622615))",
    ],
    ['$__dt(d, ts)', "(d >= toDate('2026-11-01') AND d <= toDate('2026-11-02')) AND (ts >= toDateTime(1793491200) AND ts <= toDateTime(1793622615))"],
    ['$__timeInterval(ts)', 'toStartOfInterval(toDateTime(ts), INTERVAL 300 second)'],
    ['$__timeInterval_ms(ts)', 'toStartOfInterval(toDateTime64(ts, 3), INTERVAL 300000 millisecond)'],
    ['$__interval_s', '300'],
  ])('%s', (macro, expected) => {
    expect(expandMacros(macro, { from, to, intervalMs: 300_000 })).toBe(expected);
  });

  it('never lets the interval drop below one second', () => {
    expect(expandMacros('$__interval_s', { from, to, intervalMs: 20 })).toBe('1');
    expect(expandMacros('$__timeInterval(t)', { from, to, intervalMs: 20 })).toBe('toStartOfInterval(toDateTime(t), INTERVAL 1 second)');
  });

  it('rejects unknown macros and wrong argument counts', () => {
    expect(() => expandMacros('SELECT $__nope(x)', { from, to })).toThrow(/unknown macro \$__nope/);
    expect(() => expandMacros('$__timeFilter()', { from, to })).toThrow(/expected 1 argument/);
  });

  it('interpolates template variables the way Grafana formats them', () => {
    const vars = { slo: "it's-slo", many: ['a', 'b'] };
    expect(interpolateVariables("slo_id = ${slo:singlequote}", vars)).toBe("slo_id = 'it\\'s-slo'");
    expect(interpolateVariables('slo_id = ${slo:sqlstring}', vars)).toBe("slo_id = 'it''s-slo'");
    expect(interpolateVariables('x IN (${many:singlequote})', vars)).toBe("x IN ('a','b')");
    expect(interpolateVariables('$slo and ${slo}', vars)).toBe("it's-slo and it's-slo");
    expect(() => interpolateVariables('$missing', vars)).toThrow(/\$missing has no value/);
  });

  it('expands variables first, then macros', () => {
    expect(expandPanelSql("SELECT 1 WHERE s = ${slo:singlequote} AND $__timeFilter(t)", { from, to, variables: { slo: 'x' } })).toBe(
      "SELECT 1 WHERE s = 'x' AND t >= toDateTime(1793491200) AND t <= toDateTime(1793622615)",
    );
  });
});
