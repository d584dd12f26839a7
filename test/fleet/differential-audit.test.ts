/**
 * Issue 13's audit: behaviours that had no differential case of their own, through
 * ansible-playbook and nodemend on node23 (the Ansible modules differential host, paths
 * /tmp/nmdiff-audit-*): same files, registered results and changed flags in check mode, the
 * first run and a rerun.
 *
 * Collection names: every module nodemend has, called by the name Ansible 2.14 resolves for it:
 * `ansible.builtin.X` for the builtin ones, the collection's own name for ansible.posix /
 * community.general ones, and `ansible.builtin.X` for those too, which ansible-core routes to the
 * collection (ansible/config/ansible_builtin_runtime.yml: sysctl, mount -> ansible.posix; ini_file,
 * pam_limits -> community.general).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';
import { connectionCounter, runCli, workDir, writeInventory } from '../setup/cli.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const d = differential(HOSTS.ansibleModules[0], 'audit');

const collections = d.case('every module under its collection name', {
  vars: { word: 'w' },
  tasks: `
    - name: ansible.builtin.copy
      ansible.builtin.copy: { content: "a\\n", dest: "{{ dir }}/copy" }
      register: r_copy
    - name: ansible.builtin.template
      ansible.builtin.template: { src: t.j2, dest: "{{ dir }}/template" }
      register: r_template
    - name: ansible.builtin.file
      ansible.builtin.file: { path: "{{ dir }}/sub", state: directory, mode: "0750" }
      register: r_file
    - name: ansible.builtin.lineinfile
      ansible.builtin.lineinfile: { path: "{{ dir }}/edit", line: b }
      register: r_lineinfile
    - name: ansible.builtin.blockinfile
      ansible.builtin.blockinfile: { path: "{{ dir }}/edit", block: c }
      register: r_blockinfile
    - name: ansible.builtin.replace
      ansible.builtin.replace: { path: "{{ dir }}/edit", regexp: '^a$', replace: A }
      register: r_replace
    - name: ansible.builtin.stat
      ansible.builtin.stat: { path: "{{ dir }}/seed" }
      register: r_stat
    - name: ansible.builtin.slurp
      ansible.builtin.slurp: { src: "{{ dir }}/seed" }
      register: r_slurp
    - name: ansible.builtin.find
      ansible.builtin.find: { paths: "{{ dir }}", patterns: seed }
      register: r_find
    - name: ansible.builtin.command
      ansible.builtin.command: cat {{ dir }}/seed
      check_mode: false
      changed_when: false
      register: r_command
    - name: ansible.builtin.shell
      ansible.builtin.shell: echo {{ word }}
      check_mode: false
      changed_when: false
      register: r_shell
    - name: ansible.builtin.set_fact
      ansible.builtin.set_fact: { fact_one: 1 }
    - name: ansible.builtin.assert
      ansible.builtin.assert: { that: fact_one == 1 }
      register: r_assert
    - name: ansible.builtin.debug
      ansible.builtin.debug: { msg: "n={{ fact_one }}" }
      register: r_debug
    - name: ansible.builtin.fail
      ansible.builtin.fail: { msg: expected }
      register: r_fail
      ignore_errors: true
    - name: ansible.builtin.include_vars
      ansible.builtin.include_vars: { file: vars/more.yml }
    - name: ansible.builtin.wait_for
      ansible.builtin.wait_for: { path: "{{ dir }}/seed", timeout: 5 }
      register: r_wait
    - name: ansible.builtin.meta
      ansible.builtin.meta: noop
    - name: ansible.builtin.setup
      ansible.builtin.setup: { filter: ansible_system }
      register: r_setup
    - name: ansible.posix.sysctl
      ansible.posix.sysctl: { name: vm.swappiness, value: 10, sysctl_file: "{{ dir }}/posix.conf", reload: false }
      register: r_posix_sysctl
    - name: ansible.builtin.sysctl (routed to ansible.posix)
      ansible.builtin.sysctl: { name: vm.swappiness, value: 10, sysctl_file: "{{ dir }}/builtin.conf", reload: false }
      register: r_builtin_sysctl
    - name: ansible.posix.mount
      ansible.posix.mount: { path: /srv/a, src: /dev/sda1, fstype: ext4, state: present, fstab: "{{ dir }}/fstab" }
      register: r_posix_mount
    - name: ansible.builtin.mount (routed to ansible.posix)
      ansible.builtin.mount: { path: /srv/b, src: /dev/sdb1, fstype: ext4, state: present, fstab: "{{ dir }}/fstab" }
      register: r_builtin_mount
    - name: community.general.ini_file
      community.general.ini_file: { path: "{{ dir }}/a.ini", section: s, option: k, value: v }
      register: r_cg_ini
    - name: ansible.builtin.ini_file (routed to community.general)
      ansible.builtin.ini_file: { path: "{{ dir }}/a.ini", section: s, option: j, value: w }
      register: r_builtin_ini
    - name: community.general.pam_limits
      community.general.pam_limits: { dest: "{{ dir }}/limits.conf", domain: ops, limit_type: soft, limit_item: nofile, value: 1024 }
      register: r_cg_limits
    - name: ansible.builtin.pam_limits (routed to community.general)
      ansible.builtin.pam_limits: { dest: "{{ dir }}/limits.conf", domain: ops, limit_type: hard, limit_item: nofile, value: 2048 }
      register: r_builtin_limits
    - name: the included vars are there
      ansible.builtin.copy: { content: "{{ more }}\\n", dest: "{{ dir }}/more" }
  `,
  files: { seed: 'seed\n', edit: 'a\n', 'limits.conf': '', fstab: '' },
  controllerFiles: { 'templates/t.j2': '{{ word }}\n', 'vars/more.yml': 'more: from include_vars\n' },
});

/**
 * Template files by extension (README "What to change": a `.hbs` template is Handlebars). Ansible
 * renders every template with Jinja; nodemend renders `.hbs` with Handlebars (no HTML escaping) and
 * the rest with its Jinja. A `.hbs` whose syntax both engines read alike writes the same bytes; a
 * Handlebars block is rendered by nodemend and fails Ansible's task (asserted below).
 */
