/**
 * `~` and `$VAR` in path arguments, through ansible-playbook and nodemend on node23 (the modules
 * differential host; every path is under the case's directory or named nm-h17b-*). ansible-core
 * 2.14.18 types these arguments `path`, and check_type_path (module_utils/common/validation.py)
 * gives the module os.path.expanduser(os.path.expandvars(value)), computed on the host in the
 * module's environment: sudo's under become (HOME=/root; the suite's inventory sets ansible_become, so
 * every case runs under become), the task's `environment:` included; an unset variable stays as written. nodemend does the same through
 * src/modules/lib/expand-path.ts. Compared per module group: the files each tool wrote (content,
 * mode, owner), the paths its results name, changed flags in check, run and rerun. A `$(...)` or a
 * backtick in a path is a name to both tools: nothing runs it (the security case).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, type DifferentialCase, type Mode } from '../setup/ansible-differential.js';
import { HOSTS, onHostAsRoot } from '../setup/fleet.js';

const HOST = HOSTS.ansibleModules[0];
const d = differential(HOST, 'h17b-paths');
/** Planted once, read by both tools: a file get_url fetches and an archive unarchive unpacks. */
const SRC = '/tmp/nm-h17b-paths-src';
const ENV = `environment: { NM_H17B_D: "{{ dir }}", NM_H17B_SRC: "${SRC}" }`;

const asRoot = d.case('path arguments under become: $VAR, ${VAR}, ~ and ~user', {
  play: ENV,
  files: { 'r.txt': 'to replace\n', 'sub0/seen.txt': 'seen\n' },
  paths: ['/root/nm-h17b-tilde.txt', '/home/ops/nm-h17b-tilde.txt'],
  controllerFiles: { 'templates/nm-h17b.j2': 'templated {{ 1 + 1 }}\n' },
  tasks: `
    - name: file path from a variable
      file: { path: "$NM_H17B_D/sub", state: directory, mode: "0750" }
      register: r_file
    - name: copy dest with braces
      copy: { content: "copied\\n", dest: "\${NM_H17B_D}/copied.txt", mode: "0640" }
      register: r_copy
    - name: template dest
      template: { src: nm-h17b.j2, dest: "$NM_H17B_D/templated.txt" }
      register: r_template
    - name: lineinfile path
      lineinfile: { path: "$NM_H17B_D/lines.txt", line: "a line", create: true }
      register: r_line
    - name: blockinfile path
      blockinfile: { path: "$NM_H17B_D/block.txt", block: "inside", create: true }
      register: r_block
    - name: replace path
      replace: { path: "$NM_H17B_D/r.txt", regexp: "to replace", replace: "replaced" }
      register: r_replace
    - name: ini_file path
      community.general.ini_file: { path: "$NM_H17B_D/x.ini", section: s, option: o, value: v }
      register: r_ini
    - name: copy to ~ is root's home under become
      copy: { content: "root's\\n", dest: "~/nm-h17b-tilde.txt" }
      register: r_home
    - name: copy to ~ops
      copy: { content: "ops'\\n", dest: "~ops/nm-h17b-tilde.txt", owner: ops, group: ops }
      register: r_ops
    - name: stat path with ~
      stat: { path: "~/nm-h17b-tilde.txt", get_checksum: false, get_mime: false, get_attributes: false }
      register: r_stat
    - name: slurp src
      slurp: { src: "$NM_H17B_D/r.txt" }
      register: r_slurp
    - name: find paths, a list
      find: { paths: ["$NM_H17B_D/sub0", "\${NM_H17B_D}"], patterns: ["seen.txt", "r.txt"] }
      register: r_find
    - name: an unset variable stays as written
      copy: { content: "literal\\n", dest: "$NM_H17B_D/$NM_H17B_UNSET" }
      register: r_unset
    - name: get_url dest
      get_url: { url: "file://${SRC}.txt", dest: "$NM_H17B_D/got.txt" }
      register: r_get
    - name: unarchive src, dest and creates
      unarchive: { src: "$NM_H17B_SRC.tgz", remote_src: true, dest: "$NM_H17B_D", creates: "$NM_H17B_D/inner.txt" }
      register: r_unarchive
    - name: unarchive creates with ~
      unarchive: { src: "$NM_H17B_SRC.tgz", remote_src: true, dest: "$NM_H17B_D", creates: "~/" }
      register: r_unarchive_home
    - name: command chdir and creates
      command: { cmd: "touch made", chdir: "$NM_H17B_D", creates: "$NM_H17B_D/made" }
      register: r_command
    - name: shell removes
      shell: { cmd: "rm r.txt", chdir: "$NM_H17B_D", removes: "~/nm-h17b-never" }
      register: r_shell
  `,
});

