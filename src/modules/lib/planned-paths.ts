/**
 * Check mode runs no task, so what an earlier task would create does not exist
 * yet when a later task plans against it: a template into a new directory, a
 * fetch of a binary that a `creates:` build would produce, a copy of that fetched
 * file to the nodes. Without help each would fail or be skipped in check mode
 * while the real run changes it (Ansible users know that false report well).
 * The check run keeps what earlier tasks would have created, per host, and on
 * the controller for fetched files, and plans later tasks against it.
 */
import { posix, resolve } from 'node:path';
import type { ModuleContext } from '../types.js';

export interface PlannedPaths {
  /** Remote directories earlier tasks would create on this host. */
  dirs: Set<string>;
  /** Remote files earlier tasks would create on this host (a command's `creates`). */
  files: Set<string>;
  /** Controller files a fetch would write (shared by every host of the run). */
  local: Set<string>;
}

export const emptyPlannedPaths = (local = new Set<string>()): PlannedPaths => ({ dirs: new Set(), files: new Set(), local });

const norm = (p: string): string => posix.normalize(p).replace(/(.)\/+$/, '$1');

/** Record that a check-mode plan would create `dir` (and so every missing parent of it). */
export function planDirectoryCreation(ctx: ModuleContext, dir: string): void {
  if (!ctx.check) return;
  for (let d = norm(dir); d !== '/' && d !== '.'; d = posix.dirname(d)) ctx.planned.dirs.add(d);
}

/** A command that would run in check mode creates `path` (its `creates:`), and the directories above it. */
export function planFileCreation(ctx: ModuleContext, path: string): void {
  if (!ctx.check || !posix.isAbsolute(path) || /[*?[]/.test(path)) return;
  ctx.planned.files.add(norm(path));
  planDirectoryCreation(ctx, posix.dirname(path));
}

/** The parent of `path` exists, or an earlier task of this check run would have created it. */
export function parentWillExist(ctx: ModuleContext, path: string, parentExists: boolean): boolean {
  return parentExists || (ctx.check && ctx.planned.dirs.has(norm(posix.dirname(path))));
}

/**
 * A missing remote file that an earlier task of this check run would produce: named by
 * a `creates:`, or inside a directory such a task would create (a build's output dir).
 */
export function remoteFileWillExist(ctx: ModuleContext, path: string): boolean {
  return ctx.check && (ctx.planned.files.has(norm(path)) || ctx.planned.dirs.has(norm(posix.dirname(path))));
}

export function planLocalFile(ctx: ModuleContext, path: string): void {
  if (ctx.check) ctx.planned.local.add(resolve(path));
}

export function localFileWillExist(ctx: ModuleContext, path: string): boolean {
  return ctx.check && ctx.planned.local.has(resolve(path));
}
