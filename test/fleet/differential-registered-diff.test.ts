/**
 * The `diff` key file-editing modules register, through ansible-playbook 2.14 and nodemend on the
 * same host (node23, HOSTS.ansibleModules; paths /tmp/nmdiff-h18b-diff-*). Ansible 2.14's modules
 * (lineinfile.py present/absent, blockinfile.py, replace.py; module_utils/basic.py
 * set_*_if_different fill the attributes pair): lineinfile and blockinfile register `diff` on every
 * run, changed or not, as `[{before, after, before_header: "PATH (content)", after_header}, {before_header:
 * "PATH (file attributes)", after_header, before/after: the attributes that change}]`, the texts
 * only under --diff ("" with `diff: false`), and in check mode on a file not yet there the content pair alone;
 * replace registers `{before_header: PATH, before, after_header: PATH, after}` when it changes the
 * text under --diff, nothing otherwise. Documented differences (README "Choices"): an owner or group
 * given by name reads as that name in the attributes pair (Ansible's is the uid/gid), and a no_log
 * task's pair has empty texts (nodemend never computes a no_log task's diff). The harness runs
 * check as --check --diff, run and rerun with --diff.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, type FileState, type TaskOutcome } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS, onHostAsRoot } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h18b-diff');

const SAME = ['li_create', 'li_add', 'li_same', 'li_mode', 'li_nodiff', 'li_absent', 'bi_add', 'bi_owner', 'rep', 'rep_same', 'rep_mode'];
const edits = d.case('registered diff of lineinfile, blockinfile and replace: changed, unchanged, attributes, diff: false', {
  tasks: `
    - name: lineinfile creates
      lineinfile: { path: "{{ dir }}/new", line: a, create: true }
      register: li_create
    - name: lineinfile adds
      lineinfile: { path: "{{ dir }}/f", line: b }
      register: li_add
    - name: lineinfile finds
      lineinfile: { path: "{{ dir }}/f", line: a }
      register: li_same
    - name: lineinfile mode
      lineinfile: { path: "{{ dir }}/f", line: a, mode: "0600" }
      register: li_mode
    - name: lineinfile diff false
      lineinfile: { path: "{{ dir }}/f", line: a }
      diff: false
      register: li_nodiff
    - name: lineinfile absent, nothing matches
      lineinfile: { path: "{{ dir }}/f", regexp: "^zzz", state: absent }
      register: li_absent
    - name: blockinfile adds
      blockinfile: { path: "{{ dir }}/g", block: x }
      register: bi_add
    - name: blockinfile owner by id
      blockinfile: { path: "{{ dir }}/g", block: x, owner: "0" }
      register: bi_owner
    - name: replace changes
      replace: { path: "{{ dir }}/h", regexp: "o", replace: "0" }
      register: rep
    - name: replace finds nothing
      replace: { path: "{{ dir }}/h", regexp: "zzz", replace: "0" }
      register: rep_same
    - name: replace finds nothing, mode changes
      replace: { path: "{{ dir }}/h2", regexp: "zzz", replace: "0", mode: "0600" }
      register: rep_mode
    - name: blockinfile owner by name
      blockinfile: { path: "{{ dir }}/k", block: x, owner: root }
      register: bi_named
    - name: lineinfile no_log
      lineinfile: { path: "{{ dir }}/s", line: secret }
      no_log: true
      register: li_secret
  `,
  files: { f: 'a\n', g: { content: 'y\n', owner: 'ops' }, h: 'foo\n', h2: 'foo\n', k: { content: 'y\n', owner: 'ops' }, s: 'x\n' },
});

beforeAll(() => d.run(), 600_000);

describe.each(MODES)('%s', (mode) => {
  // The registered diff (or none).
  itsSameAsAnsible(mode, [edits], { tasks: 'tasks', together: true, registered: { names: SAME, each: true, view: (r) => ({ has: 'diff' in r, diff: r.diff }) } });

  // What Ansible registers, so the comparison above cannot pass on two wrong answers.
  it('Ansible: lineinfile registers both pairs changed or not; the texts only under --diff; replace only when it changes', () => {
    const r = edits.ansible[mode].registered;
    const pair = (what: string, path: string) => ({ before_header: `<dir>/${path} (${what})`, after_header: `<dir>/${path} (${what})` });
    expect(r.li_create.diff).toEqual(
      mode === 'check' ? { before: '', after: 'a\n', ...pair('content', 'new') } : [{ before: mode === 'run' ? '' : 'a\n', after: 'a\n', ...pair('content', 'new') }, pair('file attributes', 'new')],
    );
    expect(r.li_nodiff.diff).toEqual([{ before: '', after: '', ...pair('content', 'f') }, pair('file attributes', 'f')]);
    if (mode !== 'rerun') {
      expect(r.li_mode.diff[1]).toEqual({ before: { mode: '0644' }, after: { mode: '0600' }, ...pair('file attributes', 'f') });
      expect(r.bi_owner.diff[1]).toMatchObject({ before: { owner: expect.any(Number) }, after: { owner: 0 } });
      expect(r.rep.diff).toEqual({ before_header: '<dir>/h', before: 'foo\n', after_header: '<dir>/h', after: 'f00\n' });
    }
    expect('diff' in r.rep_same || 'diff' in r.rep_mode).toBe(false);
    expect(r.rep_mode.changed).toBe(mode !== 'rerun');
  });

  it('documented: an owner given by name reads as the name, where Ansible has its uid', () => {
    const n = edits.nodemend[mode].registered.bi_named.diff;
    const a = edits.ansible[mode].registered.bi_named.diff;
    if (mode === 'rerun') return expect(n).toEqual(a);
    expect(a[1].after).toEqual({ owner: 0 });
    expect(n[1].after).toEqual({ owner: 'root' });
    expect({ ...n[1], after: a[1].after }).toEqual(a[1]);
    expect(n[0]).toEqual(a[0]);
  });

  it('documented: a no_log task registers its pair with empty texts, where Ansible shows the file', () => {
    const n = edits.nodemend[mode].registered.li_secret.diff;
    const a = edits.ansible[mode].registered.li_secret.diff;
    expect(a[0].after).toContain('secret');
    expect(n).toEqual([{ ...a[0], before: '', after: '' }, a[1]]);
  });
});

/*
 * copy, template (action/copy.py _copy_file, action/__init__.py _get_diff_data), ini_file
 * (community.general 6.6.2's do_ini) and sysctl (ansible.posix: no diff), on paths
 * /tmp/nmdiff-h19e-diff-*. copy/template: a content change registers a list, under --diff of
 * _get_diff_data's one dict (before "" for a new file, before_header the dest, after_header the
 * source file, or dst_binary / dst_larger / src_binary / src_larger instead of a text), `[]`
 * without; same content registers the file module's `{before: {path}, after: {path}}` (plus the
 * attributes that change); remote_src and force: false with dest there register none. ini_file
 * registers its single pair on every run, its texts under --diff only. Documented differences
 * (README "Choices"): `after_header` names no temp file (content: "dynamically generated",
 * template: the template; Ansible names the temp file it rendered or wrote the content to), a
 * no_log copy registers `[]` (its diff is never computed), and an attributes-only ini_file change
 * is changed in --check (nodemend's check mode is exact; Ansible's ini_file skips attributes there).
 */
