/**
 * The plan shared by copy and template: make one remote file hold given bytes with given
 * attributes. Plan = one probe that compares sha256 on the host (old bytes come back only
 * for --diff, and only when they differ); apply = one atomic write, or one chown/chmod
 * when only attributes differ.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { sh } from '../../transport/quote.js';
import { probeAndWrite, probeFile, sha256, writeFileAtomic, type FileProbe, type ProbedWrite, type WriteIfDifferent } from '../../transport/remote-file.js';
import { textInputLines } from '../../transport/persistent-shell.js';
import { ModuleFailure, type FileDiff, type ModuleContext, type Plan } from '../types.js';
import { ansibleAttrPair, assertOwnersExist, attrDelta, attrDiff, describeAttrs, fileWriteOptions, fixAttrsCommand, seArgs, type WantedAttrs } from './attrs.js';
import type { SeArgs } from '../../transport/selinux-label.js';
import { contentDiff, MAX_DIFF_BYTES } from './diff.js';
import { parentWillExist, plannedProbe, planPathState } from './planned-paths.js';
import { applyMode, formatMode, parseMode } from './mode.js';
import { remote, run } from './remote.js';
import { validationFailure } from './validate.js';
import { pathInfo } from './path-info.js';

export interface PutSource {
  /** The bytes to write (absent for a remote source that is too large to diff). */
  bytes?: Buffer;
  sha256: string;
  size: number;
  /** Copy this file on the host instead of sending bytes (copy remote_src). */
  remotePath?: string;
  /** Stream this controller file instead of holding its bytes (a large copy src). */
  localPath?: string;
  /** Ansible's sha1 `checksum` and md5 `md5sum` of the source, read where its bytes are not at hand (remote_src, a large src). */
  sums?: { checksum: string; md5sum: string };
}

export interface PutOptions extends WantedAttrs {
  dest: string;
  backup: boolean;
  /** false: leave an existing file alone, whatever its content. */
  force: boolean;
  /** Write through a symlink at dest (true) or replace the link (false, Ansible's default). */
  follow: boolean;
  /** File name to use when dest is a directory (basename of src); none for inline content. */
  srcName?: string;
  /** Ansible's `validate`: a command with %s run on the temp file before the rename. */
  validate?: string;
  /**
   * copy's remote_src: Ansible's action plugin hands the task to the copy module itself, whose
   * result is the same in every mode (dest, src, both sums, dest's stat as it then is); otherwise
   * the action plugin answers --check alone, with nothing about the file.
   */
  remoteSrc?: boolean;
  /**
   * The `after_header` of the `diff` Ansible's action registers for a content change: the source file
   * it read (copy's src as found on the controller; for content and template a temp file of its own,
   * named here by what nodemend has: "dynamically generated", the template's path).
   */
  diffSource?: string;
  /**
   * assemble's action (a controller src): it compares dest's sha1 with that of the temp file's *path*
   * (checksum_s), so it always runs the copy module and registers its result (md5sum and all, no
   * `path`), and under --diff _get_diff_data's dict even when the content is the same (none without
   * --diff); never the file module's keys or pair.
   */
  alwaysCopies?: boolean;
  /**
   * The task is one file whose plan nothing else reads before its apply (copy of one file, template,
   * no `attributes`): in a run (ctx.writesInPlan) its probe may write it in the same round trip (probeAndWrite).
   */
  writeWithProbe?: boolean;
  /**
   * How a validate that refused the file fails ('copy' unless said), and 'assemble': modules/assemble.py's
   * words, and on a write it passed the `validation` it registers ({rc, stdout, stderr}).
   */
  validateStyle?: 'copy' | 'assemble';
}

/** The arguments copy and template share with Ansible's of the same names, as PutOptions (srcName, copy's `preserve` mode: the module's). */
export function putOptions(a: Omit<PutOptions, 'srcName' | 'se'> & SeArgs): PutOptions {
  return { dest: a.dest, mode: a.mode, owner: a.owner, group: a.group, se: seArgs(a), backup: a.backup, force: a.force, follow: a.follow, validate: a.validate };
}

/** The message of a plan that leaves an existing file alone (force: false): copy's action plugin runs no module for it. */
export const KEPT_BY_FORCE = 'file already exists (force: false)';

export function bytesSource(bytes: Buffer): PutSource {
  return { bytes, sha256: sha256(bytes), size: bytes.length };
}

