/**
 * copy with a directory src and `attributes`, and the times a copy on the host keeps, through
 * ansible-playbook (ansible-core 2.14) and nodemend on node23 (paths /tmp/nmdiff-h20c-copy-*),
 * compared in check mode, a run and a rerun (files, registered results, changed flags, and what
 * `lsattr -d` / `find -newermt` show afterwards). What 2.14 does:
 *
 * - A controller directory (plugins/action/copy.py run()): each file's copy module gets the task's
 *   file arguments, `attributes` among them (an unchanged file too: the action runs the file module on
 *   it); each directory of the walk the file module (_create_remote_file_args keeps `attributes`).
 * - remote_src with a directory (modules/copy.py main()): set_fs_attributes_if_different on the path the
 *   result names (dest, or dest/<src's name>) only, as its mode.
 * - Times: a single remote_src file is copied with shutil.copystat (src's mtime kept); copytree (a missing
 *   target, a directory only src has) uses copy2 and copystat (files and directories keep theirs); a file
 *   copied alone into an existing directory (copyfile + copymode) gets the time of the copy.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, type DifferentialCase } from '../setup/ansible-differential.js';
import { itsSameAsAnsible, lsattrTask } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h20c-copy');

const ctlAttrs = d.case('attributes with a controller directory: every file and directory of the walk', {
  tasks: `
    - name: copy the tree with flags
      copy: { src: tree/, dest: "{{ dir }}/out", attributes: Ae, directory_mode: "0750" }
      register: r_ctl
    ${lsattrTask('out out/a.conf out/sub out/sub/b.conf out/sub/same.conf out/empty')}
  `,
  controllerFiles: { 'files/tree/a.conf': 'a=1\n', 'files/tree/sub/b.conf': 'b=2\n', 'files/tree/sub/same.conf': 'same\n', 'files/tree/empty': { dir: true } },
  files: { out: { dir: true }, 'out/sub': { dir: true }, 'out/sub/same.conf': 'same\n' },
});

const HOST_TREE = {
  rsrc: { dir: true as const, mode: '0750' },
  'rsrc/a.conf': 'a=1\n',
  'rsrc/sub': { dir: true as const },
  'rsrc/sub/b.conf': 'b=2\n',
};

const remoteAttrs = d.case('attributes with remote_src and a directory: the path the result names', {
  tasks: `
    - name: the contents into an existing dest
      copy: { src: "{{ dir }}/rsrc/", dest: "{{ dir }}/into", remote_src: true, attributes: Ae }
      register: r_into
    - name: the directory itself under a missing dest
      copy: { src: "{{ dir }}/rsrc", dest: "{{ dir }}/whole", remote_src: true, attributes: de }
      register: r_whole
    ${lsattrTask('into into/a.conf into/sub whole whole/rsrc whole/rsrc/a.conf')}
  `,
  files: { ...HOST_TREE, into: { dir: true } },
});

/** Sources dated 2020, so what kept their times reads "old" whichever tool ran when. */
const OLD = `
    - name: date the sources
      command: { cmd: "touch -d '2020-01-02 03:04:05' one.conf rsrc rsrc/a.conf rsrc/sub rsrc/sub/b.conf rsrc/new rsrc/new/n.conf rsrc/top.conf", chdir: "{{ dir }}" }
      check_mode: false
      changed_when: false`;

const times = d.case('remote_src keeps times where 2.14 uses copystat and copy2', {
  tasks: `${OLD}
    - name: one file
      copy: { src: "{{ dir }}/one.conf", dest: "{{ dir }}/one.out", remote_src: true }
      register: r_one
    - name: a directory to a missing dest (copytree)
      copy: { src: "{{ dir }}/rsrc/", dest: "{{ dir }}/fresh", remote_src: true }
      register: r_fresh
    - name: a directory into an existing one (files alone, a new directory by copytree)
      copy: { src: "{{ dir }}/rsrc/", dest: "{{ dir }}/into", remote_src: true }
      register: r_into
    - name: the directory itself under a missing dest (made, then filled)
      copy: { src: "{{ dir }}/rsrc", dest: "{{ dir }}/made", remote_src: true }
      register: r_made
    - name: what kept the 2020 times
      shell: { cmd: "find one.out fresh into made ! -newermt 2020-01-03 | sort", chdir: "{{ dir }}" }
      register: old
      check_mode: false
      changed_when: false
      failed_when: false
  `,
  files: {
    'one.conf': 'one\n',
    ...HOST_TREE,
    'rsrc/new': { dir: true },
    'rsrc/new/n.conf': 'n\n',
    'rsrc/top.conf': 'top\n',
    into: { dir: true },
    'into/a.conf': 'old\n',
    'into/sub': { dir: true },
  },
});

