/**
 * copy `remote_src` with a src that is no file, through ansible-playbook (ansible-core 2.14) and nodemend
 * on node23 (paths /tmp/nmdiff-h20c-rsrc-*), as the copy target's src_remote_file_is_not_file.yml runs it:
 * 2.14's modules/copy.py fails "Source SRC not found" for a missing src and "Cannot copy invalid source
 * 'SRC': not a file" for one neither a file nor a directory (/dev/null), whether dest exists or not.
 * Compared in check mode, a run and a rerun: registered failed/msg, changed flags, files.
 * And a src directory that holds a link to itself (the target's subdir1/invalid, check_mode.yml): listed and
 * copied as a link, in --check as in a run, where 2.14's copytree keeps it (local_follow unset) and dircmp
 * leaves it alone when dest has it. And local_follow: true with a link to a directory inside src: 2.14
 * copies the directory it leads to (copytree(symlinks=False), copy_left_only), and compares it as a
 * directory where dest has one of that name (dircmp's common_dirs).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h20c-rsrc');

const notFile = d.case('remote_src: a device, a missing src', {
  tasks: `
    - name: a device, dest missing
      copy: { src: /dev/null, dest: "{{ dir }}/whocares", remote_src: true }
      register: r_dev
      ignore_errors: true
    - name: now with dest existing
      file: { state: touch, path: "{{ dir }}/whocares2" }
      changed_when: false
    - name: a device, dest there
      copy: { src: /dev/null, dest: "{{ dir }}/whocares2", remote_src: true }
      register: r_dev2
      ignore_errors: true
    - name: a missing src
      copy: { src: "{{ dir }}/nothing", dest: "{{ dir }}/out", remote_src: true }
      register: r_missing
      ignore_errors: true
  `,
});

const selfLink = d.case('remote_src: a directory holding a link to itself', {
  tasks: `
    - name: the contents as a missing dest/
      copy: { src: "{{ dir }}/lsrc/", dest: "{{ dir }}/slash/", remote_src: true }
      register: r_slash
    - name: the directory itself into a missing dest
      copy: { src: "{{ dir }}/lsrc", dest: "{{ dir }}/whole", remote_src: true }
      register: r_whole
    - name: the contents into an existing dest
      copy: { src: "{{ dir }}/lsrc/", dest: "{{ dir }}/into", remote_src: true }
      register: r_into
  `,
  files: {
    lsrc: { dir: true },
    'lsrc/f': 'hi\n',
    'lsrc/sub': { dir: true },
    'lsrc/sub/invalid': { link: 'invalid' },
    'lsrc/sub/to-f': { link: '../f' },
    into: { dir: true },
    'into/mine': 'mine\n',
  },
});

const followDir = d.case('remote_src, local_follow: true: a link to a directory', {
  tasks: `
    - name: follow, to a missing dest/
      copy: { src: "{{ dir }}/fsrc/", dest: "{{ dir }}/fslash/", remote_src: true, local_follow: true }
      register: r_f1
    - name: follow, into an empty dest
      copy: { src: "{{ dir }}/fsrc/", dest: "{{ dir }}/fnew", remote_src: true, local_follow: true }
      register: r_f2
    - name: follow, into a dest that has the linked name as a directory
      copy: { src: "{{ dir }}/fsrc/", dest: "{{ dir }}/fin", remote_src: true, local_follow: true }
      register: r_f3
    - name: follow, the directory itself to a missing dest
      copy: { src: "{{ dir }}/fsrc", dest: "{{ dir }}/fwhole", remote_src: true, local_follow: true }
      register: r_f4
  `,
  files: {
    fsrc: { dir: true },
    'fsrc/a': 'a\n',
    'fsrc/to-dir': { link: '../real' },
    real: { dir: true, mode: '0750' },
    'real/inner.conf': { content: 'inner\n', mode: '0600' },
    'real/deeper': { dir: true, mode: '0700' },
    'real/deeper/x': 'x\n',
    'real/to-a': { link: '../fsrc/a' },
    'real/to-deeper': { link: 'deeper' },
    fnew: { dir: true },
    fin: { dir: true },
    'fin/to-dir': { dir: true },
    'fin/to-dir/inner.conf': 'old\n',
    'fin/to-dir/mine': 'mine\n',
  },
});

beforeAll(() => d.run(), 600_000);

const REGS = ['r_dev', 'r_dev2', 'r_missing'];
const pick = (r: Record<string, unknown> | undefined) => ({ failed: r?.failed, changed: r?.changed, msg: r?.msg });

describe.each(MODES)('%s', (mode) => {
  it('same files and changed flags', () => {
    expect(notFile.nodemend[mode].files, notFile.nodemend[mode].output).toEqual(notFile.ansible[mode].files);
    expect(notFile.nodemend[mode].changed).toEqual(notFile.ansible[mode].changed);
  });
  it.each(REGS)('%s: same failed, changed, msg', (r) => {
    expect(pick(notFile.nodemend[mode].registered[r])).toEqual(pick(notFile.ansible[mode].registered[r]));
  });
});

/** What both register for a remote_src directory copy (invocation aside; msg is each tool's own wording, as in differential-copy-dir). */
const KEYS = ['dest', 'src', 'changed', 'failed', 'path', 'state', 'mode', 'owner', 'group', 'checksum', 'md5sum', 'size'];
const pickKeys = (r: Record<string, unknown> | undefined) => Object.fromEntries(KEYS.filter((k) => r !== undefined && k in r).map((k) => [k, r![k]]));

