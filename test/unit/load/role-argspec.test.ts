/**
 * Role argument specs at load time (load/role-argspec.ts): the validation task a use of the role
 * starts with (per entry point, from meta/argument_specs.yml or meta/main.yml), and what fails
 * `validate` before any host: a malformed spec, a literal role param the spec refuses or lacks.
 */
import { describe, expect, it } from 'vitest';
import { loadTree } from './load-helpers.js';
import type { RoleCall, Task } from '../../../src/load/model.js';

const SPEC =
  'argument_specs:\n  main:\n    short_description: web things\n    options:\n      port: { type: int, required: true }\n      mode: { type: str, choices: [a, b] }\n  extra:\n    options:\n      x: { type: bool }\n';
const ROLE = {
  'roles/web/tasks/main.yml': '- name: conf\n  debug: { msg: "{{ port }}" }\n',
  'roles/web/tasks/extra.yml': '- name: extra\n  debug: { msg: "{{ x }}" }\n',
  'roles/web/tasks/plain.yml': '- name: plain\n  debug: {}\n',
  'roles/web/meta/argument_specs.yml': SPEC,
};
const firstTask = (c: RoleCall): Task => c.role.tasks[0] as Task;

describe('role argument specs: loading', () => {
  it("each entry point with a spec starts with Ansible's validation task; one without has none", async () => {
    const out = await loadTree({
      ...ROLE,
      'site.yaml': '- hosts: all\n  roles:\n    - { role: web, port: 80 }\n  tasks:\n    - import_role: { name: web, tasks_from: extra }\n    - import_role: { name: web, tasks_from: plain }\n',
    });
    expect(out.errors).toEqual([]);
    const [main, extra, plain] = out.loaded!.playbook.plays[0].tasks as RoleCall[];
    expect(firstTask(main)).toMatchObject({ name: "Validating arguments against arg spec 'main' - web things", module: 'validate_argument_spec', role: 'web', tags: ['always'] });
    expect(firstTask(main).args.argument_spec).toEqual({ port: { type: 'int', required: true }, mode: { type: 'str', choices: ['a', 'b'] } });
    expect(firstTask(extra).name).toBe("Validating arguments against arg spec 'extra'");
    expect(plain.role.tasks.map((t) => (t as Task).name)).toEqual(['plain']);
  });

  it("meta/main.yml's argument_specs when there is no argument_specs file", async () => {
    const { 'roles/web/meta/argument_specs.yml': _, ...rest } = ROLE;
    const out = await loadTree({ ...rest, 'roles/web/meta/main.yml': `galaxy_info: {}\n${SPEC}`, 'site.yaml': '- hosts: all\n  roles: [{ role: web, port: 1 }]\n' });
    expect(out.errors).toEqual([]);
    expect(firstTask(out.loaded!.playbook.plays[0].tasks[0] as RoleCall).name).toBe("Validating arguments against arg spec 'main' - web things");
  });

  it('literal role params the spec refuses fail at the param; templated ones wait for the run', async () => {
    const out = await loadTree({ ...ROLE, 'site.yaml': '- hosts: all\n  roles:\n    - { role: web, port: eighty, mode: c, other: 1 }\n    - { role: web, port: "{{ p }}" }\n' });
    expect(out.errors).toEqual([
      "site.yaml:3:26: role \"web\": argument 'port' is of type <class 'ansible.parsing.yaml.objects.AnsibleUnicode'> and we were unable to convert to int: <class 'ansible.parsing.yaml.objects.AnsibleUnicode'> cannot be converted to an int",
      'site.yaml:3:40: role "web": value of mode must be one of: a, b, got: c',
      'site.yaml:3:43: role "web": "other" is not an argument of role "web" (its argument spec \'main\' has: mode, port)',
    ]);
  });

  it('a spec with an unknown type fails at its line', async () => {
    const out = await loadTree({
      ...ROLE,
      'roles/web/meta/argument_specs.yml': 'argument_specs:\n  main:\n    options:\n      port: { type: integer }\n',
      'site.yaml': '- hosts: all\n  roles: [web]\n',
    });
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toMatch(/^roles\/web\/meta\/argument_specs\.yml:4:\d+: .*type/);
  });
});
