import { describe, expect, test } from 'vitest';
import { compileExpression } from '../../../src/load/expr/index.js';

const scope = {
  n: 7,
  f: 1.5,
  s: 'abc',
  nil: null,
  t: true,
  xs: [1, 2],
  d: { a: 1, inner: { b: null } },
  ok: { rc: 0, changed: false, failed: false },
  bad: { rc: 2, failed: true, changed: false },
  changedResult: { changed: true },
  skippedResult: { skipped: true, changed: false },
  kernel: '3.10.0-957.el7.x86_64',
  docker: '18.09.0~3-0~debian',
};

const ev = (src: string): unknown => compileExpression(src).evaluate(scope);

describe('is tests', () => {
  test.each([
    ['n is defined', true],
    ['missing is defined', false],
    ['missing is not defined', true],
    ['missing is undefined', true],
    ['d.a is defined', true],
    ['d.nope is defined', false],
    ['d.inner.b is defined', true], // none is a value
    ['missing.x.y is defined', false], // the missing part may be anywhere in the path
    ["d['nope'] is defined", false],
    ['xs[5] is defined', false],
    ['xs[1] is defined', true],
    ['s.x is defined', false],
    ['nil is none', true],
    ['n is none', false],
    ['nil is None', true],
    ['s is string', true],
    ['n is string', false],
    ['n is number', true],
    ['f is number', true],
    ['t is number', true],
    ['n is integer', true],
    ['f is float', true],
    ['t is boolean', true],
    ['t is true', true],
    ['1 is true', false],
    ['false is false', true],
    ['d is mapping', true],
    ['xs is mapping', false],
    ['xs is iterable', true],
    ['s is iterable', true],
    ['d is iterable', true],
    ['n is iterable', false],
    ['xs is sequence', true],
    ['ok is succeeded', true],
    ['ok is success', true],
    ['bad is succeeded', false],
    ['bad is failed', true],
    ['bad is failure', true],
    ['ok is failed', false],
    ['changedResult is changed', true],
    ['ok is changed', false],
    ['{} is changed', false],
    ['skippedResult is skipped', true],
    ['ok is skipped', false],
    ['bad is not failed', false],
    ["kernel is match('3\\\\.10')", true],
    ["kernel is match('957')", false], // match anchors at the start
    ["kernel is search('957')", true],
    ["kernel is search('^957')", false],
    ["kernel is match('3.10.0-(\\\\d+)\\\\.el7')", true],
    ["'ABC' is match('abc', ignorecase=true)", true],
    ["'x\\nABC' is search('^ABC', multiline=true)", true],
    ["'x\\nABC' is search('^ABC')", false],
    ["kernel is regex('el7')", true],
    ["kernel is regex('el7', match_type='match')", false],
    ["kernel is version('3.10.0-1062', '<')", true],
    ["kernel is version('3.10.0-1062', 'lt')", true],
    ["kernel is version('3.10.0-862', '>=')", true],
    ["kernel is version_compare('3.10.0-957.el7.x86_64', '==')", true],
    ["kernel is version('3.10.0-957.el7.x86_64')", true], // default operator: eq
    ["docker is version('18.09.1', '>=')", false],
    ["'18.09.1~3-0~debian' is version('18.09.0', 'gt')", true],
    ["'5:24.0.7-1~debian.12' is version('18.09.1', operator='ge')", true],
    ["'v1.14.1' is version('1.13.12', '>')", true],
    ['2 is in(xs)', true],
    ['xs is contains(2)', true],
    ["s is contains('b')", true],
    ['n is eq(7)', true],
    ['n is equalto(7)', true],
    ['n is == 7', true],
    ['n is ne(7)', false],
    ['n is lt(8)', true],
    ['n is gt 8', false],
    ['n is ge(7)', true],
    ['n is le(6)', false],
    ['n is odd', true],
    ['n is even', false],
    ['9 is divisibleby 3', true],
    ['9 is divisibleby(2)', false],
    ["'abc' is lower", true],
    ["'aBc' is upper", false],
    ['[] is falsy', true],
    ["'x' is truthy", true],
  ])('%s', (src, want) => {
    expect(ev(src)).toBe(want);
  });

  test.each([
    ['n is succeeded', "the 'failed' test expects a registered result (a mapping), got 'int'"],
    ["kernel is version('1', 'about')", /^version: unknown version operator "about"/],
    ["7 is match('7')", null],
    ['s is odd', "odd: the test needs a number, got 'str'"],
  ] as [string, string | RegExp | null][])('error: %s', (src, message) => {
    if (message === null) {
      expect(ev(src)).toBe(true); // numbers are matched as their text
      return;
    }
    expect(() => ev(src)).toThrow(message);
  });

  test("match and search read any value as Python's str() of it (core.py regex: to_text), as 2.14 does", () => {
    expect(ev("xs is match('1')")).toBe(false); // "[1, 2]" starts with "["
    expect(ev("xs is search('2]$')")).toBe(true);
    expect(ev("{'msg': 'unable to slurp file: x'} is search('unable to slurp')")).toBe(true);
    expect(ev("true is search('^True$')")).toBe(true);
  });

  test('an undefined input is an error for every test but defined/undefined', () => {
    expect(() => ev('missing is none')).toThrow("'missing' is undefined");
    expect(() => ev('missing is string')).toThrow("'missing' is undefined");
  });
});
