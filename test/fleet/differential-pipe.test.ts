/**
 * lookup('pipe') / query('pipe') / with_pipe through ansible-playbook 2.14 and nodemend on node23
 * (HOSTS.ansibleModules; paths /tmp/nmdiff-h21i-pipe-*), as 2.14's plugins/lookup/pipe.py: each command run
 * on the controller by /bin/sh, in the playbook's directory (a role's task too: the loader's basedir,
 * not role_path), its stdout less trailing whitespace, one item per command; the output is data (a
 * stored `{{ x }}` is never rendered again); a non-zero exit fails the task in pipe.py's words. In
 * check, run and rerun alike (the lookup runs in --check in both).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h21i-pipe');

const pipe = d.case('lookup pipe: output, cwd, terms, with_pipe, data, failure', {
  play: 'roles: [piperole]',
  vars: { c_strip: "printf ' a \\t\\n\\n'", c_braces: "printf '\\173\\173 x \\175\\175'", x: 'rendered' },
  controllerFiles: {
    'files/note.txt': 'note\n',
    'roles/piperole/tasks/main.yml': ['- name: in a role', '  debug:', `    msg: "{{ [lookup('pipe', 'pwd') == playbook_dir, lookup('pipe', 'pwd') == role_path] }}"`, '  register: p_role', ''].join(
      '\n',
    ),
  },
  tasks: `
    - name: values
      debug:
        msg:
          - "{{ lookup('pipe', c_strip) }}"
          - "{{ lookup('pipe', 'echo a', 'echo b') }}"
          - "{{ query('pipe', 'echo a', 'echo b') }}"
          - "{{ lookup('pipe', 'cat files/note.txt') }}"
          - "{{ lookup('pipe', 'pwd') == playbook_dir }}"
          - "{{ lookup('ansible.builtin.pipe', 'true') }}"
      register: p_vals
    - name: the output stored
      set_fact:
        p_braces: "{{ lookup('pipe', c_braces) }}"
    - name: read again
      debug: { msg: "{{ p_braces }}" }
      register: p_read
    - name: with_pipe
      debug: { msg: "{{ item }}" }
      with_pipe: ['echo x', 'printf "y\\n\\n"']
      register: p_loop
    - name: a command that fails
      debug: { msg: "{{ lookup('pipe', 'echo out; exit 3') }}" }
      register: p_fail
      ignore_errors: true
  `,
});

beforeAll(() => d.run(), 600_000);

describe.each(MODES)('%s', (mode) => {
  const n = () => pipe.nodemend[mode];
  const a = () => pipe.ansible[mode];

  it('the same tasks and changed flags', () => expect(n().tasks, n().output).toEqual(a().tasks));

  it('the same values: stripped output, one per term, cwd the playbook dir (in a role too), an empty output', () => {
    expect(n().registered.p_vals.msg, n().output).toEqual(a().registered.p_vals.msg);
    expect(n().registered.p_role.msg).toEqual(a().registered.p_role.msg);
    // What Ansible says, so the comparison cannot pass on two wrong answers.
    expect(a().registered.p_vals.msg).toEqual([' a', 'a,b', ['a', 'b'], 'note', true, '']);
    expect(a().registered.p_role.msg).toEqual([true, false]);
  });

  it('the output is data: a stored "{{ x }}" reads as itself', () => {
    expect(a().registered.p_read.msg).toBe('{{ x }}');
    expect(n().registered.p_read.msg, n().output).toBe('{{ x }}');
  });

  it('with_pipe: one item per command', () => {
    const items = (r: { results: { item: unknown; msg: unknown }[] }) => r.results.map((x) => [x.item, x.msg]);
    expect(items(a().registered.p_loop)).toEqual([
      ['x', 'x'],
      ['y', 'y'],
    ]);
    expect(items(n().registered.p_loop), n().output).toEqual(items(a().registered.p_loop));
  });

  it("a non-zero exit fails the task in pipe.py's words", () => {
    for (const r of [a().registered.p_fail, n().registered.p_fail]) {
      expect(r.failed).toBe(true);
      expect(r.msg).toContain('lookup_plugin.pipe(echo out; exit 3) returned 3');
    }
  });
});
