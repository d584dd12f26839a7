/**
 * N22/N23: which uses of a role run, through ansible-playbook (2.14) and nodemend on node22 (paths
 * /tmp/nmdiff-h25dedup-*). 2.14 leaves a role's tasks out on a host only once the role has run there
 * (Role.has_run: the host reached its end after one of its own tasks had a result other than skipped),
 * so a use skipped by `when:` (its own, or the role's that depends on it) does not count; other vars
 * make another use; import_role and include_role share one use whose allow_duplicates is the last one
 * set; a new play starts afresh. A counter per role use shows which uses ran; the task rows show it too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, type ToolRun } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleSemantics[0], 'h25dedup');

const countRun = (role: string): string => `- name: count ${role}\n  set_fact: { runs: "{{ runs }}${role} " }\n`;
const ROLES = {
  'roles/dd_c/tasks/main.yml': countRun('c'),
  'roles/dd_a/meta/main.yml': 'dependencies:\n  - dd_c\n',
  'roles/dd_a/tasks/main.yml': countRun('a'),
  'roles/dd_b/meta/main.yml': 'dependencies:\n  - dd_c\n',
  'roles/dd_b/tasks/main.yml': countRun('b'),
  'roles/dd_d/meta/main.yml': 'dependencies:\n  - { role: dd_c, when: false }\n  - dd_e\n',
  'roles/dd_d/tasks/main.yml': countRun('d'),
  'roles/dd_e/meta/main.yml': 'allow_duplicates: true\n',
  'roles/dd_e/tasks/main.yml': countRun('e'),
  'roles/dd_f/meta/main.yml': 'dependencies:\n  - dd_e\n  - dd_c\n',
  'roles/dd_f/tasks/main.yml': countRun('f'),
};
/** set_fact lasts for the host's later plays: each case starts its counter afresh. */
const RESET = `
    pre_tasks:
      - name: reset runs
        set_fact: { runs: '' }
`;
const WRITE = `
    - name: write runs
      copy: { content: "{{ runs }}\\n", dest: "{{ dir }}/runs" }
`;

const roles = d.case('a use skipped by when: has not run; other vars run again; allow_duplicates dependencies', {
  play: `${RESET}
    roles:
      - { role: dd_a, when: false }
      - dd_b
      - { role: dd_c, when: false }
      - { role: dd_c, when: false }
      - dd_c
      - { role: dd_c, vars: { x: 2 } }
      - { role: dd_c, vars: { x: 2 } }
      - dd_d
      - dd_f
  `,
  tasks: WRITE,
  controllerFiles: ROLES,
});
const includes = d.case('import_role and include_role share one use; allow_duplicates as the last one set it', {
  play: RESET,
  tasks: `
    - name: include c skipped
      include_role: { name: dd_c, allow_duplicates: false }
      when: false
    - name: include c once
      include_role: { name: dd_c, allow_duplicates: false }
    - name: include c again
      include_role: { name: dd_c, allow_duplicates: false }
    - import_role: { name: dd_c, allow_duplicates: false }
      when: false
    - import_role: { name: dd_c }
    - name: include c allowing duplicates
      include_role: { name: dd_c }
    - import_role: { name: dd_b }
      vars: { x: 3 }
  ${WRITE}`,
  controllerFiles: ROLES,
});
const nextPlay = d.case('a role that ran in an earlier play runs again in the next', {
  play: `${RESET}
    roles:
      - dd_c
  `,
  tasks: WRITE,
  controllerFiles: ROLES,
});

beforeAll(() => d.run(), 900_000);

/** Ansible reports include_role itself as an ok row; nodemend reports what it includes. */
const INCLUDES = ['include c once', 'include c again', 'include c allowing duplicates'];
const rows = (r: ToolRun) => r.tasks.filter((t) => !(INCLUDES.includes(t.name) && t.status === 'ok' && !t.changed));

describe.each(MODES)('%s', (mode) => {
  for (const c of [roles, includes, nextPlay]) {
    it(`${c.name}: same files`, () => {
      expect(c.nodemend[mode].files, c.nodemend[mode].output).toEqual(c.ansible[mode].files);
    });
    it(`${c.name}: same tasks, statuses and changed flags`, () => {
      expect(rows(c.nodemend[mode]), c.nodemend[mode].output).toEqual(rows(c.ansible[mode]));
    });
  }
  it('the uses that ran, as 2.14 runs them', () => {
    if (mode === 'check') return; // check mode writes no file
    expect(roles.nodemend[mode].files['runs']).toMatchObject({ content: 'c b c e d e f \n' });
    expect(includes.nodemend[mode].files['runs']).toMatchObject({ content: 'c c c b \n' });
    expect(nextPlay.nodemend[mode].files['runs']).toMatchObject({ content: 'c \n' });
  });
});
