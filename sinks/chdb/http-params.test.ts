import { describe, expect, it } from 'vitest';
import { bindableParams, bindableValue, ParamError, placeholderTypes, unescapeEscaped } from './http-params.js';
import { insertHead } from './http-request.js';

describe('HTTP query parameters as chdb binds them', () => {
  it('finds the declared type of every placeholder, nested parentheses included', () => {
    expect([...placeholderTypes('SELECT {a:String}, { b : Array(Nullable(String)) } WHERE x IN {a:Int64}')]).toEqual([
      ['a', 'String'],
      ['b', 'Array(Nullable(String))'],
    ]);
  });

  it.each([
    // [text as sent, declared type, value handed to chdb]
    ['plain', 'String', 'plain'],
    ['2026-11-01 10:00:00', 'DateTime', '2026-11-01 10:00:00'],
    ["['a','b']", 'Array(String)', "['a','b']"], // nothing to escape: the exact text reaches the engine
    ['\\N', 'Nullable(String)', null],
    ["it\\'s \\\\ a\\ttab\\nline", 'String', "it's \\ a\ttab\nline"],
    ['\\x41\\0', 'String', 'A\0'],
    ["['it\\'s','back\\\\slash',NULL]", 'Array(Nullable(String))', ["it's", 'back\\slash', null]],
    ['[1,-2,18446744073709551615,1.5]', 'Array(Float64)', '[1,-2,18446744073709551615,1.5]'],
    ["[[1,2],['x\\'']]", 'LowCardinality(Array(Array(String)))', [[1n, 2n], ["x'"]]],
    ["{'k\\'':1}", 'Map(String, UInt8)', new Map([["k'", 1n]])],
    ["(1,'a\\\\b',TRUE)", 'Tuple(Int8, String, Bool)', { values: [1n, 'a\\b', true] }],
  ])('%s as %s', (text, type, want) => {
    expect(bindableValue(text, type)).toEqual(want);
  });

  it('refuses a composite it cannot read back, naming where', () => {
    expect(() => bindableValue("['a\\'', nan]", 'Array(Float64)')).toThrow(ParamError);
    expect(() => bindableValue("['unterminated\\'", 'Array(String)')).toThrow(/closing/);
    expect(() => unescapeEscaped('\\xff')).toThrow(ParamError);
  });

  it('types every parameter by its placeholder; an unused one is taken as a String', () => {
    expect(bindableParams('SELECT {a:Array(String)}', { a: "['x\\'y']", b: 'q\\tz' })).toEqual({ a: ["x'y"], b: 'q\tz' });
  });
});

describe('INSERT statements whose rows come as data', () => {
  it.each([
    ['INSERT INTO db.t (a, `b`) FORMAT Native', { database: 'db', table: 't', columns: ['a', 'b'], settings: null, format: 'Native' }],
    ['insert into `t` settings async_insert = 0 format JSONEachRow', { database: null, table: 't', columns: null, settings: 'async_insert = 0', format: 'JSONEachRow' }],
    ['INSERT INTO TABLE t VALUES', { database: null, table: 't', columns: null, settings: null, format: 'Values' }],
  ])('%s', (sql, head) => {
    expect(insertHead(sql)).toEqual(head);
  });

  it.each(['INSERT INTO t VALUES (1)', 'INSERT INTO t SELECT 1', 'INSERT INTO t (a; DROP) FORMAT Native', 'SELECT 1 FORMAT Native'])('not: %s', (sql) => {
    expect(insertHead(sql)).toBeNull();
  });
});
