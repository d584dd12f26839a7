/**
 * Loading the task keywords real roles use (issue 13, section 2): templated keyword values,
 * `vars:` as a list, `environment:`, keywords on blocks, loops on include_tasks, `!unsafe`,
 * meta actions. Literal nonsense fails at load with file:line:col; templates wait for the run.
 */
import { describe, expect, it } from 'vitest';
import { UnsafeText } from '../../../src/load/expr/unsafe.js';
import type { Block, IncludeTasks, Task } from '../../../src/load/model.js';
import { loadTree, play } from './load-helpers.js';

const errorsOf = async (files: Record<string, string>): Promise<string[]> => (await loadTree(files)).errors;

describe('templated keyword values', () => {
  it('keeps a template for the run and turns boolean words into booleans', async () => {
    const out = await loadTree({
      'site.yaml': play(
        [
          '    - command: ls',
          '      ignore_errors: "{{ ansible_check_mode }}"',
          '      become: "{{ use_sudo | default(false) }}"',
          '      no_log: "yes"',
          '      check_mode: "{{ dry }}"',
          '      run_once: "off"',
          '',
        ].join('\n'),
      ),
    });
    expect(out.errors).toEqual([]);
    const t = out.loaded!.playbook.plays[0].tasks[0] as Task;
    expect(t).toMatchObject({ ignore_errors: '{{ ansible_check_mode }}', become: '{{ use_sudo | default(false) }}', no_log: true, check_mode: '{{ dry }}', run_once: false });
  });

  it('refuses literal nonsense before any host, naming the place', async () => {
    const errors = await errorsOf({ 'site.yaml': play('    - command: ls\n      ignore_errors: sometimes\n      run_once: 2\n') });
    expect(errors).toEqual([
      'site.yaml:4:22: "ignore_errors" must be a boolean (true/false, yes/no) or a "{{ expression }}" giving one, got string "sometimes"',
      'site.yaml:5:17: "run_once" must be a boolean (true/false, yes/no) or a "{{ expression }}" giving one, got number 2',
    ]);
  });

  it('compiles the template at load: a syntax error is reported with its position', async () => {
    const errors = await errorsOf({ 'site.yaml': play('    - command: ls\n      become: "{{ x == }}"\n') });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^site\.yaml:4:\d+: /);
  });
});

