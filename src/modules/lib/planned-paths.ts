/**
 * Check mode runs no task, so a directory that an earlier task would create does
 * not exist yet when a later task plans a file inside it. Without help, check
 * mode would fail there ("Destination directory does not exist") although the
 * real run succeeds; Ansible users know that false alarm well. Each host keeps,
 * for the check run, the directories earlier tasks would have created.
 */
import { posix } from 'node:path';
import type { ModuleContext } from '../types.js';

const norm = (p: string): string => posix.normalize(p).replace(/(.)\/+$/, '$1');

/** Record that a check-mode plan would create `dir` (and so every missing parent of it). */
export function planDirectoryCreation(ctx: ModuleContext, dir: string): void {
  if (!ctx.check) return;
  for (let d = norm(dir); d !== '/' && d !== '.'; d = posix.dirname(d)) ctx.plannedDirs.add(d);
}

/** The parent of `path` exists, or an earlier task of this check run would have created it. */
export function parentWillExist(ctx: ModuleContext, path: string, parentExists: boolean): boolean {
  return parentExists || (ctx.check && ctx.plannedDirs.has(norm(posix.dirname(path))));
}
