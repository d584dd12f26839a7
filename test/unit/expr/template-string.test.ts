import { describe, expect, test } from 'vitest';
import { NodemendError } from '../../../src/load/errors.js';
import { markUnsafe } from '../../../src/load/expr/unsafe.js';
import { compileTemplate, evaluateCondition, evaluateTemplatedExpression, hasTemplate, renderDeep, UndefinedVariableError } from '../../../src/load/expr/index.js';

const scope = {
  name: 'node1',
  port: 22,
  on: true,
  nil: null,
  pkgs: ['docker-ce', 'kpatch'],
  conf: { a: 1 },
  version: '18.09.1',
};

const render = (src: string, sc: Record<string, unknown> = scope): unknown => compileTemplate(src).render(sc);

describe('compileTemplate', () => {
  test.each([
    // exactly one {{ expr }}: the native value
    ['{{ port }}', 22],
    ['  {{ port }}  ', '  22  '], // text around: str, as Ansible's ansible_eval_concat
    ['{{ pkgs }}', ['docker-ce', 'kpatch']],
    ['{{ on }}', true],
    ['{{ nil }}', null],
    ['{{ conf }}', { a: 1 }],
    ['{{ port > 10 }}', true],
    ["{{ 'x' }}", 'x'],
    // a string keeps the text around it, as Ansible's templating does (trailing newline included)
    ['{{ name }}\n', 'node1\n'],
    ['  {{ name }}', '  node1'],
    ['{{ version }}\n\n', '18.09.1\n\n'],
    // mixed text: a string
    ['port={{ port }}', 'port=22'],
    ['{{ port }}{{ port }}', '2222'],
    ['enabled: {{ on }}', 'enabled: True'], // Python's str(), as Ansible prints it
    ['[{{ nil }}]', []], // text that looks like a list becomes one (Ansible's literal_eval)
    ['pkgs: {{ pkgs }}', "pkgs: ['docker-ce', 'kpatch']"],
    ['conf={{ conf }}', "conf={'a': 1}"],
    ['apt-get install docker-ce={{ version }}', 'apt-get install docker-ce=18.09.1'],
    ['{{ name }}.{{ "example.com" }}', 'node1.example.com'],
    ["{{ {'a': {'b': 1}} }}", { a: { b: 1 } }], // "}}" inside brackets does not close
    ["{{ '}}' }}", '}}'],
    ["{{ '{{' }}.Names{{ '}}' }}", '{{.Names}}'],
    // no template at all
    ['plain text', 'plain text'],
    ['', ''],
    // shell's ${#...} is never a comment, an unclosed {# is text; a closed {# #} is a comment
    ['${#arr[@]} {# a comment #}x', '${#arr[@]} x'],
    ['echo ${#arr[@]} {#', 'echo ${#arr[@]} {#'],
    // whitespace control
    ['a   {{- port }}', 'a22'],
    ['{{ port -}}   b', '22b'],
    ['a \n {{- port -}} \n b', 'a22b'],
    // raw blocks
    ["docker ps --format '{% raw %}{{.Names}}{% endraw %}'", "docker ps --format '{{.Names}}'"],
    ['{%raw%}{{ x }}{%endraw%} {{ port }}', '{{ x }} 22'],
    ['{% raw %}{{ a }}{% endraw %}', '{{ a }}'],
  ])('%j', (src, want) => {
    expect(render(src)).toEqual(want);
  });

  test('isStatic tells whether there is anything to render', () => {
    expect(compileTemplate('no braces').isStatic).toBe(true);
    expect(compileTemplate('{% raw %}{{ x }}{% endraw %}').isStatic).toBe(true);
    expect(compileTemplate('a {{ b }}').isStatic).toBe(false);
    expect(compileTemplate('a {{ b }}').source).toBe('a {{ b }}');
  });

  test('an undefined variable in a template names it', () => {
    expect(() => render('x {{ missing }} y')).toThrow(UndefinedVariableError);
    expect(() => render('x {{ missing }} y')).toThrow("'missing' is undefined");
    expect(render("x {{ missing | default('d') }} y")).toBe('x d y');
  });
});