/** A host tree with links: to a file (from the top, from a subdirectory), and (dsrc) to nothing. */
const LINK_TREE = (root: string, dangling: boolean) => ({
  [root]: { dir: true as const },
  [`${root}/file1`]: 'hello 1\n',
  [`${root}/subdir`]: { dir: true as const },
  [`${root}/subdir/file12`]: { content: 'hello 12\n', mode: '0600' },
  [`${root}/link_file12`]: { link: 'subdir/file12' },
  [`${root}/subdir/up`]: { link: '../file1' },
  ...(dangling ? { [`${root}/gone`]: { link: 'nowhere' } } : {}),
});

const links = d.case('remote_src with links inside, by local_follow (true, false, not given)', {
  tasks: `
    - name: follow, into an existing directory
      copy: { src: "{{ dir }}/lsrc/", dest: "{{ dir }}/t1", remote_src: true, local_follow: true }
      register: r_t1
    - name: no follow, into an existing directory
      copy: { src: "{{ dir }}/lsrc/", dest: "{{ dir }}/t2", remote_src: true, local_follow: false }
      register: r_t2
    - name: unset, into an existing directory (a link only src has is left out)
      copy: { src: "{{ dir }}/lsrc/", dest: "{{ dir }}/t3", remote_src: true }
      register: r_t3
    - name: follow, to a missing dest (copytree)
      copy: { src: "{{ dir }}/lsrc/", dest: "{{ dir }}/t4", remote_src: true, local_follow: true }
      register: r_t4
    - name: no follow, the directory itself into an existing one
      copy: { src: "{{ dir }}/lsrc", dest: "{{ dir }}/t5", remote_src: true, local_follow: false }
      register: r_t5
    - name: unset, with a dangling link, to a missing dest
      copy: { src: "{{ dir }}/dsrc/", dest: "{{ dir }}/t6", remote_src: true }
      register: r_t6
    - name: unset, a link over a file dest has
      copy: { src: "{{ dir }}/dsrc/", dest: "{{ dir }}/t7", remote_src: true }
      register: r_t7
  `,
  files: {
    ...LINK_TREE('lsrc', false),
    ...LINK_TREE('dsrc', true),
    t1: { dir: true },
    t2: { dir: true },
    t3: { dir: true },
    t5: { dir: true },
    t7: { dir: true },
    't7/link_file12': { content: 'old\n', mode: '0644' },
  },
});

const preserve = d.case("remote_src with a directory and mode: preserve (issue 69783): modes kept, src's own on dest", {
  tasks: `
    - name: recursive remote copy with preserve
      copy: { src: "{{ dir }}/psrc/", dest: "{{ dir }}/pdest/", remote_src: true, mode: preserve }
      register: r_preserve
  `,
  files: {
    psrc: { dir: true, mode: '0750' },
    'psrc/readwrite': { content: '', mode: '0644' },
    'psrc/executable': { content: '', mode: '0755' },
    'psrc/readonly': { content: '', mode: '0444' },
    'psrc/dir': { dir: true },
    'psrc/dir/readonly': { content: '', mode: '0444' },
    pdest: { dir: true, mode: '0755' },
  },
});

beforeAll(() => d.run(), 900_000);

