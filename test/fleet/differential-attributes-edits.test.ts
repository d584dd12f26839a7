/**
 * `attributes` (alias `attr`) on the text-editing modules and get_url (paths /tmp/nmdiff-h20d-attr-*): lineinfile,
 * blockinfile and replace (check_file_attrs: set_fs_attributes_if_different after the write, its words
 * "ownership, perms or SE linux context changed" joined to the edit's msg with " and "; lineinfile and
 * blockinfile put the flags in their "(file attributes)" diff pair as `attributes`), ini_file (community.general:
 * the flags set after do_ini, not in --check, msg do_ini's) and get_url (a dest whose checksum matches:
 * "file already exists but file attributes changed"). A rewritten file is a new inode with fresh flags
 * (`e`), so `Ae` changes with the content and settles on the rerun. Documented difference (README
 * "Choices"): ini_file's flags are changed in --check too (nodemend's check mode is exact).
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
import { lsattrTask } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleModules[0];
const h = differential(HOST, 'h20d-attr');
const GOT = 'got\n';
const GOT_SHA256 = createHash('sha256').update(GOT).digest('hex');
const edits = h.case('attributes on lineinfile, blockinfile, replace, ini_file, get_url', {
  files: { l1: 'a\n', l2: 'a\n', l3: 'a\n', b1: 'x\n', r1: 'foo\n', r2: 'foo\n', 'i.ini': '[s]\na = 1\n', 'j.ini': '[s]\na = 1\n', got: GOT },
  tasks: `
    - name: lineinfile adds a line with flags
      lineinfile: { path: "{{ dir }}/l1", line: b, attributes: Ae }
      register: li_add
    - name: lineinfile finds the line, flags only
      lineinfile: { path: "{{ dir }}/l2", line: a, attr: Ae }
      register: li_flags
    - name: lineinfile mode and plus flags
      lineinfile: { path: "{{ dir }}/l3", line: a, mode: "0600", attributes: "+d" }
      register: li_mode
    - name: lineinfile absent on a missing file
      lineinfile: { path: "{{ dir }}/none", line: a, state: absent, attributes: Ae }
      register: li_none
    - name: lineinfile creates with flags
      lineinfile: { path: "{{ dir }}/l4", line: a, create: true, attributes: Ae }
      register: li_create
    - name: blockinfile flags
      blockinfile: { path: "{{ dir }}/b1", block: y, attributes: Ae }
      register: bi_add
    - name: blockinfile same block, flags
      blockinfile: { path: "{{ dir }}/b1", block: y, attributes: se }
      register: bi_flags
    - name: replace with flags
      replace: { path: "{{ dir }}/r1", regexp: o, replace: "0", attributes: Ae }
      register: rep_add
    - name: replace nothing, flags only
      replace: { path: "{{ dir }}/r2", regexp: zzz, replace: "0", attributes: Ae }
      register: rep_flags
    - name: ini_file adds with flags
      ini_file: { path: "{{ dir }}/i.ini", section: s, option: b, value: "2", attributes: Ae }
      register: ini_add
    - name: ini_file flags only
      community.general.ini_file: { path: "{{ dir }}/j.ini", section: s, option: a, value: "1", attributes: Ae }
      register: ini_flags
    - name: get_url dest already right, flags only
      get_url: { url: "http://127.0.0.1:9/never", dest: "{{ dir }}/got", checksum: "sha256:${GOT_SHA256}", attributes: Ae }
      register: gu_flags
    ${lsattrTask('l1 l2 l3 l4 b1 r1 r2 i.ini j.ini got')}
  `,
});

beforeAll(() => h.run(), 900_000);

/** ini_file's flags-only task: nodemend changes it in --check too (README "Choices"). */
const INI_FLAGS = 'ini_file flags only';
const EDIT_REGS = ['li_add', 'li_flags', 'li_mode', 'li_none', 'li_create', 'bi_add', 'bi_flags', 'rep_add', 'rep_flags', 'ini_add', 'ini_flags', 'gu_flags'];

describe.each(MODES)('text edits and get_url: %s', (mode) => {
  const butIni = (changed: Record<string, boolean>) => (mode === 'check' ? { ...changed, [INI_FLAGS]: false } : changed);
  it('the same changed flags and files (but the documented ini_file --check difference)', () => {
    expect(butIni(edits.nodemend[mode].changed), edits.nodemend[mode].output).toEqual(edits.ansible[mode].changed);
    expect(edits.nodemend[mode].files).toEqual(edits.ansible[mode].files);
  });
  it.each(EDIT_REGS)('%s: the same registered changed, failed, msg and diff', (reg) => {
    const keys = mode === 'check' && reg === 'ini_flags' ? ['failed', 'msg', 'diff'] : ['changed', 'failed', 'msg', 'diff'];
    const [n, a] = sameKeys(edits.nodemend[mode].registered[reg], edits.ansible[mode].registered[reg], keys);
    expect(n, edits.nodemend[mode].output).toEqual(a);
    // A diff only where Ansible registers one (get_url: never).
    expect('diff' in edits.nodemend[mode].registered[reg]).toBe('diff' in edits.ansible[mode].registered[reg]);
  });
  it('the same flags on the host afterwards', () => {
    expect(edits.nodemend[mode].registered.flags.stdout_lines).toEqual(edits.ansible[mode].registered.flags.stdout_lines);
  });
});

describe('what the text edits register (so equal is not equal-and-wrong)', () => {
  it('run: the flags join the msg and the attributes pair; rerun: Ae settles, +d and flags that take turns change again', () => {
    const run = edits.nodemend.run.registered;
    expect(run.li_add).toMatchObject({ changed: true, msg: 'line added and ownership, perms or SE linux context changed' });
    expect(run.li_add.diff[1]).toMatchObject({ before: { attributes: 'e' }, after: { attributes: '=Ae' } });
    expect(run.li_flags).toMatchObject({ changed: true, msg: 'ownership, perms or SE linux context changed' });
    expect(run.li_mode.diff[1]).toMatchObject({ before: { mode: '0644', attributes: 'e' }, after: { mode: '0600', attributes: '+d' } });
    expect(run.li_none).toMatchObject({ changed: false, msg: 'file not present' });
    expect(run.rep_flags).toMatchObject({ changed: true, msg: 'ownership, perms or SE linux context changed' });
    expect(run.ini_flags).toMatchObject({ changed: true, msg: 'OK' });
    expect(run.gu_flags).toMatchObject({ changed: true, msg: 'file already exists but file attributes changed' });
    const rerun = edits.nodemend.rerun.changed;
    expect(
      Object.entries(rerun)
        .filter(([, c]) => c)
        .map(([t]) => t),
    ).toEqual(['lineinfile mode and plus flags', 'blockinfile flags', 'blockinfile same block, flags']); // b1's Ae and se take turns
    expect(edits.nodemend.run.registered.flags.stdout_lines).toContainEqual(expect.stringMatching(/^-+A-+e-+ got$/));
  });
  it('documented: an ini_file flags-only change is changed in --check (Ansible skips the flags there)', () => {
    expect(edits.ansible.check.changed[INI_FLAGS]).toBe(false);
    expect(edits.nodemend.check.changed[INI_FLAGS]).toBe(true);
  });
});
