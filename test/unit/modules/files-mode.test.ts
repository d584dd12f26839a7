/** Mode arithmetic the file modules plan with (checked against chmod(1) on the fleet elsewhere). */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyMode, chmodArgument, formatMode, modeArg, parseMode } from '../../../src/modules/lib/mode.js';
import { attrDelta, fixAttrsCommand } from '../../../src/modules/lib/attrs.js';
import { parseTree, planTree, TREE_FAILED, treeListing, treeTimesCommand, treeTimesListing } from '../../../src/modules/lib/file-tree.js';
import type { FileProbe } from '../../../src/transport/remote-file.js';
import file from '../../../src/modules/file.js';

const apply = (spec: string, cur: number, dir = false) => formatMode(applyMode(parseMode(spec), cur, dir));

describe('mode specs', () => {
  it('octal forms', () => {
    expect(apply('0644', 0o777)).toBe('0644');
    expect(apply('644', 0)).toBe('0644');
    expect(apply('04755', 0)).toBe('4755');
    expect(apply('0o700', 0)).toBe('0700');
  });

  it('symbolic: who defaults to a (umask ignored), several ops and clauses', () => {
    expect(apply('+x', 0o644)).toBe('0755');
    expect(apply('u+x,g-r', 0o644)).toBe('0704');
    expect(apply('u=rw,go=', 0o777)).toBe('0600');
    expect(apply('u+r-w', 0o200)).toBe('0400');
    expect(apply('a-w', 0o666)).toBe('0444');
    expect(apply('g=u', 0o740)).toBe('0770');
    expect(apply('o=g', 0o750)).toBe('0755');
  });

  it('X only for directories or already-executable files; s and t', () => {
    expect(apply('a+X', 0o644)).toBe('0644');
    expect(apply('a+X', 0o744)).toBe('0755');
    expect(apply('a+X', 0o644, true)).toBe('0755');
    expect(apply('u+s', 0o755)).toBe('4755');
    expect(apply('g+s', 0o755)).toBe('2755');
    expect(apply('+t', 0o777, true)).toBe('1777');
    expect(apply('u=rwx', 0o4755)).toBe('0755'); // = clears the class's special bit
  });

  it('rejects nonsense, and reads YAML 1.2 numbers as octal digits', () => {
    for (const bad of ['rwx', 'u+q', '0999', 'u+x,', '', 'z=r']) expect(() => parseMode(bad), bad).toThrow(/invalid mode/);
    expect(modeArg.parse(644)).toBe('644');
    expect(modeArg.safeParse(999).success).toBe(false);
    expect(modeArg.parse(' 0600 ')).toBe('0600');
  });

  it('chmod argument for new files has explicit who', () => {
    expect(chmodArgument(parseMode('+x,g-w'))).toBe('a+x,g-w');
    expect(chmodArgument(parseMode('644'))).toBe('0644');
  });
});

const probe = (over: Partial<FileProbe>): FileProbe => ({
  path: '/p',
  exists: true,
  type: 'file',
  mode: '0644',
  owner: 'root',
  group: 'root',
  uid: 0,
  gid: 0,
  size: 0,
  mtime: 0,
  atime: 0,
  ctime: 0,
  inode: 1,
  nlink: 1,
  rawMode: 0o100644,
  dev: 1,
  blocks: 0,
  blockSize: 4096,
  rdev: 0,
  realPath: '/p',
  parentExists: true,
  ...over,
});

describe('attribute deltas', () => {
  it('compares by name or numeric id and builds one quoted command', () => {
    expect(attrDelta(probe({}), { owner: '0', group: 'root', mode: '0644' }).changed).toBe(false);
    const d = attrDelta(probe({}), { owner: 'ops', mode: 'g+w' });
    expect(d).toMatchObject({ changed: true, before: { owner: 'root', mode: '0644' }, after: { owner: 'ops', mode: '0664' } });
    expect(String(fixAttrsCommand("/a b/it's", d))).toBe(`chown -- ops '/a b/it'"'"'s' && chmod -- 00664 '/a b/it'"'"'s'`);
  });
});

