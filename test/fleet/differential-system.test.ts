/**
 * find, modprobe and mount (issue 13) through ansible-playbook and nodemend on node30 (the
 * Ansible system-modules differential host): same registered results (the documented keys),
 * files and changed flags in check mode, the first run and a rerun.
 *
 * find reads one shared tree planted here before both tools run (fixed modes and mtimes, every
 * file read once so relatime leaves atimes alone): so both tools' `files` lists are compared whole,
 * inode, device and times included.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS, hostRoot } from '../setup/fleet.js';
import { MOUNT_LOG, MOUNT_TABLE_DIR, plantMountStandins } from '../setup/system-standins.js';

const HOST = HOSTS.ansibleSystem[0];
const d = differential(HOST, 'system');

const TREE = '/tmp/nm-find-tree';
const DAY = 86400;

/** The find tree on the host: name -> content (a string), a directory, or a symlink. */
function plantTree(): void {
  const root = join(hostRoot(HOST), TREE);
  rmSync(root, { recursive: true, force: true });
  const now = Math.floor(Date.now() / 1000);
  const files: [string, string | Buffer, number, number][] = [
    // path, content, mode, age in days
    ['a.log', 'error: disk full\nok\n', 0o644, 10],
    ['b.txt', 'hello\n', 0o600, 1],
    ['.hidden.log', 'error: hidden\n', 0o644, 10],
    ['crlf.conf', 'key=1\r\nerror: crlf\r\n', 0o640, 3],
    ['bin.dat', Buffer.from([0xff, 0xfe, 0x00, 0x65, 0x72]), 0o644, 20],
    ['big.log', 'x'.repeat(3000) + '\n', 0o644, 2],
    ['sub/c.log', 'error: in sub\n', 0o755, 8],
    ['sub/deep/d.log', 'fine\n', 0o644, 30],
    ['.hdir/e.log', 'error: in a hidden dir\n', 0o644, 6],
    ['sub/multi.txt', 'first\nsecond line\n', 0o4755, 4],
  ];
  for (const [rel, content, mode] of files) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
    chmodSync(join(root, rel), mode);
  }
  symlinkSync('sub', join(root, 'link-to-sub'));
  symlinkSync('nowhere', join(root, 'broken'));
  // Fixed mtimes; then one read, so the atime is past the ctime and relatime keeps it (both tools read these files).
  for (const [rel, , , age] of files) utimesSync(join(root, rel), now - age * DAY + 3600, now - age * DAY);
  for (const [rel] of files) readFileSync(join(root, rel));
}

const findCase = d.case('find: patterns, excludes, contains, type, recurse, depth, age, size, hidden, follow, checksum', {
  vars: { tree: TREE },
  tasks: `
    - name: the top level's files
      find: { paths: "{{ tree }}" }
      register: f_top
    - name: globs, recursing (a hidden directory is walked, only hidden names are left out)
      find: { paths: "{{ tree }}", patterns: ["*.log", "*.txt"], recurse: true }
      register: f_glob
    - name: regexes and excludes
      ansible.builtin.find: { paths: "{{ tree }}", patterns: '^[a-c]', excludes: 'b.*', use_regex: true, recurse: yes }
      register: f_regex
    - name: contents matched from the start of a line
      find: { paths: "{{ tree }}", contains: 'error: \\w+', recurse: true, hidden: true }
      register: f_contains
    - name: contents of the whole file
      find: { paths: "{{ tree }}", contains: 'first\\nsecond', read_whole_file: true, recurse: true }
      register: f_whole
    - name: older than five days, by mtime
      find: { paths: "{{ tree }}", age: 5d, recurse: true }
      register: f_old
    - name: newer than five days
      find: { paths: "{{ tree }}", age: -5d, recurse: true }
      register: f_new
    - name: at least 1k, and at most 10 bytes
      find: { paths: "{{ tree }}", size: 1k, recurse: true }
      register: f_big
    - name: small files
      find: { paths: "{{ tree }}", size: "-10", recurse: true, hidden: true }
      register: f_small
    - name: directories to depth 1, hidden included
      find: { paths: "{{ tree }}", file_type: directory, recurse: true, depth: 1, hidden: true }
      register: f_dirs
    - name: anything at the top, with checksums
      find: { paths: "{{ tree }}", file_type: any, get_checksum: true, hidden: true }
      register: f_any
    - name: links, following them
      find: { paths: "{{ tree }}", file_type: any, recurse: true, follow: true }
      register: f_follow
    - name: links only
      find: { paths: "{{ tree }}", file_type: link, recurse: true }
      register: f_links
    - name: a comma-separated list with a missing path and a file
      find: { paths: "{{ tree }}/sub,{{ tree }}/missing,{{ tree }}/b.txt" }
      register: f_missing
    - name: key=value arguments
      find: paths={{ tree }}/sub patterns=*.log,*.txt recurse=yes
      register: f_kv
  `,
});