const templates = d.case('.j2 and .hbs templates', {
  vars: { port: 8080, who: 'a&b <c>', users: ['ann', 'bob'] },
  tasks: `
    - name: a .hbs template both engines read alike
      template: { src: same.conf.hbs, dest: "{{ dir }}/same.conf" }
      register: t_same
    - name: a .j2 template with a loop
      template: { src: loop.conf.j2, dest: "{{ dir }}/loop.conf" }
      register: t_j2
    - name: a .hbs template with a Handlebars block
      template: { src: each.conf.hbs, dest: "{{ dir }}/each.conf" }
      register: t_each
      ignore_errors: true
  `,
  controllerFiles: {
    'templates/same.conf.hbs': 'port={{ port }}\nwho={{ who }}\n',
    'templates/loop.conf.j2': '{% for u in users %}\nuser={{ u }}\n{% endfor %}\n',
    'templates/each.conf.hbs': '{{#each users}}\nuser={{this}}\n{{/each}}\n',
  },
});

beforeAll(() => d.run(), 900_000);

const KEYS = ['changed', 'failed', 'msg', 'stdout', 'content', 'matched', 'path', 'state', 'mode', 'dest'];

/**
 * Where nodemend differs, asserted so the rest compares exactly:
 * - wait_for in --check: Ansible skips it ("does not support check mode"); nodemend waits, as the
 *   read-only probe it is (README "Choices": exact check mode).
 */
/** What Ansible's exit_json adds to a result naming a `path` (basic.py add_path_info). */
const PATH_INFO = ['uid', 'gid', 'owner', 'group', 'mode', 'state', 'size'];
const asAnsible = (mode: string, tasks: { name: string; status: string; changed: boolean; handler: boolean }[]) =>
  tasks.map((t) => (mode === 'check' && t.name === 'ansible.builtin.wait_for' ? { ...t, status: 'skipped' } : t));

describe.each(MODES)('%s', (mode) => {
  it('collection names: same files', () => {
    expect(collections.nodemend[mode].files, collections.nodemend[mode].output).toEqual(collections.ansible[mode].files);
  });
  it('collection names: same tasks, statuses and changed flags', () => {
    expect(asAnsible(mode, collections.nodemend[mode].tasks), collections.nodemend[mode].output).toEqual(collections.ansible[mode].tasks);
  });
  it('collection names: same registered results', () => {
    const a = collections.ansible[mode].registered;
    expect(Object.keys(a).length).toBeGreaterThan(20);
    for (const [r, x] of Object.entries(a)) {
      if (mode === 'check' && r === 'r_wait') continue;
      // wait_for's elapsed: the whole seconds that passed (0 here), not the second boundaries crossed.
      const [n, y] = sameKeys(collections.nodemend[mode].registered[r], x as Record<string, unknown>, [...KEYS, ...PATH_INFO, ...(r === 'r_wait' ? ['elapsed'] : [])]);
      expect(n, r).toEqual(y);
    }
    expect(collections.nodemend[mode].registered.r_setup.ansible_facts).toEqual(a.r_setup.ansible_facts);
    expect(collections.nodemend[mode].registered.r_stat.stat.checksum).toBe(a.r_stat.stat.checksum);
  });
});

