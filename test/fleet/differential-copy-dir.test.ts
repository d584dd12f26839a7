/**
 * copy with a controller directory as src, through ansible-playbook (ansible-core 2.14) and nodemend on
 * node23 (paths /tmp/nmdiff-copydir-*): files, registered results and changed flags in check mode, a run
 * and a rerun. What 2.14 does (plugins/action/copy.py run(), _walk_dirs, _copy_file; modules/copy.py):
 *
 * - `src: dir/` copies what is in dir, `src: dir` the directory itself; dest is a directory either way.
 * - Each file is copied as one file (mode/owner/group of the task), each directory of the walk (empty
 *   ones too) is made or given its attributes by the file module with `directory_mode`; the directories
 *   above the walk (dest, dest/dir) get them only when they are made.
 * - local_follow (default true): links to files send the file, links to directories are walked; false:
 *   links are made as links, with the text they have.
 * - force: false leaves an existing file as it is.
 * - Registered: with one file, the last module the action plugin ran (files, then directories, then
 *   links); otherwise `dest` (with a final "/"), `src` (the controller directory found) and `changed`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'copydir');

/** The controller's tree most cases copy: nested directories, an empty one, a file with its own mode. */
const TREE = (root: string) => ({
  [`${root}/a.conf`]: 'a=1\n',
  [`${root}/sub/b.conf`]: 'b=2\n',
  [`${root}/sub/deeper/c.conf`]: 'c=3\n',
  [`${root}/empty`]: { dir: true as const },
});

const slash = d.case('src with a trailing slash: the contents, into a new dest', {
  tasks: `
    - name: copy the contents
      copy: { src: tree1/, dest: "{{ dir }}/out" }
      register: r_slash
  `,
  controllerFiles: TREE('files/tree1'),
});

const noSlash = d.case('src without a slash: the directory itself, directory_mode and mode', {
  tasks: `
    - name: copy the directory
      copy: { src: tree2, dest: "{{ dir }}/out", directory_mode: "0750", mode: "0600", group: daemon }
      register: r_dir
  `,
  controllerFiles: TREE('files/tree2'),
  files: { out: { dir: true, mode: '0711' } },
});

const existing = d.case('directory_mode on directories that exist already', {
  tasks: `
    - name: copy over existing directories
      copy: { src: tree3/, dest: "{{ dir }}/out/", directory_mode: "0755" }
      register: r_existing
  `,
  controllerFiles: TREE('files/tree3'),
  files: { out: { dir: true, mode: '0700' }, 'out/sub': { dir: true, mode: '0700' }, 'out/sub/b.conf': 'old\n', 'out/empty': { dir: true, mode: '0700' } },
});

const links = d.case('links in the tree: local_follow true and false', {
  tasks: `
    - name: follow the links
      copy: { src: tree4/, dest: "{{ dir }}/followed" }
      register: r_follow
    - name: keep the links
      copy: { src: tree4/, dest: "{{ dir }}/kept", local_follow: false }
      register: r_keep
  `,
  controllerFiles: {
    'files/tree4/real.conf': 'real\n',
    'files/tree4/to-file': { link: 'real.conf' },
    'files/tree4/dir/inner.conf': 'inner\n',
    'files/tree4/to-dir': { link: 'dir' },
    'files/tree4/dangling': { link: 'nowhere' },
  },
});

const single = d.case('one file in the tree, force: false', {
  tasks: `
    - name: copy a one-file tree
      copy: { src: one/, dest: "{{ dir }}/one" }
      register: r_one
    - name: force false keeps what is there
      copy: { src: tree5/, dest: "{{ dir }}/kept", force: false }
      register: r_noforce
  `,
  controllerFiles: { 'files/one/only.conf': 'only\n', 'files/tree5/a.conf': 'new\n', 'files/tree5/b.conf': 'new\n' },
  files: { kept: { dir: true }, 'kept/a.conf': 'old\n' },
});

const role = d.case("a role's files/ directory", {
  tasks: `
    - name: run the role
      import_role: { name: copier }
  `,
  controllerFiles: {
    'roles/copier/tasks/main.yml': `- name: copy the role's tree\n  copy: { src: conf.d, dest: "{{ dir }}/etc" }\n  register: r_role\n`,
    'roles/copier/files/conf.d/x.conf': 'x\n',
    'roles/copier/files/conf.d/y.conf': 'y\n',
  },
});

/** The host's tree the remote_src cases copy: nested, empty, with modes of its own. */
const HOST_TREE = {
  rsrc: { dir: true as const, mode: '0750' },
  'rsrc/a.conf': { content: 'a=1\n', mode: '0640' },
  'rsrc/sub': { dir: true as const, mode: '0700' },
  'rsrc/sub/b.conf': 'b=2\n',
  'rsrc/empty': { dir: true as const },
};

const remoteInto = d.case('remote_src: a directory into existing directories', {
  tasks: `
    - name: the contents into dest
      copy: { src: "{{ dir }}/rsrc/", dest: "{{ dir }}/into", remote_src: true }
      register: r_contents
    - name: the directory itself into dest
      copy: { src: "{{ dir }}/rsrc", dest: "{{ dir }}/whole", remote_src: true, group: daemon }
      register: r_whole
  `,
  files: { ...HOST_TREE, into: { dir: true }, 'into/a.conf': 'old\n', 'into/keep.conf': 'mine\n', 'into/sub': { dir: true, mode: '0755' }, whole: { dir: true } },
});