const e = differential(HOSTS.ansibleModules[0], 'h19e-diff');
const BIG = 110_000; // over 2.14's MAX_FILE_SIZE_FOR_DIFF (104448)
const COPIES = ['cp_new', 'cp_change', 'cp_same', 'cp_mode', 'cp_owner', 'cp_nodiff', 'cp_remote', 'cp_force', 'cp_dst_bin', 'cp_dst_big', 'cp_dst_bigbin', 'cp_src_bin', 'cp_src_big', 'tp_same'];
const copies = e.case('registered diff of copy and template: new, changed, same, attributes, binary, large, remote_src, force: false, diff: false', {
  tasks: `
    - name: copy creates
      copy: { content: "a\\n", dest: "{{ dir }}/new" }
      register: cp_new
    - name: copy changes
      copy: { content: "b\\n", dest: "{{ dir }}/f" }
      register: cp_change
    - name: copy same
      copy: { content: "a\\n", dest: "{{ dir }}/g" }
      register: cp_same
    - name: copy mode
      copy: { content: "a\\n", dest: "{{ dir }}/h", mode: "0600" }
      register: cp_mode
    - name: copy owner by id
      copy: { content: "a\\n", dest: "{{ dir }}/o", owner: "0" }
      register: cp_owner
    - name: copy diff false
      copy: { content: "c\\n", dest: "{{ dir }}/k" }
      diff: false
      register: cp_nodiff
    - name: copy remote_src
      copy: { src: "{{ dir }}/f", dest: "{{ dir }}/r", remote_src: true }
      register: cp_remote
    - name: copy force false
      copy: { content: "z\\n", dest: "{{ dir }}/g", force: false }
      register: cp_force
    - name: copy over a binary file
      copy: { content: "t\\n", dest: "{{ dir }}/bin" }
      register: cp_dst_bin
    - name: copy over a large file
      copy: { content: "t\\n", dest: "{{ dir }}/big" }
      register: cp_dst_big
    - name: copy over a binary file too large to fetch
      copy: { content: "t\\n", dest: "{{ dir }}/bigbin" }
      register: cp_dst_bigbin
    - name: copy a binary src
      copy: { src: bin.dat, dest: "{{ dir }}/sbin" }
      register: cp_src_bin
    - name: copy a large src
      copy: { src: big.txt, dest: "{{ dir }}/sbig" }
      register: cp_src_big
    - name: copy a controller file
      copy: { src: plain.txt, dest: "{{ dir }}/m" }
      register: cp_src
    - name: template changes
      template: { src: t.j2, dest: "{{ dir }}/t" }
      register: tp_change
    - name: template same
      template: { src: t.j2, dest: "{{ dir }}/u" }
      register: tp_same
    - name: copy no_log
      copy: { content: "secret\\n", dest: "{{ dir }}/s" }
      no_log: true
      register: cp_secret
  `,
  files: {
    f: 'a\n',
    g: 'a\n',
    h: 'a\n',
    o: { content: 'a\n', owner: 'ops' },
    k: 'a\n',
    bin: 'x\u0000y\n',
    big: 'x'.repeat(BIG),
    bigbin: `\u0000${'x'.repeat(300_000)}`,
    m: 'old\n',
    t: 'old\n',
    u: 'hi 1\n',
    s: 'x\n',
  },
  controllerFiles: { 'files/bin.dat': 'b\u0000\n', 'files/big.txt': 'y'.repeat(BIG), 'files/plain.txt': 'new\n', 'templates/t.j2': 'hi {{ 1 }}\n' },
});