it('collection names: the run did the work under every name, the rerun changed nothing', () => {
  const run = collections.nodemend.run;
  // The routed names write exactly what the collection's names write.
  expect(run.files['builtin.conf']).toEqual(run.files['posix.conf']);
  expect(run.files['posix.conf']).toMatchObject({ content: 'vm.swappiness=10\n' });
  expect(run.files.fstab).toMatchObject({ content: '/dev/sda1 /srv/a ext4 defaults 0 0\n/dev/sdb1 /srv/b ext4 defaults 0 0\n' });
  expect(run.files['a.ini']).toMatchObject({ content: '\n[s]\nk = v\nj = w\n' });
  expect(run.files.more).toMatchObject({ content: 'from include_vars\n' });
  expect(Object.values(run.changed).filter(Boolean).length).toBeGreaterThan(10);
  expect(Object.entries(collections.nodemend.rerun.changed).filter(([, v]) => v)).toEqual([]);
});

it('the differences are the ones listed', () => {
  const [a, n] = [collections.ansible, collections.nodemend];
  expect(a.check.registered.r_wait).toMatchObject({ skipped: true, msg: 'remote module (ansible.builtin.wait_for) does not support check mode' });
  expect(n.check.registered.r_wait).toMatchObject({ state: 'file', path: '<dir>/seed', mode: '0644', owner: 'root' });
  for (const mode of ['run', 'rerun'] as const) {
    // ini_file and wait_for name a path: the file's stat is in both tools' results (compared above).
    for (const r of ['r_cg_ini', 'r_wait']) expect(Object.keys(n[mode].registered[r]), r).toEqual(expect.arrayContaining(PATH_INFO));
  }
});

describe.each(MODES)('%s: templates', (mode) => {
  it('the .hbs both engines read alike and the .j2 write the same bytes, changed alike', () => {
    const [a, n] = [templates.ansible[mode], templates.nodemend[mode]];
    for (const f of ['same.conf', 'loop.conf']) expect(n.files[f], `${f}\n${n.output}`).toEqual(a.files[f]);
    for (const t of ['a .hbs template both engines read alike', 'a .j2 template with a loop']) expect(n.changed[t], t).toBe(a.changed[t]);
    if (mode !== 'check') expect(n.files['same.conf']).toMatchObject({ content: 'port=8080\nwho=a&b <c>\n' });
  });
  it('a Handlebars block: nodemend renders it, Ansible fails the task (documented difference)', () => {
    const [a, n] = [templates.ansible[mode].registered.t_each, templates.nodemend[mode].registered.t_each];
    expect(a).toMatchObject({ failed: true });
    expect(String(a.msg)).toMatch(/TemplateSyntaxError|unexpected/);
    expect(n.failed ?? false).toBe(false);
    if (mode !== 'check') expect(templates.nodemend[mode].files['each.conf']).toMatchObject({ content: 'user=ann\nuser=bob\n' });
  });
});

describe('a template with syntax neither engine supports', () => {
  const listener = connectionCounter();
  const cases: [string, string, string][] = [
    ['unknown.conf.j2', 'a\n{% if x %}\n{% frobnicate %}\n{% endif %}\n', ":3:4: unknown statement 'frobnicate'"],
    ['open.conf.j2', 'a\n{% if x %}\nb\n', ":2:1: expected '{% endif %}' to close '{% if %}'"],
    // Handlebars reports an unclosed block where the file ends.
    ['open.conf.hbs', 'a\n{{#if x}}\nb\n', ':4: syntax error: unexpected end of template'],
    ['partial.conf.hbs', 'a\n{{#if x}}\n  {{> header}}\n{{/if}}\n', ':3:3: partials ({{> name}}) are not supported'],
  ];
  it.each(cases)('%s fails validate at file:line before any host is contacted', async (name, text, at) => {
    const dir = workDir(`audit-bad-${name}`);
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates', name), text);
    const pb = join(dir, 'site.yaml');
    writeFileSync(pb, `- hosts: ${HOSTS.ansibleModules[0]}\n  gather_facts: false\n  tasks:\n    - template: { src: ${name}, dest: /tmp/nm-audit-bad-${name} }\n`);
    const inv = writeInventory(dir, [HOSTS.ansibleModules[0]], { portOverride: { [HOSTS.ansibleModules[0]]: listener.port() } });
    const r = await runCli(['validate', pb, '-i', inv]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'templates', name)}${at}`);
    expect(r.stderr).toContain('no host was contacted');
    expect(listener.count()).toBe(0);
  });
});
