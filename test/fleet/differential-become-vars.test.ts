/**
 * Privilege variables (issue 13), through ansible-playbook 2.14 and nodemend on the same hosts
 * (node22, node40: HOSTS.ansibleSemantics). Ansible's rule (playbook/play_context.py
 * set_task_and_variable_override, executor/task_executor.py _set_become_plugin, the sudo become
 * plugin's `vars:`): the `become` / `become_user` keywords (task > block > play) are outranked by
 * `ansible_become` / `ansible_become_user` wherever those are set (inventory, play, block, task or
 * role vars, include_vars, set_fact), templates rendered in the task's scope; `ansible_become_user`
 * alone switches nothing on. Each case reads who runs (`id -un`, `id -u`), who owns a file it
 * creates, and the magic variables the task sees; compared on registered results, files and
 * changed flags in check, run and rerun. node22's inventory has no become (host vars give the
 * templates their values); node40's has it (Ansible `ansible_become: true`, nodemend
 * `connection: become: true`), which a play's `become: false` does not switch off in either tool.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, type DifferentialCase } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleSemantics[0], 'h18a-bvars', MODES, [], { become: false, hostVars: { nm_sudo: 'yes', nm_to: 'nobody' } });
const inv = differential(HOSTS.ansibleSemantics2[0], 'h18a-bvars-inv');

/** Who runs a task, the file it creates (owner compared) and the privilege variables it reads. */
const probe = (tag: string, extra = ''): string => `
    - name: ${tag} who
      command: id -un
      register: ${tag}_who
      changed_when: false
      check_mode: false${extra}
    - name: ${tag} uid
      command: id -u
      register: ${tag}_uid
      changed_when: false
      check_mode: false${extra}
    - name: ${tag} file
      file: { path: "{{ dir }}/w/${tag}", state: touch, modification_time: preserve, access_time: preserve }${extra}
    - name: ${tag} vars
      debug: { msg: "{{ ansible_become | default('unset') }} {{ ansible_become_user | default('unset') }}" }
      register: ${tag}_vars${extra}`;

/** Registered results without a command's clock readings (start, end, delta), nor the `invocation` Ansible keeps in loop results (nodemend registers none: not this file's subject). */
const untimed = (v: any): any =>
  Array.isArray(v)
    ? v.map(untimed)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.entries(v)
            .filter(([f]) => !['start', 'end', 'delta', 'invocation'].includes(f))
            .map(([k, x]) => [k, untimed(x)]),
        )
      : v;

const WRITABLE = { w: { dir: true as const, mode: '1777' } };

const cases: DifferentialCase[] = [
  d.case('ansible_become in play vars, no keyword', { vars: { ansible_become: true }, files: WRITABLE, tasks: probe('pv') }),
  d.case("ansible_become in play vars outranks the play's become: false", { vars: { ansible_become: true }, play: 'become: false', files: WRITABLE, tasks: probe('pf') }),
  d.case("ansible_become: false in task vars outranks the play's become: true", {
    play: 'become: true',
    files: WRITABLE,
    tasks: probe('tv', '\n      vars: { ansible_become: false }'),
  }),
  d.case('ansible_become_user in play vars outranks the become_user keyword', {
    vars: { ansible_become_user: 'nobody' },
    play: 'become: true\nbecome_user: root',
    files: WRITABLE,
    tasks: probe('pu'),
  }),
  d.case('ansible_become_user alone does not become', { vars: { ansible_become_user: 'nobody' }, files: WRITABLE, tasks: probe('ua') }),
  d.case('templated values, rendered with the host variables', {
    vars: { ansible_become: '{{ nm_sudo }}', ansible_become_user: '{{ nm_to }}' },
    files: WRITABLE,
    tasks: probe('tp'),
  }),
  d.case('a block: its vars outrank its become keyword, a task keyword inside too', {
    files: WRITABLE,
    tasks: `
    - block:${probe('bl').replace(/\n/g, '\n    ')}
        - name: bl inner who
          command: id -un
          become: false
          register: bl_inner
          changed_when: false
          check_mode: false
      become: false
      vars: { ansible_become: true }`,
  }),
  d.case("a role's vars and defaults", {
    play: 'roles: [privrole]',
    files: WRITABLE,
    tasks: probe('after_role'),
    controllerFiles: {
      'roles/privrole/vars/main.yml': 'ansible_become: true\n',
      'roles/privrole/defaults/main.yml': 'ansible_become_user: nobody\n',
      'roles/privrole/tasks/main.yml': probe('rl').replace(/^\n/, '').replace(/^ {4}/gm, '') + '\n',
    },
  }),
  d.case('a loop: ansible_become_user from the item', {
    play: 'become: true',
    tasks: `
    - name: per item
      command: id -un
      loop: [root, nobody]
      vars: { ansible_become_user: "{{ item }}" }
      register: lp
      changed_when: false
      check_mode: false`,
  }),
  d.case('include_vars ansible_become', {
    files: WRITABLE,
    controllerFiles: { 'vars/privileged.yml': 'ansible_become: yes\n' },
    tasks: `
    - name: include_vars
      include_vars: { file: vars/privileged.yml }${probe('iv')}`,
  }),
  // Last: what include_vars and set_fact set stays on the host for every later play, in both tools.
  d.case('set_fact ansible_become_user, then ansible_become: false', {
    files: WRITABLE,
    tasks: `
    - name: before set_fact
      command: id -un
      register: sf_before
      changed_when: false
      check_mode: false
    - name: set_fact user
      set_fact: { ansible_become_user: nobody }${probe('sf')}
    - name: set_fact become
      set_fact: { ansible_become: false }${probe('sf2')}`,
  }),
];

