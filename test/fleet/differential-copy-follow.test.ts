/**
 * copy onto a dest that is a symlink to a file, through ansible-playbook (ansible-core 2.14) and nodemend
 * on node23 (paths /tmp/nmdiff-h22n-follow-*), as 2.14's modules/copy.py does it: with `follow: true` a
 * link at dest is resolved (os.path.realpath) and the file it leads to is written, the link kept, the
 * registered `dest` (and, when nothing changes, the file module's `path`: the action's rerun takes the
 * link's lnk_source) that real path; without follow (the default) the link is replaced by a regular
 * file, even when its target already holds the bytes (`checksum_src != checksum_dest or
 * os.path.islink(b_dest)`). Controller src, content and remote_src; compared in check mode, a run and a
 * rerun: files, changed flags, registered results. The registered results of a check run are not compared
 * where README "Choices" says nodemend registers more (a controller src's `--check`: the file it would
 * write; Ansible's action returns `changed` alone) or otherwise (remote_src `--check` without follow:
 * nodemend describes what the link leads to, 2.14's add_path_info the link itself).
 * And with_file / with_env loops (2.14's loop on the file and env lookups) feeding copy's content.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

// with_env reads the controller's environment: both tools are started from this process.
process.env.NMDIFF_H22N_A = 'from env {{ not_rendered }}';
process.env.NMDIFF_H22N_B = 'second';
delete process.env.NMDIFF_H22N_NONE;

const d = differential(HOSTS.ansibleModules[0], 'h22n-follow');

const links = d.case('copy onto a symlink to a file, with and without follow', {
  tasks: `
    - name: controller src, follow
      copy: { src: new.txt, dest: "{{ dir }}/link", follow: true, mode: "0600" }
      register: c_follow
    - name: remote_src, follow
      copy: { src: "{{ dir }}/src.txt", dest: "{{ dir }}/rlink", remote_src: true, follow: true }
      register: r_follow
    - name: content, follow, a link from another directory
      copy: { content: "c\\n", dest: "{{ dir }}/sub/clink", follow: true }
      register: t_follow
    - name: controller src, no follow, the target already has the bytes
      copy: { src: new.txt, dest: "{{ dir }}/slink" }
      register: c_same
    - name: remote_src, no follow, the target already has the bytes
      copy: { src: "{{ dir }}/src.txt", dest: "{{ dir }}/rslink", remote_src: true }
      register: r_same
    - name: controller src, no follow, other bytes
      copy: { src: new.txt, dest: "{{ dir }}/olink" }
      register: c_other
  `,
  files: {
    'src.txt': 'new\n',
    target: { content: 'old\n', mode: '0644' },
    link: { link: 'target' },
    rt: 'old\n',
    rlink: { link: 'rt' },
    ct: 'old\n',
    sub: { dir: true },
    'sub/clink': { link: '../ct' },
    same: 'new\n',
    slink: { link: 'same' },
    rsame: 'new\n',
    rslink: { link: 'rsame' },
    other: 'other\n',
    olink: { link: 'other' },
  },
  controllerFiles: { 'files/new.txt': 'new\n' },
});

const loops = d.case('with_file and with_env feeding copy content', {
  tasks: `
    - name: with_file
      copy: { content: "{{ item }}\\n", dest: "{{ dir }}/file-{{ idx }}" }
      with_file: [a.pub, b.txt]
      loop_control: { index_var: idx }
      register: r_file
    - name: with_file, one name
      copy: { content: "{{ item }}", dest: "{{ dir }}/one" }
      with_file: a.pub
      register: r_one
    - name: with_env
      copy: { content: "[{{ item }}]", dest: "{{ dir }}/env-{{ idx }}" }
      with_env: [NMDIFF_H22N_A, "NMDIFF_H22N_B more words", NMDIFF_H22N_NONE]
      loop_control: { index_var: idx }
      register: r_env
  `,
  vars: { not_rendered: 'RENDERED' },
  controllerFiles: { 'files/a.pub': 'ssh-ed25519 AAAA key\n\n', 'b.txt': '  beside {{ not_rendered }}\n' },
});

beforeAll(() => d.run(), 600_000);

/** What both register for a file copy (invocation aside; msg is each tool's own wording). */
const KEYS = ['dest', 'path', 'changed', 'failed', 'state', 'mode', 'owner', 'group', 'checksum', 'md5sum', 'size'];
const pickKeys = (r: Record<string, unknown> | undefined) => Object.fromEntries(KEYS.filter((k) => r !== undefined && k in r).map((k) => [k, r![k]]));
const FOLLOWED = ['c_follow', 'r_follow', 't_follow'];
const REPLACED = ['c_same', 'r_same', 'c_other'];

