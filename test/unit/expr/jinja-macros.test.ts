/**
 * Jinja's macro, call, include, import and from-import in template files (statements.ts,
 * macro.ts, template-loader.ts). Each expected value is what Jinja 3.1 (Debian's python3-jinja2,
 * as ansible-core 2.14 uses it) rendered for the same source with trim_blocks on, the same
 * variables and these files on its loader's search path (a DictLoader), printed by a script
 * (the table is its output; `varargs` is a tuple there, a list here, so the cases print its items).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { NodemendError } from '../../../src/load/errors.js';
import { compileTemplateFile } from '../../../src/load/expr/index.js';
import { LOOKUPS } from '../../../src/load/expr/lookups.js';

const FILES: Record<string, string> = {
  'm.j2': "{% macro hello(name, greeting='hi') -%}\n{{ greeting }} {{ name }}{{ suffix | default('') }}\n{%- endmacro %}\n{% set exported = 'E' %}{% set _private = 'P' %}\nbody of m\n",
  'inc.j2': "[{{ x | default('no x') }}]\n",
  'ctx.j2': "{% set local = 'L' %}{{ g }}\n",
};

const dir = mkdtempSync(join(tmpdir(), 'nm-jinja-macros-'));
mkdirSync(join(dir, 'templates'));
for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, 'templates', name), text);

const render = (src: string, vars: Record<string, unknown> = {}, file = join(dir, 't.j2')): unknown => compileTemplateFile(src, file, { trimBlocks: true, lstripBlocks: false }).render(vars);

/** [case, template, variables, Jinja 3.1's output]. */
const JINJA: [string, string, Record<string, unknown>, string][] = [
  ['args and defaults', "{% macro m(a, b=a ~ '!', c=none) %}{{ a }}|{{ b }}|{{ c }}{% endmacro %}{{ m(1) }} {{ m(1, 2) }} {{ m(1, c=3) }}", {}, '1|1!| 1|2| 1|1!|3'],
  ['varargs kwargs', "{% macro m(a) %}{{ a }} {{ varargs | join(',') }} {{ varargs | length }} {{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k='v') }}", {}, "1 2,3 2 {'k': 'v'}"],
  ['caller', "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}in {{ g }}{% endcall %}", { g: 'G' }, '<b>in G</b>'],
  ['caller args', "{% macro each(xs) %}{% for x in xs %}{{ caller(x, loop.index) }};{% endfor %}{% endmacro %}{% call(v, i) each(['a','b']) %}{{ i }}={{ v }}{% endcall %}", {}, '1=a;2=b;'],
  ['scoping: macro sees globals, not caller loop var', "{% macro m() %}{{ g }}-{{ x | default('nox') }}{% endmacro %}{% for x in [1,2] %}{{ m() }} {% endfor %}", { g: 'G' }, 'G-nox G-nox '],
  ['macro sees later top-level set', "{% macro m() %}{{ late | default('unset') }}{% endmacro %}{% set late = 'set' %}{{ m() }}", {}, 'set'],
  ['macro own args shadow', "{% macro m(g) %}{{ g }}{% endmacro %}{{ m('arg') }}{{ g }}", { g: 'G' }, 'argG'],
  ['set inside macro does not leak', "{% macro m() %}{% set y = 1 %}{{ y }}{% endmacro %}{{ m() }}{{ y | default('none') }}", {}, '1none'],
  ['include with context sees loop var', "{% for x in [1,2] %}{% include 'inc.j2' %}{% endfor %}", {}, '[1][2]'],
  ['include without context', "{% set x = 5 %}{% include 'inc.j2' without context %}", {}, '[no x]'],
  ['include ignore missing', "a{% include 'nope.j2' ignore missing %}b", {}, 'ab'],
  ['include list', "{% include ['nope.j2', 'inc.j2'] %}", { x: 'X' }, '[X]'],
  ['import as', "{% import 'm.j2' as m %}{{ m.hello('bob') }} {{ m.exported }} {{ m._private | default('hidden') }}", {}, 'hi bob E hidden'],
  ['from import alias', "{% from 'm.j2' import hello as h, exported %}{{ h('ann', greeting='yo') }} {{ exported }}", {}, 'yo ann E'],
  ['import without context does not see vars', "{% from 'm.j2' import hello %}{{ hello('x') }}", { suffix: '?' }, 'hi x'],
  ['import with context sees vars', "{% from 'm.j2' import hello with context %}{{ hello('x') }}", { suffix: '?' }, 'hi x?'],
  ['import ctx module', "{% import 'ctx.j2' as c with context %}{{ c.local }}", { g: 'G' }, 'L'],
  ['macro in string (trim_blocks)', '{% macro m() %}\nline\n{% endmacro %}\n[{{ m() }}]', {}, '[line\n]'],
];

describe('macros, calls, includes and imports render as Jinja 3.1 renders them', () => {
  test.each(JINJA)('%s', (_name, src, vars, want) => {
    expect(render(src, vars)).toBe(want);
  });
});

