/**
 * Ansible differential suite for node31 (paths /tmp/nmdiff-rolesfacts-*): include_role with a
 * loop (the role's tasks once per item, loop_control.loop_var, include params per item) and a
 * loop-less include_tasks' own result ("included: FILE for HOST"), through ansible-playbook and
 * nodemend on the same host, compared on files, registered values and changed flags in check
 * mode, a run and a rerun.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleFacts[0], 'rolesfacts');

const roleLoop = d.case('include_role with a loop: the role once per item, vars per item', {
  tasks: `
    - name: a role per user
      include_role: { name: rf_user }
      loop: [alice, bob]
      loop_control: { loop_var: user, index_var: idx }
      vars: { greeting: "hello {{ user }}" }
    - name: a role per item, gated per item
      include_role: { name: rf_user, tasks_from: mark }
      loop: [one, two, three]
      when: item != 'two'
    - name: a role over no items
      include_role: { name: rf_user }
      loop: []
      loop_control: { loop_var: user }
    - name: the users the role saw
      copy: { content: "{{ seen_users | join(',') }}\\n", dest: "{{ dir }}/seen" }
  `,
  controllerFiles: {
    'roles/rf_user/defaults/main.yml': 'greeting: default\nuser_suffix: txt\n',
    'roles/rf_user/tasks/main.yml': `- name: one file per user
  copy:
    content: "{{ greeting }} #{{ idx }}\\n"
    dest: "{{ dir }}/{{ user }}.{{ user_suffix }}"
  register: per_user
- name: remember the users
  set_fact:
    seen_users: "{{ (seen_users | default([])) + [user] }}"
`,
    'roles/rf_user/tasks/mark.yml': `- name: mark the item
  copy: { content: "{{ item }}\\n", dest: "{{ dir }}/mark-{{ item }}" }
`,
  },
});

const includeLine = d.case('a loop-less include_tasks is a result of its own', {
  tasks: `
    - name: include once
      include_tasks: tasks/write.yaml
    - name: include skipped
      include_tasks: tasks/write.yaml
      when: false
  `,
  controllerFiles: {
    'tasks/write.yaml': `- name: write from the include
  copy: { content: "included\\n", dest: "{{ dir }}/from-include" }
  register: wrote
`,
  },
});

const FACT_NAMES = [
  'distribution',
  'distribution_version',
  'distribution_major_version',
  'distribution_release',
  'os_family',
  'kernel',
  'kernel_version',
  'architecture',
  'machine',
  'system',
  'hostname',
  'nodename',
  'pkg_mgr',
  'service_mgr',
  'memtotal_mb',
  'swaptotal_mb',
  'processor_vcpus',
  'processor_count',
  'processor_cores',
];
const setup = d.case('setup and facts under Ansible names', {
  tasks: `
    - name: gather with a filter
      setup: { filter: ${JSON.stringify(FACT_NAMES.map((n) => `ansible_${n}`))} }
      register: filtered
    - name: gather the min subset
      setup: { gather_subset: ['!all', 'min'], filter: 'ansible_*mb' }
      register: min_only
    - name: facts as variables and under ansible_facts
      copy:
        content: "{{ ansible_distribution }} {{ ansible_distribution_major_version }} {{ ansible_os_family }} {{ ansible_facts.kernel }} {{ ansible_facts['architecture'] }} {{ ansible_hostname }} {{ ansible_pkg_mgr }} {{ ansible_service_mgr }} {{ ansible_processor_vcpus }} {{ ansible_memtotal_mb }} {{ ansible_distribution_release }}\\n"
        dest: "{{ dir }}/facts"
  `,
});

beforeAll(() => d.run(), 900_000);

describe.each(MODES)('%s', (mode) => {
  it('setup reports the facts Ansible reports, with the same values, and they are variables', () => {
    const a = setup.ansible[mode];
    const n = setup.nodemend[mode];
    const got = n.registered.filtered.ansible_facts as Record<string, unknown>;
    const want = a.registered.filtered.ansible_facts as Record<string, unknown>;
    for (const name of FACT_NAMES) expect(got[`ansible_${name}`], name).toEqual(want[`ansible_${name}`]);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    expect(n.registered.filtered.changed).toBe(false);
    // gather_subset min leaves hardware (memory) out, in both
    expect(Object.keys(n.registered.min_only.ansible_facts).sort()).toEqual(Object.keys(a.registered.min_only.ansible_facts).sort());
    expect(n.files).toEqual(a.files);
    if (mode !== 'check') expect(n.files.facts).toMatchObject({ content: expect.stringMatching(/^Debian 12 Debian \S+ x86_64 node31 apt \S+ \d+ \d+ bookworm\n$/) });
  });

  it('include_role with a loop runs the role once per item with its loop variable and vars', () => {
    const a = roleLoop.ansible[mode];
    const n = roleLoop.nodemend[mode];
    expect(n.files).toEqual(a.files);
    if (mode !== 'check') expect(n.files['alice.txt']).toMatchObject({ content: 'hello alice #0\n' });
    if (mode !== 'check') expect(n.files['bob.txt']).toMatchObject({ content: 'hello bob #1\n' });
    expect(Object.keys(n.files).sort()).toEqual(mode === 'check' ? [] : ['alice.txt', 'bob.txt', 'mark-one', 'mark-three', 'seen']);
    if (mode !== 'check') expect(n.files.seen).toMatchObject({ content: 'alice,bob\n' });
    expect(n.registered.per_user?.changed).toBe(a.registered.per_user?.changed);
    expect(n.changed['rf_user : one file per user']).toBe(a.changed['rf_user : one file per user']);
    expect(n.changed['rf_user : mark the item']).toBe(a.changed['rf_user : mark the item']);
  });

  it('a loop-less include_tasks reports "included: FILE for HOST" and its tasks run; a false when skips it', () => {
    const a = includeLine.ansible[mode];
    const n = includeLine.nodemend[mode];
    expect(n.files).toEqual(a.files);
    // A false when: skips the include alone, as in Ansible: its register keeps the earlier result.
    expect(n.registered.wrote).toMatchObject({ changed: a.registered.wrote.changed });
    expect(a.registered.wrote?.skipped).toBeUndefined();
    expect(n.registered.wrote?.skipped).toBeUndefined();
    for (const run of [a, n]) expect(run.output).toMatch(/included: \S+\/tasks\/write\.yaml for node31/);
    expect(n.tasks.filter((t) => t.name === 'include once').map((t) => t.status)).toEqual(['ok']);
    expect(n.tasks.filter((t) => t.name === 'include skipped')).toEqual(a.tasks.filter((t) => t.name === 'include skipped'));
    expect(n.tasks.filter((t) => t.name === 'include skipped').map((t) => t.status)).toEqual(['skipped']);
    expect(n.tasks.filter((t) => t.name === 'write from the include').map((t) => t.status)).toEqual([mode === 'rerun' ? 'ok' : 'changed']);
  });
});