describe.each(MODES)('%s: copy onto a symlink', (mode) => {
  it('same files and changed flags', () => {
    expect(links.nodemend[mode].files, links.nodemend[mode].output).toEqual(links.ansible[mode].files);
    expect(links.nodemend[mode].changed, links.nodemend[mode].output).toEqual(links.ansible[mode].changed);
  });
  it.each([...FOLLOWED, ...REPLACED])('%s: same registered result', (r) => {
    const checkDiffers = mode === 'check' && (!r.startsWith('r_') || r === 'r_same');
    if (checkDiffers) return;
    expect(pickKeys(links.nodemend[mode].registered[r])).toEqual(pickKeys(links.ansible[mode].registered[r]));
  });
});

it('2.14 writes through a followed link, registers its real path, and replaces an unfollowed one', () => {
  const run = links.ansible.run;
  expect(run.files.link).toEqual({ type: 'link', target: 'target' });
  expect(run.files.target).toMatchObject({ type: 'file', content: 'new\n', mode: '0600' });
  expect(run.files['sub/clink']).toEqual({ type: 'link', target: '../ct' });
  expect(run.files.ct).toMatchObject({ content: 'c\n' });
  expect(run.registered.c_follow.dest).toBe('<dir>/target');
  expect(run.registered.r_follow.dest).toBe('<dir>/rt');
  expect(run.registered.t_follow.dest).toBe('<dir>/ct');
  expect(links.ansible.rerun.registered.c_follow).toMatchObject({ dest: '<dir>/target', path: '<dir>/target', changed: false });
  for (const l of ['slink', 'rslink', 'olink']) expect(run.files[l], l).toMatchObject({ type: 'file', content: 'new\n' });
  expect(run.files.other).toMatchObject({ content: 'other\n' });
  expect(run.changed).toMatchObject({ 'controller src, no follow, the target already has the bytes': true, 'remote_src, no follow, the target already has the bytes': true });
  expect(Object.values(links.ansible.rerun.changed)).not.toContain(true);
});

it('--check: nodemend registers the real path where it would write (a documented choice for a controller src)', () => {
  expect(links.nodemend.check.registered.c_follow).toMatchObject({ dest: '<dir>/target' });
  expect(links.ansible.check.registered.c_follow.dest).toBeUndefined();
  expect(links.ansible.check.registered.r_same).toMatchObject({ mode: '0777', state: 'link' });
  expect(links.nodemend.check.registered.r_same).toMatchObject({ dest: '<dir>/rslink', changed: true });
});

describe.each(MODES)('%s: with_file, with_env', (mode) => {
  it('same files and changed flags', () => {
    expect(loops.nodemend[mode].files, loops.nodemend[mode].output).toEqual(loops.ansible[mode].files);
    expect(loops.nodemend[mode].changed, loops.nodemend[mode].output).toEqual(loops.ansible[mode].changed);
  });
  it.each(['r_file', 'r_one', 'r_env'])('%s: same items', (r) => {
    const items = (t: 'ansible' | 'nodemend') => (loops[t][mode].registered[r].results as Record<string, unknown>[]).map((x) => x.item);
    expect(items('nodemend')).toEqual(items('ansible'));
  });
});

it('2.14: file text less trailing whitespace, env values, never rendered', () => {
  const f = loops.ansible.run.files;
  expect(f['file-0']).toMatchObject({ content: 'ssh-ed25519 AAAA key\n' });
  expect(f['file-1']).toMatchObject({ content: '  beside {{ not_rendered }}\n' });
  expect(f.one).toMatchObject({ content: 'ssh-ed25519 AAAA key' });
  expect(f['env-0']).toMatchObject({ content: '[from env {{ not_rendered }}]' });
  expect(f['env-1']).toMatchObject({ content: '[second]' });
  expect(f['env-2']).toMatchObject({ content: '[]' });
});
