/**
 * Python numbers in the expression layer (values.ts PyFloat): an integral float stays a float
 * (`4 / 2` prints `2.0`), `//` and `%` follow Python's int/float rules, round/sum/abs/min/max,
 * printing as Python's repr, to_json / to_yaml, the float/integer/number tests, and Python's
 * `%` formatting on a str. Every expected text below is what Jinja 3.1.2 with ansible-core
 * 2.14.18's filters and tests rendered for the same template and variables (Debian's packages,
 * /usr/lib/python3/dist-packages), run once by hand; test/fleet/differential-numbers.test.ts runs
 * the same forms through ansible-playbook itself.
 */
import { describe, expect, test } from 'vitest';
import { compileTemplate } from '../../../src/load/expr/index.js';
import { fixed } from '../../../src/load/expr/filters-printf.js';
import { floatRepr, plainNumbers, PyFloat, pyFloat } from '../../../src/load/expr/values.js';
import { parseYaml, plain } from '../../../src/load/yaml-source.js';

const y = parseYaml('one: 1.0\nexp: 1.5e3\nhalf: 2.5\nnum: 4096\n', 'vars.yml', []);
const scope: Record<string, unknown> = { ...(plain(y, y.root) as Record<string, unknown>), mem: 4096, x: 3.14159, d1: { k: 'v', n: 2 }, n: 7 };
const render = (src: string): unknown => compileTemplate(src).render(scope);

describe('numbers render as 2.14 renders them', () => {
  test.each([
    ['v={{ one }}', 'v=1.0'],
    ['{{ 1 == 1.0 }} {{ 1.0 is float }} {{ 1 is float }} {{ 1.0 is integer }} {{ 1.0 is number }} {{ 2.5 is float }} {{ (4 / 2) is float }}', 'True True False False True True True'],
    ['heap={{ mem / 1024 }}g', 'heap=4.0g'],
    ['{{ 5 | float }}', '5.0'],
    ['{{ 2.0 | to_json }}', '2.0'],
    ['{{ (4 / 2) | type_debug }}', 'float'],
    ['{{ (4 // 2) | type_debug }}', 'int'],
    ['{{ 1e16 }}', '1e+16'],
    ['{{ 1e15 }}', '1000000000000000.0'],
    ['{{ 0.1 + 0.2 }}', '0.30000000000000004'],
    ['{{ 0.0001 }} {{ 0.00001 }}', '0.0001 1e-05'],
    ['{{ 7 // 2 }} {{ 7.0 // 2 }} {{ 7 % 3.0 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ -7.5 // 2 }}', '3 3.0 1.0 2 -2 -4.0'],
    [
      "{{ 2.5 | round }} {{ 3.5 | round }} {{ 4 | round }} {{ 2.675 | round(2) }} {{ 3.7 | round | int }} {{ 2.1 | round(0, 'ceil') }} {{ 2.9 | round(1, 'floor') }} {{ 1234 | round(-2) }} {{ 1250.0 | round(-2) }}",
      '2.0 4.0 4 2.67 4 3.0 2.9 1200 1200.0',
    ],
    ['{{ [1, 2.0, 3] | sum }} {{ [1, 2] | sum }} {{ -2.0 | abs }} {{ -2 | abs }} {{ [1.0, 3] | max }} {{ [1.0, 3] | min }}', '6.0 3 2.0 2 3 1.0'],
    ["{{ one ~ 'x' }} {{ 2 * 1.0 }} {{ 2 + 0.0 }} {{ 3 - 1.0 }} {{ 2 ** -1 }} {{ 2 ** 3 }} {{ 2.0 ** 2 }} {{ -one }}", '1.0x 2.0 2.0 2.0 0.5 8 4.0 -1.0'],
    ["{{ [4 / 2, 1] }} {{ {'a': 1.0} }} {{ (4 / 2) | string }} {{ 10 / 4 }} {{ 1 / 3 }}", "[2.0, 1] {'a': 1.0} 2.0 2.5 0.3333333333333333"],
    ["{{ {'a': 2.0, 'b': 1e16, 'c': 0.5, 'd': 1e-7, 'e': 3} | to_json }}", '{"a": 2.0, "b": 1e+16, "c": 0.5, "d": 1e-07, "e": 3}'],
    ["{{ {'a': 2.0, 'b': 1e16, 'c': 0.5, 'd': 1e-7, 'e': 3} | to_nice_json }}", '{\n    "a": 2.0,\n    "b": 1e+16,\n    "c": 0.5,\n    "d": 1e-07,\n    "e": 3\n}'],
    ["{{ '3.0' | float }} {{ 'abc' | float }} {{ 1.5e3 | int }} {{ '7' | int / 2 }} {{ 7.9 | int }} {{ true | float }}", '3.0 0.0 1500 3.5 7 1.0'],
    ['{{ 1.0 in [1] }} {{ 1 in [1.0] }} {{ 2.0 > 1 }} {{ [1.0, 2] | unique }}', 'True True True [1.0, 2]'],
    [
      "{{ '%s-%d' % ('a', 5) }}|{{ '%05.1f' % x }}|{{ '%(k)s/%(n)03d' % d1 }}|{{ '%s' % [1, 2] }}|{{ '%x %o %e %g %G %%' % (255, 8, 12345.678, 0.00001234, 1e20) }}",
      'a-5|003.1|v/002|[1, 2]|ff 10 1.234568e+04 1.234e-05 1E+20 %',
    ],
    [
      "{{ '%.2f' % 0.125 }} {{ '%.0f' % 2.5 }} {{ '%.0f' % -0.5 }} {{ '%d' % 3.9 }} {{ '%s' % d1 }} {{ '%.3g|%g|%g|%#g' % (1234567, 100000, 1000000, 1.5) }}",
      "0.12 2 -0 3 {'k': 'v', 'n': 2} 1.23e+06|100000|1e+06|1.50000",
    ],
    ["{{ '%5s|%-5s|%+d|% d|%05d|%-6.2f|' % ('ab', 'cd', 5, 5, -42, 2.5) }}", '   ab|cd   |+5| 5|-0042|2.50  |'],
    ["{{ '%s %r' % (one, 'q') }}", "1.0 'q'"],
    ["{{ '%i %u %X %#x %#o %c' % (1, 2, 255, 255, 8, 65) }}", '1 2 FF 0xff 0o10 A'],
    ["{{ '%*d|%-*d|%.*f' % (5, 1, 4, 2, 2, 3.14159) }}", '    1|2   |3.14'],
    ["{{ '%s' % one }}", '1.0'],
    ["{{ '%d%%' % 50 }}", '50%'],
    ["{{ '%(a)s' | format(a=1.0) }}", '1.0'],
    ["{{ '%-8s %s' | format('h', 'm') }}", 'h        m'],
  ])('%s', (src, want) => {
    expect(render(src)).toBe(want);
  });
});

