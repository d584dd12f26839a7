/**
 * Issue 13's audit (session 15): items whose differential cases could not fail when the
 * behaviour broke, through ansible-playbook and nodemend on node23 (paths /tmp/nmdiff-a13h-*
 * only): the path details every file-writing module adds to its result (Ansible's
 * add_path_info: '0%03o' modes, a number for an owner the host cannot name), stat's documented
 * fields and every checksum_algorithm, a module key with no arguments, and Jinja whitespace
 * control inside a string.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
import { HOSTS, hostRoot, onHostAsRoot } from '../setup/fleet.js';
import { readJson, runCli, workDir, writeInventory } from '../setup/cli.js';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HOST = HOSTS.ansibleModules[0];
const d = differential(HOST, 'a13h');

const pathInfo = d.case('the path details of a result: special mode bits, an owner without a name', {
  tasks: `
    - name: file sets setuid
      file: { path: "{{ dir }}/suid", mode: "04755" }
      register: r_file
    - name: copy writes setgid
      copy: { content: "x\\n", dest: "{{ dir }}/sgid", mode: "02755" }
      register: r_copy
    - name: file gives a uid the host cannot name
      file: { path: "{{ dir }}/numeric", owner: "4242", group: "4243" }
      register: r_numeric
    - name: a new directory with the sticky bit
      file: { path: "{{ dir }}/sticky", state: directory, mode: "01777" }
      register: r_dir
  `,
  files: { suid: 'a\n', numeric: 'n\n' },
});

const syntax = d.case('no arguments, with_sequence forms, whitespace control inside a string', {
  tasks: `
    - name: debug without arguments
      debug:
      register: s_debug
    - name: fail without arguments
      fail:
      register: s_fail
      ignore_errors: true
    - name: with_sequence count
      debug: { msg: "{{ item }}" }
      with_sequence: count=3
      register: s_count
    - name: with_sequence shortcut
      debug: { msg: "{{ item }}" }
      with_sequence: 4-8/2
      register: s_short
    - name: with_items of one string
      debug: { msg: "{{ item }}" }
      with_items: a
      register: s_one
    - name: whitespace control in a string
      copy:
        dest: "{{ dir }}/ws"
        content: |
          {% for x in [1, 2] -%}
            v{{ x }}
          {%- endfor %}
            {%+ if true %}kept{% endif %}
          {{- ' joined' }}
          {% set y = 3 -%}
          y={{ y }}
  `,
});

const ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'];
const stat = d.case('stat: every checksum_algorithm', {
  tasks: ALGORITHMS.map(
    (alg) => `
    - name: stat ${alg}
      stat: { path: "{{ dir }}/s", checksum_algorithm: ${alg} }
      register: st_${alg}`,
  ).join(''),
  files: { s: 'stat me\n' },
});

const varnames = d.case("lookup('varnames'): the facts and magic variables in scope", {
  tasks: `
    - name: gather
      setup:
      register: gathered
    - name: the ansible_ names
      debug: { msg: "{{ query('varnames', '^ansible_') | sort }}" }
      register: names
  `,
});

beforeAll(() => d.run(), 900_000);

/** Names nodemend lists that Ansible does not, on purpose: its facts are lazy, `ansible_packages` is readable without package_facts. */
const ONLY_NODEMEND = new Set(['ansible_packages']);
const listed = (r: Record<string, any>): string[] => r.names.msg as string[];

const PATH_INFO = ['changed', 'failed', 'path', 'dest', 'state', 'mode', 'owner', 'group', 'uid', 'gid', 'size'];

describe.each(MODES)('%s', (mode) => {
  it(`${pathInfo.name}: same files, tasks and changed flags`, () => {
    expect(pathInfo.nodemend[mode].files, pathInfo.nodemend[mode].output).toEqual(pathInfo.ansible[mode].files);
    expect(pathInfo.nodemend[mode].tasks, pathInfo.nodemend[mode].output).toEqual(pathInfo.ansible[mode].tasks);
  });
  it(`${syntax.name}: same messages, items, file and changed flags`, () => {
    const [a, n] = [syntax.ansible[mode], syntax.nodemend[mode]];
    expect(n.files, n.output).toEqual(a.files);
    expect(n.tasks, n.output).toEqual(a.tasks);
    const msgs = (r: Record<string, any>) => [r.s_debug.msg, r.s_fail.msg, r.s_fail.failed, ...['s_count', 's_short', 's_one'].map((k) => r[k].results.map((x: { msg: unknown }) => x.msg))];
    expect(msgs(n.registered)).toEqual(msgs(a.registered));
    expect(msgs(n.registered)).toEqual(['Hello world!', 'Failed as requested from task', true, ['1', '2', '3'], ['4', '6', '8'], ['a']]);
    if (mode !== 'check') expect(n.files.ws).toMatchObject({ content: 'v1v2  kept joined\ny=3\n' });
  });
  it(`${stat.name}: the same checksum for each`, () => {
    const sums = (r: Record<string, any>) => ALGORITHMS.map((alg) => r[`st_${alg}`].stat.checksum as string);
    expect(sums(stat.nodemend[mode].registered)).toEqual(sums(stat.ansible[mode].registered));
    expect(sums(stat.nodemend[mode].registered).map((x) => x.length)).toEqual([32, 40, 56, 64, 96, 128]);
  });
  it(`${varnames.name}: each fact both tools gathered is listed by both; nodemend lists nothing Ansible does not`, () => {
    const [a, n] = [varnames.ansible[mode].registered, varnames.nodemend[mode].registered];
    const both = Object.keys(n.gathered.ansible_facts).filter((k) => k.startsWith('ansible_') && k in a.gathered.ansible_facts);
    expect(both.length).toBeGreaterThan(20);
    for (const k of both) {
      expect(listed(n), k).toContain(k);
      expect(listed(a), k).toContain(k);
    }
    expect(listed(n).filter((k) => !ONLY_NODEMEND.has(k) && !listed(a).includes(k))).toEqual([]);
    for (const k of ['ansible_check_mode', 'ansible_facts', 'ansible_play_hosts']) expect(listed(n)).toContain(k);
  });
  it(`${pathInfo.name}: same registered path details`, () => {
    for (const [r, a] of Object.entries(pathInfo.ansible[mode].registered)) {
      const [n, x] = sameKeys(pathInfo.nodemend[mode].registered[r], a as Record<string, unknown>, PATH_INFO);
      expect(n, r).toEqual(x);
    }
  });
});