/** Ansible's copy/template name the source's sha1 `checksum` and its md5 `md5sum`. */
function ansibleSums(src: PutSource): Record<string, string> {
  if (src.sums) return src.sums;
  if (!src.bytes) return {};
  return { checksum: createHash('sha1').update(src.bytes).digest('hex'), md5sum: createHash('md5').update(src.bytes).digest('hex') };
}

/** 2.14's MAX_FILE_SIZE_FOR_DIFF: a side larger than this registers `dst_larger` / `src_larger` instead of its text. */
const ANSIBLE_MAX_DIFF_SIZE = 104448;

/**
 * The one dict action/__init__.py's _get_diff_data gives for a content change under --diff: dest
 * (read through a link, as the file module's _diff_peek and slurp do) as `before` with
 * `before_header`, `""` when absent, `dst_binary` (a NUL in its first 8 KiB) or `dst_larger`; the
 * source as `after` with `after_header`, or `src_larger` / `src_binary` (a NUL anywhere).
 */
function ansibleDiffData(path: string, probe: FileProbe, before: Buffer | undefined, binaryHead: boolean, src: PutSource, header: string): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  if (!probe.exists) d.before = '';
  else if (binaryHead || before?.subarray(0, 8192).includes(0)) d.dst_binary = 1;
  else if (probe.size > ANSIBLE_MAX_DIFF_SIZE || !before) d.dst_larger = ANSIBLE_MAX_DIFF_SIZE;
  else Object.assign(d, { before_header: path, before: before.toString('utf8') });
  if (src.size > ANSIBLE_MAX_DIFF_SIZE || !src.bytes) d.src_larger = ANSIBLE_MAX_DIFF_SIZE;
  else if (src.bytes.includes(0)) d.src_binary = 1;
  else Object.assign(d, { after_header: header, after: src.bytes.toString('utf8') });
  return d;
}

/**
 * The write a run's probe may do at once (probeAndWrite): a file the plan below writes whatever its probe
 * says beyond what the host checks itself (no symlink; nothing there and its directory present, or a
 * regular file with other bytes). Only small text in memory (the persistent shell reads it by builtins:
 * a rerun that writes nothing pays no process for it) and options that do not depend on the probe
 * (an octal or no mode, no SELinux parts, no validate); never under --diff, --check or a saved plan.
 */
function writeWithProbe(ctx: ModuleContext, src: PutSource, o: PutOptions, makeParents: boolean): WriteIfDifferent | undefined {
  if (!o.writeWithProbe || !ctx.writesInPlan || ctx.check || ctx.diff || o.remoteSrc || o.alwaysCopies || o.validate !== undefined) return undefined;
  if (!src.bytes || src.remotePath !== undefined || src.localPath !== undefined || textInputLines(src.bytes) === 0) return undefined;
  if (Object.values(o.se ?? {}).some((v) => v !== undefined)) return undefined;
  if (o.mode !== undefined && parseMode(o.mode).kind !== 'octal') return undefined;
  return { content: src.bytes, opts: { ...fileWriteOptions(o, NOTHING), makeParents }, replace: o.force };
}

/** What fileWriteOptions needs of a path before its probe: nothing there. */
const NOTHING = { exists: false, type: 'absent' } as FileProbe;

/** In check mode the probe shows what earlier tasks of the run would have left at `path`. */
async function probeDest(ctx: ModuleContext, path: string, src: PutSource, o: PutOptions, makeParents: boolean): Promise<ProbedWrite> {
  const w = writeWithProbe(ctx, src, o, makeParents);
  if (w) {
    const r = await remote(probeAndWrite(ctx.conn, path, { follow: true }, w));
    return { ...r, probe: plannedProbe(ctx, r.probe) };
  }
  const probe = plannedProbe(
    ctx,
    await remote(
      probeFile(ctx.conn, path, {
        compareSha: src.sha256,
        wantContent: ctx.diff ? 'if-different' : undefined,
        maxContentBytes: MAX_DIFF_BYTES,
        follow: true,
        selinuxDefault: Object.values(o.se ?? {}).includes('_default'),
        // --diff: whether dest's first 8 KiB hold a NUL (the registered diff's dst_binary), for a file too large to fetch.
        extra: ctx.diff ? sh`if [ -f ${path} ] && [ "$(head -c 8192 ${path} | tr -d '\\000' | wc -c)" != "$(head -c 8192 ${path} | wc -c)" ]; then echo binary; fi` : undefined,
      }),
    ),
  );
  return { probe };
}