const CASES = [ctlAttrs, remoteAttrs, times, links, preserve];
const KEYS = ['dest', 'changed', 'failed', 'path', 'state', 'mode', 'owner', 'group', 'checksum', 'md5sum', 'size'];
const pick = (r: Record<string, unknown> | undefined) => Object.fromEntries(KEYS.filter((k) => r !== undefined && k in r).map((k) => [k, r![k]]));
const lines = (c: DifferentialCase, tool: 'ansible' | 'nodemend', mode: 'check' | 'run' | 'rerun', reg: string): string[] => c[tool][mode].registered[reg]?.stdout_lines ?? [];

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, CASES, { registered: { names: (r) => r.startsWith('r_'), view: pick } });
  it('same flags on the host afterwards', () => {
    for (const c of [ctlAttrs, remoteAttrs]) expect(lines(c, 'nodemend', mode, 'flags'), c.name).toEqual(lines(c, 'ansible', mode, 'flags'));
  });
  it('the same paths keep the 2020 times', () => {
    expect(lines(times, 'nodemend', mode, 'old')).toEqual(lines(times, 'ansible', mode, 'old'));
  });
});

describe('what the compared values are (so equal is not equal-and-wrong)', () => {
  it('a controller directory: A on every file and directory of the walk, the unchanged file too; dest made by the copy module', () => {
    const f: string[] = lines(ctlAttrs, 'ansible', 'run', 'flags');
    for (const p of ['out/a.conf', 'out/sub', 'out/sub/b.conf', 'out/sub/same.conf', 'out/empty'])
      expect(
        f.find((l) => l.endsWith(` ${p}`)),
        p,
      ).toMatch(/^-+A-+e-+ /);
    expect(ctlAttrs.nodemend.rerun.changed['copy the tree with flags']).toBe(false);
  });
  it('remote_src: only the named path gets the flags', () => {
    const f: string[] = lines(remoteAttrs, 'ansible', 'run', 'flags');
    expect(f.find((l) => l.endsWith(' into'))).toMatch(/^-+A-+e-+ /);
    expect(f.find((l) => l.endsWith(' into/a.conf'))).not.toMatch(/A/);
    // src without a slash into a missing dest: the module names dest, then makes dest/<name> and fills it.
    expect(f.find((l) => l.endsWith(' whole'))).toMatch(/^-+d-+e-+ /);
    expect(f.find((l) => l.endsWith(' whole/rsrc'))).not.toMatch(/d/);
  });
  it('times: one file and copytree keep them; files copied alone into an existing directory do not', () => {
    const old: string[] = lines(times, 'ansible', 'run', 'old');
    expect(old).toEqual(expect.arrayContaining(['one.out', 'fresh', 'fresh/a.conf', 'fresh/sub/b.conf', 'into/new', 'into/new/n.conf', 'made/rsrc/new']));
    expect(old).not.toContain('into/a.conf');
    expect(old).not.toContain('into/top.conf');
    expect(old).not.toContain('made/rsrc/top.conf');
  });
  it('links: followed as files, kept as links, or left out, as 2.14 does by local_follow', () => {
    const f = links.ansible.run.files;
    expect(f['t1/link_file12']).toMatchObject({ type: 'file', content: 'hello 12\n', mode: '0644' });
    expect(f['t1/subdir/up']).toMatchObject({ type: 'file', content: 'hello 1\n' });
    expect(f['t2/link_file12']).toEqual({ type: 'link', target: 'subdir/file12' });
    expect(f['t3/link_file12']).toBeUndefined();
    expect(f['t3/subdir/up']).toEqual({ type: 'link', target: '../file1' });
    expect(f['t4/link_file12']).toMatchObject({ type: 'file', mode: '0600' });
    expect(f['t5/lsrc/link_file12']).toEqual({ type: 'link', target: 'subdir/file12' });
    expect(f['t6/gone']).toEqual({ type: 'link', target: 'nowhere' });
    expect(f['t7/link_file12']).toMatchObject({ type: 'file', content: 'hello 12\n', mode: '0600' });
    // A link only src has, never copied: changed on every run.
    expect(links.ansible.rerun.changed['unset, into an existing directory (a link only src has is left out)']).toBe(true);
    expect(links.ansible.rerun.changed['follow, into an existing directory']).toBe(false);
  });
  it("mode: preserve: each file keeps its mode, dest gets src's", () => {
    const f = preserve.ansible.run.files;
    expect(f['pdest/readonly']).toMatchObject({ mode: '0444' });
    expect(f['pdest/executable']).toMatchObject({ mode: '0755' });
    expect(f['pdest/dir/readonly']).toMatchObject({ mode: '0444' });
    expect(f.pdest).toMatchObject({ mode: '0750' });
  });
});
