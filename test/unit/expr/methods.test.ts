/**
 * Methods on values (`s.split()`, `d.items()`, `xs.index(2)`), with Python's semantics:
 * the expected values are what python3 prints for the same calls.
 */
import { describe, expect, test } from 'vitest';
import { NodemendError } from '../../../src/load/errors.js';
import { compileExpression, compileTemplate } from '../../../src/load/expr/index.js';
import { markUnsafe } from '../../../src/load/expr/unsafe.js';

const scope = { s: '  a b  c ', d: { a: 1, b: '{{ n }}' }, n: 5, xs: [3, 1, 3], csv: 'a,,b' };
const ev = (src: string, sc: Record<string, unknown> = scope): unknown => compileExpression(src).evaluate(sc);

describe('string methods', () => {
  test.each([
    ["'/etc/x'.startswith('/etc')", true],
    ["'x.conf'.startswith(('a', 'x'))", true],
    ["'abc'.startswith('b', 1)", true],
    ["'x.conf'.endswith('.conf')", true],
    ["'x.conf'.endswith(('.yaml', '.yml'))", false],
    ['s.split()', ['a', 'b', 'c']],
    ["csv.split(',')", ['a', '', 'b']],
    ["csv.split(',', 1)", ['a', ',b']],
    ['s.rsplit(None, 1)', ['  a b', 'c']],
    ["'a\\nb\\r\\nc'.splitlines()", ['a', 'b', 'c']],
    ['s.strip()', 'a b  c'],
    ['s.lstrip()', 'a b  c '],
    ['s.rstrip()', '  a b  c'],
    ["'xxhixx'.rstrip('x')", 'xxhi'],
    ["'xxhixx'.strip('x')", 'hi'],
    ["'MiXed'.lower()", 'mixed'],
    ["'MiXed'.upper()", 'MIXED'],
    ["'aaa'.replace('a', 'b')", 'bbb'],
    ["'aaa'.replace('a', 'b', 2)", 'bba'],
    ["', '.join(['a', 'b'])", 'a, b'],
    ["'-'.join('abc')", 'a-b-c'],
    ["'{} {x} {}'.format(1, 'y', x=2)", '1 2 y'],
    ["'{0} {1} {0}'.format('a', 'b')", 'a b a'],
    ["'{:>6.2f}|{:<4}|{:^5}|{:05d}|{:,}'.format(3.14159, 'ab', 'c', -42, 1234567)", '  3.14|ab  |  c  |-0042|1,234,567'],
    ["'{0[k]} {1!r} {2:x} {3:.1%} {4:e} {5:g}'.format({'k': 'v'}, 'q', 255, 0.256, 12345.678, 0.0001234)", "v 'q' ff 25.6% 1.234568e+04 0.0001234"],
    ["'{{literal}} {}'.format(true)", '{literal} True'],
    ["'a-b-a'.count('a')", 2],
    ["'a-b-a'.find('b')", 2],
    ["'a-b-a'.find('z')", -1],
  ])('%s', (src, want) => expect(ev(src)).toEqual(want));
});

describe('dict and list methods', () => {
  test.each([
    ['d.keys()', ['a', 'b']],
    // values are read as a variable is: a templated value is rendered
    ['d.values()', [1, 5]],
    [
      'd.items()',
      [
        ['a', 1],
        ['b', 5],
      ],
    ],
    ["d.get('a')", 1],
    ["d.get('b')", 5],
    ["d.get('zz')", null],
    ["d.get('zz', 'dflt')", 'dflt'],
    ['xs.index(1)', 1],
    ['xs.count(3)', 2],
    ["d.keys() | list | join(',')", 'a,b'],
  ])('%s', (src, want) => expect(ev(src)).toEqual(want));

  test('a for-loop over items() unpacks pairs', () => {
    expect(compileTemplate('{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}').render(scope)).toBe('a=1;b=5;');
  });

  test('values of host data stay data: a "{{ }}" inside is never rendered', () => {
    const host = markUnsafe({ out: '{{ n }}' });
    expect(ev("r.get('out')", { ...scope, r: host })).toBe('{{ n }}');
    expect(ev('r.values()', { ...scope, r: host })).toEqual(['{{ n }}']);
  });
});

describe('errors', () => {
  const runtime = (src: string, sc: Record<string, unknown> = scope): string => {
    try {
      ev(src, sc);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`${src} did not fail`);
  };
  test.each([
    ['n.split()', "'int' object has no method 'split'"],
    ['xs.index(9)', 'list.index(x): x not in list'],
    ["', '.join([1])", 'sequence item 0: expected str instance, int found'],
    ["'{} {}'.format(1)", 'replacement index 1 out of range'],
    ["'{0} {}'.format(1, 2)", 'cannot switch between automatic field numbering and manual field specification'],
  ])('%s fails: %s', (src, msg) => expect(runtime(src)).toContain(msg));

  test('an unknown method fails at load time with its column and the methods there are', () => {
    try {
      compileExpression("x.startwith('a')", { file: 'p.yaml', line: 3, col: 10 });
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(NodemendError);
      expect((e as NodemendError).format()).toMatch(/^p\.yaml:3:12: .*unknown method 'startwith' \(methods: .*startswith/);
    }
  });

  test('too many arguments fail at load time', () => {
    expect(() => compileExpression("'a'.strip('x', 'y')")).toThrow("method 'strip' takes at most 1 argument, got 2");
  });
});

describe('JavaScript internals stay unreachable', () => {
  test.each([
    "x.constructor('return process')()",
    "x.constructor.constructor('return process')()",
    'x.__proto__()',
    "x['constructor']('y')",
    'x.toString()',
    'x.valueOf()',
    'x.hasOwnProperty()',
    'd.__defineGetter__()',
  ])('%s is refused at load time', (src) => {
    expect(() => compileExpression(src)).toThrow(/unknown method|only methods can be called/);
  });

  test.each(['x.constructor', 'x.__proto__', 'd.constructor', 'd.__proto__', 'd.keys', 'x.split', 'x.length', 'xs.push'])('%s (no call) is undefined', (src) => {
    expect(ev(`${src} is defined`, { x: 'a', d: {}, xs: [] })).toBe(false);
  });
});
