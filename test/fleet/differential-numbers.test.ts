/**
 * Python numbers through ansible-playbook 2.14.18 and nodemend on the same host (node40, paths
 * /tmp/nmdiff-h23b-*): an integral float stays a float (`{{ mem / 1024 }}` writes `4.0`, a YAML
 * `1.0` prints `1.0`, `5 | float` is `5.0`), `//` and `%` follow Python's int/float rules,
 * round/sum/abs/min/max, comparisons, repr-style printing (`1e+16`, `0.30000000000000004`),
 * to_json / to_nice_json / to_nice_yaml, type_debug and the float/integer/number tests; and
 * Python's `%` formatting on a str (`'%s-%d' % (a, b)`, `'%05.1f' % x`, `'%(k)s' % d`), with
 * its errors. Files (copy content, a template), registered values and changed flags compare in
 * check, run and rerun (src/load/expr/values.ts PyFloat; README "Bringing an Ansible role").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics2[0];
const d = differential(HOST, 'h23b');

/** Play vars written as YAML, so `1.0` and `2.5` are YAML floats (the case's `vars` would be dumped from JS numbers). */
const PLAY_VARS = `mem: 4096
one: 1.0
half: 2.5
neg: -3.0
x: 3.14159
sizes: [1.0, 2, 3.5]
d1: { k: v, n: 2, f: 2.0 }
`;

const NUMBERS = `heap={{ mem / 1024 }}g
one={{ one }} neg={{ neg }} half={{ half }} sizes={{ sizes }} d1={{ d1 }}
float={{ 5 | float }} {{ '3.0' | float }} {{ 'abc' | float }} {{ true | float }} int={{ one | int }} {{ 7.9 | int }} {{ '7' | int / 2 }}
div={{ 4 / 2 }} {{ 10 / 4 }} {{ 1 / 3 }} {{ 7 // 2 }} {{ 7.0 // 2 }} {{ -7.5 // 2 }} {{ 7 % 3.0 }} {{ -7 % 3 }} {{ 7 % -3 }}
ops={{ 2 * one }} {{ 2 + 0.0 }} {{ 3 - one }} {{ 2 ** -1 }} {{ 2 ** 3 }} {{ 2.0 ** 2 }} {{ -one }} {{ one ~ 'x' }}
repr={{ 1e16 }} {{ 1e15 }} {{ 0.1 + 0.2 }} {{ 0.0001 }} {{ 0.00001 }} {{ [4 / 2, 1] }} {{ {'a': 1.0} }}
round={{ 2.5 | round }} {{ 3.5 | round }} {{ 4 | round }} {{ 2.675 | round(2) }} {{ 3.7 | round | int }} {{ 2.1 | round(0, 'ceil') }} {{ 2.9 | round(1, 'floor') }} {{ 1234 | round(-2) }} {{ 1250.0 | round(-2) }}
agg={{ sizes | sum }} {{ [1, 2] | sum }} {{ neg | abs }} {{ -2 | abs }} {{ sizes | max }} {{ sizes | min }} {{ [1.0, 3] | max }}
cmp={{ 1 == 1.0 }} {{ one in [1] }} {{ 1 in sizes }} {{ 2.0 > 1 }} {{ [one, 1] | unique }} {{ {1: 'a'}[one] }}
tests={{ one is float }} {{ 1 is float }} {{ one is integer }} {{ one is number }} {{ half is float }} {{ (4 / 2) is float }} {{ (4 // 2) is integer }}
types={{ (4 / 2) | type_debug }} {{ (4 // 2) | type_debug }} {{ one | type_debug }} {{ (5 | float) | type_debug }} {{ (2.5 | round) | type_debug }} {{ (4 | round) | type_debug }}
json={{ 2.0 | to_json }} {{ {'a': 2.0, 'b': 1e16, 'c': 0.5, 'd': 1e-7, 'e': 3} | to_json }} {{ d1 | to_json }}
nice={{ {'a': 2.0, 'b': 1e16, 'c': [1.0, 3]} | to_nice_json }}
{{ {'a': 2.0, 'b': 1e16, 'c': 0.5, 'd': 1e-7, 'e': 3} | to_nice_yaml }}`;

const PRINTF = `{{ '%s-%d' % ('a', 5) }}|{{ '%05.1f' % x }}|{{ '%(k)s/%(n)03d/%(f)s' % d1 }}|{{ '%s' % sizes }}|{{ '%s' % one }}
{{ '%x %o %e %g %G %%' % (255, 8, 12345.678, 0.00001234, 1e20) }}|{{ '%i %u %X %#x %#o %c' % (1, 2, 255, 255, 8, 65) }}
{{ '%.2f' % 0.125 }} {{ '%.0f' % 2.5 }} {{ '%.0f' % -0.5 }} {{ '%d' % 3.9 }} {{ '%s' % d1 }} {{ '%.3g|%g|%g|%#g' % (1234567, 100000, 1000000, 1.5) }}
{{ '%5s|%-5s|%+d|% d|%05d|%-6.2f|' % ('ab', 'cd', 5, 5, -42, 2.5) }}{{ '%*d|%-*d|%.*f' % (5, 1, 4, 2, 2, 3.14159) }}
{{ '%s %r' % (one, 'q') }} {{ '%d%%' % 50 }} {{ '%(a)s' | format(a=1.0) }} {{ '%-8s %s' | format('h', 'm') }}|`;