const GONE = '/tmp/nm-mount-gone';
const FSTAB = [
  '# /etc/fstab: static file system information.',
  'UUID=1234 / ext4 errors=remount-ro 0 1',
  'UUID=5678 /boot ext4 defaults 0 2',
  '/dev/sdc1 /var/lib/docker xfs defaults 0 0',
  '/dev/sdd1 /srv ext4 defaults',
  `/dev/sde1 ${GONE} ext4 defaults 0 0`,
  'server:/export /old nfs ro 0 0',
  '/dev/sdf1 none swap sw 0 0',
  '',
].join('\n');

const mountCase = d.case('mount: fstab lines (present, absent) for real; mounting states against util-linux stand-ins', {
  paths: [MOUNT_LOG, MOUNT_TABLE_DIR, GONE],
  files: { fstab: FSTAB, 'mnt/data': { dir: true } },
  tasks: `
    - name: a new line
      ansible.posix.mount: { path: "{{ dir }}/mnt/data", src: /dev/sdb1, fstype: ext4, opts: "noatime,nodev", state: present, fstab: "{{ dir }}/fstab" }
      register: m_new
    - name: a changed line, with a backup
      mount: { path: /var/lib/docker, src: /dev/sdc1, fstype: xfs, opts: "defaults,pquota", state: present, fstab: "{{ dir }}/fstab", backup: true }
      register: m_change
    - name: already there
      mount: { name: /boot, src: UUID=5678, fstype: ext4, passno: 2, state: present, fstab: "{{ dir }}/fstab" }
      register: m_same
    - name: a four-field line gains dump and passno
      mount: path=/srv src=/dev/sdd1 fstype=ext4 state=present fstab={{ dir }}/fstab
      register: m_short
    - name: spaces and ampersands escaped, boot false adds noauto
      mount: { path: "/mnt/my disk", src: "//server/share name", fstype: cifs, opts: "credentials=/root/c&d", boot: false, state: present, fstab: "{{ dir }}/fstab" }
      register: m_escape
    - name: removed from fstab only
      mount: { path: /old, state: absent_from_fstab, fstab: "{{ dir }}/fstab" }
      register: m_from_fstab
    - name: absent removes the line and the mount point
      mount: { path: ${GONE}, state: absent, fstab: "{{ dir }}/fstab" }
      register: m_absent
    - name: a path nobody mounted is left alone
      mount: { path: "{{ dir }}/mnt/data", state: unmounted }
      register: m_unmounted_noop
    - name: a mounted path is unmounted (umount stand-in)
      mount: { path: /proc, state: unmounted }
      register: m_unmounted
    - name: remounted (mount -o remount stand-in)
      mount: { path: /proc, state: remounted }
      register: m_remounted
    - name: mounted makes the mount point, the line, then mounts
      mount: { path: "{{ dir }}/mnt/new/deep", src: tmpfs, fstype: tmpfs, opts: "size=1m", state: mounted, fstab: "{{ dir }}/fstab" }
      register: m_mounted
    - name: a failed mount puts the fstab and the directories back
      mount: { path: "{{ dir }}/mnt/bad/deep", src: /dev/nm-missing, fstype: ext4, state: mounted, fstab: "{{ dir }}/fstab" }
      register: m_failed
      ignore_errors: true
  `,
});