const remoteNew = d.case('remote_src: a directory to a missing dest', {
  tasks: `
    - name: the contents as dest
      copy: { src: "{{ dir }}/rsrc/", dest: "{{ dir }}/copy1", remote_src: true }
      register: r_new_contents
    - name: the directory itself under dest
      copy: { src: "{{ dir }}/rsrc", dest: "{{ dir }}/copy2", remote_src: true }
      register: r_new_whole
  `,
  files: HOST_TREE,
});

beforeAll(() => d.run(), 900_000);

const CASES = [slash, noSlash, existing, links, single, role, remoteInto, remoteNew];
/** The controller directory differs per tool: it reads <work>. */
const work = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null).replace(/\/[^"]*\/nm-diff-copydir-(ansible|nodemend)-\w+/g, '<work>'));
/** The keys both register for a directory copy and for its last module (copy's, the file module's); diff and invocation aside. */
const KEYS = ['dest', 'src', 'changed', 'path', 'state', 'mode', 'owner', 'group', 'checksum', 'md5sum', 'size'];
const pick = (r: Record<string, unknown> | undefined, keys = KEYS) => Object.fromEntries(keys.filter((k) => r !== undefined && k in r).map((k) => [k, work(r![k])]));
/**
 * A one-file tree registers the copy module's result, whose src is Ansible's temporary file on the host;
 * in --check the action plugin's alone (`changed`, `diff`), where nodemend registers the file it would
 * write as for any controller src (README "Choices").
 */
const oneFileKeys = (mode: string): string[] => (mode === 'check' ? ['changed'] : KEYS.filter((k) => k !== 'src'));

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, CASES, { registered: { view: (r, name) => pick(r, name === 'r_one' ? oneFileKeys(mode) : KEYS) } });
});

it('the trees land as 2.14 lays them out', () => {
  const f = slash.ansible.run.files;
  expect(f['out/a.conf']).toMatchObject({ type: 'file', content: 'a=1\n' });
  expect(f['out/sub/deeper/c.conf']).toMatchObject({ content: 'c=3\n' });
  expect(f['out/empty']).toMatchObject({ type: 'dir' });
  expect(noSlash.ansible.run.files['out/tree2/sub']).toMatchObject({ type: 'dir', mode: '0750' });
  expect(noSlash.ansible.run.files['out/tree2/a.conf']).toMatchObject({ mode: '0600' });
  expect(noSlash.ansible.run.files.out).toMatchObject({ mode: '0711' });
  // The walk's directories get directory_mode even when they exist (the file module runs on each); dest does not.
  expect(existing.ansible.run.files['out/sub']).toMatchObject({ mode: '0755' });
  expect(existing.ansible.run.files['out/empty']).toMatchObject({ mode: '0755' });
  expect(existing.ansible.run.files.out).toMatchObject({ mode: '0700' });
  expect(links.ansible.run.files['followed/to-file']).toMatchObject({ type: 'file', content: 'real\n' });
  expect(links.ansible.run.files['followed/to-dir/inner.conf']).toMatchObject({ content: 'inner\n' });
  expect(links.ansible.run.files['kept/to-dir']).toEqual({ type: 'link', target: 'dir' });
  expect(single.ansible.run.files['kept/a.conf']).toMatchObject({ content: 'old\n' });
  expect(noSlash.ansible.run.files['out/tree2/sub/b.conf']).toMatchObject({ group: 'daemon' });
  // remote_src: differing files rewritten with src's mode, files only dest has kept, group over the whole target.
  const into = remoteInto.ansible.run.files;
  expect(into['into/a.conf']).toMatchObject({ content: 'a=1\n', mode: '0640' });
  expect(into['into/keep.conf']).toMatchObject({ content: 'mine\n' });
  expect(into['whole/rsrc/sub/b.conf']).toMatchObject({ content: 'b=2\n', group: 'daemon' });
  expect(remoteNew.ansible.run.files['copy1/sub/b.conf']).toMatchObject({ content: 'b=2\n' });
  expect(remoteNew.ansible.run.files['copy2/rsrc/a.conf']).toMatchObject({ content: 'a=1\n' });
  expect(single.ansible.check.registered.r_one).not.toHaveProperty('dest');
  expect(single.nodemend.check.registered.r_one).toMatchObject({ dest: expect.stringMatching(/one\/only\.conf$/), checksum: single.ansible.run.registered.r_one.checksum });
  expect(single.ansible.run.registered.r_one).toMatchObject({ dest: expect.stringMatching(/one\/only\.conf$/), state: 'file' });
  for (const c of CASES) {
    expect(Object.values(c.ansible.rerun.changed), c.name).not.toContain(true);
    expect(Object.values(c.nodemend.rerun.changed), c.name).not.toContain(true);
    expect(Object.values(c.nodemend.run.changed), c.name).toContain(true);
  }
});
