/**
 * `register:` and `args:` on include_tasks / include_role, through ansible-playbook 2.14 and nodemend
 * on the same host (node40, HOSTS.ansibleSemantics2; paths /tmp/nmdiff-h18b-*). Ansible 2.14's rule
 * (executor/task_executor.py _execute returns before any module for an include; TaskExecutor.run's
 * loop; playbook/task_include.py VALID_ARGS / VALID_INCLUDE_KEYWORDS; parsing/mod_args.py merges
 * `args:` under the arguments on the key): an include registers `{include: <path as written>,
 * include_args: <its other arguments as written>, changed: false}` (include_role: `include_args`
 * only), a false `when:` the usual skipped result, and a loop `results` with one entry per item
 * naming the item (`ansible_loop_var`, index_var, ansible_loop) — an included item has no `changed`.
 * `args: {apply: ...}` is the same apply as on the key. Compared on registered values, task rows
 * and files in check (--check --diff), run and rerun.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, type ToolRun } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';
import { runCli, workDir, writeInventory } from '../setup/cli.js';

const HOST = HOSTS.ansibleSemantics2[0];
const d = differential(HOST, 'h18b-increg');

/** A tasks file that writes a file named after its item (or "one"), so files show what was included. */
const WRITES = "- name: included write\n  copy: { content: \"{{ v | default('no v') }} {{ NMREG | default('') }}\\n\", dest: \"{{ dir }}/{{ item | default(it | default('one')) }}\" }\n";
/** What the included task sees of apply's environment and vars: a file named after `v`. */
const ENV_PROBE = '- name: included probe\n  shell: echo "${NMREG-unset} {{ v }}" > "{{ dir }}/probe-{{ v }}"\n  changed_when: false\n  check_mode: false\n';

const tasksRegister = d.case('include_tasks register: plain, when false, loops, apply on the key and under args', {
  tasks: `
    - name: plain
      include_tasks: writes.yml
      register: plain
    - name: when false
      include_tasks: writes.yml
      register: skipped
      when: false
    - name: loop
      include_tasks: writes.yml
      register: looped
      loop: [a, b]
    - name: loop, when per item
      include_tasks: writes.yml
      register: some
      loop: [c, d]
      when: item == 'c'
    - name: loop, every item skipped
      include_tasks: writes.yml
      register: none_left
      loop: [e]
      when: item == 'z'
    - name: loop_control
      include_tasks: writes.yml
      register: controlled
      loop: [f, g]
      loop_control: { loop_var: it, index_var: i, extended: true, label: "L{{ it }}" }
    - name: empty loop
      include_tasks: writes.yml
      register: empty
      loop: []
    - name: apply on the key
      include_tasks:
        file: probe.yml
        apply: { environment: { NMREG: key-apply } }
      register: on_key
      vars: { v: key-vars }
    - name: apply under args
      include_tasks: probe.yml
      args:
        apply: { environment: { NMREG: args-apply }, vars: { v: args-vars } }
      register: under_args
  `,
  controllerFiles: { 'writes.yml': WRITES, 'probe.yml': ENV_PROBE },
});

const roleRegister = d.case('include_role register: plain, when false, loop, args', {
  tasks: `
    - name: role plain
      include_role: { name: h18b_reg }
      register: role_plain
    - name: role when false
      include_role: { name: h18b_reg, tasks_from: main }
      register: role_skipped
      when: false
    - name: role loop
      include_role: { name: h18b_reg }
      register: role_looped
      loop: [ra, rb]
      loop_control: { index_var: i }
    - name: role args
      include_role: { name: h18b_reg }
      args: { apply: { vars: { v: role-apply } } }
      register: role_args
  `,
  controllerFiles: { 'roles/h18b_reg/tasks/main.yml': WRITES },
});

// Under --tags: `args: {apply: {tags}}` tags the included tasks as apply on the key does.
const tagged = differential(HOST, 'h18b-increg-tags', MODES, ['--tags', 'pick']);
const argsTags = tagged.case('--tags: args apply tags the included tasks', {
  tasks: `
    - name: tagged include, apply under args
      include_tasks: writes.yml
      args: { apply: { tags: [pick] } }
      tags: pick
      register: tagged_args
    - name: tagged include, no apply
      include_tasks: writes.yml
      tags: pick
      vars: { item: untagged }
  `,
  controllerFiles: { 'writes.yml': WRITES },
});

/** Ansible's callbacks get an ok result for an include_role itself, which its output does not print; nodemend records none (as differential-roles.test.ts). */
const ROLE_INCLUDES = ['role plain', 'role loop', 'role args'];
const withoutRoleIncludes = (tasks: ToolRun['tasks']) => tasks.filter((t) => !(ROLE_INCLUDES.includes(t.name) && t.status === 'ok'));

beforeAll(async () => {
  await d.run();
  await tagged.run();
}, 900_000);