describe('hasTemplate', () => {
  test.each([
    ['{{ x }}', true],
    ['a {{x}} b', true],
    ['{% raw %}', true],
    ['plain', false],
    ['{ x }', false],
    ['${#arr[@]}', false],
    ['}}', false],
  ])('%j', (s, want) => {
    expect(hasTemplate(s)).toBe(want);
  });
});

describe('renderDeep', () => {
  test('renders every string in lists and mappings; keys stay as written', () => {
    const args = { 'name_{{ name }}': '{{ name }}', list: ['{{ port }}', 'x {{ port }}', 3, null, true], nested: { deep: ['{{ pkgs }}'] } };
    expect(renderDeep(args, scope)).toEqual({
      'name_{{ name }}': 'node1',
      list: [22, 'x 22', 3, null, true],
      nested: { deep: [['docker-ce', 'kpatch']] },
    });
    expect(args.list[0]).toBe('{{ port }}'); // the input is not changed
  });

  test('a scalar renders too', () => {
    expect(renderDeep('{{ port + 1 }}', scope)).toBe('23'); // an expression's number renders as text, as in Ansible
    expect(renderDeep('{{ port }}', scope)).toBe(22); // a variable alone keeps its number (Templar's SINGLE_VAR)
    expect(renderDeep(5, scope)).toBe(5);
  });

  test('errors carry the file and line given (no column: the value may be nested anywhere)', () => {
    try {
      renderDeep({ a: ['ok', 'x {{ missing }}'] }, scope, { file: 'site.yaml', line: 7, col: 9 });
      expect.unreachable();
    } catch (e) {
      expect((e as UndefinedVariableError).format()).toBe("site.yaml:7: 'missing' is undefined");
    }
  });
});

describe('var values that are templates render when read (Ansible lazy templating)', () => {
  const vars = {
    base: '/opt',
    src: '{{ base }}/src',
    k8s: '{{ src }}/kubernetes',
    count: '{{ 2 + 1 }}',
    list: ['{{ base }}', 'x'],
    conf: { path: '{{ base }}/conf' },
    loopA: '{{ loopB }}',
    loopB: '{{ loopA }}',
    self: 'x{{ self }}',
    broken: '{{ nowhere }}',
    nested: [{ a: ['{{ src }}'] }, 1],
  };

  test.each([
    ['{{ k8s }}', '/opt/src/kubernetes'],
    ['{{ count }}', '3'], // "{{ 2 + 1 }}" is the str '3' in Ansible 2.14 (jinja2_native off)
    ['{{ count | int + 1 }}', '4'],
    ['{{ conf.path }}', '/opt/conf'],
    ['{{ list[0] }}', '/opt'],
    ['{{ list | length }}', '2'],
    // A whole list or mapping read at once: the templates inside render too (docker_packages: ["docker-{{ docker_edition }}"]).
    ['{{ list }}', ['/opt', 'x']],
    ['{{ conf }}', { path: '/opt/conf' }],
    ["{{ list | join(',') }}", '/opt,x'],
    ['{{ nested }}', [{ a: ['/opt/src'] }, 1]],
    ['{{ broken is defined }}', false],
    ["{{ broken | default('fallback') }}", 'fallback'],
  ])('%s', (src, want) => {
    expect(render(src, vars)).toEqual(want);
  });

  test("a host's list stays data: its templates are not rendered", () => {
    expect(render('{{ said }}', { ...vars, said: markUnsafe(['{{ base }}']) })).toEqual(['{{ base }}']);
  });

  test('a value that uses itself is a clear error, not a stack overflow', () => {
    expect(() => render('{{ loopA }}', vars)).toThrow(/recursive loop: the value of '(loopA|loopB)' .* uses itself/);
    expect(() => render('{{ self }}', vars)).toThrow(NodemendError);
  });

  test('an undefined variable inside a value says whose value it is', () => {
    expect(() => compileTemplate('{{ broken }}', { file: 'f.yaml', line: 2, col: 5 }).render(vars)).toThrow("'nowhere' is undefined (in the value of 'broken')");
  });
});

