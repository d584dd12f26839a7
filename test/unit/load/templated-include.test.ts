/**
 * include_tasks with a templated path (2.14 renders it per host at run time, with facts): the files
 * its name can match are validated at load (src/load/tasks.ts templatedCandidates), a file outside
 * them is loaded when a host names it. The run through both tools: test/fleet/differential-role-idioms.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadTree, play, writeTree } from './load-helpers.js';
import { templatedCandidates } from '../../../src/load/tasks.js';
import type { IncludeTasks, RoleCall } from '../../../src/load/model.js';

const ROLE = {
  'roles/r/tasks/main.yml': '- include_tasks: "{{ ansible_os_family }}.yml"\n- include_tasks: "setup-{{ ansible_distribution }}.yml"\n',
  'roles/r/tasks/Debian.yml': '- debug: { msg: debian }\n',
  'roles/r/tasks/RedHat.yml': '- debug: { msg: redhat }\n',
  'roles/r/tasks/setup-Debian.yml': '- debug: { msg: setup }\n',
  'roles/r/handlers/main.yml': '- name: h\n  listen: x\n  debug: {}\n',
  'roles/r/defaults/main.yml': 'a: 1\n',
};

describe('templated include_tasks paths', () => {
  it('loads every file the pattern matches where the include looks, keyed by path', async () => {
    const out = await loadTree({ 'site.yaml': '- hosts: all\n  roles: [r]\n', ...ROLE });
    expect(out.errors).toEqual([]);
    const [a, b] = (out.loaded!.playbook.plays[0].tasks[0] as RoleCall).role.tasks as IncludeTasks[];
    const names = (n: IncludeTasks) => [...n.candidates!.keys()].map((k) => k.replace(/^.*\/roles\//, 'roles/'));
    expect(names(a)).toEqual(['roles/r/tasks/Debian.yml', 'roles/r/tasks/RedHat.yml', 'roles/r/tasks/setup-Debian.yml']);
    expect(names(b)).toEqual(['roles/r/tasks/setup-Debian.yml']);
    expect(a.tasks).toHaveLength(3);
  });
  it('reports an error in any file the name can match, at its file and line, before any host', async () => {
    const out = await loadTree({ 'site.yaml': '- hosts: all\n  roles: [r]\n', ...ROLE, 'roles/r/tasks/RedHat.yml': '- yum: { name: x, stat: present }\n' });
    expect(out.errors).toEqual([expect.stringMatching(/^roles\/r\/tasks\/RedHat\.yml:1:\d+: unknown argument "stat" for module "yum"/)]);
  });
  it('leaves out files beside a playbook that are no tasks file (the playbook, its inventory, a vars or requirements file)', async () => {
    const out = await loadTree({
      'site.yaml': play('    - include_tasks: "{{ kind }}.yaml"\n'),
      'other.yaml': '- hosts: all\n  tasks: []\n',
      'vars.yaml': 'a: 1\n',
      'requirements.yaml': '- src: geerlingguy.docker\n  version: 7.4.7\n',
      'node.yaml': '- command: echo node\n',
    });
    expect(out.errors).toEqual([]);
    const inc = out.loaded!.playbook.plays[0].tasks[0] as IncludeTasks;
    expect([...inc.candidates!.keys()].map((k) => k.split('/').pop())).toEqual(['node.yaml']);
  });
  it('takes the names of with_first_found into "{{ item }}", and role_path / playbook_dir as known', () => {
    const dir = writeTree({ 'r/tasks/Debian-12.yml': '', 'r/tasks/default.yml': '', 'r/tasks/x-a.yml': '', 'r/tasks/sub/y.yml': '' });
    const at = { dir: join(dir, 'r/tasks'), role: join(dir, 'r'), playDir: dir, handler: false };
    const dirs = [at.dir, at.role, dir];
    expect(templatedCandidates('{{ role_path }}/tasks/x-{{ v }}.yml', dirs, at)).toEqual([join(dir, 'r/tasks/x-a.yml')]);
    expect(templatedCandidates('{{ d }}/y.yml', dirs, at)).toEqual([join(dir, 'r/tasks/sub/y.yml')]);
    expect(templatedCandidates('{{ x }}', dirs, at)).toEqual([]);
    expect(templatedCandidates('{{ a }}-{{ b }}.yml', dirs, at)).toEqual([join(dir, 'r/tasks/Debian-12.yml'), join(dir, 'r/tasks/x-a.yml')]);
  });
  it('refuses a templated import_tasks path (2.14 renders it at parse time, without facts or host vars)', async () => {
    const out = await loadTree({ 'site.yaml': play('    - import_tasks: "{{ os }}.yaml"\n') });
    expect(out.errors).toEqual(['site.yaml:3:21: import_tasks path "{{ os }}.yaml" is templated: an import is read before any host, use include_tasks for a name from facts or host vars']);
  });
});
