/**
 * Where a play takes its variables and tasks from, as real roles and sites write it, through
 * ansible-playbook (Debian's ansible-core 2.14) and nodemend on node40 (HOSTS.ansibleSemantics2; paths
 * /tmp/nmdiff-h25d-*), compared on files, changed flags and registered results in check, run and rerun:
 * - vars_files with templated names (2.14's VariableManager.get_vars renders them per host with play vars,
 *   extra vars, inventory and facts), list entries (the first that exists), and the play's vars/ searched
 *   before its own directory (DataLoader.path_dwim_relative_stack);
 * - `when:` and `vars:` on import_playbook (playbook_include.py: the conditions go before each of the
 *   imported plays' pre_tasks/roles/tasks/post_tasks blocks, checked at every task; handlers have none).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys, type DifferentialCase, type Mode } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics2[0];
const d = differential(HOST, 'h25d-ps');

// First: no play has gathered facts on the host yet, so 2.14 skips an entry with an undefined variable.
const noFacts = d.case('vars_files in a play that gathers no facts: an undefined variable skips the entry', {
  vars: { flavour: 'plain' },
  play: `
    vars_files:
      - "vf/{{ flavour }}.yml"
      - "vf/{{ not_defined_anywhere }}.yml"`,
  tasks: `
    - name: write what the files set
      copy: { content: "{{ c }} {{ a | default('unset') }}\\n", dest: "{{ dir }}/nf" }
      register: nf_copy`,
});

const templated = d.case('vars_files: templated names with facts and play vars, lists, vars/ first', {
  vars: { flavour: 'plain' },
  gatherFacts: true,
  play: `
    vars_files:
      - "vf/{{ ansible_os_family }}.yml"
      - [ "vf/{{ flavour }}-x.yml", "vf/default.yml" ]
      - [ "vf/missing.yml", "vf/{{ flavour }}.yml" ]
      - vf/static.yml
      - [ vf/none.yml, vf/static2.yml ]`,
  tasks: `
    - name: write what the files set
      copy: { content: "{{ a }} {{ b }} {{ c }} {{ d }} {{ e }}\\n", dest: "{{ dir }}/vf" }
      register: vf_copy`,
  controllerFiles: {
    'vf/Debian.yml': 'a: debian\nb: from-debian\n',
    'vf/default.yml': 'b: from-default\nc: default\n',
    'vf/plain.yml': 'c: plain\n',
    'vf/static.yml': 'd: beside the playbook\n',
    'vars/vf/static.yml': 'd: from vars/\n',
    'vf/static2.yml': 'e: second of a list\n',
  },
});

const IMPORTED = 'import_playbook when and vars: on every task of the imported plays, not their handlers';
/** An imported play named as the case, so its tasks count as the case's. */
const importedPlay = (body: string): string => `- name: ${JSON.stringify(IMPORTED)}\n  hosts: ${HOST}\n  gather_facts: false\n${body}`;
const imported = d.case(IMPORTED, {
  tasks: `
    - name: remember the directory
      set_fact: { imp_dir: "{{ dir }}" }`,
  imports: `
    - import_playbook: imp/yes.yml
      when: stop_now is not defined and outer == 'given'
      vars: { outer: given, from_import: over }
    - import_playbook: imp/no.yml
      when: [ "inventory_hostname == 'nobody'" ]`,
  dumpInNextPlay: true,
  controllerFiles: {
    'imp/yes.yml': importedPlay(`  vars: { from_import: play, own: mine }
  pre_tasks:
    - name: imp pre
      copy: { content: "{{ from_import }} {{ own }} {{ outer }}\\n", dest: "{{ imp_dir }}/yes" }
      register: imp_pre
      notify: imp handler
  tasks:
    - name: imp stop
      set_fact: { stop_now: true }
    - name: imp after the stop
      copy: { content: "after\\n", dest: "{{ imp_dir }}/after" }
      register: imp_after
  handlers:
    - name: imp handler
      copy: { content: "handler\\n", dest: "{{ imp_dir }}/handler" }
      register: imp_handler
`),
    'imp/no.yml': importedPlay(`  tasks:
    - block:
        - name: imp never
          copy: { content: "no\\n", dest: "{{ imp_dir }}/no" }
          register: imp_never
`),
  },
});

beforeAll(() => d.run(), 900_000);

const KEYS = ['changed', 'failed', 'checksum', 'size', 'dest'];
/** Ansible's changed flags without its "Gathering Facts" row (nodemend reads facts as they are needed). */
const changedRows = (c: DifferentialCase, tool: 'ansible' | 'nodemend', mode: Mode): Record<string, boolean> =>
  Object.fromEntries(Object.entries(c[tool][mode].changed).filter(([name]) => name !== 'Gathering Facts'));

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, [noFacts], { registered: { keys: KEYS } });
  itsSameAsAnsible(mode, [imported], { tasks: 'tasks', registered: { keys: [...KEYS, 'skipped', 'false_condition'] } });
  it(`${templated.name}: same files, changed flags and registered results`, () => {
    const c = templated;
    expect(c.nodemend[mode].files, c.nodemend[mode].output).toEqual(c.ansible[mode].files);
    expect(changedRows(c, 'nodemend', mode), c.nodemend[mode].output).toEqual(changedRows(c, 'ansible', mode));
    const [n, a] = sameKeys(c.nodemend[mode].registered.vf_copy, c.ansible[mode].registered.vf_copy, KEYS);
    expect(n, c.nodemend[mode].output).toEqual(a);
    if (mode !== 'check') expect(c.ansible[mode].files.vf).toMatchObject({ content: 'debian from-default plain from vars/ second of a list\n' });
  });
});
