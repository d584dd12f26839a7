/** walkCopyTree: what 2.14's action/copy.py _walk_dirs lists for a controller directory. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { walkCopyTree } from '../../../src/modules/lib/copy-tree.js';

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