const invCases: DifferentialCase[] = [
  inv.case("the inventory's become outranks the play's become: false", { play: 'become: false', files: WRITABLE, tasks: probe('ip') }),
  inv.case('task vars switch it off', { files: WRITABLE, tasks: probe('it', '\n      vars: { ansible_become: false }') }),
  inv.case('a become_user keyword still applies (the inventory sets no user)', { play: 'become_user: nobody', files: WRITABLE, tasks: probe('iu') }),
];

beforeAll(async () => {
  await d.run();
  await inv.run();
}, 1_200_000);

describe.each([...cases, ...invCases].map((c) => [c.name, c] as const))('%s', (_name, c) => {
  it.each(MODES)('%s: same registered results, files and task rows', (mode) => {
    expect(untimed(c.nodemend[mode].registered)).toEqual(untimed(c.ansible[mode].registered));
    expect(c.nodemend[mode].files).toEqual(c.ansible[mode].files);
    expect(c.nodemend[mode].tasks).toEqual(c.ansible[mode].tasks);
  });
});

/** What a case's probe read in the run, from nodemend's side (equal to Ansible's by the test above). */
const who = (c: DifferentialCase, tag: string): unknown[] => {
  const r = c.nodemend.run.registered;
  return [r[`${tag}_who`]?.stdout, r[`${tag}_uid`]?.stdout, c.nodemend.run.files[`w/${tag}`], r[`${tag}_vars`]?.msg];
};
const file = (owner: string) => expect.objectContaining({ type: 'file', owner });

describe('what the variables decided (not merely the same in both tools)', () => {
  it('play vars, task vars, become_user', () => {
    expect(who(cases[0], 'pv')).toEqual(['root', '0', file('root'), 'True unset']);
    expect(who(cases[1], 'pf')).toEqual(['root', '0', file('root'), 'True unset']);
    expect(who(cases[2], 'tv')).toEqual(['ops', expect.not.stringMatching(/^0$/), file('ops'), 'False unset']);
    expect(who(cases[3], 'pu')).toEqual(['nobody', '65534', file('nobody'), 'unset nobody']);
    expect(who(cases[4], 'ua')).toEqual(['ops', expect.not.stringMatching(/^0$/), file('ops'), 'unset nobody']);
  });
  it('templates, set_fact, blocks, roles, include_vars', () => {
    expect(who(cases[5], 'tp')).toEqual(['nobody', '65534', file('nobody'), 'yes nobody']);
    expect(who(cases[6], 'bl')).toEqual(['root', '0', file('root'), 'True unset']);
    expect(cases[6].nodemend.run.registered.bl_inner.stdout).toBe('root');
    expect(who(cases[7], 'rl')).toEqual(['nobody', '65534', file('nobody'), 'True nobody']);
    expect(cases[8].nodemend.run.registered.lp.results.map((r: { stdout: string }) => r.stdout)).toEqual(['root', 'nobody']);
    expect(who(cases[9], 'iv')).toEqual(['root', '0', file('root'), 'True unset']);
    expect(cases[10].nodemend.run.registered.sf_before.stdout).toBe('root');
    expect(who(cases[10], 'sf')).toEqual(['nobody', '65534', file('nobody'), 'True nobody']);
    expect(who(cases[10], 'sf2')).toEqual(['ops', expect.not.stringMatching(/^0$/), file('ops'), 'False nobody']);
  });
  it("the inventory's become", () => {
    expect(who(invCases[0], 'ip')).toEqual(['root', '0', file('root'), 'True unset']);
    expect(who(invCases[1], 'it')).toEqual(['ops', expect.not.stringMatching(/^0$/), file('ops'), 'False unset']);
    expect(who(invCases[2], 'iu')).toEqual(['nobody', '65534', file('nobody'), 'True unset']);
  });
});
