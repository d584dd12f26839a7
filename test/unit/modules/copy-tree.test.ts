/** walkCopyTree: what 2.14's action/copy.py _walk_dirs lists for a controller directory. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRemoteTree, planTreeSync, remoteTreeListing, resolveIn, walkCopyTree, type RemoteEntry } from '../../../src/modules/lib/copy-tree.js';

let root: string;
let top: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'copy-tree-'));
  top = join(root, 'tree');
  mkdirSync(join(top, 'sub', 'deeper'), { recursive: true });
  mkdirSync(join(top, 'empty'));
  writeFileSync(join(top, 'a.conf'), 'a');
  writeFileSync(join(top, 'sub', 'b.conf'), 'b');
  writeFileSync(join(top, 'sub', 'deeper', 'c.conf'), 'c');
  symlinkSync('a.conf', join(top, 'to-file'));
  symlinkSync('nowhere', join(top, 'dangling'));
  symlinkSync('sub', join(top, 'to-sub'));
  // Circular: a link inside sub back to the top.
  symlinkSync('..', join(top, 'sub', 'up'));
  mkdirSync(join(root, 'outside'));
  writeFileSync(join(root, 'outside', 'o.conf'), 'o');
  symlinkSync('../outside', join(top, 'to-outside'));
});

const rels = (pairs: [string, string][]) => pairs.map(([, rel]) => rel).sort();

describe('walkCopyTree', () => {
  it('src/ lists the contents; src lists them under the directory name', () => {
    const inside = walkCopyTree(top, true, false);
    expect(rels(inside.files)).toEqual(['a.conf', 'sub/b.conf', 'sub/deeper/c.conf']);
    expect(rels(inside.directories)).toEqual(['empty', 'sub', 'sub/deeper']);
    const itself = walkCopyTree(top, false, false);
    expect(rels(itself.files)).toEqual(['tree/a.conf', 'tree/sub/b.conf', 'tree/sub/deeper/c.conf']);
    expect(rels(itself.directories)).toEqual(['tree/empty', 'tree/sub', 'tree/sub/deeper']);
  });

  it('local_follow false keeps every link as its text says', () => {
    const t = walkCopyTree(top, true, false);
    expect(t.symlinks.sort()).toEqual(
      [
        ['nowhere', 'dangling'],
        ['a.conf', 'to-file'],
        ['../outside', 'to-outside'],
        ['sub', 'to-sub'],
        ['..', 'sub/up'],
      ].sort(),
    );
  });

  it('local_follow true sends linked files, walks linked directories, keeps dangling and circular links', () => {
    const t = walkCopyTree(top, true, true);
    expect(t.files).toContainEqual([join(top, 'a.conf'), 'to-file']);
    expect(t.files).toContainEqual([join(root, 'outside', 'o.conf'), 'to-outside/o.conf']);
    // to-sub points into the tree (sub's own inode is not an ancestor of the link): walked as a copy.
    expect(rels(t.files)).toContain('to-sub/b.conf');
    expect(t.directories).toContainEqual([join(root, 'outside'), 'to-outside']);
    expect(t.symlinks).toContainEqual(['nowhere', 'dangling']);
    // sub/up leads back to the top: kept as a link, never walked.
    expect(t.symlinks).toContainEqual(['..', 'sub/up']);
    expect(rels(t.files).some((r) => r.startsWith('sub/up/'))).toBe(false);
  });

  it("a link to itself (a loop: stat fails with ELOOP) is kept as a link, as os.path.isdir/isfile say false (the copy target's `invalid`)", () => {
    const loop = join(root, 'loop');
    mkdirSync(loop);
    writeFileSync(join(loop, 'f'), 'f');
    symlinkSync('self', join(loop, 'self'));
    for (const follow of [false, true]) {
      const tree = walkCopyTree(loop, true, follow);
      expect(tree.symlinks).toEqual([['self', 'self']]);
      expect(rels(tree.files)).toEqual(['f']);
    }
  });

  it('a linked top is refused without local_follow (2.14 fails on it too)', () => {
    symlinkSync(top, join(root, 'top-link'));
    expect(() => walkCopyTree(join(root, 'top-link'), false, false)).toThrow(/local_follow is false/);
    expect(rels(walkCopyTree(join(root, 'top-link'), false, true).files)).toContain('top-link/a.conf');
  });
});

const entry = (type: string, mode: string, sha256?: string): RemoteEntry => ({ type, mode, uid: 0, gid: 0, owner: 'root', group: 'root', size: 1, sha256 });
const SRC = new Map<string, RemoteEntry>([
  ['', entry('d', '0750')],
  ['a.conf', entry('f', '0640', 'aa')],
  ['sub', entry('d', '0700')],
  ['sub/b.conf', entry('f', '0644', 'bb')],
  ['new', entry('d', '0755')],
  ['new/n.conf', entry('f', '0600', 'nn')],
  ['clash', entry('d', '0755')],
  ['clash/x', entry('f', '0644', 'xx')],
]);

describe('parseRemoteTree', () => {
  it('reads find -printf records and sha256sum -z lines, names with spaces kept', () => {
    const out =
      'd d 750 0 0 4096 root root \0f f 640 0 1 4 root daemon a b.conf\0l f 777 0 0 8 root root to a\0l N 777 0 0 4 root root gone\0' +
      '\n--links--\nto a\0a b.conf\0gone\0/nowhere\0\n--targets--\n600 4 ./to a\0\n--sums--\n' +
      `${'1'.repeat(64)}  ./a b.conf\0${'1'.repeat(64)}  ./to a\0`;
    const t = parseRemoteTree(out);
    expect(t.get('')).toMatchObject({ type: 'd', mode: '0750' });
    expect(t.get('a b.conf')).toMatchObject({ type: 'f', mode: '0640', gid: 1, group: 'daemon', size: 4, sha256: '1'.repeat(64) });
    // A link to a file: its text, and its target's mode, size and bytes; a dangling one: its text alone.
    expect(t.get('to a')).toMatchObject({ type: 'l', ttype: 'f', link: 'a b.conf', mode: '0600', size: 4, sha256: '1'.repeat(64) });
    expect(t.get('gone')).toMatchObject({ type: 'l', ttype: 'N', link: '/nowhere', mode: '0777' });
    expect(t.get('gone')).not.toHaveProperty('sha256');
  });
});

describe('remoteTreeListing', () => {
  it('lists a link to itself as a link with no sum (find -xtype fails on it: ELOOP), the rest as usual', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'copy-listing-')), 'src');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'f'), 'hi\n');
    symlinkSync('invalid', join(dir, 'sub', 'invalid'));
    symlinkSync('../f', join(dir, 'sub', 'to-f'));
    symlinkSync('nowhere', join(dir, 'gone'));
    const t = parseRemoteTree(execFileSync('sh', ['-c', remoteTreeListing(dir).text], { encoding: 'utf8' }));
    expect([...t.keys()].sort()).toEqual(['', 'f', 'gone', 'sub', 'sub/invalid', 'sub/to-f']);
    expect(t.get('sub/invalid')).toMatchObject({ type: 'l', ttype: 'L', link: 'invalid' });
    expect(t.get('sub/invalid')).not.toHaveProperty('sha256');
    const sum = '98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4';
    expect(t.get('f')).toMatchObject({ type: 'f', sha256: sum });
    expect(t.get('sub/to-f')).toMatchObject({ type: 'l', ttype: 'f', link: '../f', size: 3, sha256: sum });
    expect(t.get('gone')).toMatchObject({ type: 'l', ttype: 'N' });
  });
});

describe('planTreeSync', () => {
  it("a missing target is copied whole, directories with their modes (the root with mkdir's default when asked)", () => {
    const all = planTreeSync(SRC, null);
    expect(all.mkdirs).toEqual([
      ['', '0750'],
      ['clash', '0755'],
      ['new', '0755'],
      ['sub', '0700'],
    ]);
    expect(all.files.map(([r]) => r).sort()).toEqual(['a.conf', 'clash/x', 'new/n.conf', 'sub/b.conf']);
    expect(planTreeSync(SRC, null, 'default').mkdirs[0]).toEqual(['', undefined]);
  });

  it('into an existing target: names only src has, files whose bytes differ; clashing types left alone', () => {
    const dest = new Map<string, RemoteEntry>([
      ['', entry('d', '0755')],
      ['a.conf', entry('f', '0644', 'old')],
      ['sub', entry('d', '0755')],
      ['sub/b.conf', entry('f', '0600', 'bb')],
      ['clash', entry('f', '0644', 'zz')],
    ]);
    const s = planTreeSync(SRC, dest);
    expect(s.mkdirs).toEqual([['new', '0755']]);
    expect(s.files.map(([r, e]) => [r, e.mode])).toEqual([
      ['a.conf', '0640'],
      ['new/n.conf', '0600'],
    ]);
  });

  it("keeps src's times on what copytree makes (a whole target, a directory only src has), not on files copied alone", () => {
    expect(planTreeSync(SRC, null).timed).toEqual(['', 'a.conf', 'clash', 'clash/x', 'new', 'new/n.conf', 'sub', 'sub/b.conf']);
    // The root made by makedirs: its own files are copied alone, its directories by copytree.
    expect(planTreeSync(SRC, null, 'default').timed).toEqual(['clash', 'clash/x', 'new', 'new/n.conf', 'sub', 'sub/b.conf']);
    const dest = new Map<string, RemoteEntry>([
      ['', entry('d', '0755')],
      ['a.conf', entry('f', '0644', 'old')],
      ['sub', entry('d', '0755')],
    ]);
    expect(planTreeSync(SRC, dest).timed).toEqual(['clash', 'clash/x', 'new', 'new/n.conf']);
  });

  const link = (ttype: string, text: string, sha256?: string): RemoteEntry => ({ ...entry('l', '0600', sha256), ttype, link: text });
  const LINKED = new Map<string, RemoteEntry>([
    ['', entry('d', '0755')],
    ['f', entry('f', '0644', 'ff')],
    ['to-f', link('f', 'f', 'ff')],
    ['to-d', link('d', 'd')],
    ['gone', link('N', '/nowhere')],
    ['d', entry('d', '0755')],
    ['d/in-d', link('f', '../f', 'ff')],
    ['same', link('f', 'f', 'ff')],
    ['.git', entry('d', '0755')],
  ]);
  const DEST = new Map<string, RemoteEntry>([
    ['', entry('d', '0755')],
    ['same', entry('f', '0640', 'old')],
  ]);
  const view = (s: ReturnType<typeof planTreeSync>) => ({ files: s.files.map(([r, , m]) => [r, m]), links: s.links, skipped: s.skipped, refused: s.refused });

  it('links, local_follow unset: copytree keeps them, one only src has is skipped, one over a file is copied through', () => {
    expect(view(planTreeSync(LINKED, null))).toEqual({
      files: [['f', '0644']],
      links: [
        ['d/in-d', '../f'],
        ['gone', '/nowhere'],
        ['same', 'f'],
        ['to-d', 'd'],
        ['to-f', 'f'],
      ],
      skipped: [],
      refused: [],
    });
    const into = view(planTreeSync(LINKED, DEST));
    expect(into.skipped).toEqual(['gone', 'to-d', 'to-f']);
    expect(into.files).toEqual([
      ['f', '0644'],
      ['same', '0600'],
    ]);
    // d only src has: copytree, its link kept; .git: left out by dircmp.
    expect(into.links).toEqual([['d/in-d', '../f']]);
  });

  it('links, local_follow false: made as links; one over a file is refused (2.14 fails on it)', () => {
    const into = planTreeSync(LINKED, DEST, 'src', false);
    expect(into.links).toEqual([
      ['d/in-d', '../f'],
      ['to-d', 'd'],
      ['to-f', 'f'],
    ]);
    expect(into.skipped).toEqual(['gone']);
    expect(into.refused).toEqual(['same']);
  });

  it('links, local_follow true: a link to a file is copied as the file (a new one with the default mode); to a directory or nothing refused', () => {
    const into = planTreeSync(LINKED, DEST, 'src', true);
    expect(into.files.map(([r, , m]) => [r, m])).toEqual([
      ['d/in-d', '0600'],
      ['f', '0644'],
      ['same', '0600'],
      ['to-f', undefined],
    ]);
    expect(into.refused).toEqual(['to-d']);
    expect(into.skipped).toEqual(['gone']);
    expect(planTreeSync(LINKED, null, 'src', true).refused).toEqual(['gone', 'to-d']);
  });
});

describe('planTreeSync: copy_common_dirs', () => {
  const dir = (mode = '0755', real?: string): RemoteEntry => ({ ...entry('d', mode), ...(real ? { real } : {}) });
  const dirLink = (text: string, real: string): RemoteEntry => ({ ...entry('l', '0777'), ttype: 'd', link: text, real });

  it('walks a name both sides have as a directory through links, a link back to a walked directory walked once', () => {
    const src = new Map<string, RemoteEntry>([
      ['', dir('0755', '/s')],
      ['sub', dir()],
      ['sub/circles', dirLink('../', '/s')],
      ['sub/deep', dirLink('../other/deep', '/s/other/deep')],
      ['other', dir()],
      ['other/deep', dir()],
      ['other/deep/x', entry('f', '0644', 'xx')],
    ]);
    const same = new Map([...src].map(([k, e]) => [k, e.real ? { ...e, real: e.real.replace(/^\/s/, '/d') } : e]));
    const s = planTreeSync(src, same);
    expect([s.files, s.mkdirs, s.links, s.skipped, s.refused, s.need]).toEqual([[], [], [], [], [], []]);
    // dest's sub/deep leads to a directory that differs: written through the link's path, once.
    const dest = new Map(same);
    dest.set('sub/deep', dirLink('../elsewhere', '/d/elsewhere'));
    dest.set('elsewhere', dir('0755'));
    dest.set('elsewhere/x', entry('f', '0644', 'old'));
    const t = planTreeSync(src, dest);
    expect(t.files.map(([r, , m, before]) => [r, m, before])).toEqual([['sub/deep/x', '0644', 'old']]);
  });

  it('asks for a directory a link leads to outside the listings, and walks it once given', () => {
    const src = new Map<string, RemoteEntry>([
      ['', dir('0755', '/s')],
      ['ext', dirLink('/x', '/x')],
    ]);
    const dest = new Map<string, RemoteEntry>([
      ['', dir('0755', '/d')],
      ['ext', dir()],
    ]);
    expect(planTreeSync(src, dest).need).toEqual(['/x']);
    const ext = new Map<string, RemoteEntry>([
      ['', dir('0755', '/x')],
      ['n', entry('f', '0600', 'nn')],
    ]);
    const s = planTreeSync(src, dest, 'src', undefined, resolveIn([src, dest, ext]));
    expect(s.need).toEqual([]);
    expect(s.files.map(([r, , m]) => [r, m])).toEqual([['ext/n', '0600']]);
  });

  it('no deeper directory once something under a common directory differs (changed = changed or ...)', () => {
    const src = new Map<string, RemoteEntry>([
      ['', dir('0755', '/s')],
      ['top', entry('f', '0644', 'tt')],
      ['a', dir()],
      ['a/x', entry('f', '0644', 'xx')],
      ['a/c', dir()],
      ['a/c/z', entry('f', '0644', 'zz')],
      ['b', dir()],
      ['b/y', entry('f', '0644', 'yy')],
      ['b/c2', dir()],
      ['b/c2/w', entry('f', '0644', 'ww')],
    ]);
    const dest = new Map<string, RemoteEntry>([
      ['', dir('0755', '/d')],
      ['a', dir()],
      ['a/c', dir()],
      ['b', dir()],
      ['b/c2', dir()],
    ]);
    expect(planTreeSync(src, dest).files.map(([r]) => r)).toEqual(['a/x', 'b/y', 'top']);
    // Once a level holds nothing new, the next one down is walked.
    const after = new Map([...dest, ['a/x', src.get('a/x')!], ['b/y', src.get('b/y')!], ['top', src.get('top')!]]);
    expect(planTreeSync(src, after).files.map(([r]) => r)).toEqual(['a/c/z']);
  });
});

describe('remoteTreeListing: real paths', () => {
  it("gives root's real path and, for each link to a directory, the real path of that directory (a loop: none)", () => {
    const base = realpathSync(mkdtempSync(join(tmpdir(), 'copy-real-')));
    mkdirSync(join(base, 'src', 'sub'), { recursive: true });
    mkdirSync(join(base, 'out'));
    symlinkSync('../', join(base, 'src', 'sub', 'circles'));
    symlinkSync('../../out', join(base, 'src', 'sub', 'ext'));
    symlinkSync('loop', join(base, 'src', 'loop'));
    symlinkSync('src', join(base, 'via'));
    const t = parseRemoteTree(execFileSync('sh', ['-c', remoteTreeListing(join(base, 'via')).text], { encoding: 'utf8' }));
    expect(t.get('')?.real).toBe(join(base, 'src'));
    expect(t.get('sub/circles')).toMatchObject({ ttype: 'd', real: join(base, 'src') });
    expect(t.get('sub/ext')).toMatchObject({ ttype: 'd', real: join(base, 'out') });
    expect(t.get('loop')).not.toHaveProperty('real');
  });
});