describe.each(MODES)('%s: a link to itself', (mode) => {
  it('same files and changed flags', () => {
    expect(selfLink.nodemend[mode].files, selfLink.nodemend[mode].output).toEqual(selfLink.ansible[mode].files);
    expect(selfLink.nodemend[mode].changed, selfLink.nodemend[mode].output).toEqual(selfLink.ansible[mode].changed);
  });
  it.each(['r_slash', 'r_whole', 'r_into'])('%s: same registered result', (r) => {
    expect(pickKeys(selfLink.nodemend[mode].registered[r])).toEqual(pickKeys(selfLink.ansible[mode].registered[r]));
  });
});

describe.each(MODES)('%s: local_follow: true, a link to a directory', (mode) => {
  it('same files and changed flags', () => {
    expect(followDir.nodemend[mode].files, followDir.nodemend[mode].output).toEqual(followDir.ansible[mode].files);
    expect(followDir.nodemend[mode].changed, followDir.nodemend[mode].output).toEqual(followDir.ansible[mode].changed);
  });
  it.each(['r_f1', 'r_f2', 'r_f3', 'r_f4'])('%s: same registered result', (r) => {
    expect(pickKeys(followDir.nodemend[mode].registered[r])).toEqual(pickKeys(followDir.ansible[mode].registered[r]));
  });
});

it('2.14 copies the directory a link leads to, links inside it followed too', () => {
  const f = followDir.ansible.run.files;
  expect(f['fnew/to-dir']).toMatchObject({ type: 'dir' });
  expect(f['fnew/to-dir/inner.conf']).toMatchObject({ type: 'file', content: 'inner\n' });
  expect(f['fnew/to-dir/to-deeper/x']).toMatchObject({ type: 'file', content: 'x\n' });
  expect(f['fin/to-dir/inner.conf']).toMatchObject({ content: 'inner\n', mode: '0600' });
  expect(f['fin/to-dir/mine']).toMatchObject({ content: 'mine\n' });
  expect(Object.values(followDir.ansible.run.changed)).not.toContain(false);
});

it('the link to itself is copied as a link, and only once', () => {
  const f = selfLink.ansible.run.files;
  for (const t of ['slash', 'whole/lsrc', 'into']) expect(f[`${t}/sub/invalid`], t).toEqual({ type: 'link', target: 'invalid' });
  expect(Object.values(selfLink.ansible.check.changed)).toEqual([true, true, true]);
  expect(Object.values(selfLink.ansible.rerun.changed)).toEqual([false, false, false]);
});

it('the messages are the ones the target asserts', () => {
  const reg = notFile.ansible.run.registered;
  expect(reg.r_dev).toMatchObject({ failed: true, msg: expect.stringContaining('not a file') });
  expect(reg.r_dev2).toMatchObject({ failed: true, msg: expect.stringContaining('not a file') });
  expect(reg.r_missing).toMatchObject({ failed: true, msg: expect.stringMatching(/^Source .*\/nothing not found$/) });
});
