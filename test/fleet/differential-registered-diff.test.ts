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
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h18b-diff');

const SAME = ['li_create', 'li_add', 'li_same', 'li_mode', 'li_nodiff', 'li_absent', 'bi_add', 'bi_owner', 'rep', 'rep_same'];
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
    - name: blockinfile owner by name
      blockinfile: { path: "{{ dir }}/k", block: x, owner: root }
      register: bi_named
    - name: lineinfile no_log
      lineinfile: { path: "{{ dir }}/s", line: secret }
      no_log: true
      register: li_secret
  `,
  files: { f: 'a\n', g: { content: 'y\n', owner: 'ops' }, h: 'foo\n', k: { content: 'y\n', owner: 'ops' }, s: 'x\n' },
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
    expect('diff' in r.rep_same).toBe(false);
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
