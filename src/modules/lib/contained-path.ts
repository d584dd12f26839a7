/**
 * Controller paths built from what a host or a playbook value says (fetch's `dest/<host>/<src>`):
 * refused unless they stay inside the directory the user named, symlinks included. A host
 * that prints `../` or names itself `../../x` must not write anywhere the controller can.
 */
import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { ModuleFailure } from '../types.js';

const inside = (root: string, p: string): boolean => {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** `target` resolved, once checked to be inside `root` both as written and through any symlink that exists today. */
export async function containedPath(root: string, target: string, what: string): Promise<string> {
  const rootAbs = resolve(root);
  const abs = resolve(target);
  if (!inside(rootAbs, abs)) throw new ModuleFailure(`refusing to write ${what} outside ${rootAbs}: ${abs}`);
  // The deepest part of the path that exists decides where a write really lands.
  let existing = abs;
  while (existing !== rootAbs && !(await exists(existing))) existing = dirname(existing);
  if (existing === rootAbs) return abs;
  const rootReal = await realpath(rootAbs);
  let real: string;
  try {
    real = await realpath(existing);
  } catch {
    throw new ModuleFailure(`refusing to write ${what} through the dangling symlink ${existing}`);
  }
  if (!inside(rootReal, real)) throw new ModuleFailure(`refusing to write ${what} outside ${rootAbs}: ${existing} is a symlink to ${real}`);
  return abs;
}

/** A host name used as one directory under a controller path: one plain component. */
export function safeComponent(name: string, what: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new ModuleFailure(`refusing ${what} ${JSON.stringify(name)}: it must be a single path component`);
  }
  return name;
}