const INIS = ['ini_add', 'ini_same', 'ini_nodiff', 'ini_new', 'ini_mode', 'ctl_add', 'ctl_same'];
const inis = e.case('registered diff of ini_file (one pair, always) and sysctl (none)', {
  tasks: `
    - name: ini_file adds
      ini_file: { path: "{{ dir }}/i.ini", section: s, option: b, value: "2" }
      register: ini_add
    - name: ini_file same
      ini_file: { path: "{{ dir }}/i.ini", section: s, option: a, value: "1" }
      register: ini_same
    - name: ini_file diff false
      ini_file: { path: "{{ dir }}/i.ini", section: s, option: c, value: "3" }
      diff: false
      register: ini_nodiff
    - name: ini_file creates
      community.general.ini_file: { path: "{{ dir }}/new.ini", section: n, option: x, value: "y" }
      register: ini_new
    - name: ini_file mode only
      ini_file: { path: "{{ dir }}/j.ini", section: s, option: a, value: "1", mode: "0600" }
      register: ini_mode
    - name: sysctl adds
      sysctl: { name: vm.swappiness, value: "10", sysctl_file: "{{ dir }}/s.conf", reload: false }
      register: ctl_add
    - name: sysctl same
      sysctl: { name: vm.max_map_count, value: "262144", sysctl_file: "{{ dir }}/s.conf", reload: false }
      register: ctl_same
  `,
  files: { 'i.ini': '[s]\na = 1\n', 'j.ini': '[s]\na = 1\n', 's.conf': 'vm.max_map_count = 262144\n' },
});