describe("errors are Python's", () => {
  test.each([
    ["{{ '%s %s' % (1,) }}", 'not enough arguments for format string'],
    ["{{ '%s' % (1, 2) }}", 'not all arguments converted during string formatting'],
    ["{{ '%d' % 'x' }}", '%d format: a real number is required, not str'],
    ["{{ '%x' % 1.5 }}", '%x format: an integer is required, not float'],
    ["{{ '%(k)s' % 5 }}", 'format requires a mapping'],
    ["{{ 'a' % 5 }}", 'not all arguments converted during string formatting'],
    ["{{ '%q' % 5 }}", "unsupported format character 'q' (0x71) at index 1"],
    ["{{ 'x' * 2.0 }}", "can't multiply sequence by non-int of type 'float'"],
    ['{{ 1 / 0 }}', 'division by zero'],
    ['{{ 1.0 / 0 }}', 'float division by zero'],
    ['{{ 1 // 0 }}', 'integer division or modulo by zero'],
    ['{{ 1 % 0 }}', 'integer modulo by zero'],
    ["{{ 'x' | round }}", "type str doesn't define __round__ method"],
  ])('%s', (src, want) => {
    expect(() => render(src)).toThrow(want);
  });
});

describe('the value layer', () => {
  test('a YAML 1.0 is a float, 4096 an int, 1.5e3 a float (YAML 1.2 reading, README Choices)', () => {
    expect(scope.one).toEqual(new PyFloat(1));
    expect(scope.num).toBe(4096);
    expect(scope.exp).toEqual(new PyFloat(1500));
    expect(scope.half).toBe(2.5);
  });

  test('"{{ v }}" alone keeps the float; with text around it is its text', () => {
    expect(render('{{ one }}')).toEqual(new PyFloat(1));
    expect(render('{{ one }}-')).toBe('1.0-');
    expect(render('{{ [one, 2] }}')).toEqual([new PyFloat(1), 2]);
  });

  test('pyFloat wraps only integral values', () => {
    expect(pyFloat(2)).toEqual(new PyFloat(2));
    expect(pyFloat(2.5)).toBe(2.5);
    expect(pyFloat(Infinity)).toBe(Infinity);
  });

  test.each([
    [4, '4.0'],
    [-0, '-0.0'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [123456789012345680000, '1.2345678901234568e+20'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [0.1 + 0.2, '0.30000000000000004'],
    [NaN, 'nan'],
    [-Infinity, '-inf'],
  ])('floatRepr(%s) is %s', (n, want) => {
    expect(floatRepr(n)).toBe(want);
  });

  test.each([
    [0.125, 2, '0.12'],
    [0.375, 2, '0.38'],
    [2.5, 0, '2'],
    [3.5, 0, '4'],
    [-0.5, 0, '-0'],
    [2.675, 2, '2.67'],
    [1.005, 2, '1.00'],
    [3.14159, 1, '3.1'],
  ])('fixed(%s, %s) rounds the binary value, ties to even: %s', (n, p, want) => {
    expect(fixed(n, p)).toBe(want);
  });

  test('plainNumbers gives modules numbers or text, and the same object when there is no float', () => {
    const args = { a: new PyFloat(2), b: [new PyFloat(1), 3], c: 'x' };
    expect(plainNumbers(args)).toEqual({ a: 2, b: [1, 3], c: 'x' });
    expect(plainNumbers(args, 'text')).toEqual({ a: '2.0', b: ['1.0', 3], c: 'x' });
    const none = { a: 1, b: ['x'] };
    expect(plainNumbers(none)).toBe(none);
  });

  test('1.0 and 1 are one mapping key and equal list items', () => {
    expect(render("{{ {1: 'a'}[one] }}")).toBe('a');
    expect(render('{{ [one, 1] | unique | length }}')).toBe('1');
  });
});
