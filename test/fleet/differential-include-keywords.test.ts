/**
 * Keywords on `include_tasks` and `import_tasks`, through ansible-playbook 2.14 and nodemend on the
 * same host (node22, HOSTS.ansibleSemantics: every path is the case's own directory). Ansible's rule
 * (playbook/task.py and block.py _get_parent_attribute skip a parent that is not statically loaded;
 * playbook/task_include.py build_parent_block; playbook/included_file.py): a dynamic include's own
 * keywords (become, ignore_errors, environment, no_log, check_mode, tags, ...) act on the include
 * itself, and reach its tasks only through `apply:`; its `vars:` are inherited all the same
 * (get_vars walks every parent). `tags` on an include select the include, not its tasks, so under
 * `--tags` an untagged include runs nothing inside. import_tasks is static: its keywords apply to
 * every imported task. Compared on task rows (name, status, changed), files (owner: who wrote them)
 * and registered results, in check, run and rerun. The differential inventory sets `ansible_become: true`
 * (nodemend: `connection: become`), which outranks a play's or include's `become:` keyword in both tools, so every probe runs as root here and
 * the keywords compared are the ones that inventory does not override (ignore_errors, no_log, environment,
 * vars, tags); `become` on an include is refused by both tools (the last describe).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';
import { runCli, workDir, writeInventory } from '../setup/cli.js';

const HOST = HOSTS.ansibleSemantics[0];
const d = differential(HOST, 'include-kw');

/** What a tasks file does that each keyword would change: who runs it, its environment, a write, a failure. */
const PROBE = (tag: string): string => `- name: ${tag} who
  command: id -un
  register: ${tag}_who
  changed_when: false
  check_mode: false
- name: ${tag} env
  shell: echo "\${NMKW-unset} {{ v | default('no v') }}"
  register: ${tag}_env
  changed_when: false
  check_mode: false
- name: ${tag} writes
  copy: { content: "${tag}\\n", dest: "{{ dir }}/${tag}" }
- name: ${tag} fails
  fail: { msg: "boom-${tag}" }
`;

const keywords = d.case('include_tasks keywords act on the include only (vars are inherited); apply and import_tasks keywords on every task', {
  tasks: `
    - block:
        - name: include with keywords
          include_tasks: inc.yml
          ignore_errors: true
          no_log: true
          vars: { v: from-include }
      rescue:
        - name: the include's ignore_errors did not reach its failing task
          debug: { msg: rescued }
    - block:
        - name: include with apply
          include_tasks:
            file: applied.yml
            apply: { ignore_errors: true, environment: { NMKW: from-apply }, vars: { v: from-apply } }
      rescue:
        - name: never rescued, apply's ignore_errors reached the task
          debug: { msg: rescued }
    - block:
        - name: import with keywords
          import_tasks: imp.yml
          ignore_errors: true
          environment: { NMKW: from-import }
          vars: { v: from-import }
      rescue:
        - name: never rescued, the import's ignore_errors reached the task
          debug: { msg: rescued }
  `,
  controllerFiles: { 'inc.yml': PROBE('inc'), 'applied.yml': PROBE('applied'), 'imp.yml': PROBE('imp') },
});

// Under --tags: its own suite (one ansible-playbook run per mode with the flag).
const tagged = differential(HOST, 'include-kw-tags', MODES, ['--tags', 'pick']);
const tags = tagged.case('--tags: an include tagged selects the include, not its tasks; apply tags them; import tags every task', {
  tasks: `
    - name: tagged include
      include_tasks: tagged.yml
      tags: pick
    - name: untagged include of a tagged task
      include_tasks: untagged.yml
    - name: tagged include with apply
      include_tasks: { file: applied.yml, apply: { tags: pick } }
      tags: pick
    - name: tagged import
      import_tasks: imp.yml
      tags: pick
    - name: an always include
      include_tasks: always.yml
      tags: always
  `,
  controllerFiles: {
    'tagged.yml':
      '- name: untagged task of a tagged include\n  copy: { content: "a\\n", dest: "{{ dir }}/a" }\n- name: tagged task of a tagged include\n  copy: { content: "b\\n", dest: "{{ dir }}/b" }\n  tags: pick\n',
    'untagged.yml': '- name: tagged task of an untagged include\n  copy: { content: "c\\n", dest: "{{ dir }}/c" }\n  tags: pick\n',
    'applied.yml': '- name: untagged task, apply tags it\n  copy: { content: "d\\n", dest: "{{ dir }}/d" }\n',
    'imp.yml': '- name: untagged imported task\n  copy: { content: "e\\n", dest: "{{ dir }}/e" }\n',
    'always.yml': '- name: untagged task of an always include\n  copy: { content: "f\\n", dest: "{{ dir }}/f" }\n',
  },
});

