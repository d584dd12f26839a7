/**
 * Backslashes in the string literals of a playbook value's `{{ }}` (audit23 N16), through
 * ansible-playbook (ansible-core 2.14) and nodemend on the same host (node22, paths
 * /tmp/nmdiff-h24b-bs-*). 2.14's Templar doubles every backslash of a string literal inside
 * `{{ }}` before Jinja unescapes it (template/__init__.py `_escape_backslashes`), so there a
 * literal keeps its backslashes as written: `join('\n')` in a block scalar joins with a backslash
 * and an n, `regex_replace('\\', '/')` is a regex of one escaped backslash. YAML unescapes first
 * (a double-quoted scalar's `\\` is one backslash), then that rule applies to what is left. Not in
 * `{% %}`, not in a bare condition (`when:`), not in a template file: plain Jinja rules there.
 * Compared: files written by copy (block, double-quoted, single-quoted and plain scalars) and by
 * template (a .j2 with the same expressions), values set by set_fact, `debug: var` and `when:`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics[0];
const d = differential(HOST, 'h24b-bs');

const vars = { lines: ['a', 'b'], ml: 'l1\nl2', x: 'a1 b22', p: 'C:\\Users\\x' };

/** Lines for the block scalar; the .j2 file holds the same text (plain Jinja: `'\\\\'` is one backslash there). */
const BLOCK = String.raw`{{ lines | join('\n') }}
split={{ ml.split('\n') | length }} {{ ml.split("\n") | length }}
regex={{ x | regex_replace('\d+', 'N') }} {{ x | regex_replace('\\d+', 'N') }} {{ x | regex_replace('(\d+)', '<\1>') }}
tab=[{{ '\t' }}] path={{ 'C:\\temp' }} {{ p | replace('\\', '/') }}
set={% set nl = '\n' %}{{ nl | length }} {{ lines | join(nl) | length }}
`;

const files = d.case('backslashes in expression string literals: copy content in every YAML scalar style, and a .j2', {
  vars,
  tasks: String.raw`
    - name: block
      copy:
        dest: "{{ dir }}/block"
        content: |
${BLOCK.replace(/^/gm, '          ').trimEnd()}
          win={{ p | regex_replace('\\', '/') }}
    - name: double-quoted
      copy:
        dest: "{{ dir }}/dq"
        content: "{{ lines | join('\n') }}|{{ ml.split(\"\\n\") | length }}|{{ 'C:\\\\temp' }}|{{ '\\t' }}|{{ x | regex_replace('\\d+', 'N') }}|{{ p | regex_replace('\\\\\\\\', '/') }}|{{ p | replace('\\\\', '/') }}\n"
    - name: single-quoted
      copy:
        dest: "{{ dir }}/sq"
        content: '{{ ml.split("\n") | length }}|{{ x | regex_replace("\\s", "_") }}|{{ x | regex_replace("\s", "_") }}|{{ "\\" }}'
    - name: plain
      copy:
        dest: "{{ dir }}/plain"
        content: x={{ ml.split('\n') | length }} {{ x | regex_replace('\d', 'N') }} {{ '\\' | length }}
    - name: template
      template: { src: bs.j2, dest: "{{ dir }}/template" }
  `,
  controllerFiles: { 'templates/bs.j2': BLOCK + String.raw`win={{ p | regex_replace('\\\\', '/') }}` + '\n' },
});

const values = d.case('backslashes in expression string literals: set_fact, debug var and conditions', {
  vars,
  tasks: String.raw`
    - name: values
      set_fact:
        v_dq: "{{ x | regex_replace('\\d+', 'N') }}"
        v_group: "{{ x | regex_replace('(\\d+)', '<\\1>') }}"
        v_folded: >-
          {{ x | regex_replace('\d+', 'N') ~ ' ' ~ (ml.split('\n') | length) }}
        v_literal: |-
          {{ x | regex_replace('\\d+', 'N') }}
        v_path: "{{ 'C:\\\\temp' }}"
        v_test: "{{ x is search('\\d') }}"
        v_len: "{{ ['\\n' | length, '\n' | length, '\\t' | length, 'x\\y' | length] }}"
        v_stmt: "{% set s = '\\n' %}[{{ s | length }}]"
        v_mixed: "{{ '\\n' | length }}{% if '\\n' | length == 1 %} one{% endif %}"
      register: sf
    - name: bare condition
      debug: { msg: ran }
      when: x is search('\d')
      register: w_bare
    - name: double-quoted condition
      debug: { msg: ran }
      when: "x is search('\\\\d') and '\\n' | length == 1"
      register: w_dq
    - name: templated condition
      debug: { msg: ran }
      when: "{{ '\\n' | length == 2 }}"
      register: w_tpl
    - name: debug var
      debug: { var: "x | regex_replace('\\d+', 'N')" }
      register: dv
  `,
});

beforeAll(() => d.run(), 900_000);

describe.each(['check', 'run', 'rerun'] as const)('%s', (mode) => {
  it('copy and template: same bytes, same changed flags', () => {
    const [n, a] = [files.nodemend[mode], files.ansible[mode]];
    for (const f of ['block', 'dq', 'sq', 'plain', 'template']) expect(n.files[f], `${f}\n${n.output}`).toEqual(a.files[f]);
    expect(n.changed).toEqual(a.changed);
    expect(a.changed.block).toBe(mode !== 'rerun');
    if (mode === 'check') return;
    const text = (f: string): string => (a.files[f] as { content: string }).content;
    // 2.14's bytes: a backslash and an n where plain Jinja (the template) writes a newline.
    expect(text('block')).toBe(
      String.raw`a\nb
split=1 1
regex=aN bN a1 b22 a<1> b<22>
tab=[\t] path=C:\\temp C:\Users\x
set=1 3
win=C:/Users/x
`,
    );
    expect(text('template')).toBe('a\nb\nsplit=2 2\nregex=aN bN aN bN a<\x01> b<\x01>\ntab=[\t] path=C:\\temp C:/Users/x\nset=1 3\nwin=C:/Users/x\n');
    expect(text('dq')).toBe('a\nb|1|C:\\\\temp|\\t|aN bN|C:\\Users\\x|C:\\Users\\x\n');
    expect(text('sq')).toBe('1|a1 b22|a1_b22|\\\\');
    expect(text('plain')).toBe('x=1 aN bNN 2');
  });

  it('set_fact, debug var and conditions: same values', () => {
    const [n, a] = [values.nodemend[mode].registered, values.ansible[mode].registered];
    expect(n.sf, values.nodemend[mode].output).toEqual(a.sf);
    for (const r of ['w_bare', 'w_dq', 'w_tpl']) expect(Boolean(n[r]?.skipped), r).toBe(Boolean(a[r]?.skipped));
    expect(n.dv).toEqual(a.dv);
    expect(a.sf.ansible_facts).toEqual({
      v_dq: 'aN bN',
      v_group: 'a<1> b<22>',
      v_folded: 'aN bN 1',
      v_literal: 'a1 b22',
      v_path: 'C:\\\\temp',
      v_test: true,
      v_len: [2, 1, 2, 3],
      v_stmt: [1],
      v_mixed: '2 one',
    });
    expect([a.w_bare.skipped, a.w_dq.skipped, a.w_tpl.skipped]).toEqual([undefined, undefined, undefined]);
  });
});