describe('conditions with {{ }} inside, as Ansible evaluates them (templated first, then evaluated)', () => {
  test.each([
    ["'{{ name }}' == 'node2'", false],
    ["name == '{{ name }}'", true],
    ['{{ port }} > 10', true],
    ['{{ on }}', true],
    ["'{{ version }}' is version('18.09.0', '>')", true],
    ['{{ pkgs | length }} == 2', true],
  ])('%s', (cond, want) => {
    expect(evaluateCondition(cond, scope)).toBe(want);
  });
  test('host output inside {{ }} of a condition is refused, never evaluated', () => {
    const sc = { ...scope, out: markUnsafe({ stdout: "1 == 1 or lookup('env', 'HOME')" }) };
    expect(() => evaluateCondition('{{ out.stdout }} and true', sc)).toThrow(/text read from a host/);
    expect(() => evaluateCondition('{{ out.stdout }}', sc)).toThrow(/text read from a host/);
    expect(evaluateCondition("{{ out.stdout != '' }}", sc)).toBe(true);
  });
  test('one {{ var }} holding a string evaluates the string, as Ansible does', () => {
    expect(evaluateCondition('{{ check }}', { ...scope, check: '1 == 2' })).toBe(false);
    expect(evaluateCondition('{{ check }}', { ...scope, check: "'a' in 'cab'" })).toBe(true);
  });
  test('a condition rendering to an empty string is false; one rendering to a boolean is that boolean', () => {
    expect(evaluateTemplatedExpression('{{ "" }}{{ "" }}', scope)).toBe(false);
    expect(evaluateTemplatedExpression('{{ on }}', scope)).toBe(true);
  });
});

describe("backslashes in {{ }} string literals of playbook values: kept as written (2.14's _escape_backslashes)", () => {
  test.each([
    // The value as YAML leaves it; what it renders to.
    [String.raw`{{ ['a', 'b'] | join('\n') }}`, String.raw`a\nb`],
    [String.raw`{{ 'C:\\temp' }}`, String.raw`C:\\temp`],
    [String.raw`{{ '\t' | length }}`, '2'],
    [String.raw`{{ 'a1 b22' | regex_replace('\d+', 'N') }}`, 'aN bN'],
    [String.raw`{{ 'a1 b22' | regex_replace('\\d+', 'N') }}`, 'a1 b22'], // a literal backslash, then d+
    [String.raw`{{ 'a1' | regex_replace('(\d)', '<\1>') }}`, 'a<1>'],
    [String.raw`{{ 'C:\Users\x' | regex_replace('\\', '/') }}`, 'C:/Users/x'],
    [String.raw`{{ "x\\y" | length }}`, '4'],
    // not in {% %}: plain Jinja unescaping there
    [String.raw`{% set s = '\n' %}{{ s | length }} {{ '\n' | length }}`, '1 2'],
    [String.raw`{% if '\t' == '	' %}tab{% endif %}`, 'tab'],
  ])('%s', (src, want) => {
    expect(render(src)).toEqual(want);
  });

  test('a backslash before the closing quote is refused (2.14 fails its template there)', () => {
    expect(() => compileTemplate(String.raw`{{ 'it\'s' }}`)).toThrow(/cannot escape a quote.*use the other quote/);
  });

  test('a bare condition unescapes as Jinja does; a wrapped one reads its literals raw', () => {
    expect(evaluateCondition(String.raw`'\n' | length == 1`, scope)).toBe(true);
    expect(evaluateCondition(String.raw`{{ '\n' | length == 2 }}`, scope)).toBe(true);
  });
});