describe.each(MODES)('%s', (mode) => {
  for (const c of [tasksRegister, roleRegister, argsTags]) {
    it(`${c.name}: the same registered values`, () => {
      expect(c.nodemend[mode].registered, c.nodemend[mode].output).toEqual(c.ansible[mode].registered);
    });
    it(`${c.name}: same task rows, statuses, changed flags`, () => {
      expect(c.nodemend[mode].tasks, c.nodemend[mode].output).toEqual(withoutRoleIncludes(c.ansible[mode].tasks));
    });
    it(`${c.name}: same files`, () => {
      expect(c.nodemend[mode].files, c.nodemend[mode].output).toEqual(c.ansible[mode].files);
    });
  }

  // What Ansible registers, so the comparisons above cannot pass on two wrong answers.
  it('Ansible registers the include, its arguments as written, and per-item results', () => {
    const a = tasksRegister.ansible[mode].registered;
    expect(a.plain).toEqual({ include: 'writes.yml', include_args: {}, changed: false });
    expect(a.skipped).toEqual({ changed: false, skipped: true, skip_reason: 'Conditional result was False' });
    expect(a.looped).toEqual({
      results: [
        { include: 'writes.yml', include_args: {}, item: 'a', ansible_loop_var: 'item' },
        { include: 'writes.yml', include_args: {}, item: 'b', ansible_loop_var: 'item' },
      ],
      skipped: false,
      msg: 'All items completed',
      changed: false,
    });
    expect(a.some.results[1]).toEqual({ changed: false, skipped: true, skip_reason: 'Conditional result was False', item: 'd', ansible_loop_var: 'item' });
    expect(a.none_left).toMatchObject({ skipped: true, msg: 'All items skipped', changed: false });
    expect(a.controlled.results[1]).toMatchObject({ it: 'g', ansible_loop_var: 'it', i: 1, ansible_index_var: 'i', ansible_loop: { index: 2, last: true, previtem: 'f' } });
    expect(a.empty).toEqual({ changed: false, skipped: true, skipped_reason: 'No items in the list', results: [] });
    expect(a.on_key.include_args).toEqual({ apply: { environment: { NMREG: 'key-apply' } } });
    expect(a.under_args).toEqual({ include: 'probe.yml', include_args: { apply: { environment: { NMREG: 'args-apply' }, vars: { v: 'args-vars' } } }, changed: false });
    const files = tasksRegister.ansible[mode].files;
    expect([files['probe-key-vars'], files['probe-args-vars']].map((f) => f?.type === 'file' && f.content)).toEqual(['key-apply key-vars\n', 'args-apply args-vars\n']);
    const r = roleRegister.ansible[mode].registered;
    expect(r.role_plain).toEqual({ include_args: { name: 'h18b_reg' }, changed: false });
    expect(r.role_looped.results[0]).toEqual({ include_args: { name: 'h18b_reg' }, item: 'ra', ansible_loop_var: 'item', i: 0, ansible_index_var: 'i' });
    expect(r.role_args.include_args).toEqual({ name: 'h18b_reg', apply: { vars: { v: 'role-apply' } } });
  });

  it('--tags: the include with args apply ran its (now tagged) task; the other none', () => {
    expect(argsTags.ansible[mode].tasks.map((t) => t.name)).toEqual(['tagged include, apply under args', 'included write', 'tagged include, no apply']);
  });
});

describe('args Ansible refuses on an include', () => {
  it.each([
    ['include_tasks: inc.yml', 'args: { bogus: 1 }', 'Invalid options for include_tasks: bogus', /pb\.yaml:5:15: unknown key "bogus"/],
    ['include_role: { name: r1 }', 'args: { nope: 1 }', 'Invalid options for include_role: nope', /pb\.yaml:5:15: unknown key "nope"/],
  ])('%s with %s: both tools refuse it before any host', async (include, args, ansibleMsg, ours) => {
    const work = workDir('include-args-refused');
    writeFileSync(join(work, 'inc.yml'), '- debug: { msg: x }\n');
    writeFileSync(join(work, 'pb.yaml'), `- hosts: ${HOST}\n  gather_facts: false\n  tasks:\n    - ${include}\n      ${args}\n`);
    mkdirSync(join(work, 'roles/r1/tasks'), { recursive: true });
    writeFileSync(join(work, 'roles/r1/tasks/main.yml'), '- debug: { msg: x }\n');
    const inv = writeInventory(work, [HOST]);
    const ansible = await new Promise<string>((res) =>
      execFile('ansible-playbook', ['--syntax-check', '-i', `${HOST},`, join(work, 'pb.yaml')], { cwd: work }, (err, stdout, stderr) => res(`${err ? 'failed' : 'ok'}\n${stdout}${stderr}`)),
    );
    expect(ansible).toContain(ansibleMsg);
    const r = await runCli(['validate', join(work, 'pb.yaml'), '-i', inv]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(ours);
  });
});