beforeAll(() => e.run(), 600_000);

/** A registered diff with its `after_header` (the source's name, a documented difference) set aside. */
const sansSource = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null, (k, x: unknown) => (k === 'after_header' ? '<source>' : x)));

describe.each(MODES)('copy, template, ini_file, sysctl: %s', (mode) => {
  it('the same changed flags and files (documented: an attributes-only ini_file change is changed in --check)', () => {
    for (const c of [copies, inis]) {
      const flags = c.nodemend[mode].tasks.map((t) => (mode === 'check' && t.name === 'ini_file mode only' ? { ...t, status: 'ok', changed: false } : t));
      expect(flags, c.nodemend[mode].output).toEqual(c.ansible[mode].tasks);
      expect(c.nodemend[mode].files).toEqual(c.ansible[mode].files);
    }
    if (mode === 'check') expect(inis.nodemend.check.changed['ini_file mode only']).toBe(true);
    expect(inis.nodemend.run.changed['ini_file mode only']).toBe(true);
  });

  it.each([...COPIES.map((n) => [copies, n] as const), ...INIS.map((n) => [inis, n] as const)])('%#: the same registered diff (or none)', (c, name) => {
    const n = c.nodemend[mode].registered[name];
    const a = c.ansible[mode].registered[name];
    expect({ name, has: 'diff' in n, diff: sansSource(n.diff) }, c.nodemend[mode].output).toEqual({ name, has: 'diff' in a, diff: sansSource(a.diff) });
  });

  // What Ansible registers, so the comparison above cannot pass on two wrong answers.
  it("Ansible: copy's list under --diff, [] without, the file module's pair when the content is the same; ini_file's pair; sysctl none", () => {
    const r = copies.ansible[mode].registered;
    const i = inis.ansible[mode].registered;
    const same = (f: string, extra: object = {}) => ({ before: { path: `<dir>/${f}`, ...extra }, after: { path: `<dir>/${f}`, ...extra } });
    expect(r.cp_same.diff).toEqual(same('g'));
    expect('diff' in r.cp_remote || 'diff' in r.cp_force).toBe(false);
    expect('diff' in i.ctl_add || 'diff' in i.ctl_same).toBe(false);
    const header = { before_header: '<dir>/i.ini (content)', after_header: '<dir>/i.ini (content)' };
    expect(i.ini_nodiff.diff).toEqual({ before: '', after: '', ...header });
    if (mode === 'rerun') return expect(r.cp_change.diff).toEqual(same('f'));
    expect(r.cp_change.diff).toEqual([{ before_header: '<dir>/f', before: 'a\n', after_header: expect.any(String), after: 'b\n' }]);
    expect(r.cp_new.diff).toEqual([{ before: '', after_header: expect.any(String), after: 'a\n' }]);
    expect(r.cp_mode.diff).toEqual({ before: { path: '<dir>/h', mode: '0644' }, after: { path: '<dir>/h', mode: '0600' } });
    expect(r.cp_nodiff.diff).toEqual([]);
    expect(r.cp_dst_bin.diff[0]).toMatchObject({ dst_binary: 1, after: 't\n' });
    expect(r.cp_dst_big.diff[0]).toMatchObject({ dst_larger: 104448, after: 't\n' });
    expect(r.cp_dst_bigbin.diff[0]).toMatchObject({ dst_binary: 1, after: 't\n' });
    expect(r.cp_src_bin.diff).toEqual([{ before: '', src_binary: 1 }]);
    expect(r.cp_src_big.diff).toEqual([{ before: '', src_larger: 104448 }]);
    expect(i.ini_add.diff).toEqual({ before: '[s]\na = 1\n', after: '[s]\na = 1\nb = 2\n', ...header });
  });

  it('documented: after_header is the controller file for copy src in both; for content and template nodemend names no temp file', () => {
    const n = (k: string) => copies.nodemend[mode].registered[k].diff;
    const a = (k: string) => copies.ansible[mode].registered[k].diff;
    if (mode === 'rerun') return expect(n('cp_src')).toEqual(a('cp_src'));
    expect(a('cp_src')[0].after_header).toMatch(/-ansible-[^/]+\/files\/plain\.txt$/);
    expect(n('cp_src')[0].after_header).toMatch(/-nodemend-[^/]+\/files\/plain\.txt$/);
    expect(a('cp_new')[0].after_header).toMatch(/\/ansible-local-[^/]+\/tmp[^/]+$/);
    expect(n('cp_new')[0].after_header).toBe('dynamically generated');
    expect(a('tp_change')[0].after_header).toMatch(/\/ansible-local-[^/]+\/tmp[^/]+\/t\.j2$/);
    expect(n('tp_change')[0].after_header).toMatch(/-nodemend-[^/]+\/templates\/t\.j2$/);
    expect(sansSource(n('tp_change'))).toEqual(sansSource(a('tp_change')));
  });

  it('documented: a no_log copy registers [] where Ansible holds the headers and a hidden-output notice', () => {
    const n = copies.nodemend[mode].registered.cp_secret.diff;
    const a = copies.ansible[mode].registered.cp_secret.diff;
    if (mode === 'rerun') return expect(n).toEqual(a);
    expect(a).toEqual([{ before_header: '<dir>/s', before: '', after_header: expect.any(String), after: expect.stringContaining('hidden') }]);
    expect(JSON.stringify(a)).not.toContain('secret\\n');
    expect(n).toEqual([]);
  });
});