it('the run registered the modes as Ansible writes them: a leading 0 before the special bits', () => {
  const r = pathInfo.nodemend.run.registered;
  expect([r.r_file.mode, r.r_copy.mode, r.r_dir.mode]).toEqual(['04755', '02755', '01777']);
  expect([r.r_numeric.owner, r.r_numeric.group]).toEqual(['4242', '4243']);
});

describe('nodemend only: a real run reports what it did, a check run what it would do', () => {
  it('file links, hard links, attributes and recursion: "would" only in --check, never rewritten', async () => {
    const work = workDir('a13h-done');
    const dir = `/tmp/nm-a13h-done-${process.pid}`;
    const pb = join(work, 'done.yaml');
    writeFileSync(
      pb,
      `- hosts: ${HOST}
  gather_facts: false
  tasks:
    - { name: recurse, file: { path: ${dir}/t, state: directory, mode: "0750", recurse: true } }
    - { name: link, file: { path: ${dir}/l, src: ${dir}/t/sub/f, state: link } }
    - { name: hard, file: { path: ${dir}/h, src: ${dir}/t/sub/f, state: hard } }
`,
    );
    // The tree the tasks work on, made on the host's root directly (check mode plans against it too).
    const root = join(hostRoot(HOST), dir);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(join(root, 't', 'sub'), { recursive: true, mode: 0o755 });
    chmodSync(join(root, 't'), 0o755);
    writeFileSync(join(root, 't', 'sub', 'f'), 'a\n', { mode: 0o600 });
    const inv = writeInventory(work, [HOST]);
    const json = join(work, 'report.json');
    const msgs = async (check: boolean): Promise<Record<string, string>> => {
      const r = await runCli(['run', pb, '-i', inv, '--json', json, ...(check ? ['--check'] : [])]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const tasks = readJson(json).hosts[HOST].tasks as { task: string; msg?: string }[];
      return Object.fromEntries(tasks.map((t) => [t.task, t.msg ?? '']));
    };
    const check = await msgs(true);
    expect(check.link).toBe(`link ${dir}/l -> ${dir}/t/sub/f would be created`);
    const run = await msgs(false);
    expect(run).toMatchObject({
      recurse: `mode 0755 -> 0750; 2 entries below changed`,
      link: `link ${dir}/l -> ${dir}/t/sub/f created`,
      hard: `hard link ${dir}/h -> ${dir}/t/sub/f created`,
    });
    for (const [task, msg] of Object.entries(run)) expect(msg, task).not.toMatch(/would/);
    rmSync(root, { recursive: true, force: true });
  });

  it('sysctl: the file written, the value set live and the file reloaded, said as done (found by the audit of session 16)', async () => {
    // kernel.domainname: the one key a fleet host may write (its own UTS namespace); put back after.
    const was = (await onHostAsRoot(HOST, 'cat /proc/sys/kernel/domainname')).trim();
    const work = workDir('a16h-sysctl');
    const file = `/tmp/nm-a16h-sysctl-${process.pid}.conf`;
    const pb = join(work, 'sysctl.yaml');
    writeFileSync(
      pb,
      `- hosts: ${HOST}
  become: true
  gather_facts: false
  tasks:
    - { name: sysctl, sysctl: { name: kernel.domainname, value: nm-a16h, sysctl_file: ${file}, reload: true, sysctl_set: true } }
`,
    );
    const inv = writeInventory(work, [HOST]);
    const json = join(work, 'report.json');
    const msg = async (check: boolean): Promise<string> => {
      const r = await runCli(['run', pb, '-i', inv, '--json', json, ...(check ? ['--check'] : [])]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      return (readJson(json).hosts[HOST].tasks as { msg?: string }[])[0].msg ?? '';
    };
    try {
      expect(await msg(true)).toBe(`${file} would be created; would set kernel.domainname=nm-a16h live; would reload ${file}`);
      expect(await msg(false)).toBe(`${file} created; set kernel.domainname=nm-a16h live; reloaded ${file}`);
      expect((await onHostAsRoot(HOST, 'cat /proc/sys/kernel/domainname')).trim()).toBe('nm-a16h');
    } finally {
      await onHostAsRoot(HOST, `rm -f ${file}; echo '${was.replace(/[^A-Za-z0-9._()-]/g, '')}' > /proc/sys/kernel/domainname`);
    }
  });
});
