/**
 * `file state: hard` replacing a symlink, through ansible-playbook (ansible-core 2.14) and nodemend on
 * node23 (HOSTS.ansibleModules; paths /tmp/nmdiff-h22n-hard-*). 2.14's file.py runs
 * load_file_common_arguments before ensure_hardlink: with `follow: true` (the default) a symlink at
 * path is resolved (os.path.realpath), so owner, group and mode go to what it led to, and the new hard
 * link keeps src's; the rerun (path now src's inode) sets them there, changed again. Without follow they
 * go to the new link. A symlink that led nowhere: 2.14 makes the link, then fails reading that path
 * (a traceback); its check run says changed, nodemend's fails (README "Choices").
 * Compared: files, registered results and changed flags in check, run and rerun.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h22n-hard');

const hard = d.case('state: hard over a symlink, owner and mode, with and without follow', {
  tasks: `
    - name: follow
      file: { path: "{{ dir }}/link", src: "{{ dir }}/src", state: hard, force: true, owner: nobody, mode: "0600" }
      register: r_follow
    - name: no follow
      file: { path: "{{ dir }}/nlink", src: "{{ dir }}/nsrc", state: hard, force: true, follow: false, owner: nobody, mode: "0600" }
      register: r_nofollow
    - name: follow, a symlink to nothing
      file: { path: "{{ dir }}/dlink", src: "{{ dir }}/dsrc", state: hard, force: true, mode: "0600" }
      register: r_dangling
      ignore_errors: true
  `,
  files: {
    old: { content: 'old\n', mode: '0644' },
    src: { content: 'src\n', mode: '0644' },
    link: { link: 'old' },
    nold: { content: 'nold\n', mode: '0644' },
    nsrc: { content: 'nsrc\n', mode: '0644' },
    nlink: { link: 'nold' },
    dsrc: { content: 'dsrc\n', mode: '0644' },
    dlink: { link: 'nowhere' },
  },
});

beforeAll(() => d.run(), 600_000);

const KEYS = ['dest', 'src', 'changed', 'failed', 'state', 'mode', 'owner', 'group', 'uid', 'gid', 'size', 'diff'];
const pickKeys = (r: Record<string, unknown> | undefined) => Object.fromEntries(KEYS.filter((k) => r !== undefined && k in r).map((k) => [k, r![k]]));

describe.each(MODES)('%s', (mode) => {
  it('same files', () => {
    expect(hard.nodemend[mode].files, hard.nodemend[mode].output).toEqual(hard.ansible[mode].files);
  });
  it('same changed flags (a symlink to nothing in --check aside)', () => {
    const { 'follow, a symlink to nothing': _n, ...nm } = hard.nodemend[mode].changed;
    const { 'follow, a symlink to nothing': _a, ...an } = hard.ansible[mode].changed;
    expect(nm, hard.nodemend[mode].output).toEqual(an);
  });
  it.each(['r_follow', 'r_nofollow'])('%s: same registered result', (r) => {
    expect(pickKeys(hard.nodemend[mode].registered[r])).toEqual(pickKeys(hard.ansible[mode].registered[r]));
  });
  it('a symlink to nothing: the same outcome in a run and a rerun, documented in --check', () => {
    const nm = hard.nodemend[mode].registered.r_dangling;
    const an = hard.ansible[mode].registered.r_dangling;
    if (mode === 'check') {
      expect(an).toMatchObject({ changed: true });
      expect(nm).toMatchObject({ failed: true, msg: expect.stringContaining('No such file or directory') });
    } else if (mode === 'run') {
      expect(an).toMatchObject({ failed: true, module_stderr: expect.stringContaining('No such file or directory') });
      expect(nm).toMatchObject({ failed: true, msg: expect.stringContaining('No such file or directory') });
    } else {
      expect(pickKeys(nm)).toEqual(pickKeys(an));
    }
  });
});

it('2.14 gives owner and mode to where the followed symlink led, and to the link on the rerun', () => {
  const run = hard.ansible.run.files;
  expect(run.old).toMatchObject({ type: 'file', mode: '0600', owner: 'nobody' });
  expect(run.link).toMatchObject({ type: 'file', content: 'src\n', mode: '0644', owner: 'root', nlink: 2 });
  expect(hard.ansible.rerun.files.link).toMatchObject({ mode: '0600', owner: 'nobody' });
  expect(hard.ansible.rerun.changed.follow).toBe(true);
  expect(run.nold).toMatchObject({ mode: '0644', owner: 'root' });
  expect(run.nlink).toMatchObject({ mode: '0600', owner: 'nobody', nlink: 2 });
  expect(hard.ansible.rerun.changed['no follow']).toBe(false);
  expect(run.dlink).toMatchObject({ type: 'file', content: 'dsrc\n', mode: '0644' });
});