const values = d.case('integral floats, arithmetic, printing and serialising as Python', {
  play: 'vars_files: [vars/play.yml]',
  controllerFiles: { 'vars/play.yml': PLAY_VARS, 'templates/numbers.j2': `${NUMBERS}\n${PRINTF}\n`, 'vars/nums.yml': 'from_file: 1.0\nexp: 1.0e+3\nfive: 5\n' },
  tasks: `
    - name: vars file
      include_vars: { file: vars/nums.yml }
    - name: numbers in copied content
      copy:
        dest: "{{ dir }}/numbers"
        content: |
${indent(NUMBERS, 10)}
    - name: printf in copied content
      copy:
        dest: "{{ dir }}/printf"
        content: |
${indent(PRINTF, 10)}
    - name: the same through a template
      template: { src: numbers.j2, dest: "{{ dir }}/templated" }
    - name: a float var alone and in text
      copy: { dest: "{{ dir }}/alone", content: "{{ one }}" }
    - name: a list and a dict as content (json.dumps keeps 2.0 a float; audit24 N29)
      copy: { dest: "{{ dir }}/json-list", content: "{{ [1.5, one, mem / 1024, 3] }}" }
    - name: a dict as content
      copy: { dest: "{{ dir }}/json-dict", content: "{{ {'q': mem / 1024, 'l': [one]} }}" }
    - name: from a vars file
      copy: { dest: "{{ dir }}/vars-file", content: "{{ from_file }} {{ exp }} {{ five / 5 }} {{ from_file | type_debug }}\\n" }
    - name: values kept as facts
      set_fact:
        kept: "{{ one }}"
        quotient: "{{ mem / 1024 }}"
        quotient_list: "{{ [mem / 1024, mem // 1024] }}"
        printed: "{{ '%s/%d' % (one, 7) }}"
        kinds: "{{ [one | type_debug, (mem / 1024) | type_debug, (mem // 1024) | type_debug, (5 | float) | type_debug, (2.5 | round) | type_debug] }}"
    - name: facts read back
      copy: { dest: "{{ dir }}/facts", content: "{{ kept }} {{ kept | type_debug }} {{ quotient }} {{ quotient | type_debug }} {{ quotient_list }} {{ printed }}\\n" }
    - name: a registered float read back
      debug: { msg: "{{ one }}" }
      register: shown
    - name: registered read back
      copy: { dest: "{{ dir }}/registered", content: "{{ shown.msg }} {{ shown.msg | type_debug }} {{ kinds }}\\n" }`,
});

const errors = d.case("Python's errors for % formatting and float division", {
  play: 'vars_files: [vars/play.yml]',
  tasks: `
    - name: too few arguments
      debug: { msg: "{{ '%s %s' % (1,) }}" }
      ignore_errors: true
      register: few
    - name: too many arguments
      debug: { msg: "{{ '%s' % (1, 2) }}" }
      ignore_errors: true
      register: many
    - name: a number wanted
      debug: { msg: "{{ '%d' % 'x' }}" }
      ignore_errors: true
      register: notnum
    - name: a mapping wanted
      debug: { msg: "{{ '%(k)s' % 5 }}" }
      ignore_errors: true
      register: nomap
    - name: float division by zero
      debug: { msg: "{{ one / 0 }}" }
      ignore_errors: true
      register: zero
    - name: what failed
      copy:
        dest: "{{ dir }}/errors"
        content: "{{ [few, many, notnum, nomap, zero] | map(attribute='failed') | list }}\\n"`,
});

function indent(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');
}

beforeAll(() => d.run(), 900_000);

/** Python's exception text in the message (2.14 gives a ZeroDivisionError no msg, only its `exception` traceback). */
const lastWords = (msg: unknown): string => {
  const m =
    /(not enough arguments for format string|not all arguments converted during string formatting|%d format: a real number is required, not str|format requires a mapping|float division by zero)/.exec(
      String(msg),
    );
  return m ? m[1] : String(msg);
};

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, [values], { registered: { names: ['shown'] } });
  itsSameAsAnsible(mode, [errors], {
    registered: {
      names: ['few', 'many', 'notnum', 'nomap', 'zero'],
      view: (r: { failed?: boolean; msg?: string; exception?: string }) => ({ failed: r.failed, error: lastWords(r.msg ?? r.exception) }),
    },
  });

  it("what Ansible wrote is Python's (so the comparison cannot pass on a shared mistake)", () => {
    const files = values.ansible[mode].files;
    if (mode === 'check') return expect(files).toEqual({});
    const text = (f: string) => (files[f] as { content: string }).content;
    expect(text('numbers')).toMatch(/^heap=4\.0g\none=1\.0 neg=-3\.0 half=2\.5 sizes=\[1\.0, 2, 3\.5\]/);
    expect(text('numbers')).toContain('types=float int float float float int');
    expect(text('printf')).toMatch(/^a-5\|003\.1\|v\/002\/2\.0\|\[1\.0, 2, 3\.5\]\|1\.0\n/);
    expect(text('alone')).toBe('1.0');
    expect(text('json-list')).toBe('[1.5, 1.0, 4.0, 3]');
    expect(text('json-dict')).toBe('{"q": 4.0, "l": [1.0]}');
    expect(text('facts')).toBe('1.0 float 4.0 str [4.0, 4] 1.0/7\n');
    expect(text('registered')).toBe("1.0 float ['float', 'float', 'int', 'float', 'float']\n");
    expect(text('vars-file')).toBe('1.0 1000.0 1.0 float\n');
    expect(text('templated')).toBe(`${text('numbers')}\n${text('printf')}`);
    expect(errors.ansible[mode].files.errors).toMatchObject({ content: '[true, true, true, true, true]' });
  });
});