describe('scoping', () => {
  test("a macro sees its own arguments and the template's variables, not its caller's loop variable", () => {
    const src = '{% macro m(a) %}{{ a }}/{{ top }}/{{ item is defined }}{% endmacro %}{% for item in [1] %}{{ m(item) }}{% endfor %}';
    expect(render(src, { top: 'T' })).toBe('1/T/False');
  });

  test('a macro defined inside a loop sees that iteration', () => {
    expect(render('{% for x in [1, 2] %}{% macro m() %}{{ x }}{% endmacro %}{{ m() }}{% endfor %}')).toBe('12');
  });

  test('an argument not given and without default is undefined inside the macro, not an outer variable', () => {
    expect(render('{% macro m(g) %}{{ g | default("missing") }}{% endmacro %}{{ m() }}', { g: 'outer' })).toBe('missing');
  });

  test('a template imported without context sees none of the variables; its lookups still run', () => {
    writeFileSync(join(dir, 'templates', 'look.j2'), "{% macro m() %}{{ lookup('env', 'HOME') }}|{{ secret | default('unseen') }}{% endmacro %}");
    expect(render("{% from 'look.j2' import m %}{{ m() }}", { secret: 's' })).toBe(`${process.env.HOME ?? ''}|unseen`);
  });
});

describe('errors', () => {
  const failure = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      if (e instanceof NodemendError) return e.format();
      throw e;
    }
    return 'no error';
  };

  test.each([
    ['{{ m(1, 2) }}', "macro 'm' takes not more than 1 argument(s)"],
    ['{{ m(1, k=2) }}', "macro 'm' takes no keyword argument 'k'"],
    ['{{ m(1, a=2) }}', "macro 'm' got multiple values for argument 'a'"],
  ])('%s', (call, msg) => {
    expect(failure(() => render(`{% macro m(a) %}{{ a }}{% endmacro %}\n${call}`))).toBe(`${join(dir, 't.j2')}:2:4: ${msg}`);
  });

  test('a missing include fails at compile time at its line, naming the search path', () => {
    expect(failure(() => compileTemplateFile("a\n{% include 'nope.j2' %}\n", join(dir, 't.j2'), { trimBlocks: true, lstripBlocks: false }))).toBe(
      `${join(dir, 't.j2')}:2:12: template 'nope.j2' not found (searched ${join(dir, 'templates')}, ${dir})`,
    );
  });

  test('a syntax error in an included template is reported at its own file and line', () => {
    writeFileSync(join(dir, 'templates', 'broken.j2'), 'ok\n{% if %}\n');
    expect(failure(() => render("{% include 'broken.j2' %}"))).toBe(`${join(dir, 'templates', 'broken.j2')}:2:7: expected an expression, got '%}'`);
  });

  test('a name computed at run time is found then, and a missing one fails then', () => {
    expect(render('{% include name %}', { name: 'inc.j2', x: 1 })).toBe('[1]');
    expect(failure(() => render('{% include name %}', { name: 'gone.j2' }))).toContain("template 'gone.j2' not found");
  });

  test('a ".." in a name is never found (Jinja refuses it)', () => {
    expect(failure(() => render("{% include '../templates/inc.j2' %}"))).toContain("template '../templates/inc.j2' not found");
  });
});

describe('line statements and comment strings', () => {
  test('a #jinja2: line_statement_prefix header makes lines starting with it statements', () => {
    expect(render('#jinja2: line_statement_prefix: ":"\n: for x in [1, 2]\n  - {{ x }}\n  : endfor\nend\n')).toBe('  - 1\n  - 2\nend\n');
  });

  test('comment_start_string / comment_end_string replace {# #}, which is then text', () => {
    const t = compileTemplateFile('a\n[# c #]\n{# not a comment #}\n', join(dir, 't.j2'), { trimBlocks: true, lstripBlocks: false, commentStart: '[#', commentEnd: '#]' });
    expect(t.render({})).toBe('a\n{# not a comment #}\n');
  });
});

describe("lookup('template')", () => {
  test('is a lookup plugin', () => {
    expect(Object.keys(LOOKUPS)).toContain('template');
  });

  test('renders with the variables, template_vars and its includes; convert_data turns dict text into a dict', () => {
    writeFileSync(join(dir, 'templates', 'lk.j2'), "{% include 'inc.j2' %}{{ extra }}\n");
    writeFileSync(join(dir, 'templates', 'dict.j2'), '{{ {"a": x} }}\n');
    const scope = { playbook_dir: dir, x: 1 };
    expect(LOOKUPS.template.run(['lk.j2'], { template_vars: { extra: 'E' } }, scope)).toEqual(['[1]E\n']);
    expect(LOOKUPS.template.run(['dict.j2'], {}, scope)).toEqual([{ a: 1 }]);
    expect(LOOKUPS.template.run(['dict.j2'], { convert_data: false }, scope)).toEqual(["{'a': 1}\n"]);
    expect(() => LOOKUPS.template.run(['none.j2'], {}, scope)).toThrow('the template file none.j2 could not be found for the lookup');
  });
});