beforeAll(() => {
  plantTree();
  const root = hostRoot(HOST);
  plantMountStandins(root);
  mkdirSync(join(root, GONE), { recursive: true });
  return d.run();
}, 900_000);

const FIND_REGS = ['f_top', 'f_glob', 'f_regex', 'f_contains', 'f_whole', 'f_old', 'f_new', 'f_big', 'f_small', 'f_dirs', 'f_any', 'f_follow', 'f_links', 'f_missing', 'f_kv'];
const FIND_KEYS = ['files', 'matched', 'examined', 'skipped_paths', 'msg', 'changed'];
/** nodemend names a backup FILE.YYYYMMDDTHHMMSS~ (remote-file.ts BACKUP_FN), Ansible FILE.PID.DATE@TIME~ (which the harness reads as FILE.<backup>~). */
const NM_BACKUP = /\.\d{8}T\d{6}(\.\d+)?~/g;
const sameBackupName = <T>(v: T): T => JSON.parse(JSON.stringify(v).replace(NM_BACKUP, '.<backup>~')) as T;
const MOUNT_REGS = ['m_new', 'm_change', 'm_same', 'm_short', 'm_escape', 'm_from_fstab', 'm_absent', 'm_unmounted_noop', 'm_unmounted', 'm_remounted', 'm_mounted', 'm_failed'];
const MOUNT_KEYS = ['changed', 'failed', 'name', 'src', 'fstype', 'opts', 'dump', 'passno', 'fstab', 'boot', 'backup_file', 'warnings'];
const pick = (r: Record<string, unknown> | null | undefined, keys: string[]) => Object.fromEntries(keys.filter((k) => r && k in r).map((k) => [k, r![k]]));
/** Files in a stable order: the tools agree on the set; their order is each directory's readdir order. */
const byPath = (r: Record<string, unknown>) => ({ ...r, files: [...((r.files as { path: string }[]) ?? [])].sort((x, y) => x.path.localeCompare(y.path)) });

describe.each(MODES)('%s', (mode) => {
  it('find: same files (every stat field), matched, examined, skipped_paths, msg', () => {
    for (const r of FIND_REGS) {
      const a = findCase.ansible[mode].registered[r] as Record<string, unknown>;
      expect(a, `${r}: Ansible registered nothing`).toBeTruthy();
      expect(byPath(pick(findCase.nodemend[mode].registered[r], FIND_KEYS)), r).toEqual(byPath(pick(a, FIND_KEYS)));
    }
  });
  it('mount: same registered args, changed, failed and msg', () => {
    for (const r of MOUNT_REGS) {
      const a = mountCase.ansible[mode].registered[r] as Record<string, unknown>;
      expect(a, `${r}: Ansible registered nothing`).toBeTruthy();
      const n = sameBackupName(mountCase.nodemend[mode].registered[r] as Record<string, unknown>);
      const keys = MOUNT_KEYS.filter((k) => k in a || k === 'failed');
      const get = (x: Record<string, unknown>, k: string) => (k === 'failed' ? Boolean(x?.failed) : x?.[k]);
      expect(Object.fromEntries(keys.map((k) => [k, get(n, k)])), r).toEqual(Object.fromEntries(keys.map((k) => [k, get(a, k)])));
    }
  });
  it('mount: same fstab, backup, mount points and stand-in calls', () => {
    expect(mountCase.nodemend[mode].files, mountCase.nodemend[mode].output).toEqual(mountCase.ansible[mode].files);
    expect(mountCase.nodemend[mode].tasks, mountCase.nodemend[mode].output).toEqual(mountCase.ansible[mode].tasks);
  });
  it('find: same tasks and changed flags (never changed)', () => {
    expect(findCase.nodemend[mode].tasks, findCase.nodemend[mode].output).toEqual(findCase.ansible[mode].tasks);
    expect(Object.values(findCase.nodemend[mode].changed).some(Boolean)).toBe(false);
  });
});