describe('recursive plan', () => {
  it('counts differing entries and emits one find per (type, current mode)', () => {
    const groups = parseTree('      3 f 600 0 0 root root\n      2 d 755 0 0 root root\n      1 f 640 1000 1000 ops ops\n');
    const plan = planTree('/t', groups, { mode: 'u=rwX,g=rX,o=', owner: 'ops' });
    expect(plan.changed).toBe(5);
    const cmd = String(plan.command);
    expect(cmd).toContain(`find /t -mindepth 1 ! -type l \\( ! -user ops \\) -exec chown -- ops {} +`);
    expect(cmd).toContain('-type f -perm 0600 -exec chmod -- 00640');
    expect(cmd).toContain('-type d -perm 0755 -exec chmod -- 00750');
    expect(cmd).not.toContain('-perm 0640');
    expect(planTree('/t', parseTree('1 f 640 1000 1000 ops ops'), { mode: '0640', owner: 'ops' }).command).toBeNull();
  });

  it('gives links their own owner (chown -h) and never a mode; with follow every find goes through them (-L)', () => {
    const groups = parseTree('      2 l 777 0 0 root root\n      1 f 700 0 0 root root\n');
    // A mode alone: the links are no change (no lchmod), the file is.
    const modeOnly = planTree('/t', groups, { mode: 'a-x' }, true);
    expect(modeOnly.changed).toBe(1);
    expect(String(modeOnly.command)).toBe('find -L /t -mindepth 1 -type f -perm 0700 -exec chmod -- 00600 {} +');
    expect(planTree('/t', parseTree('2 l 777 0 0 root root'), { mode: 'a-x' }).command).toBeNull();
    const owned = planTree('/t', groups, { owner: 'ops' }, true);
    expect(owned.changed).toBe(3);
    expect(String(owned.command)).toBe('find -L /t -mindepth 1 -xtype l -exec chown -h -- ops {} + && find -L /t -mindepth 1 ! -type l \\( ! -user ops \\) -exec chown -- ops {} +');
    expect(String(planTree('/t', groups, { owner: 'ops' }).command)).toContain('find /t -mindepth 1 -type l -exec chown -h -- ops {} +');
    // Links already the owner's: no change.
    expect(planTree('/t', parseTree('2 l 777 1000 1000 ops ops'), { owner: 'ops' }).command).toBeNull();
  });

  it('lists entries and links, and marks a walk find could not finish', () => {
    expect(String(treeListing('/t', true))).toContain('find -L /t -mindepth 1 ! -type l -printf');
    expect(String(treeListing('/t', true))).toContain("find -L /t -mindepth 1 -xtype l -exec stat -c 'l %a %u %g %U %G'");
    expect(String(treeListing('/t'))).toContain('find /t -mindepth 1 -type l -exec stat');
    expect(String(treeListing('/t'))).toContain(`|| echo ${TREE_FAILED}`);
  });
});

describe('recursive times', () => {
  it('one find per time, through the links (touch follows them); now alone is one touch', () => {
    expect(treeTimesCommand('/t', false, { m: null, a: null })).toBeNull();
    expect(String(treeTimesCommand('/t', true, { m: 'now', a: 'now' }))).toBe('find -L /t -mindepth 1 -exec touch -c -- {} +');
    expect(String(treeTimesCommand('/t', false, { m: 1644329640, a: null }))).toBe('find /t -mindepth 1 -exec touch -c -m -d @1644329640 -- {} +');
    expect(String(treeTimesCommand('/t', false, { m: 'now', a: 5 }))).toBe('find /t -mindepth 1 -exec touch -c -m -- {} + && find /t -mindepth 1 -exec touch -c -a -d @5 -- {} +');
  });

  it("counts the entries whose followed times differ, and names a link that leads nowhere (run here with this machine's sh)", () => {
    const root = mkdtempSync(join(tmpdir(), 'nm-treetimes-'));
    try {
      const t = join(root, 't');
      mkdirSync(join(t, 'sub'), { recursive: true });
      mkdirSync(join(root, 'out'));
      for (const f of ['t/a', 't/sub/b', 'tf', 'out/x']) writeFileSync(join(root, f), '');
      symlinkSync('../tf', join(t, 'l'));
      symlinkSync('../out', join(t, 'ld'));
      for (const f of ['t/a', 't/sub', 't/sub/b', 'tf', 'out', 'out/x']) utimesSync(join(root, f), 1000, 1000);
      // a at the time asked for, sub/b in the same second with a fraction (a float that differs).
      utimesSync(join(root, 't/a'), 1000, 2000);
      utimesSync(join(root, 't/sub/b'), 1000, 2000.5);
      const secs = execFileSync('date', ['-d', '1970-01-01 00:33:20', '+%s'], { encoding: 'utf8' }).trim();
      const spec = { m: { text: '1970-01-01 00:33:20' }, a: null };
      const run = (follow: boolean) =>
        execFileSync('sh', ['-c', String(treeTimesListing(t, follow, spec))], { encoding: 'utf8' })
          .trim()
          .split('\n');
      // The time is read in the machine's zone: only where that is UTC does t/a's mtime match.
      const off = Number(secs) === 2000 ? 0 : 1;
      // a, sub, sub/b, l (tf), ld (out): 5; with follow out/x too.
      expect(run(false)).toEqual(['@@treetimes', `${4 + off} 5`, '@@treedangling']);
      expect(run(true)).toEqual(['@@treetimes', `${5 + off} 6`, '@@treedangling']);
      symlinkSync('nothere', join(t, 'sub', 'gone'));
      expect(run(false)).toEqual(['@@treetimes', `${4 + off} 5`, '@@treedangling', join(t, 'sub', 'gone')]);
      expect(run(true)[3]).toBe(join(t, 'sub', 'gone'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('file times and states', () => {
  it('takes times with every state, as 2.14 does (link, hard: on the inode; absent: ignored), and without state', () => {
    for (const state of ['link', 'hard']) expect(file.schema.safeParse({ path: '/l', src: '/t', state, modification_time: 'now' }).success, state).toBe(true);
    expect(file.schema.safeParse({ path: '/l', state: 'absent', modification_time: 'now', access_time: '2022' }).success).toBe(true);
    expect(file.schema.safeParse({ path: '/l', modification_time: 'now', access_time: 'preserve' }).success).toBe(true);
    expect(file.schema.safeParse({ path: '/d', state: 'directory', recurse: true, modification_time: 'now' }).success).toBe(true);
  });
});