describe('vars as a list of mappings', () => {
  it('merges play, block and task lists in order (later wins)', async () => {
    const out = await loadTree({
      'site.yaml': [
        '- hosts: all',
        '  vars: [{ a: 1, b: 1 }, { b: 2 }]',
        '  tasks:',
        '    - block:',
        '        - debug: { msg: x }',
        '          vars: [{ c: 1 }, { c: 3, d: 4 }]',
        '      vars: [{ e: 5 }]',
        '',
      ].join('\n'),
    });
    expect(out.errors).toEqual([]);
    const p = out.loaded!.playbook.plays[0];
    expect(p.vars).toEqual({ a: 1, b: 2 });
    const b = p.tasks[0] as Block;
    expect(b.vars).toEqual({ e: 5 });
    expect((b.block[0] as Task).vars).toEqual({ c: 3, d: 4 });
  });

  it('refuses a list item that is not a mapping', async () => {
    const errors = await errorsOf({ 'site.yaml': '- hosts: all\n  vars: [{ a: 1 }, x]\n  tasks: []\n' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^site\.yaml:2:\d+: "vars/);
  });
});

describe('environment', () => {
  it('takes a mapping, a template or a list of them on play, block and task', async () => {
    const out = await loadTree({
      'site.yaml': [
        '- hosts: all',
        '  environment: { A: "1" }',
        '  tasks:',
        '    - block:',
        '        - command: env',
        '          environment: "{{ proxy_env }}"',
        '      environment: [{ B: 2 }, { C: "{{ c }}" }]',
        '',
      ].join('\n'),
    });
    expect(out.errors).toEqual([]);
    const p = out.loaded!.playbook.plays[0];
    expect(p.environment).toEqual([{ A: '1' }]);
    const b = p.tasks[0] as Block;
    expect(b.environment).toEqual([{ B: 2 }, { C: '{{ c }}' }]);
    expect((b.block[0] as Task).environment).toEqual(['{{ proxy_env }}']);
  });

  it('refuses a bad variable name, a nested value and plain text', async () => {
    const errors = await errorsOf({
      'site.yaml': play(
        ['    - command: env', '      environment: { "A B": x }', '    - command: env', '      environment: { A: [1] }', '    - command: env', '      environment: PATH=/x', ''].join('\n'),
      ),
    });
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^site\.yaml:4:\d+: .*environment variable name/);
    expect(errors[1]).toMatch(/^site\.yaml:6:\d+: .*environment value is a string, number or boolean/);
    expect(errors[2]).toMatch(/^site\.yaml:8:\d+: .*mapping of variables or a "\{\{ expression \}\}"/);
  });
});

describe('keywords on blocks', () => {
  it('accepts notify, run_once, check_mode, delegate_to, timeout, become on a block', async () => {
    const out = await loadTree({
      'site.yaml': [
        '- hosts: all',
        '  tasks:',
        '    - block:',
        '        - command: ls',
        '      notify: restart',
        '      run_once: true',
        '      check_mode: false',
        '      delegate_to: localhost',
        '      timeout: 30',
        '      become: true',
        '      become_user: app',
        '  handlers:',
        '    - name: restart',
        '      command: "true"',
        '',
      ].join('\n'),
    });
    expect(out.errors).toEqual([]);
    expect(out.loaded!.playbook.plays[0].tasks[0]).toMatchObject({
      kind: 'block',
      notify: ['restart'],
      run_once: true,
      check_mode: false,
      delegate_to: 'localhost',
      timeout: 30,
      become: true,
      become_user: 'app',
    });
  });

  it("checks a block's notify against the play's handlers", async () => {
    const errors = await errorsOf({ 'site.yaml': play('    - block:\n        - command: ls\n      notify: restrt\n') + '  handlers:\n    - name: restart\n      command: "true"\n' });
    expect(errors).toEqual(['site.yaml:5:15: no handler named "restrt" in play "all" (did you mean "restart"?); handlers: "restart"']);
  });
});

describe('loops on include_tasks', () => {
  it('keeps the loop, its kind and loop_control on the include', async () => {
    const out = await loadTree({
      'site.yaml': play('    - include_tasks: inc.yaml\n      with_items: [a, b]\n      loop_control: { loop_var: pkg, index_var: i, extended: true }\n'),
      'inc.yaml': '- debug: { msg: "{{ pkg }}" }\n',
    });
    expect(out.errors).toEqual([]);
    const inc = out.loaded!.playbook.plays[0].tasks[0] as IncludeTasks;
    expect(inc).toMatchObject({ kind: 'include', loop: ['a', 'b'], loop_kind: 'items', loop_var: 'pkg', index_var: 'i', extended_loop: true });
    expect(inc.tasks).toHaveLength(1);
  });

  it('refuses a loop on import_tasks, as Ansible does', async () => {
    const errors = await errorsOf({ 'site.yaml': play('    - import_tasks: inc.yaml\n      loop: [a]\n'), 'inc.yaml': '- debug: { msg: x }\n' });
    expect(errors).toEqual(['site.yaml:4:7: "loop" on import_tasks: its tasks are inlined before any item exists; loop with include_tasks instead']);
  });

  it('refuses two loops on one include', async () => {
    const errors = await errorsOf({ 'site.yaml': play('    - include_tasks: inc.yaml\n      loop: [a]\n      with_items: [b]\n'), 'inc.yaml': '- debug: { msg: x }\n' });
    expect(errors).toEqual(['site.yaml:5:7: a task loops once: use one of "loop", "with_items", not several']);
  });
});

describe('register and args on include_tasks / include_role', () => {
  it('keeps what the include registers: the path and the other arguments as written; args apply is apply', async () => {
    const out = await loadTree({
      'site.yaml': play(
        [
          '    - include_tasks: inc.yaml',
          '      args: { apply: { tags: [x], become: true } }',
          '      register: a',
          '    - include_tasks: { file: inc.yaml, apply: { tags: [y] } }',
          '      register: b',
          '    - include_role: { name: r1 }',
          '      args: { tasks_from: main }',
          '      register: c',
          '',
        ].join('\n'),
      ),
      'inc.yaml': '- debug: { msg: x }\n',
      'roles/r1/tasks/main.yml': '- debug: { msg: r }\n',
    });
    expect(out.errors).toEqual([]);
    const [a, b, c] = out.loaded!.playbook.plays[0].tasks;
    expect(a).toMatchObject({ register: 'a', include: 'inc.yaml', includeArgs: { apply: { tags: ['x'], become: true } }, apply: { tags: ['x'], become: true } });
    expect(b).toMatchObject({ register: 'b', include: 'inc.yaml', includeArgs: { apply: { tags: ['y'] } }, apply: { tags: ['y'] } });
    expect(c).toMatchObject({ kind: 'role', register: 'c', includeArgs: { name: 'r1', tasks_from: 'main' } });
  });

  it('refuses an argument Ansible refuses, a bad register name and an include with no file, at file:line:col', async () => {
    const errors = await errorsOf({
      'site.yaml': play('    - include_tasks: inc.yaml\n      args: { bogus: 1 }\n    - include_tasks:\n      register: 1x\n'),
      'inc.yaml': '- debug: { msg: x }\n',
    });
    expect(errors).toEqual([
      'site.yaml:4:15: unknown key "bogus"; expected one of: file, apply',
      'site.yaml:5:7: no file specified for include_tasks: give it on the key or as file:',
      'site.yaml:6:17: "register" must be a variable name (letters, digits, _; not starting with a digit), got string "1x"',
    ]);
  });
});

describe('!unsafe', () => {
  it('keeps the text as data: not compiled at load, even when it is not a valid template', async () => {
    const out = await loadTree({
      'site.yaml': "- hosts: all\n  vars: { raw: !unsafe '{{ not closed' }\n  tasks:\n    - shell: !unsafe \"echo '{{ x }}'\"\n    - debug: { msg: !unsafe '{% nope' }\n",
    });
    expect(out.errors).toEqual([]);
    const p = out.loaded!.playbook.plays[0];
    expect(p.vars.raw).toBeInstanceOf(UnsafeText);
    expect(String(p.vars.raw)).toBe('{{ not closed');
    expect(String((p.tasks[0] as Task).args.cmd)).toBe("echo '{{ x }}'");
    expect((p.tasks[1] as Task).args.msg).toBeInstanceOf(UnsafeText);
  });

  it('still checks the argument types', async () => {
    const errors = await errorsOf({ 'site.yaml': play("    - file: { path: /x, mode: !unsafe '0644', state: !unsafe bogus }\n") });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^site\.yaml:3:\d+: "state": .*got string "bogus"/);
  });
});

