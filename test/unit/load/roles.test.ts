/**
 * Roles at load time (load/roles.ts): what a play, import_role, include_role and meta
 * dependencies become, the role search path, and every error (a missing role, a missing
 * tasks_from file, a bad task inside a role) at its file:line:col before any host.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadTree, writeTree } from './load-helpers.js';
import { loadAll } from '../../../src/load/load.js';
import type { RoleCall, TaskNode } from '../../../src/load/model.js';
import { handlerNamesIn } from '../../../src/load/handlers.js';

const WEB = {
  'roles/web/tasks/main.yml': '- name: conf\n  template: { src: web.conf.j2, dest: /tmp/x }\n  notify: reload web\n',
  'roles/web/tasks/extra.yaml': '- name: extra\n  debug: { msg: "{{ port }}" }\n',
  'roles/web/handlers/main.yml': '- name: reload web\n  debug: { msg: reload }\n',
  'roles/web/defaults/main.yml': 'port: 80\nshared: web-default\n',
  'roles/web/vars/main.yml': 'web_user: www\n',
  'roles/web/meta/main.yml': 'galaxy_info: { author: me }\ndependencies:\n  - base\n  - { role: base, level: 2 }\n',
  'roles/base/tasks/main.yml': '- name: base\n  debug: { msg: base }\n',
  'roles/base/defaults/main.yml': 'shared: base-default\nbase_only: 1\n',
};

/** Where the trees' hinc.yml includes point, in order. */
const includedFiles = (nodes: unknown): string[] => {
  const out: string[] = [];
  JSON.stringify(nodes, (k, v: unknown) => {
    if (k === 'file' && typeof v === 'string' && /hinc\.yml$/.test(v)) out.push(v);
    return v;
  });
  return out;
};
const titles = (nodes: TaskNode[]): string[] =>
  nodes.flatMap((n): string[] => {
    if (n.kind === 'task') return [`${n.role ? `${n.role} : ` : ''}${n.name}`];
    if (n.kind === 'role') return [`[${n.how} ${n.role.name}]`, ...titles(n.role.dependencies), ...titles(n.role.tasks)];
    if (n.kind === 'block') return titles([...n.block, ...n.rescue, ...n.always]);
    return titles(n.tasks);
  });