const PWNED = ['/root/nm-h17b-pwned', '/home/ops/nm-h17b-pwned', '/nm-h17b-pwned', '/tmp/nm-h17b-pwned'];
const security = d.case('a $(...) or backtick in a path is a name, never run', {
  play: 'environment: { NM_H17B_EVIL: "$(touch nm-h17b-pwned)" }',
  paths: PWNED,
  tasks: `
    - name: command substitution
      copy: { content: "a\\n", dest: "{{ dir }}/$(touch nm-h17b-pwned)" }
      register: s_subst
    - name: backticks
      copy: { content: "b\\n", dest: "{{ dir }}/\`touch nm-h17b-pwned\`" }
      register: s_tick
    - name: a variable holding one
      copy: { content: "c\\n", dest: "{{ dir }}/e-$NM_H17B_EVIL" }
      register: s_var
    - name: ~ followed by one
      stat: { path: "~$(touch nm-h17b-pwned)", get_checksum: false, get_mime: false, get_attributes: false }
      register: s_tilde
  `,
});

beforeAll(async () => {
  await onHostAsRoot(
    HOST,
    `set -e; rm -rf ${SRC}-dir; mkdir ${SRC}-dir; printf 'fetched\\n' > ${SRC}.txt; printf 'inner\\n' > ${SRC}-dir/inner.txt; tar -C ${SRC}-dir -czf ${SRC}.tgz inner.txt; rm -f ${PWNED.join(' ')}`,
  );
  await d.run();
}, 900_000);
afterAll(async () => {
  await onHostAsRoot(HOST, `rm -rf ${SRC}.txt ${SRC}.tgz ${SRC}-dir ${PWNED.join(' ')}`);
});

/** The keys each result names a path by (what expansion decides); flags are compared below. Other result keys of unarchive/get_url/replace differ today (rc, mode, owner): not this change's. */
const KEYS = ['path', 'dest', 'source', 'content', 'matched', 'exists'];
function pathKeys(r: Record<string, any> | null | undefined): Record<string, unknown> {
  if (!r) return {};
  const out: Record<string, unknown> = Object.fromEntries(KEYS.filter((k) => k in r).map((k) => [k, r[k]]));
  if (Array.isArray(r.files)) out.files = (r.files as { path: string }[]).map((f) => f.path).sort();
  if (r.stat) out.stat = { exists: r.stat.exists, path: r.stat.path, isdir: r.stat.isdir };
  return out;
}

/** Ansible's keys only: nodemend registers a few more (msg, a dest beside path) that say the same. */
function compare(c: DifferentialCase, mode: Mode, name: string): void {
  const a = pathKeys(c.ansible[mode].registered[name]);
  const n = pathKeys(c.nodemend[mode].registered[name]);
  expect(Object.fromEntries(Object.keys(a).map((k) => [k, n[k]])), `${name} (${mode})`).toEqual(a);
}

const REGS: [DifferentialCase, string[]][] = [
  [asRoot, ['r_file', 'r_copy', 'r_template', 'r_line', 'r_block', 'r_replace', 'r_ini', 'r_home', 'r_ops', 'r_stat', 'r_slurp', 'r_find', 'r_unset', 'r_get', 'r_unarchive']],
  [security, ['s_subst', 's_tick', 's_var', 's_tilde']],
];