/*
 * The modules whose registered `diff` was nodemend's own list, on node23 (paths /tmp/nmdiff-h21c-diff-*,
 * /etc/apt/sources.list.d/nmdiff-h21c-*.list; the archives on the controller in /tmp/nmdiff-h21c-src).
 * 2.14's get_url (set_fs_attributes_if_different given no diff), action/fetch.py, ansible.posix's mount
 * register no `diff`; apt_repository.py `{}`, and under --diff when it changes one
 * `{before, after, before_header, after_header}` per sources file (`/dev/null` for the side a file
 * is not on); community.general's pam_limits `{before, after}`, the whole file, on every run;
 * unarchive.py `{prepared: ...}` for a zip (ZipArchive.is_unarchived's itemized lines, --diff or not),
 * none for a tar; copy of a controller directory (action/copy.py run()) the last module's with one file,
 * none with more. Documented differences (README "Choices"): a no_log pam_limits registers empty
 * texts, and apt_repository's pairs come sorted by file (Ansible's come in a Python set's order,
 * compared here as a set). modprobe and selinux register none either: their own differential files
 * (differential-modprobe, differential-selinux) assert it on their stand-ins.
 */
const f = differential(HOSTS.ansibleModules[0], 'h21c-diff');
const SRC = '/tmp/nmdiff-h21c-src';
const GOT = 'got\n';
const APT = '/etc/apt/sources.list.d';
const MORE = ['gu_attr', 'gu_same', 'gu_nodiff', 'ft', 'ft_nodiff', 'mt_add', 'mt_same', 'mt_nodiff', 'pl_add', 'pl_same', 'pl_nodiff', 'uz_new', 'uz_nodiff', 'ut_new', 'cp_tree', 'cp_one'];
const more = f.case('registered diff of get_url, fetch, mount, pam_limits, a zip and a tar unarchive', {
  tasks: `
    - name: get_url dest already right, mode changes
      get_url: { url: "http://127.0.0.1:9/never", dest: "{{ dir }}/got", checksum: "sha256:${createHash('sha256').update(GOT).digest('hex')}", mode: "0600" }
      register: gu_attr
    - name: get_url dest already right
      get_url: { url: "http://127.0.0.1:9/never", dest: "{{ dir }}/got", checksum: "sha256:${createHash('sha256').update(GOT).digest('hex')}" }
      register: gu_same
    - name: get_url diff false
      get_url: { url: "http://127.0.0.1:9/never", dest: "{{ dir }}/got2", checksum: "sha256:${createHash('sha256').update(GOT).digest('hex')}", mode: "0600" }
      diff: false
      register: gu_nodiff
    - name: a file that changes on every run
      shell: date +%s%N > "{{ dir }}/ts"
      check_mode: false
    - name: fetch it
      fetch: { src: "{{ dir }}/ts", dest: "{{ playbook_dir }}/fetched/", flat: true }
      check_mode: false
      register: ft
    - name: fetch it, diff false
      fetch: { src: "{{ dir }}/ts", dest: "{{ playbook_dir }}/fetched2/", flat: true }
      check_mode: false
      diff: false
      register: ft_nodiff
    - name: mount adds to fstab
      mount: { path: /srv/nmdiff-h21c-a, src: /dev/sda1, fstype: ext4, state: present, fstab: "{{ dir }}/fstab" }
      register: mt_add
    - name: mount same
      ansible.posix.mount: { path: /srv/nmdiff-h21c-b, src: /dev/sdb1, fstype: ext4, state: present, fstab: "{{ dir }}/fstab" }
      register: mt_same
    - name: mount diff false
      mount: { path: /srv/nmdiff-h21c-c, src: /dev/sdc1, fstype: ext4, state: present, fstab: "{{ dir }}/fstab" }
      diff: false
      register: mt_nodiff
    - name: pam_limits adds
      pam_limits: { dest: "{{ dir }}/limits.conf", domain: ops, limit_type: soft, limit_item: nofile, value: 1024 }
      register: pl_add
    - name: pam_limits same
      community.general.pam_limits: { dest: "{{ dir }}/limits.conf", domain: "*", limit_type: hard, limit_item: core, value: 0 }
      register: pl_same
    - name: pam_limits diff false
      pam_limits: { dest: "{{ dir }}/limits.conf", domain: ops, limit_type: hard, limit_item: nofile, value: 2048 }
      diff: false
      register: pl_nodiff
    - name: pam_limits no_log
      pam_limits: { dest: "{{ dir }}/limits.conf", domain: ops, limit_type: soft, limit_item: nproc, value: 99 }
      no_log: true
      register: pl_secret
    - name: unarchive a zip
      unarchive: { src: ${SRC}/a.zip, dest: "{{ dir }}/z" }
      register: uz_new
    - name: unarchive a zip, diff false
      unarchive: { src: ${SRC}/a.zip, dest: "{{ dir }}/z2" }
      diff: false
      register: uz_nodiff
    - name: unarchive a tar
      unarchive: { src: ${SRC}/a.tgz, dest: "{{ dir }}/t" }
      register: ut_new
    - name: copy a controller directory of two files
      copy: { src: tree/, dest: "{{ dir }}/ctree/" }
      register: cp_tree
    - name: copy a controller directory of one file
      copy: { src: one/, dest: "{{ dir }}/cone/" }
      register: cp_one
  `,
  controllerFiles: { 'files/tree/a.txt': 'a\n', 'files/tree/sub/b.txt': 'b\n', 'files/one/x.txt': 'x\n' },
  files: {
    got: GOT,
    got2: GOT,
    fstab: '/dev/sdb1 /srv/nmdiff-h21c-b ext4 defaults 0 0\n',
    'limits.conf': '# limits\n*\thard\tcore\t0\n',
    z: { dir: true },
    z2: { dir: true },
    t: { dir: true },
  },
});

