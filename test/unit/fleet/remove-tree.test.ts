/**
 * removeTree deletes a fleet tree even when a test left a file immutable or append-only
 * (differential-stat plants a `chattr +i` file on a host; a killed run would leave it in the
 * host's overlay upper directory, and `fleet up --fresh` / `down --purge` must still work).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeTree } from '../../../src/fleet/mounts.js';

/** chattr needs root and a filesystem with inode flags (ext4 here; not tmpfs). */
function flagged(): string | undefined {
  const root = mkdtempSync(join(tmpdir(), 'nm-remove-tree-'));
  mkdirSync(join(root, 'sub'));
  writeFileSync(join(root, 'sub', 'locked'), 'x\n');
  writeFileSync(join(root, 'append'), 'y\n');
  try {
    execFileSync('chattr', ['+i', join(root, 'sub', 'locked')], { stdio: 'ignore' });
    execFileSync('chattr', ['+a', join(root, 'append')], { stdio: 'ignore' });
    return root;
  } catch {
    execFileSync('rm', ['-rf', root]);
    return undefined;
  }
}

const tree = flagged();

describe('removeTree', () => {
  it.skipIf(tree === undefined)('clears chattr +i / +a and deletes the tree (skipped where the temp dir has no inode flags)', async () => {
    expect(execFileSync('lsattr', ['-d', join(tree!, 'sub', 'locked')], { encoding: 'utf8' })).toMatch(/^-*i/);
    await removeTree(tree!);
    expect(existsSync(tree!)).toBe(false);
  });
});