it('find: the results are the ones the tree implies', () => {
  const reg = findCase.nodemend.run.registered;
  const paths = (r: string) => ((reg[r].files as { path: string }[]) ?? []).map((f) => f.path.slice(TREE.length + 1)).sort();
  expect(paths('f_top')).toEqual(['a.log', 'b.txt', 'big.log', 'bin.dat', 'crlf.conf']);
  expect(paths('f_glob')).toEqual(['.hdir/e.log', 'a.log', 'b.txt', 'big.log', 'sub/c.log', 'sub/deep/d.log', 'sub/multi.txt']);
  expect(paths('f_contains')).toEqual(['.hdir/e.log', '.hidden.log', 'a.log', 'crlf.conf', 'sub/c.log']);
  expect(paths('f_whole')).toEqual(['sub/multi.txt']);
  expect(paths('f_big')).toEqual(['big.log']);
  expect(paths('f_dirs')).toEqual(['.hdir', 'sub']);
  expect(paths('f_links')).toEqual(['broken', 'link-to-sub']);
  expect(paths('f_follow')).toContain('link-to-sub/deep/d.log');
  expect(reg.f_missing.skipped_paths).toEqual({ [`${TREE}/missing`]: `'${TREE}/missing' is not a directory`, [`${TREE}/b.txt`]: `'${TREE}/b.txt' is not a directory` });
  const any = (reg.f_any.files as Record<string, unknown>[]).find((f) => f.path === `${TREE}/b.txt`);
  expect(any).toMatchObject({ mode: '0600', isreg: true, checksum: 'f572d396fae9206628714fb2ce00f72e94f2258f', size: 6 });
  const suid = (reg.f_glob.files as Record<string, unknown>[]).find((f) => f.path === `${TREE}/sub/multi.txt`);
  expect(suid).toMatchObject({ mode: '4755', isuid: true, xoth: true });
});

it('mount: the fstab lines and commands are the ones the module writes and runs', () => {
  const run = mountCase.nodemend.run;
  const fstab = (run.files.fstab as { content: string }).content;
  expect(fstab).toContain('/dev/sdb1 <dir>/mnt/data ext4 noatime,nodev 0 0\n');
  expect(fstab).toContain('/dev/sdc1 /var/lib/docker xfs defaults,pquota 0 0\n');
  expect(fstab).toContain('/dev/sdd1 /srv ext4 defaults 0 0\n');
  expect(fstab).toContain('//server/share\\040name /mnt/my\\040disk cifs credentials=/root/c\\046d,noauto 0 0\n');
  expect(fstab).not.toContain('/old');
  expect(fstab).not.toContain(GONE);
  expect(fstab).not.toContain('nm-missing');
  expect(run.files[GONE]).toEqual({ type: 'absent' });
  expect(run.registered.m_change.backup_file).toMatch(/^<dir>\/fstab\.\d{8}T\d{6}~$/);
  expect(run.files['mnt/bad']).toBeUndefined();
  expect(run.registered.m_failed.msg).toMatch(/^Error mounting <dir>\/mnt\/bad\/deep: mount: <dir>\/mnt\/bad\/deep: special device \/dev\/nm-missing does not exist\./);
  const log = (run.files[MOUNT_LOG] as { content: string }).content;
  expect(log).toContain('umount /proc\n');
  expect(log).toContain('mount -o remount /proc\n');
  expect(log).toContain('mount -T <dir>/fstab <dir>/mnt/new/deep\n');
  expect(mountCase.nodemend.rerun.changed).toMatchObject({ 'a new line': false, 'already there': false, 'absent removes the line and the mount point': false });
});