beforeAll(async () => {
  await d.run();
  await tagged.run();
}, 900_000);

describe.each(MODES)('%s', (mode) => {
  for (const c of [keywords, tags]) {
    it(`${c.name}: same task rows, statuses, changed flags`, () => {
      expect(c.nodemend[mode].tasks, c.nodemend[mode].output).toEqual(c.ansible[mode].tasks);
    });
    it(`${c.name}: same files, written by the same user`, () => {
      expect(c.nodemend[mode].files, c.nodemend[mode].output).toEqual(c.ansible[mode].files);
    });
  }

  it('who ran each probe and what it saw: the same registered results', () => {
    const seen = (r: Record<string, any>) =>
      Object.fromEntries(
        ['inc', 'applied', 'imp'].flatMap((t) => [
          [`${t}_who`, r[`${t}_who`]?.stdout],
          [`${t}_env`, r[`${t}_env`]?.stdout],
        ]),
      );
    const a = seen(keywords.ansible[mode].registered);
    expect(seen(keywords.nodemend[mode].registered)).toEqual(a);
    // What Ansible does, so the comparison above cannot pass on two wrong answers.
    expect(a).toEqual({
      inc_who: 'root',
      inc_env: 'unset from-include',
      applied_who: 'root',
      applied_env: 'from-apply from-apply',
      imp_who: 'root',
      imp_env: 'from-import from-import',
    });
  });

  it('the include’s no_log stays on the include: its failing task’s message shows in both tools', () => {
    expect(keywords.ansible[mode].output).toContain('boom-inc');
    expect(keywords.nodemend[mode].output).toContain('boom-inc');
  });

  it('the include’s ignore_errors stays on the include (its failing task is rescued), apply’s and import’s reach the task', () => {
    const rows = keywords.ansible[mode].tasks.map((t) => `${t.name}:${t.status}`);
    expect(rows).toContain('inc fails:failed');
    expect(rows).toContain("the include's ignore_errors did not reach its failing task:ok");
    expect(rows.filter((r) => r.startsWith('never rescued'))).toEqual([]);
  });

  it('--tags: the tagged tasks of a tagged include, apply’s and import’s tasks run; nothing of an untagged include', () => {
    const names = tags.ansible[mode].tasks.map((t) => t.name);
    expect(names).toEqual(['tagged include', 'tagged task of a tagged include', 'tagged include with apply', 'untagged task, apply tags it', 'untagged imported task', 'an always include']);
  });
});

describe('keywords Ansible refuses on a dynamic include', () => {
  it.each([
    ['include_tasks: inc.yml', 'become: true', 'TaskInclude'],
    ['include_tasks: inc.yml', 'environment: { A: b }', 'TaskInclude'],
    ['include_tasks: inc.yml', 'check_mode: true', 'TaskInclude'],
    ['include_role: { name: r1 }', 'become: true', 'IncludeRole'],
  ])('%s with %s: both tools refuse it before any host, nodemend at its file:line:col', async (include, kw, cls) => {
    const work = workDir('include-kw-refused');
    writeFileSync(join(work, 'inc.yml'), '- debug: { msg: x }\n');
    writeFileSync(join(work, 'pb.yaml'), `- hosts: ${HOST}\n  gather_facts: false\n  tasks:\n    - debug: { msg: before }\n    - ${include}\n      ${kw}\n`);
    mkdirSync(join(work, 'roles/r1/tasks'), { recursive: true });
    writeFileSync(join(work, 'roles/r1/tasks/main.yml'), '- debug: { msg: x }\n');
    const inv = writeInventory(work, [HOST]);
    const ansible = await new Promise<string>((res) =>
      execFile('ansible-playbook', ['--syntax-check', '-i', `${HOST},`, join(work, 'pb.yaml')], { cwd: work }, (err, stdout, stderr) => res(`${err ? 'failed' : 'ok'}\n${stdout}${stderr}`)),
    );
    const key = kw.split(':')[0];
    expect(ansible).toContain(`'${key}' is not a valid attribute for a ${cls}`);
    const r = await runCli(['validate', join(work, 'pb.yaml'), '-i', inv]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(new RegExp(`pb\\.yaml:6:7: "${key}" on ${include.split(':')[0]}: Ansible 2\\.14 refuses it`));
  });
});
