import { describe, expect, test } from 'vitest';
import { compileExpression, evaluateCondition } from '../../../src/load/expr/index.js';
import { PyFloat } from '../../../src/load/expr/values.js';

const scope = {
  n: 7,
  zero: 0,
  f: 2.5,
  s: 'Hello',
  empty: '',
  t: true,
  no: false,
  nil: null,
  xs: [1, 2, 3],
  names: ['b', 'a', 'c'],
  d: { a: 1, b: { c: 'deep' }, 'with-dash': 'ok', list: [10, 20] },
  emptyList: [],
  emptyDict: {},
  result: { rc: 0, stdout: 'kernel 3.10.0-957.el7', stdout_lines: ['one', 'two'], changed: true, failed: false },
  kernel: '3.10.0-957.el7.x86_64',
};

const ev = (src: string, sc: Record<string, unknown> = scope): unknown => compileExpression(src).evaluate(sc);

describe('literals', () => {
  test.each([
    ['42', 42],
    ['-3', -3],
    ['1.5', 1.5],
    ['1e3', new PyFloat(1000)],
    ["'single'", 'single'],
    ['"double"', 'double'],
    ["'it\\'s'", "it's"],
    ["'a\\nb'", 'a\nb'],
    ["'\\d+\\.\\d'", '\\d+\\.\\d'], // unknown escapes keep their backslash (regexes)
    ["'\\\\1'", '\\1'],
    ["'\\1'", '\x01'], // octal, as Python's unicode-escape (a template file's rule; playbook values read literals raw)
    ["'\\101\\0'", 'A\0'],
    ["'\\x41\\u00e9\\U0001d11e\\a\\f\\v\\b'", 'Aé𝄞\x07\f\v\b'],
    ["'a' 'b' \"c\"", 'abc'], // adjacent strings join
    ['true', true],
    ['True', true],
    ['false', false],
    ['False', false],
    ['none', null],
    ['None', null],
    ['null', null],
    ['[]', []],
    ['[1, "a", [2]]', [1, 'a', [2]]],
    ['[1, 2,]', [1, 2]],
    ['(1, 2)', [1, 2]],
    ['()', []],
    ['(5)', 5],
    ['{\'k\': 1, "j": [n]}', { k: 1, j: [7] }],
    ['{}', {}],
    ["{1: 'one'}", { '1': 'one' }],
  ])('%s', (src, want) => {
    expect(ev(src)).toEqual(want);
  });

  test('a dict literal key "__proto__" is an ordinary key', () => {
    const v = ev("{'__proto__': 1}") as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });
});

describe('variables, attributes, indexes, slices', () => {
  test.each([
    ['n', 7],
    ['d.a', 1],
    ['d.b.c', 'deep'],
    ["d['b']['c']", 'deep'],
    ["d['with-dash']", 'ok'],
    ['d.list.0', 10],
    ['d.list[1]', 20],
    ['d.list[-1]', 20],
    ['xs[0]', 1],
    ['xs[-3]', 1],
    ['s[0]', 'H'],
    ['s[-1]', 'o'],
    ['xs[1:]', [2, 3]],
    ['xs[:-1]', [1, 2]],
    ['xs[::-1]', [3, 2, 1]],
    ['xs[::2]', [1, 3]],
    ['xs[5:]', []],
    ['s[1:3]', 'el'],
    ['s[::-1]', 'olleH'],
    ['result.stdout_lines | last', 'two'],
    ['d[names[1]]', 1],
    ['nil', null],
  ])('%s', (src, want) => {
    expect(ev(src)).toEqual(want);
  });
});

describe('operators', () => {
  test.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['7 / 2', 3.5],
    ['7 // 2', 3],
    ['-7 // 2', -4],
    ['7 % 3', 1],
    ['-7 % 3', 2], // Python: sign of the divisor
    ['2 ** 10', 1024],
    ['n - 10', -3],
    ['-n', -7],
    ['+n', 7],
    ["'a' + 'b'", 'ab'],
    ['[1] + [2]', [1, 2]],
    ["'ab' * 3", 'ababab'],
    ['[0] * 2', [0, 0]],
    ["'n=' ~ n ~ ' ' ~ t ~ nil ~ xs", 'n=7 TrueNone[1, 2, 3]'], // Python's str(), as Jinja's ~
    ['t + 1', 2], // booleans are numbers in arithmetic, as in Python
    ['n == 7', true],
    ['n != 7', false],
    ['1 == 1.0', true],
    ['true == 1', true],
    ["'1' == 1", false],
    ['[1, [2]] == [1, [2]]', true],
    ["{'a': 1} == {'a': 1}", true],
    ["{'a': 1} == {'a': 2}", false],
    ['nil == none', true],
    ['n < 10', true],
    ['n <= 7', true],
    ['n > 7', false],
    ['n >= 7', true],
    ['1 < n < 10', true], // chained like Python
    ['1 < n < 5', false],
    ["'abc' < 'abd'", true],
    ['[1, 2] < [1, 3]', true],
    ["'ell' in s", true],
    ["'x' not in s", true],
    ['2 in xs', true],
    ['5 not in xs', true],
    ["'a' in d", true],
    ["'zz' in d", false],
    ["'3.10.0' in result.stdout", true],
    ['t and n', 7], // and/or return an operand, as in Python
    ['no and n', false],
    ['no or n', 7],
    ['empty or "fallback"', 'fallback'],
    ['not t', false],
    ['not empty', true],
    ['not emptyList and not emptyDict and not zero and not nil', true],
    ['not xs', false],
    ['not n == 7', false],
    ["'yes' if t else 'no'", 'yes'],
    ["'yes' if no else 'no'", 'no'],
    ["'yes' if no", null],
    ['1 if no else 2 if t else 3', 2],
    ['(n + 1) | string', '8'],
    ['not x is defined', true],
    ['x is not defined and n', 7],
    ["'a' ~ 2 * 3", 'a6'], // * binds tighter than ~ (and ~ tighter than +, as in Jinja)
  ])('%s', (src, want) => {
    expect(ev(src)).toEqual(want);
  });

  test('filters bind tighter than arithmetic, unary minus tighter than filters (Jinja)', () => {
    expect(() => ev('n + 1 | string')).toThrow("unsupported operand types for +: 'int' and 'str'");
    expect(() => ev('-xs | length')).toThrow("bad operand type for unary -: 'list'");
  });
});

describe('evaluateCondition', () => {
  test.each([
    ['n > 1', true],
    ['empty', false],
    ['xs', true],
    ['emptyDict', false],
    [['n > 1', 'result.rc == 0'], true],
    [['n > 1', 'result.rc != 0'], false],
    [[], true],
    ['{{ n > 100 }}', false], // "{{ }}" around a condition is accepted
    [' true ', true],
  ] as [string | string[], boolean][])('%j', (cond, want) => {
    expect(evaluateCondition(cond, scope)).toBe(want);
  });

  test('stops at the first false condition: later ones are not evaluated', () => {
    expect(evaluateCondition(['no', 'undefined_var'], scope)).toBe(false);
    expect(() => evaluateCondition(['t', 'undefined_var'], scope)).toThrow("'undefined_var' is undefined");
  });
});

describe('compiled expressions', () => {
  test('are cached by source text and evaluate against each scope', () => {
    const a = compileExpression('v * 2');
    expect(a.source).toBe('v * 2');
    expect(a.evaluate({ v: 2 })).toBe(4);
    expect(a.evaluate({ v: 5 })).toBe(10);
    expect(compileExpression('v * 2').evaluate({ v: 1 })).toBe(2);
  });
});
