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
import type { FileProbe } from '../../transport/remote-file.js';
import type { ModuleContext } from '../types.js';

/** What a path would be after the earlier tasks of a check run (attributes known only when a task set them). */
export interface PlannedState {
  type: 'file' | 'directory';
  /** A file's content, when a task would write it. */
  sha256?: string;
  mode?: string;
  owner?: string;
  group?: string;
  /**
   * A level above a directory a task creates: the task gives it its mode and owner only if it
   * is missing (mkdir -p semantics). Whether it is missing is read when a later task probes it;
   * the host does not change during a check run, so an existing path drops this state for good.
   */
  ifAbsent?: true;
}

export interface PlannedPaths {
  /** Remote directories earlier tasks would create on this host. */
  dirs: Set<string>;
  /** Remote files earlier tasks would create on this host (a command's `creates`). */
  files: Set<string>;
  /** Controller files a fetch would write (shared by every host of the run). */
  local: Set<string>;
  /** Remote paths an earlier task would create or change the attributes of: later plans start from this. */
  states: Map<string, PlannedState>;
  /** Groups earlier tasks would add on this host (a user task may name them). */
  groups: Set<string>;
}

export const emptyPlannedPaths = (local = new Set<string>()): PlannedPaths => ({ dirs: new Set(), files: new Set(), local, states: new Map(), groups: new Set() });

/**
 * A copy for a task forced into check mode (`check_mode: true`): it plans against what earlier
 * tasks would leave, but what it predicts never happens, not even in the real run, so later
 * tasks must not plan against it.
 */
export const scratchPlannedPaths = (p: PlannedPaths): PlannedPaths => ({
  dirs: new Set(p.dirs),
  files: new Set(p.files),
  local: new Set(p.local),
  states: new Map([...p.states].map(([k, v]) => [k, { ...v }])),
  groups: new Set(p.groups),
});

const norm = (p: string): string => posix.normalize(p).replace(/(.)\/+$/, '$1');

/** Record that a check-mode plan would create `dir` (and so every missing parent of it). */
export function planDirectoryCreation(ctx: ModuleContext, dir: string): void {
  if (!ctx.check) return;
  for (let d = norm(dir); d !== '/' && d !== '.'; d = posix.dirname(d)) ctx.planned.dirs.add(d);
}

/**
 * A `file: state=directory` task would create `dir` and each missing level above it with the
 * task's own mode and owner, as Ansible's file module does: a later task on such a level plans
 * from those attributes, not from mkdir's 0755. Levels an earlier task already creates keep theirs.
 */
export function planDirectoryLevels(ctx: ModuleContext, dir: string, s: Omit<PlannedState, 'ifAbsent'>): void {
  if (!ctx.check) return;
  for (let d = posix.dirname(norm(dir)); d !== '/' && d !== '.'; d = posix.dirname(d)) {
    if (!ctx.planned.dirs.has(d) && !ctx.planned.states.has(d)) ctx.planned.states.set(d, { ...s, ifAbsent: true });
  }
  planDirectoryCreation(ctx, dir);
  planPathState(ctx, dir, s);
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
  return fileWouldExist(ctx, path) || (ctx.check && ctx.planned.dirs.has(norm(posix.dirname(path))));
}

/** A missing remote file that an earlier task of this check run names exactly (a `creates:`, a copy, a touch). */
export function fileWouldExist(ctx: ModuleContext, path: string): boolean {
  const p = norm(path);
  return ctx.check && (ctx.planned.files.has(p) || ctx.planned.states.get(p)?.type === 'file');
}

/** A missing remote path that an earlier task of this check run would create, exactly there (a file, a directory, a `creates:`). */
export function pathWouldExist(ctx: ModuleContext, path: string): boolean {
  const p = norm(path);
  const s = ctx.planned.states.get(p);
  return ctx.check && (ctx.planned.files.has(p) || ctx.planned.dirs.has(p) || (s !== undefined && !s.ifAbsent));
}

/**
 * Record what a check-mode plan would leave at `path` (a new file or directory, or new
 * attributes): a later task on the same path plans against it, as the real run would.
 */
export function planPathState(ctx: ModuleContext, path: string, s: PlannedState): void {
  if (!ctx.check) return;
  const key = norm(path);
  const before = ctx.planned.states.get(key);
  ctx.planned.states.set(key, before && before.type === s.type ? { ...before, ...Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) } : s);
}

/** A check-mode plan would remove `path`: forget what earlier tasks would have left there. */
export function forgetPlannedPath(ctx: ModuleContext, path: string): void {
  if (!ctx.check) return;
  const key = norm(path);
  const under = (k: string): boolean => k === key || k.startsWith(`${key}/`);
  for (const k of [...ctx.planned.states.keys()]) if (under(k)) ctx.planned.states.delete(k);
  for (const set of [ctx.planned.files, ctx.planned.dirs]) for (const k of [...set]) if (under(k)) set.delete(k);
}

/** A path a task would create belongs to the user it runs as (group: that user's own group, as on Debian and RHEL). */
const newPath = (ctx: ModuleContext, p: FileProbe): FileProbe => ({ ...p, exists: true, size: 0, owner: ctx.identity ?? '', group: ctx.identity ?? '' });

/**
 * The probe as an earlier task of this check run would leave it: a missing path that a task
 * would create exists (new files 0644 and directories 0755 under the usual umask 022, unless
 * the task set a mode); attributes a task would set replace the ones read.
 */
export function plannedProbe(ctx: ModuleContext, p: FileProbe): FileProbe {
  if (!ctx.check) return p;
  for (const key of [norm(p.realPath), norm(p.path)]) if (p.exists && ctx.planned.states.get(key)?.ifAbsent) ctx.planned.states.delete(key);
  const s = ctx.planned.states.get(norm(p.realPath)) ?? ctx.planned.states.get(norm(p.path));
  if (s && (p.exists ? p.type === s.type : true)) {
    const base = p.exists ? p : { ...newPath(ctx, p), type: s.type, mode: s.type === 'directory' ? '0755' : '0644' };
    return { ...base, mode: s.mode ?? base.mode, owner: s.owner ?? base.owner, group: s.group ?? base.group, sha256: s.sha256 ?? base.sha256 };
  }
  if (!p.exists && ctx.planned.files.has(norm(p.realPath))) return { ...newPath(ctx, p), type: 'file', mode: '0644' };
  if (!p.exists && ctx.planned.dirs.has(norm(p.realPath))) return { ...newPath(ctx, p), type: 'directory', mode: '0755' };
  return p;
}

export function planLocalFile(ctx: ModuleContext, path: string): void {
  if (ctx.check) ctx.planned.local.add(resolve(path));
}

export function localFileWillExist(ctx: ModuleContext, path: string): boolean {
  return ctx.check && ctx.planned.local.has(resolve(path));
}