describe.each(MODES)('path expansion through both tools (%s)', (mode) => {
  it.each(REGS.map(([c, regs]) => [c.name, c, regs] as const))('%s: the same files and paths', (_name, c, regs) => {
    expect(c.nodemend[mode].files).toEqual(c.ansible[mode].files);
    for (const r of regs) compare(c, mode, r);
  });
  it.each(REGS.map(([c]) => [c.name, c] as const))('%s: the same changed flags', (_name, c) => {
    // command/shell in check mode are a documented difference (README "Choices": nodemend predicts them).
    // unarchive in check mode: Ansible reports it unchanged here, nodemend changed; a difference of
    // unarchive's check mode, not of its paths (left for its own fix; the files compare equal).
    const skip = mode === 'check' ? ['command chdir and creates', 'shell removes', 'unarchive src, dest and creates'] : [];
    const flags = (t: 'ansible' | 'nodemend') => Object.fromEntries(Object.entries(c[t][mode].changed).filter(([k]) => !skip.includes(k)));
    expect(flags('nodemend')).toEqual(flags('ansible'));
  });
});

describe('what the compared values are (so equal is not equal-and-wrong)', () => {
  const n = (c: DifferentialCase, r: string) => c.nodemend.run.registered[r];
  it('variables and ~ were expanded: files under the case directory and the homes', () => {
    const files = asRoot.nodemend.run.files;
    for (const f of ['sub', 'copied.txt', 'templated.txt', 'lines.txt', 'block.txt', 'x.ini', 'got.txt', 'inner.txt', 'made', '$NM_H17B_UNSET']) expect(files, f).toHaveProperty([f]);
    expect(files['/root/nm-h17b-tilde.txt']).toMatchObject({ type: 'file', content: "root's\n", owner: 'root' });
    expect(files['/home/ops/nm-h17b-tilde.txt']).toMatchObject({ type: 'file', content: "ops'\n", owner: 'ops' });
    expect(files['r.txt']).toMatchObject({ content: 'replaced\n' });
    expect(files['$NM_H17B_UNSET']).toMatchObject({ content: 'literal\n' });
    expect(n(asRoot, 'r_copy').dest).toBe('<dir>/copied.txt');
    expect(n(asRoot, 'r_stat').stat).toMatchObject({ exists: true, path: '/root/nm-h17b-tilde.txt' });
    expect(n(asRoot, 'r_find').matched).toBe(2);
    expect(n(asRoot, 'r_slurp').source).toBe('<dir>/r.txt');
  });
  it("unarchive's creates: $VAR stays as written (its action expands ~ only), so neither tool skips; ~/ is the home and skips", () => {
    for (const t of ['ansible', 'nodemend'] as const) {
      expect(asRoot[t].rerun.registered.r_unarchive, t).toMatchObject({ dest: '<dir>', changed: false });
      expect(asRoot[t].rerun.registered.r_unarchive, t).not.toHaveProperty('skipped');
      for (const mode of MODES) expect(asRoot[t][mode].registered.r_unarchive_home, `${t} ${mode}`).toMatchObject({ skipped: true, changed: false, msg: 'skipped, since /root/ exists' });
    }
  });
  it('nothing ran the substitutions: no nm-h17b-pwned anywhere, the names are literal', () => {
    for (const mode of MODES) for (const p of PWNED) expect(security.nodemend[mode].files[p], `${p} ${mode}`).toEqual({ type: 'absent' });
    const files = security.nodemend.run.files;
    expect(files['$(touch nm-h17b-pwned)']).toMatchObject({ content: 'a\n' });
    expect(files['`touch nm-h17b-pwned`']).toMatchObject({ content: 'b\n' });
    expect(files['e-$(touch nm-h17b-pwned)']).toMatchObject({ content: 'c\n' });
    expect(n(security, 's_tilde').stat).toEqual({ exists: false });
  });
  it('a rerun changes nothing in either tool', () => {
    for (const [c] of REGS) for (const t of ['ansible', 'nodemend'] as const) expect(Object.values(c[t].rerun.changed).some(Boolean), `${c.name} ${t}`).toBe(false);
  });
});