describe('meta actions', () => {
  it('accepts the actions it carries out', async () => {
    const actions = ['flush_handlers', 'end_host', 'end_play', 'end_batch', 'clear_facts', 'clear_host_errors', 'reset_connection', 'noop', 'refresh_inventory'];
    const out = await loadTree({ 'site.yaml': play(actions.map((a) => `    - meta: ${a}\n`).join('')) });
    expect(out.errors).toEqual([]);
    expect(out.loaded!.playbook.plays[0].tasks.map((t) => (t as Task).args.free_form)).toEqual(actions);
  });

  it('refuses an unknown one, naming the ones it knows', async () => {
    const errors = await errorsOf({ 'site.yaml': play('    - meta: role_complete\n') });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^site\.yaml:3:\d+: .*meta takes one of: flush_handlers, end_host, end_play, end_batch, clear_facts, clear_host_errors, reset_connection, noop, refresh_inventory/);
  });
});

describe('!unsafe on a collection', () => {
  it('is refused with what to write instead', async () => {
    const errors = await errorsOf({ 'site.yaml': '- hosts: all\n  vars:\n    x: !unsafe [a, "{{ b }}"]\n  tasks: []\n' });
    expect(errors).toEqual(['site.yaml:3:8: Unresolved tag: !unsafe: !unsafe marks one string: tag each string of a list or mapping']);
  });
});

describe('async and poll', () => {
  it('command and shell take them; poll defaults to 15 s (2.14)', async () => {
    const out = await loadTree({ 'site.yaml': play('    - command: sleep 1\n      async: 30\n    - shell: sleep 1\n      async: 30\n      poll: 0\n    - command: ls\n') });
    expect(out.errors).toEqual([]);
    const [a, b, c] = out.loaded!.playbook.plays[0].tasks as Task[];
    expect([a.async, a.poll, b.async, b.poll, c.async, c.poll]).toEqual([30, 15, 30, 0, undefined, undefined]);
  });

  it('refuses async on another module, naming the task', async () => {
    const errors = await errorsOf({ 'site.yaml': play('    - name: install\n      apt: { name: curl }\n      async: 300\n      poll: 5\n') });
    expect(errors).toEqual(['site.yaml:5:7: "async" on task "install": nodemend runs only command and shell as async jobs (README "Bringing an Ansible role")']);
  });
});
