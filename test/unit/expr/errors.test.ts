import { describe, expect, test } from 'vitest';
import { NodemendError } from '../../../src/load/errors.js';
import { compileExpression, compileTemplate, UndefinedVariableError } from '../../../src/load/expr/index.js';

const at = { file: 'site.yaml', line: 12, col: 13 };

function compileError(fn: () => unknown): NodemendError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NodemendError);
    return e as NodemendError;
  }
  throw new Error('expected a compile error');
}

describe('expression syntax errors: message and column inside the file', () => {
  test.each([
    // [source, offset of the bad token, message]
    ['x | default(1', 13, "expected ')' after filter arguments, got end of expression"],
    ['x | default(1 2)', 14, "expected ')' after filter arguments, got number 2"],
    ['x is version("1", "<"', 21, "expected ')' after test arguments, got end of expression"],
    ['(a + b', 6, "expected ')' to close '(', got end of expression"],
    ['[1, 2', 5, "expected ']' or ',' in list, got end of expression"],
    ["{'a' 1}", 5, "expected ':' after a dict key, got number 1"],
    ["{'a': 1", 7, "expected '}' or ',' in dict, got end of expression"],
    ['a ==', 4, 'expected an expression, got end of expression'],
    ['a b', 2, "unexpected 'b': expected an operator or the end of the expression"],
    ['a and', 5, 'expected an expression, got end of expression'],
    ['x |', 3, "expected a filter name after '|', got end of expression"],
    ['x | 5', 4, "expected a filter name after '|', got number 5"],
    ['x is', 4, "expected a test name after 'is', got end of expression"],
    ['x | nosuch', 4, "unknown filter 'nosuch'"],
    ['x | defualt(1)', 4, 'unknown filter \'defualt\' (did you mean "default"?)'],
    ['x is definde', 5, 'unknown test \'definde\' (did you mean "defined"?)'],
    ['x | join(",", "y", "z")', 19, "filter 'join' takes at most 2 arguments, got 3"],
    ['x | lower(1)', 10, "filter 'lower' takes at most 0 arguments, got 1"],
    ['x | replace("a")', 4, "filter 'replace' needs argument 'new'"],
    ['x | join(sep=",")', 4, "filter 'join' has no argument 'sep' (it takes: d, attribute)"],
    ['x | default(1, default_value=2)', 4, "filter 'default' got argument 'default_value' twice"],
    ['x | default(boolean=true, 1)', 26, 'a positional argument cannot follow a keyword argument'],
    ["x | regex_search('(unclosed')", 17, /^invalid regex "\(unclosed": .*Unterminated group$/],
    ["x is match('[a-')", 11, /^invalid regex "\[a-": /],
    ["x | select('nosuch')", 11, "unknown test 'nosuch'"],
    ["x | map('nosuch')", 8, "unknown filter 'nosuch'"],
    ['x.', 2, "expected an attribute name after '.', got end of expression"],
    ['x[]', 2, 'expected an index inside [ ]'],
    ['x[1', 3, "expected ']' after the index, got end of expression"],
    ['x(1)', 1, "only methods can be called (x.split(','), d.items()); use a filter for anything else (x | name(args))"],
    ["'abc", 0, "unterminated string: expected a closing '"],
    ['a ; b', 2, 'unexpected character ";"'],
    ['a )', 2, "unexpected ')': nothing to close"],
    ['(a]', 2, "unexpected ']': expected ')' to close '('"],
    ['12abc', 0, 'invalid number "12abc"'],
    ['', 0, 'expected an expression, got end of expression'],
    ['not', 3, 'expected an expression, got end of expression'],
    ['and', 0, "expected an expression, got 'and'"],
  ] as [string, number, string | RegExp][])('%s', (src, offset, message) => {
    const e = compileError(() => compileExpression(src, at));
    expect(e.code).toBe('expression');
    expect(e.message).toMatch(typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
    expect(e.pos).toEqual({ ...at, col: at.col + offset });
    expect(e.format()).toBe(`site.yaml:12:${at.col + offset}: ${e.message}`);
  });

  test('a multi-line source reports the position of its start', () => {
    const e = compileError(() => compileExpression('a and\n  (b or c', at));
    expect(e.pos).toEqual(at);
    expect(e.message).toBe("expected ')' to close '(', got end of expression");
  });

  test('without a position the error has none', () => {
    const e = compileError(() => compileExpression('a +'));
    expect(e.pos).toBeUndefined();
    expect(e.format()).toBe('expected an expression, got end of expression');
  });

  test('a cached syntax error is reported at each new position', () => {
    compileError(() => compileExpression('b +', at));
    const e = compileError(() => compileExpression('b +', { file: 'other.yaml', line: 1, col: 1 }));
    expect(e.format()).toBe('other.yaml:1:4: expected an expression, got end of expression');
  });
});

describe('template syntax errors', () => {
  test.each([
    ['echo {{ x', 5, "expected '}}' to close '{{'"],
    ['echo {{ x }', 10, "expected '}}' to close '{{', got '}'"],
    ['a {{ x | }} b', 9, "expected a filter name after '|', got '}}'"],
    ['a {{ }}', 5, "expected an expression, got '}}'"],
    ['{{ x y }}', 5, "unexpected 'y': expected an operator or '}}'"],
    ['ok {{ a }} then {{ b +) }}', 22, "unexpected ')': nothing to close"],
    ['{% if x %}y', 0, "expected '{% endif %}' to close '{% if %}'"],
    ['a {% for x in xs %}y{% endif %}', 23, "unexpected '{% endif %}': expected '{% endfor %}' to close '{% for %}'"],
    ['a {% for x in xs %}y', 2, "expected '{% endfor %}' to close '{% for %}'"],
    ['a {% endfor %}', 5, "unexpected '{% endfor %}': no open block it could close"],
    ['{% if x y %}{% endif %}', 8, "unexpected 'y': expected an operator or '%}'"],
    ['{% for x xs %}{% endfor %}', 9, "expected 'in' after the loop variable, got 'xs'"],
    ['{% for 1 in xs %}{% endfor %}', 7, 'expected a loop variable name, got number 1'],
    ['{% extends "x" %}', 3, "'{% extends %}' is not supported (statements: if, for, set, raw, macro, call, include, import, from)"],
    ['{% block b %}{% endblock %}', 3, "'{% block %}' is not supported (statements: if, for, set, raw, macro, call, include, import, from)"],
    ['{% frobnicate %}', 3, "unknown statement 'frobnicate' (statements: if, for, set, raw, macro, call, include, import, from)"],
    ['{% set x = %}', 11, "expected an expression, got '%}'"],
    ['{% if x', 0, "expected '%}' to close '{%'"],
    ['{% for x in xs recursive %}{% endfor %}', 15, 'recursive loops are not supported'],
    ['x {% raw %}y', 2, "expected '{% endraw %}' to close '{% raw %}'"],
    ['{{ x | nofilter }}', 7, "unknown filter 'nofilter'"],
  ] as [string, number, string][])('%s', (src, offset, message) => {
    const e = compileError(() => compileTemplate(src, at));
    expect(e.code).toBe('expression');
    expect(e.message).toBe(message);
    expect(e.pos).toEqual({ ...at, col: at.col + offset });
  });
});

describe('undefined variables', () => {
  test.each([
    ['foo', {}, 'foo'],
    ['foo + 1', {}, 'foo'],
    ['d.missing', { d: {} }, 'd.missing'],
    ['d.a.b', { d: { a: {} } }, 'd.a.b'],
    ["d['k']", { d: {} }, "d['k']"],
    ['xs[3]', { xs: [1] }, 'xs[3]'],
    ['s.upper', { s: 'text' }, 's.upper'], // no methods: a string has no attributes
    ['n.real', { n: 1 }, 'n.real'],
    ['x | lower', {}, 'x'],
    ['[1, missing]', {}, 'missing'],
    ['t or missing', { t: false }, 'missing'],
    ['missing.x is none', {}, 'missing'], // the first missing part is named
  ] as [string, Record<string, unknown>, string][])('%s', (src, sc, variable) => {
    let err: unknown;
    try {
      compileExpression(src, at).evaluate(sc);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UndefinedVariableError);
    const u = err as UndefinedVariableError;
    expect(u.variable).toBe(variable);
    expect(u.message).toBe(`'${variable}' is undefined`);
    expect(u.name).toBe('UndefinedVariableError');
    expect(u.code).toBe('undefined-variable');
    expect(u.pos?.file).toBe('site.yaml');
  });

  test('the error points at the undefined part', () => {
    try {
      compileExpression('ok and d.nope', at).evaluate({ ok: true, d: {} });
      expect.unreachable();
    } catch (e) {
      expect((e as UndefinedVariableError).pos).toEqual({ ...at, col: at.col + 7 });
      expect((e as UndefinedVariableError).format()).toBe("site.yaml:12:20: 'd.nope' is undefined");
    }
  });

  test('short-circuit: the right side of and/or is not read when not needed', () => {
    expect(compileExpression('x is defined and x > 1').evaluate({})).toBe(false);
    expect(compileExpression('x is not defined or x > 1').evaluate({})).toBe(true);
    expect(compileExpression("'a' if t else missing").evaluate({ t: true })).toBe('a');
  });

  // 2.14's AnsibleUndefined stays undefined through names, attributes, items and slices (default
  // takes it) but fails where an operation uses it: called, given to a filter, compared, added, made
  // a bool. Checked against ansible-playbook in test/fleet/differential-dynamic-inventory.test.ts.
  test.each([
    "nope.keys() | default('D')",
    "nope.a.keys() | default('D')",
    "(nope + 1) | default('D')",
    "(nope ~ 'x') | default('D')",
    "(-nope) | default('D')",
    "(not nope) | default('D')",
    "(nope | int) | default('D')",
    "(nope | lower) | default('D')",
    "(nope == 1) | default('D')",
    "('x' in nope) | default('D')",
    "(nope or 1) | default('D')",
    "('a' if nope else 'b') | default('D')",
    "d[nope] | default('D')",
    'nope.keys() is defined',
  ])('an operation on an undefined value fails, whatever is further out: %s', (src) => {
    expect(() => compileExpression(src, at).evaluate({ d: {} })).toThrow("'nope' is undefined");
  });

  test.each([
    ["nope.a | default('D')", 'D'],
    ["nope[1:2] | default('D')", 'D'],
    ["(false or nope) | default('D')", 'D'],
    ["(true if false else nope) | default('D')", 'D'],
    ["d.get('x').y | default('D')", 'D'],
    ["[] | first | default('D')", 'D'],
    ["lazy | default('D')", 'D'], // a variable whose own template fails is undefined as a whole
    ['nope.a is defined', false],
  ] as [string, unknown][])('a name, attribute, item or slice of an undefined value stays undefined: %s', (src, want) => {
    expect(compileExpression(src, at).evaluate({ d: {}, lazy: '{{ nope.keys() }}' })).toBe(want);
  });
});

describe('runtime type errors name the operator and point at it', () => {
  test.each([
    ["'a' - 1", 4, "unsupported operand types for -: 'str' and 'int'"],
    ["x < 'a'", 2, "'<' is not supported between 'int' and 'str'"],
    ['1 / 0', 2, 'division by zero'],
    ['1 // 0', 2, 'integer division or modulo by zero'],
    ['1 % 0', 2, 'integer modulo by zero'],
    ['1.0 / 0', 4, 'float division by zero'],
    ['1 in 5', 2, "argument of type 'int' is not iterable"],
    ["1 in 'abc'", 2, "'in <string>' requires a string on the left, not 'int'"],
    ['-"a"', 0, "bad operand type for unary -: 'str'"],
    ['x[1:2]', 0, "'int' object cannot be sliced"],
    ['[1][::0]', 0, 'slice step cannot be zero'],
    ['{[1]: 2}', 1, "a dict key must be a string or a number, got 'list'"],
  ] as [string, number, string][])('%s', (src, offset, message) => {
    try {
      compileExpression(src, at).evaluate({ x: 1 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NodemendError);
      expect((e as NodemendError).message).toBe(message);
      expect((e as NodemendError).pos).toEqual({ ...at, col: at.col + offset });
    }
  });
});