describe('roles: loading', () => {
  it('expands roles: after pre_tasks, dependencies before the role, tasks titled ROLE : NAME', async () => {
    const out = await loadTree({
      ...WEB,
      'site.yaml':
        '- hosts: all\n  pre_tasks:\n    - name: first\n      debug: {}\n  roles:\n    - web\n    - { role: web, port: 81, tags: [w], when: x is defined }\n  tasks:\n    - name: last\n      debug: {}\n',
    });
    expect(out.errors).toEqual([]);
    const play = out.loaded!.playbook.plays[0];
    expect(titles(play.tasks)).toEqual([
      'first',
      '[play web]',
      '[dependency base]',
      'base : base',
      '[dependency base]',
      'base : base',
      'web : conf',
      '[play web]',
      '[dependency base]',
      'base : base',
      '[dependency base]',
      'base : base',
      'web : conf',
      'last',
    ]);
    const [, first, second] = play.tasks as RoleCall[];
    expect(second.params).toEqual({ port: 81 });
    expect(second.tags).toEqual(['w']);
    expect(second.when).toEqual(['x is defined']);
    expect(first.key).not.toEqual(second.key);
    // the same role with the same parameters is the same key: it runs once per host
    expect(first.role.dependencies[0].key).not.toEqual(first.role.dependencies[1].key);
    // defaults and vars of static roles are seen by the play, dependencies' under the role's own
    expect(play.roleDefaults).toEqual({ shared: 'web-default', base_only: 1, port: 80 });
    expect(play.roleVars).toEqual({ web_user: 'www' });
    // the role's handlers come first, notifiable by name and as ROLE : NAME
    expect(handlerNamesIn(play.handlers)).toEqual(['reload web', 'web : reload web']);
  });

  it('a vars or defaults file holding only `---` and a comment, or `null`, is no variables (as Ansible)', async () => {
    const out = await loadTree({
      ...WEB,
      'roles/web/vars/main.yml': '---\n# Empty file\n',
      'roles/web/defaults/main.yml': '--- null\n',
      'site.yaml': '- hosts: all\n  roles: [web]\n',
    });
    expect(out.errors).toEqual([]);
    const call = out.loaded!.playbook.plays[0].tasks[0] as RoleCall;
    expect([call.role.vars, call.role.defaults]).toEqual([{}, {}]);
  });

  it('import_role and include_role with tasks_from; include_role is not exported to the play', async () => {
    const out = await loadTree({
      ...WEB,
      'site.yaml':
        '- hosts: all\n  tasks:\n    - import_role: { name: web, tasks_from: extra }\n    - name: inc\n      include_role:\n        name: web\n        tasks_from: extra.yaml\n        public: false\n        apply: { tags: [a] }\n      vars: { port: 9 }\n',
    });
    expect(out.errors).toEqual([]);
    const play = out.loaded!.playbook.plays[0];
    const [imp, inc] = play.tasks as RoleCall[];
    expect([imp.how, inc.how]).toEqual(['import', 'include']);
    expect(titles(imp.role.tasks)).toEqual(['web : extra']);
    expect(inc.apply?.tags).toEqual(['a']);
    expect(inc.vars).toEqual({ port: 9 });
    expect(inc.allowDuplicates).toBe(true);
    expect(inc.name).toBe('inc');
    // only the import is static: its role's defaults (and its dependency's) are the play's
    expect(play.roleDefaults).toEqual({ shared: 'web-default', base_only: 1, port: 80 });
  });

  it('finds roles on $NODEMEND_ROLES_PATH after roles/ beside the playbook, and a dependency beside its role', async () => {
    const shared = writeTree({ 'lib/tasks/main.yml': '- name: from shared\n  debug: {}\n', 'lib/meta/main.yml': 'dependencies: [sibling]\n', 'sibling/tasks/main.yml': '- name: sib\n  debug: {}\n' });
    const dir = writeTree({ 'site.yaml': '- hosts: all\n  roles: [lib]\n', 'inventory.yaml': 'all:\n  hosts:\n    node1:\n' });
    process.env.NODEMEND_ROLES_PATH = `/nonexistent:${shared}`;
    try {
      const loaded = await loadAll({ playbook: join(dir, 'site.yaml'), inventory: join(dir, 'inventory.yaml') });
      expect(titles(loaded.playbook.plays[0].tasks)).toEqual(['[play lib]', '[dependency sibling]', 'sibling : sib', 'lib : from shared']);
      expect(loaded.sources).toContain(join(shared, 'lib', 'tasks', 'main.yml'));
    } finally {
      delete process.env.NODEMEND_ROLES_PATH;
    }
  });

  it('handlers: blocks and import_tasks group handlers, include_tasks is one handler with its listen topics', async () => {
    const out = await loadTree({
      'h.yml': '- name: h1\n  debug: {}\n',
      'site.yaml':
        '- hosts: all\n  tasks:\n    - debug: {}\n      notify: [b1, h1, inc, topic]\n  handlers:\n    - block:\n        - name: b1\n          debug: {}\n    - import_tasks: h.yml\n    - name: inc\n      include_tasks: h.yml\n      listen: topic\n',
    });
    expect(out.errors).toEqual([]);
    expect(handlerNamesIn(out.loaded!.playbook.plays[0].handlers)).toEqual(['b1', 'h1', 'inc', 'topic']);
  });

  it("a role handler's include_tasks/import_tasks finds the file in the role's tasks/ (2.14's path_dwim_relative order)", async () => {
    const out = await loadTree({
      'roles/r1/tasks/main.yml': '- debug: {}\n  notify: [hi, hm]\n',
      'roles/r1/tasks/hinc.yml': '- name: from tasks\n  debug: {}\n',
      'roles/r1/tasks/himp.yml': '- name: hm\n  debug: {}\n',
      'roles/r1/handlers/main.yml': '- name: hi\n  include_tasks: hinc.yml\n- import_tasks: himp.yml\n',
      'site.yaml': '- hosts: all\n  roles: [r1]\n',
    });
    expect(out.errors).toEqual([]);
    const handlers = out.loaded!.playbook.plays[0].handlers;
    expect(handlerNamesIn(handlers)).toEqual(['hi', 'r1 : hi', 'hm', 'r1 : hm']);
    expect(includedFiles(handlers)[0]).toMatch(/roles\/r1\/tasks\/hinc\.yml$/);
  });

  it("a role's handlers/ file wins over tasks/, and a file in neither is refused where handlers/ would hold it", async () => {
    const both = await loadTree({
      'roles/r1/tasks/main.yml': '- debug: {}\n  notify: hi\n',
      'roles/r1/tasks/hinc.yml': '- debug: {}\n',
      'roles/r1/handlers/hinc.yml': '- debug: {}\n',
      'roles/r1/handlers/main.yml': '- name: hi\n  include_tasks: hinc.yml\n',
      'site.yaml': '- hosts: all\n  roles: [r1]\n',
    });
    expect(includedFiles(both.loaded!.playbook.plays[0].handlers)[0]).toMatch(/roles\/r1\/handlers\/hinc\.yml$/);
    const none = await loadTree({
      'roles/r1/tasks/main.yml': '- debug: {}\n  notify: hi\n',
      'roles/r1/handlers/main.yml': '- name: hi\n  include_tasks: nosuch.yml\n',
      'site.yaml': '- hosts: all\n  roles: [r1]\n',
    });
    expect(none.errors.join('\n')).toMatch(/roles\/r1\/handlers\/nosuch\.yml/);
  });

  it('include_vars: a static file is read at load time', async () => {
    const out = await loadTree({ 'vars/a.yml': 'x: 1\n', 'site.yaml': '- hosts: all\n  tasks:\n    - include_vars: a.yml\n    - include_vars: { dir: vars, files_matching: "^a" }\n' });
    expect(out.errors).toEqual([]);
    expect(out.loaded!.sources.some((f) => f.endsWith('vars/a.yml'))).toBe(true);
  });
});