const APTS = ['ar_add', 'ar_nodiff', 'ar_rm', 'ar_same'];
const apt = f.case('registered diff of apt_repository: {} unless changed under --diff, then a pair per sources file', {
  paths: [`${APT}/nmdiff-h21c-a.list`, `${APT}/nmdiff-h21c-b.list`],
  tasks: `
    - name: apt_repository adds a file
      apt_repository: { repo: "deb http://127.0.0.1:9/nmdiff-h21c-a bookworm main", filename: nmdiff-h21c-a, update_cache: false }
      register: ar_add
    - name: apt_repository adds another, diff false
      apt_repository: { repo: "deb http://127.0.0.1:9/nmdiff-h21c-b bookworm main", filename: nmdiff-h21c-b, update_cache: false }
      diff: false
      register: ar_nodiff
    - name: apt_repository removes it
      apt_repository: { repo: "deb http://127.0.0.1:9/nmdiff-h21c-b bookworm main", state: absent, update_cache: false }
      register: ar_rm
    - name: apt_repository already there
      apt_repository: { repo: "deb http://127.0.0.1:9/nmdiff-h21c-a bookworm main", filename: nmdiff-h21c-a, update_cache: false }
      register: ar_same
  `,
});

beforeAll(async () => {
  // The archives, from one tree: a file, a directory with a file, a symlink (zip -y stores it as one).
  rmSync(SRC, { recursive: true, force: true });
  mkdirSync(`${SRC}/tree/sub`, { recursive: true });
  writeFileSync(`${SRC}/tree/a.txt`, 'alpha\n', { mode: 0o644 });
  writeFileSync(`${SRC}/tree/sub/b c.txt`, 'b\n', { mode: 0o644 });
  chmodSync(`${SRC}/tree/sub`, 0o755);
  symlinkSync('a.txt', `${SRC}/tree/link`);
  await promisify(execFile)('sh', ['-c', `cd ${SRC}/tree && zip -qry ../a.zip . && tar czf ../a.tgz .`]);
  // Ansible's apt_repository needs python3-apt; both tools' zip handling needs unzip (and its zipinfo).
  await onHostAsRoot(
    f.host,
    'command -v unzip >/dev/null && python3 -c "import apt" 2>/dev/null || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=120 unzip python3-apt >/dev/null; }',
  );
  await f.run();
}, 900_000);

