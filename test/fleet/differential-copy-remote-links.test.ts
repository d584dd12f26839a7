/**
 * copy `remote_src` of a directory into one that exists, when links to directories are on the way, through
 * ansible-playbook (ansible-core 2.14) and nodemend on node23 (paths /tmp/nmdiff-h22a-links-*), as 2.14's
 * modules/copy.py walks it: copy_diff_files, copy_left_only, then copy_common_dirs, whose dircmp compares
 * names through links (os.stat): a name both sides have as a directory, a link on either side, is walked
 * as that directory, and what differs there is written through dest's link. The copy target's
 * check_mode.yml:69 (a --check copy onto the directory copytree made, links kept) is this walk.
 * And copy_common_dirs' `changed = changed or copy_common_dirs(...)`: once something under a directory
 * differs, no deeper directory is walked, in --check and a run alike; the run copies part of what differs
 * and its rerun the rest (a rerun that changes: 2.14's, asserted here).
 * Compared in check mode, a run and a rerun: files, changed flags, registered results.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h22a-links');

const links = d.case('remote_src into an existing directory: links to directories on both sides', {
  tasks: `
    - name: the contents to a missing dest/ (copytree keeps the links)
      copy: { src: "{{ dir }}/lsrc/", dest: "{{ dir }}/fresh/", remote_src: true }
      register: r_fresh
    - name: the same onto what it made (the walk goes through the links, finds nothing)
      copy: { src: "{{ dir }}/lsrc/", dest: "{{ dir }}/fresh/", remote_src: true }
      register: r_again
    - name: the same in check mode
      copy: { src: "{{ dir }}/lsrc/", dest: "{{ dir }}/fresh/", remote_src: true }
      check_mode: true
      register: r_again_check
    - name: into a dest whose link leads elsewhere (written through it)
      copy: { src: "{{ dir }}/lsrc/", dest: "{{ dir }}/into/", remote_src: true }
      register: r_into
    - name: the directory itself into a dest holding it (dest/lsrc)
      copy: { src: "{{ dir }}/lsrc", dest: "{{ dir }}/holder", remote_src: true, local_follow: false }
      register: r_holder
  `,
  files: {
    'lsrc/f': 'f\n',
    'lsrc/sub': { dir: true },
    'lsrc/sub/circles': { link: '../' },
    'lsrc/sub/deep': { link: '../other/deep' },
    'lsrc/sub/ext': { link: '../../ext_src' },
    'lsrc/other/deep/x': 'x\n',
    'ext_src/e.conf': 'new\n',
    'ext_src/only-src': 'o\n',
    'ext_src/newdir/n': { content: 'n\n', mode: '0600' },
    'into/f': 'f\n',
    'into/sub': { dir: true },
    'into/sub/circles': { link: '../' },
    'into/sub/deep': { dir: true },
    'into/sub/deep/x': 'x\n',
    'into/sub/ext': { link: '../../ext_dest' },
    'into/other/deep/x': 'x\n',
    'ext_dest/e.conf': 'old\n',
    'holder/lsrc/f': 'f\n',
    'holder/lsrc/sub/circles': { link: '../' },
    'holder/lsrc/sub/deep': { link: '../other/deep' },
    'holder/lsrc/sub/ext': { link: '../../../ext_src' },
    'holder/lsrc/other/deep': { dir: true },
  },
});

const shortCircuit = d.case('remote_src into an existing directory: no deeper walk once something differs', {
  tasks: `
    - name: into a dest missing files at three depths
      copy: { src: "{{ dir }}/bsrc/", dest: "{{ dir }}/bdest", remote_src: true }
      register: r_b
  `,
  files: {
    'bsrc/top-new': 't\n',
    'bsrc/a/x': 'x\n',
    'bsrc/a/c/z': 'z\n',
    'bsrc/a/c/e/deepest': 'd\n',
    'bsrc/b/y': 'y\n',
    'bsrc/b/c2/w': 'w\n',
    'bdest/a/c/e': { dir: true },
    'bdest/b/c2': { dir: true },
  },
});

beforeAll(() => d.run(), 600_000);

/** What both register for a remote_src directory copy (invocation aside; msg is each tool's own wording). */
const KEYS = ['dest', 'src', 'changed', 'failed', 'path', 'state', 'mode', 'owner', 'group', 'checksum', 'md5sum', 'size'];
const pickKeys = (r: Record<string, unknown> | undefined) => Object.fromEntries(KEYS.filter((k) => r !== undefined && k in r).map((k) => [k, r![k]]));

describe.each(MODES)('%s: links to directories', (mode) => {
  it('same files and changed flags', () => {
    expect(links.nodemend[mode].files, links.nodemend[mode].output).toEqual(links.ansible[mode].files);
    expect(links.nodemend[mode].changed, links.nodemend[mode].output).toEqual(links.ansible[mode].changed);
  });
  it.each(['r_fresh', 'r_again', 'r_again_check', 'r_into', 'r_holder'])('%s: same registered result', (r) => {
    expect(pickKeys(links.nodemend[mode].registered[r])).toEqual(pickKeys(links.ansible[mode].registered[r]));
  });
});

describe.each(MODES)('%s: no deeper walk once something differs', (mode) => {
  it('same files and changed flags', () => {
    expect(shortCircuit.nodemend[mode].files, shortCircuit.nodemend[mode].output).toEqual(shortCircuit.ansible[mode].files);
    expect(shortCircuit.nodemend[mode].changed, shortCircuit.nodemend[mode].output).toEqual(shortCircuit.ansible[mode].changed);
  });
  it('same registered result', () => {
    expect(pickKeys(shortCircuit.nodemend[mode].registered.r_b)).toEqual(pickKeys(shortCircuit.ansible[mode].registered.r_b));
  });
});

it('2.14 walks through the links: nothing to do onto what copytree made; a difference behind dest link is written through it', () => {
  const a = links.ansible;
  expect(a.run.files['fresh/sub/circles']).toEqual({ type: 'link', target: '../' });
  expect(a.run.registered.r_again.changed).toBe(false);
  expect(a.run.registered.r_again_check.changed).toBe(false);
  expect(a.run.registered.r_into.changed).toBe(true);
  expect(a.run.files['ext_dest/e.conf']).toMatchObject({ content: 'new\n' });
  expect(a.run.files['ext_dest/only-src']).toMatchObject({ content: 'o\n' });
  expect(a.run.files['ext_dest/newdir/n']).toMatchObject({ content: 'n\n', mode: '0600' });
  expect(a.run.files['into/sub/ext']).toEqual({ type: 'link', target: '../../ext_dest' });
  expect(a.rerun.registered.r_into.changed).toBe(false);
});

it('2.14 copies part of what differs, and the rest on the rerun', () => {
  const a = shortCircuit.ansible;
  expect(a.check.registered.r_b.changed).toBe(true);
  // a/x and b/y (one level under each common directory), top-new; not a/c/z, b/c2/w, a/c/e/deepest.
  expect(a.run.files['bdest/top-new']).toMatchObject({ content: 't\n' });
  expect(a.run.files['bdest/a/x']).toMatchObject({ content: 'x\n' });
  expect(a.run.files['bdest/b/y']).toMatchObject({ content: 'y\n' });
  expect(a.run.files['bdest/a/c/z']).toBeUndefined();
  expect(a.run.files['bdest/b/c2/w']).toBeUndefined();
  expect(a.rerun.registered.r_b.changed).toBe(true);
  expect(a.rerun.files['bdest/a/c/z']).toMatchObject({ content: 'z\n' });
});
