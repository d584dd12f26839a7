/** walkCopyTree: what 2.14's action/copy.py _walk_dirs lists for a controller directory. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRemoteTree, planTreeSync, walkCopyTree, type RemoteEntry } from '../../../src/modules/lib/copy-tree.js';

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
    const out = 'd 750 0 0 4096 root root \0f 640 0 1 4 root daemon a b.conf\0\n--sums--\n' + `${'1'.repeat(64)}  ./a b.conf\0`;
    const t = parseRemoteTree(out);
    expect(t.get('')).toMatchObject({ type: 'd', mode: '0750' });
    expect(t.get('a b.conf')).toMatchObject({ type: 'f', mode: '0640', gid: 1, group: 'daemon', size: 4, sha256: '1'.repeat(64) });
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
});