/** apt_repository's list of pairs as a set (Ansible's order is a Python set's). */
const byFile = (v: unknown): unknown => (Array.isArray(v) ? [...v].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))) : v);

describe.each(MODES)('get_url, fetch, mount, pam_limits, unarchive, apt_repository: %s', (mode) => {
  it('the same changed flags and files', () => {
    // ts holds the time it was written: its content differs, its existence does not.
    const files = (run: { files: Record<string, FileState> }) => ({ ...run.files, ts: run.files.ts?.type });
    // Documented (README "Choices"): Ansible's unarchive skips a tar in --check; nodemend predicts the run.
    const tar = 'unarchive a tar';
    const asAnsible = (t: TaskOutcome) => (mode === 'check' && t.name === tar ? { ...t, status: 'skipped', changed: false } : t);
    if (mode === 'check') expect(more.nodemend.check.changed[tar]).toBe(true);
    for (const c of [more, apt]) {
      expect(c.nodemend[mode].tasks.map(asAnsible), c.nodemend[mode].output).toEqual(c.ansible[mode].tasks);
      expect(files(c.nodemend[mode])).toEqual(files(c.ansible[mode]));
    }
    expect(more.nodemend[mode].files.ts.type).toBe('file');
  });

  it.each([...MORE.map((n) => [more, n] as const), ...APTS.map((n) => [apt, n] as const)])('%#: the same registered diff (or none)', (c, name) => {
    const n = c.nodemend[mode].registered[name];
    const a = c.ansible[mode].registered[name];
    // copy's after_header names the controller file in both, under each tool's own directory.
    const shape = (v: unknown) => (name.startsWith('cp_') ? sansSource(v) : byFile(v));
    expect({ name, has: 'diff' in n, diff: shape(n.diff) }, c.nodemend[mode].output).toEqual({ name, has: 'diff' in a, diff: shape(a.diff) });
  });

  // What Ansible registers, so the comparison above cannot pass on two wrong answers.
  it("Ansible: none for get_url, fetch, mount and a tar; pam_limits' whole file; a zip's itemized lines; apt_repository's {} or pairs", () => {
    const r = more.ansible[mode].registered;
    for (const k of ['gu_attr', 'gu_same', 'ft', 'ft_nodiff', 'mt_add', 'mt_same', 'ut_new', 'cp_tree']) expect('diff' in r[k], k).toBe(false);
    if (mode === 'rerun') expect(r.cp_one.diff).toEqual({ before: { path: '<dir>/cone/x.txt' }, after: { path: '<dir>/cone/x.txt' } });
    else expect(r.cp_one.diff).toEqual([{ before: '', after_header: expect.stringMatching(/\/files\/one\/x\.txt$/), after: 'x\n' }]);
    expect(r.ft.changed && r.mt_add.changed !== (mode === 'rerun')).toBe(true);
    expect(r.gu_attr.changed).toBe(mode !== 'rerun');
    const limits = '# limits\n*\thard\tcore\t0\n';
    if (mode === 'check') expect(r.pl_add.diff).toEqual({ before: limits, after: `${limits}ops\tsoft\tnofile\t1024\n` });
    expect(r.pl_same.diff.before).toBe(r.pl_same.diff.after);
    expect(r.pl_nodiff.diff.after).toContain('ops\thard\tnofile\t2048\n');
    if (mode === 'rerun') expect('diff' in r.uz_new || 'diff' in r.uz_nodiff).toBe(false);
    else for (const k of ['uz_new', 'uz_nodiff']) expect(r[k].diff, k).toEqual({ prepared: expect.stringMatching(/^(>[dfL]\+{6}\.\?\? \S.*\n)+$/) });
    if (mode !== 'rerun') expect(r.uz_new.diff.prepared.split('\n').sort()).toEqual(['', '>L++++++.?? link', '>d++++++.?? sub/', '>f++++++.?? a.txt', '>f++++++.?? sub/b c.txt']);
    const p = apt.ansible[mode].registered;
    type Pair = { before: string; after: string; before_header: string; after_header: string };
    const pair = (f: string, before: string, after: string): Pair => ({
      before: before && `${before}\n`,
      after: after && `${after}\n`,
      before_header: before ? f : '/dev/null',
      after_header: after ? f : '/dev/null',
    });
    const [ra, rb] = ['a', 'b'].map((x) => `deb http://127.0.0.1:9/nmdiff-h21c-${x} bookworm main`);
    // A pair for every sources file, changed or not: the host's own sources.list reads the same on both sides.
    const ours = (v: Pair[]) => {
      const [mine, others] = [v.filter((x) => JSON.stringify(x).includes('nmdiff-h21c')), v.filter((x) => !JSON.stringify(x).includes('nmdiff-h21c'))];
      expect(others.length).toBeGreaterThan(0);
      for (const o of others) expect(o.after === o.before && o.after_header === o.before_header).toBe(true);
      return byFile(mine);
    };
    expect(p.ar_nodiff.diff).toEqual({});
    if (mode === 'check') {
      expect(ours(p.ar_add.diff)).toEqual([pair(`${APT}/nmdiff-h21c-a.list`, '', ra)]);
      expect(p.ar_rm.diff).toEqual({});
      expect(ours(p.ar_same.diff)).toEqual([pair(`${APT}/nmdiff-h21c-a.list`, '', ra)]);
    } else {
      if (mode === 'run') expect(ours(p.ar_add.diff)).toEqual([pair(`${APT}/nmdiff-h21c-a.list`, '', ra)]);
      else expect(p.ar_add.diff).toEqual({});
      expect(ours(p.ar_rm.diff)).toEqual(byFile([pair(`${APT}/nmdiff-h21c-a.list`, ra, ra), pair(`${APT}/nmdiff-h21c-b.list`, rb, '')]));
      expect(p.ar_same.diff).toEqual({});
    }
  });

  it('documented: a no_log pam_limits registers empty texts, where Ansible holds the file', () => {
    const n = more.nodemend[mode].registered.pl_secret;
    const a = more.ansible[mode].registered.pl_secret;
    expect(a.diff.after).toContain('ops\tsoft\tnproc\t99\n');
    expect(n.diff).toEqual({ before: '', after: '' });
  });
});
