/**
 * Jinja statements in templated strings and `.j2` files. Expected values are what Jinja 3.1
 * (Debian's python3-jinja2, as ansible-core 2.14 uses it) renders for the same source with
 * Ansible's settings: trim_blocks on in strings, none printed as "" (Ansible's finalize), the
 * source's trailing newlines kept.
 */
import { describe, expect, test } from 'vitest';
import { NodemendError } from '../../../src/load/errors.js';
import { compileTemplate, compileTemplateFile, UndefinedVariableError } from '../../../src/load/expr/index.js';
import { markUnsafe } from '../../../src/load/expr/unsafe.js';

const scope = { n: 3, xs: [1, 2, 3], d: { a: 1, b: 'x' } };
const render = (src: string, sc: Record<string, unknown> = scope): unknown => compileTemplate(src).render(sc);

describe('statements in strings (trim_blocks on, as Ansible templates strings)', () => {
  test.each([
    ['{% if n > 2 %}big{% elif n > 1 %}mid{% else %}small{% endif %}', 'big'],
    ['{% if n > 9 %}big{% elif n > 1 %}mid{% else %}small{% endif %}', 'mid'],
    ['{% if n > 9 %}big{% endif %}|', '|'],
    ['{% for x in xs %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.length }}:{{ x }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %} {% endfor %}', '1/0/3:1F 2/1/3:2 3/2/3:3L '],
    ['{% for x in [] %}a{% else %}empty{% endfor %}', 'empty'],
    ['{% for x in xs if x > 1 %}{{ x }}{{ loop.revindex }}{% endfor %}', '2231'],
    ['{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}', 'a=1,b=x,'],
    ['{% for k in d %}{{ k }}{% endfor %}', 'ab'],
    ['{% set y = n * 2 %}{{ y }}', '6'],
    ['{% set a, b = [1, 2] %}{{ a }}{{ b }}', '12'],
    // a set inside a loop does not leak out of it
    ["{% for x in xs %}{% set last = x %}{% endfor %}{{ last | default('none') }}", 'none'],
    ['{% set t %}in {{ n }}{% endset %}[{{ t }}]', '[in 3]'],
    ['a{# comment #}b', 'ab'],
    ['a {#- c -#} b', 'ab'],
    ['lines:\n{% for x in xs %}\n- {{ x }}\n{% endfor %}\nend\n', 'lines:\n- 1\n- 2\n- 3\nend\n'],
    ['lines:\n  {% for x in xs %}\n  - {{ x }}\n  {% endfor %}\nend', 'lines:\n    - 1\n    - 2\n    - 3\n  end'],
    ['a  {%- if true %} b {% endif -%}  c', 'a b c'],
    ['{% for x in xs -%}\n  {{ x }}\n{%- endfor %}', '123'],
    ["x {{- ' y ' -}} z", 'x y z'],
    ['{% raw %}{{ not }}{% endraw %}', '{{ not }}'],
    ['{% if n %}\n{% endif %}\n', '\n'],
    ['{{ xs }} {{ d }} {{ true }} {{ none }}|', "[1, 2, 3] {'a': 1, 'b': 'x'} True |"],
    ["{% for x in xs %}{{ loop.previtem | default('-') }}{{ loop.nextitem | default('-') }} {% endfor %}", '-2 13 2- '],
    ['{%+ if true %}\nkept{% endif +%}\nnl', 'kept\nnl'],
  ])('%j', (src, want) => expect(render(src)).toBe(want));

  test("a set never writes to the caller's variables", () => {
    const sc: Record<string, unknown> = { n: 1 };
    expect(render('{% set n = 5 %}{{ n }}', sc)).toBe('5');
    expect(sc.n).toBe(1);
  });

  test('loop items from host data stay data: a "{{ }}" inside is printed, not rendered', () => {
    const sc = { secret: 's3cret', lines: markUnsafe(['{{ secret }}', 'ok']) };
    expect(render('{% for l in lines %}[{{ l }}]{% endfor %}', sc)).toBe('[{{ secret }}][ok]');
    expect(render('{% set v = lines[0] %}{{ v }}', sc)).toBe('{{ secret }}');
  });

  test('an undefined variable inside a loop names it', () => {
    expect(() => render('{% for x in xs %}{{ missing }}{% endfor %}')).toThrow(UndefinedVariableError);
    expect(() => render('{% for x in nothere %}{% endfor %}')).toThrow("'nothere' is undefined");
  });
});

describe('.j2 files: the template module options', () => {
  const file = (src: string, trimBlocks: boolean, lstripBlocks: boolean, sc: Record<string, unknown> = { xs: [1, 2] }): string =>
    compileTemplateFile(src, 't.j2', { trimBlocks, lstripBlocks }).render(sc) as string;

  test('trim_blocks and lstrip_blocks on', () => {
    expect(file('lines:\n  {% for x in xs %}\n  - {{ x }}\n  {% endfor %}\nend', true, true)).toBe('lines:\n  - 1\n  - 2\nend');
    expect(file('  {% if true %}x{% endif %}\n  {%+ if true %}y{% endif %}\n', true, true)).toBe('x  y\n');
  });

  test('trim_blocks off keeps the newline after each tag', () => {
    expect(file('lines:\n{% for x in xs %}\n- {{ x }}\n{% endfor %}\nend', false, false)).toBe('lines:\n\n- 1\n\n- 2\n\nend');
  });

  test('a file keeps its final newline, also after a block tag that trim_blocks would trim', () => {
    expect(file('{% for x in xs %}{{ x }}{% endfor %}\n', true, false)).toBe('12\n');
  });

  test('in a file, {# always opens a comment (also after $, as in Jinja)', () => {
    expect(file('a {# c #} b ${#x#}', true, false)).toBe('a  b $');
  });

  test.each([
    ['a\n{% if x %}\nb\n', "t.j2:2:1: expected '{% endif %}' to close '{% if %}'"],
    ['a\nb {{ x | nofilter }}\n', "t.j2:2:10: unknown filter 'nofilter'"],
    ['line1\n  {% for x in %}{% endfor %}', "t.j2:2:15: expected an expression, got '%}'"],
    ['x\n{# never closed\n', "t.j2:2:1: expected '#}' to close the comment '{#'"],
    ['{% extends "b.j2" %}', "t.j2:1:4: '{% extends %}' is not supported (statements: if, for, set, raw, macro, call, include, import, from)"],
    ['{% macro m(a=1, b) %}{% endmacro %}', 't.j2:1:17: a parameter without a default cannot follow one with a default'],
    ['{% call x() %}{% endcall %}', "t.j2:1:9: only macros of the template (m(), mod.m(), caller()) and methods (x.split(',')) can be called; use a filter for anything else (x | name(args))"],
    ['{% macro m() %}', "t.j2:1:1: expected '{% endmacro %}' to close '{% macro %}'"],
    ['{% from "x" import _a %}', 't.j2:1:20: names starting with an underline can not be imported'],
  ])('syntax error in %j', (src, msg) => {
    try {
      compileTemplateFile(src, 't.j2', { trimBlocks: true, lstripBlocks: false });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NodemendError);
      expect((e as NodemendError).format()).toBe(msg);
    }
  });

  test('an undefined variable while rendering names its line and column', () => {
    try {
      file('ok\n  {{ nope }}\n', true, false);
      expect.unreachable();
    } catch (e) {
      expect((e as UndefinedVariableError).format()).toBe("t.j2:2:6: 'nope' is undefined");
    }
  });
});