describe('roles: errors before any host', () => {
  afterEach(() => delete process.env.NODEMEND_ROLES_PATH);
  const cases: { name: string; files: Record<string, string>; errors: string[] }[] = [
    {
      name: 'a role that does not exist',
      files: { 'roles/web/tasks/main.yml': '[]\n', 'site.yaml': '- hosts: all\n  roles:\n    - wbe\n' },
      errors: ['site.yaml:3:7: role "wbe" not found (did you mean "web"?); looked in roles/wbe, wbe'],
    },
    {
      name: 'a missing tasks_from file',
      files: { 'roles/web/tasks/main.yml': '[]\n', 'site.yaml': '- hosts: all\n  tasks:\n    - include_role: { name: web, tasks_from: nope }\n' },
      errors: ['site.yaml:3:46: role "web" has no tasks file "nope" (looked for roles/web/tasks/nope{,.yml,.yaml})'],
    },
    {
      name: 'a bad task inside a role, at its own file',
      files: { 'roles/web/tasks/main.yml': '- name: t\n  comand: ls\n', 'site.yaml': '- hosts: all\n  roles: [web]\n' },
      errors: ['roles/web/tasks/main.yml:2:3: unknown module "comand" (did you mean "command"?)'],
    },
    {
      name: 'a dependency cycle',
      files: { 'roles/a/meta/main.yml': 'dependencies: [b]\n', 'roles/b/meta/main.yml': 'dependencies: [{ role: a }]\n', 'site.yaml': '- hosts: all\n  roles: [a]\n' },
      errors: ['roles/b/meta/main.yml:1:24: role dependency cycle: a → b → a'],
    },
    {
      name: 'a role entry without a name, a param that is no variable name, an unknown include_role argument',
      files: {
        'roles/web/tasks/main.yml': '[]\n',
        'site.yaml': '- hosts: all\n  roles:\n    - { tags: x }\n    - { role: web, bad-name: 1 }\n  tasks:\n    - include_role: { name: web, task_from: x }\n',
      },
      errors: [
        'site.yaml:3:7: a role entry needs "role: NAME" (or "name: NAME")',
        'site.yaml:4:20: "bad-name" is neither a keyword of a role entry nor a variable name (role params are variables)',
        'site.yaml:6:34: unknown key "task_from" in include_role (did you mean "tasks_from"?)',
      ],
    },
    {
      name: 'a notify naming no handler of the play or its roles',
      files: { 'roles/web/tasks/main.yml': '- debug: {}\n  notify: relaod web\n', 'roles/web/handlers/main.yml': '- name: reload web\n  debug: {}\n', 'site.yaml': '- hosts: all\n  roles: [web]\n' },
      errors: ['roles/web/tasks/main.yml:2:11: no handler named "relaod web" in play "all" (did you mean "reload web"?); handlers: "reload web", "web : reload web"'],
    },
    {
      name: 'a role vars file that is not a mapping, an include_vars file that does not parse',
      files: { 'roles/web/vars/main.yml': '- a\n', 'bad.yml': 'a: [\n', 'site.yaml': '- hosts: all\n  roles: [web]\n  tasks:\n    - include_vars: bad.yml\n' },
      errors: [
        'roles/web/vars/main.yml:1:1: a vars file must hold a mapping of variables, got a list',
        'bad.yml:2:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
      ],
    },
    {
      name: "a role's template that does not compile, found in the role's templates/",
      files: { 'roles/web/tasks/main.yml': '- template: { src: t.j2, dest: /tmp/t }\n', 'roles/web/templates/t.j2': 'a {{ x + }}\n', 't.j2': 'fine\n', 'site.yaml': '- hosts: all\n  roles: [web]\n' },
      errors: ["roles/web/templates/t.j2:1:10: expected an expression, got '}}'"],
    },
  ];
  it.each(cases)('$name', async (c) => {
    const out = await loadTree(c.files);
    expect(out.errors).toEqual(c.errors);
  });
});