/** Where the file lands: dest, or dest/<srcName> when dest is (or ends like) a directory. */
async function resolveDest(ctx: ModuleContext, src: PutSource, o: PutOptions): Promise<ProbedWrite & { path: string; makeParents: boolean }> {
  const intoDir = (dir: string) => {
    if (!o.srcName)
      // action/copy.py's words (ansible-core's copy target asserts them).
      if (!o.srcName) throw new ModuleFailure('can not use content with a dir as dest');
    return posix.join(dir, o.srcName);
  };
  if (o.dest.endsWith('/')) {
    const path = intoDir(o.dest);
    return { path, ...(await probeDest(ctx, path, src, o, true)), makeParents: true };
  }
  const first = await probeDest(ctx, o.dest, src, o, false);
  if (first.probe.type !== 'directory') return { path: o.dest, ...first, makeParents: false };
  const path = intoDir(o.dest);
  return { path, ...(await probeDest(ctx, path, src, o, false)), makeParents: false };
}

/** copy's result: the sums of what was sent and dest as Ansible's exit_json describes it (add_path_info). */
function fileResult(path: string, st: FileProbe, src: PutSource): Record<string, unknown> {
  return { dest: path, ...ansibleSums(src), ...pathInfo(st) };
}

export async function planPutContent(ctx: ModuleContext, src: PutSource, o: PutOptions): Promise<Plan> {
  const { path, probe, makeParents, written } = await resolveDest(ctx, src, o);
  // The host wrote only where the write below is planned (probeAndWrite): anything else is a bug here.
  const wrote = (): never => {
    throw new Error(`internal error: ${path} was written with its probe where the plan does not write it`);
  };
  if (probe.type === 'directory') throw new ModuleFailure(`${path} is a directory`);
  if (probe.exists && probe.type !== 'file') throw new ModuleFailure(`${path} exists and is not a regular file (${probe.type})`);
  if (!probe.exists && !parentWillExist(ctx, probe.realPath, probe.parentExists) && !makeParents) {
    throw new ModuleFailure(`Destination directory ${posix.dirname(probe.realPath)} does not exist`);
  }
  if (probe.exists && !o.force) return written ? wrote() : { changed: false, msg: KEPT_BY_FORCE, result: { dest: path } };

  const want: WantedAttrs = { mode: o.mode, owner: o.owner, group: o.group, se: o.se };
  const sameContent = probe.exists && probe.sha256 === src.sha256;
  // Through a symlink the target's attributes are what count (chmod/chown follow links).
  const target = probe.realPath;

  if (sameContent) {
    if (written) wrote();
    const d = attrDelta(probe, want);
    // As Ansible's copy action: md5sum only when the content was written; the file module it then runs adds `path`.
    // remote_src: the copy module's own result, md5sum and all, dest's stat as it then is (--check: as it is).
    const { md5sum: _unchanged, ...fields } = fileResult(path, probe, src);
    // The file module's diff (initial_diff plus the attributes it changes); the copy module's (remote_src) registers none.
    const pair = d.changed ? ansibleAttrPair(d, probe) : { before: {}, after: {} };
    const fileDiff = { before: { path, ...pair.before }, after: { path, ...pair.after } };
    const copied = o.alwaysCopies && ctx.diff ? ansibleDiffData(path, probe, src.bytes, false, src, o.diffSource ?? path) : undefined;
    // assemble's action (alwaysCopies) registers the copy module's result as remote_src does, and its own diff.
    const result = o.remoteSrc || o.alwaysCopies ? { ...fileResult(path, probe, src), diff: o.alwaysCopies ? copied : undefined } : { ...fields, path, diff: fileDiff };
    if (!d.changed) return { changed: false, msg: 'content and attributes already as wanted', result };
    if (ctx.check) {
      await assertOwnersExist(ctx.conn, d.owner, d.group);
      planPathState(ctx, target, { type: 'file', mode: d.mode, owner: d.owner, group: d.group });
    }
    const cmd = fixAttrsCommand(target, d)!;
    return {
      changed: true,
      msg: `content unchanged; ${describeAttrs(d)}`,
      diff: [attrDiff(path, d)!],
      // The label as it is in --check, as the file module Ansible's copy runs then describes it (add_path_info).
      result: o.remoteSrc && ctx.check ? result : { ...result, ...d.after, ...(ctx.check && 'secontext' in d.after ? { secontext: probe.secontext } : {}), diff: result.diff },
      apply: async () => {
        await run(ctx.conn, cmd, `cannot set attributes of ${path}`);
      },
    };
  }

  const diffs: FileDiff[] = [];
  let note: string | undefined;
  // Ansible's action registers `[]`, under --diff its one _get_diff_data dict; the copy module (remote_src) none.
  const registered: unknown[] = [];
  // Without follow the write replaces the symlink itself, not its target: the diff shows the
  // link, never the target's bytes (read as root, they may be a file the login user cannot read).
  const replacesLink = !o.follow && probe.linkTarget !== undefined;
  if (ctx.diff) {
    const before = !probe.exists ? null : replacesLink ? Buffer.from(`symlink -> ${probe.linkTarget}\n`) : probe.content;
    const c = contentDiff(path, before, src.bytes);
    if (c.diff) diffs.push(c.diff);
    note = c.note;
    // Said under --diff too, not only in the message: an operator reading the diff sees why it is missing.
    if (c.note) diffs.push({ path, before: '', after: '', note: c.note });
    registered.push(ansibleDiffData(path, probe, before ?? undefined, probe.extra === 'binary', src, o.diffSource ?? path));
    if (probe.exists) {
      const a = attrDiff(path, attrDelta(probe, want));
      if (a) diffs.push(a);
    }
  }
  const writePath = o.follow ? target : path;
  if (ctx.check) {
    // What the write would leave, for later tasks of this check run.
    await assertOwnersExist(ctx.conn, o.owner, o.group);
    const base = probe.exists && probe.type === 'file' ? parseInt(probe.mode, 8) : 0o644;
    const mode = o.mode ? formatMode(applyMode(parseMode(o.mode), base, false)) : probe.exists ? probe.mode : undefined;
    planPathState(ctx, writePath, { type: 'file', sha256: src.sha256, mode, owner: o.owner, group: o.group });
  }
  const msg = (probe.exists ? `content of ${path} would change` : `${path} would be created`) + (note ? ` (${note})` : '');
  return {
    changed: true,
    msg,
    done: (probe.exists ? `content of ${path} changed` : `${path} created`) + (note ? ` (${note})` : ''),
    diff: diffs.length ? diffs : undefined,
    // --check from the controller: Ansible's copy action answers `changed` and the diff alone
    // (_copy_file). nodemend registers the file it would write, as a run does, so a later task can
    // plan on its checksum (playbooks/kpatch-route.yaml's build directories): a documented choice.
    result: {
      ...(ctx.check && o.remoteSrc ? { dest: path, ...ansibleSums(src), ...(probe.exists ? pathInfo(probe) : {}) } : { dest: path, ...ansibleSums(src), size: src.size }),
      diff: o.remoteSrc ? undefined : registered,
    },
    apply: async () => {
      if (written) {
        if (writePath !== path || JSON.stringify(writeWithProbe(ctx, src, o, makeParents)?.opts) !== JSON.stringify({ ...fileWriteOptions(o, probe), makeParents })) wrote();
        // The error the write below would have thrown, as it would have thrown it.
        if ('error' in written) return remote(Promise.reject(validationFailure(written.error, o.validateStyle ?? 'copy')));
        const w = written.result;
        return { ...fileResult(path, w.stat, src), ...(w.backupFile ? { backup_file: w.backupFile } : {}) };
      }
      const content = src.localPath !== undefined ? { localPath: src.localPath, size: src.size, sha256: src.sha256 } : (src.bytes ?? '');
      const w = await remote(
        writeFileAtomic(ctx.conn, writePath, content, {
          ...fileWriteOptions(o, probe),
          makeParents,
          // Compare and swap: replace only what the plan read (a concurrent change fails the task).
          expectSha: probe.exists ? probe.sha256 : null,
          sourcePath: src.remotePath,
          sourceSha256: src.remotePath !== undefined ? src.sha256 : undefined,
          sourceSize: src.remotePath !== undefined ? src.size : undefined,
          // remote_src: modules/copy.py copies src with shutil.copystat, so its times come along.
          keepTimes: src.remotePath !== undefined,
        }).catch((e: unknown) => {
          throw validationFailure(e, o.validateStyle ?? 'copy');
        }),
      );
      const validation = o.validateStyle === 'assemble' && w.validated ? { validation: { rc: 0, ...w.validated } } : {};
      return { ...fileResult(path, w.stat, src), ...(w.backupFile ? { backup_file: w.backupFile } : {}), ...validation };
    },
  };
}
