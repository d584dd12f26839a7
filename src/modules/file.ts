/**
 * file: a path's state (directory, file, touch, link, absent) and attributes (mode, owner,
 * group, times; `recurse` for a directory's contents). Plan = one exec (probe + any recursive
 * summary + time and link checks), apply = one exec.
 *
 * `state: touch` is 2.14's execute_touch: its times default to `now`, so touching an existing
 * path sets them and is a change on every run, in --check too (`modification_time: preserve` and
 * `access_time: preserve` leave them: then only a missing file or its attributes change); its
 * result names the path `dest`.
 *
 * Differences from Ansible, on purpose:
 * - without `state`, the path must exist and only its attributes are managed.
 * - `state: link` does what 2.14's ensure_symlink does on Linux: with `follow` (the default)
 *   owner, group and mode are set on the link's final target once the link is made
 *   (load_file_common_arguments follows it), if that target exists (Ansible warns and skips a
 *   missing one: a dangling link or a forced link to nothing gets no attributes); with
 *   `follow: false` owner/group apply to the link itself (lchown, chown -h), and mode changes
 *   nothing (no lchmod: set_mode_if_different chmods through the link, sees the target change and
 *   puts it back). Recursion never follows or changes links.
 */
import { posix } from 'node:path';
import { z } from 'zod';
import { raw, sh, type Raw } from '../transport/quote.js';
import { DIRNAME_FN, parseStatLine, probeFile, STAT_FIELDS_FORMAT, writeFileAtomic, type FileProbe } from '../transport/remote-file.js';
import { defineModule, ModuleFailure, type FileDiff, type ModuleContext, type Plan } from './types.js';
import { assertOwnersExist, attrDelta, attrFields, describeAttrs, fixAttrsCommand, seArgs, seFields, type AttrDelta, type WantedAttrs } from './lib/attrs.js';
import { chconArgs, SELINUX_ENABLED_FN, testSelinuxfs, wantedContext } from '../transport/selinux-label.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { forgetPlannedPath, parentWillExist, pathWouldExist, planDirectoryLevels, plannedProbe, planPathState } from './lib/planned-paths.js';
import { applyMode, chmodArgument, formatMode, parseMode } from './lib/mode.js';
import { remote, run, runAndStat } from './lib/remote.js';
import { parseTree, planTree, treeListing } from './lib/file-tree.js';
import { pathInfo } from './lib/path-info.js';
import { ATTRIBUTES_ALIAS, attributesFields, withAttributes } from './lib/attributes.js';

/** 'now', 'preserve', or a touch -t timestamp in the host's local time (Ansible's default format %Y%m%d%H%M.%S). */
const timeArg = z.string().regex(/^(now|preserve|\d{12}(\.\d{2})?)$/, 'expected "now", "preserve" or YYYYmmddHHMM.SS');

const schema = withAliases(
  z
    .strictObject({
      path: pathArg,
      state: z.enum(['file', 'directory', 'link', 'hard', 'touch', 'absent']).optional(),
      src: z.string().min(1).optional(),
      ...attrFields,
      ...attributesFields,
      ...seFields,
      recurse: boolArg.default(false),
      force: boolArg.default(false),
      follow: boolArg.default(true),
      modification_time: timeArg.optional(),
      access_time: timeArg.optional(),
    })
    .superRefine((a, ctx) => {
      const bad = (message: string) => ctx.addIssue({ code: 'custom', message });
      if (a.recurse && a.state !== 'directory') bad('recurse needs state: directory');
      if (a.recurse && a.attributes !== undefined) bad('attributes with recurse is not supported (set them on each path)');
      if ((a.state === 'link' || a.state === 'hard') && a.src === undefined) bad(`state: ${a.state} needs src`);
      if (a.src !== undefined && a.state !== 'link' && a.state !== 'hard') bad('src is only used with state: link or hard');
      // Ansible links a relative src against its own working directory (a temp dir): never what a role means.
      if (a.state === 'hard' && a.src !== undefined && !posix.isAbsolute(a.src)) bad('state: hard needs an absolute src');
      if ((a.state === 'link' || a.state === 'hard' || a.state === 'absent') && (a.modification_time || a.access_time)) bad(`times cannot be set with state: ${a.state}`);
      if (a.path.replace(/\/+$/, '') === '') bad('refusing to manage /');
    }),
  { dest: 'path', name: 'path', ...ATTRIBUTES_ALIAS },
);

type Args = z.infer<typeof schema>;

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** A link's src as ensure_symlink checks it: a relative one from the link's directory. */
const linkSrcPath = (a: Args): string => (posix.isAbsolute(a.src!) ? a.src! : posix.join(posix.dirname(a.path), a.src!));

// Sections of the plan's extra script output, one "@@name" line before each.
function extraScript(a: Args): Raw | undefined {
  const parts: string[] = [];
  if (a.recurse) parts.push(sh`echo @@tree; [ -d ${a.path} ] && ${treeListing(a.path)}`.text);
  if ([a.modification_time, a.access_time].some((t) => t && /^\d/.test(t))) {
    // Formatted on the host, in its local time, the way touch -t reads a timestamp.
    parts.push(sh`echo @@times; if [ -e ${a.path} ]; then set -- $(stat -L -c '%Y %X' -- ${a.path}); date -d "@$1" +%Y%m%d%H%M.%S; date -d "@$2" +%Y%m%d%H%M.%S; fi`.text);
  }
  if (a.state === 'hard') parts.push(sh`echo @@src; [ -e ${a.src!} ] && stat -L -c ${STAT_FIELDS_FORMAT} -- ${a.src!}`.text);
  if (a.state === 'link') {
    const resolved = linkSrcPath(a);
    parts.push(sh`echo @@src; [ -e ${resolved} ] && echo exists`.text);
    // What load_file_common_arguments follows to once the link exists: src's real path.
    if ((a.mode ?? a.owner ?? a.group) !== undefined && a.follow)
      parts.push(sh`echo @@target; [ -e ${resolved} ] && readlink -f -- ${resolved} && stat -L -c ${STAT_FIELDS_FORMAT} -- ${resolved}`.text);
  }
  return parts.length ? raw(parts.join('\n')) : undefined;
}

function sections(out: string | undefined): Record<string, string[]> {
  const res: Record<string, string[]> = {};
  let cur = '';
  for (const line of (out ?? '').split('\n')) {
    if (line.startsWith('@@')) res[(cur = line.slice(2))] = [];
    else if (cur && line) res[cur].push(line);
  }
  return res;
}

interface Change {
  /** What the plan says, and beside it what a real run reports once done (dones). */
  msgs: string[];
  dones: string[];
  diffBefore: string[];
  diffAfter: string[];
  cmds: Raw[];
}

/**
 * Check mode: an owner the host lacks fails here as chown would in the real run, and the
 * attributes this task would set are what a later task on the path plans against.
 */
async function planAttrs(ctx: ModuleContext, p: FileProbe, d: AttrDelta): Promise<void> {
  if (!ctx.check || !d.changed) return;
  await assertOwnersExist(ctx.conn, d.owner, d.group);
  if (p.type === 'file' || p.type === 'directory') planPathState(ctx, p.realPath, { type: p.type, mode: d.mode, owner: d.owner, group: d.group });
}

/** The mode a new path gets: `mode` applied to what mkdir/install give under umask 022. */
const newMode = (a: Args, dir: boolean): string | undefined => (a.mode ? formatMode(applyMode(parseMode(a.mode), dir ? 0o755 : 0o644, dir)) : undefined);

function addAttrs(ch: Change, d: AttrDelta, cmd: Raw | null) {
  if (!d.changed) return;
  ch.msgs.push(describeAttrs(d));
  ch.dones.push(describeAttrs(d));
  for (const k of Object.keys(d.after)) {
    ch.diffBefore.push(`${k}: ${d.before[k]}`);
    ch.diffAfter.push(`${k}: ${d.after[k]}`);
  }
  if (cmd) ch.cmds.push(cmd);
}

/** modification_time / access_time on an existing path. */
function addTimes(ch: Change, a: Args, path: string, current: string[] | undefined) {
  if (a.modification_time === 'now' && a.access_time === 'now') {
    // Both to now: one touch (Ansible's os.utime(path, None)).
    ch.cmds.push(sh`touch -c -- ${path}`);
    ch.msgs.push('mtime, atime -> now');
    ch.dones.push('mtime, atime -> now');
    ch.diffBefore.push('mtime: (current)', 'atime: (current)');
    ch.diffAfter.push('mtime: now', 'atime: now');
    return;
  }
  const want = [
    ['mtime', a.modification_time, '-m', current?.[0]],
    ['atime', a.access_time, '-a', current?.[1]],
  ] as const;
  for (const [name, spec, flag, cur] of want) {
    if (!spec || spec === 'preserve') continue;
    if (spec === 'now') {
      ch.cmds.push(sh`touch -c ${flag} -- ${path}`);
    } else if (spec !== cur) {
      ch.cmds.push(sh`touch -c ${flag} -t ${spec} -- ${path}`);
    } else continue;
    ch.msgs.push(`${name} -> ${spec}`);
    ch.dones.push(`${name} -> ${spec}`);
    ch.diffBefore.push(`${name}: ${cur ?? '(current)'}`);
    ch.diffAfter.push(`${name}: ${spec}`);
  }
}

/** The path as Ansible's exit_json describes it (add_path_info), under the state this task reports. */
function fileResult(a: Args, st: FileProbe, state: string): Record<string, unknown> {
  return { path: a.path, ...pathInfo(st), state };
}

const stateName = (p: FileProbe) => (p.exists ? p.type : 'absent');

/** Turn the collected changes on an existing path into a plan. */
function finish(ctx: ModuleContext, a: Args, probe: FileProbe, state: string, ch: Change, target: string): Plan {
  const result = fileResult(a, probe, state);
  if (!ch.cmds.length) return { changed: false, msg: `${a.path} is already as wanted`, result };
  const diff: FileDiff[] = [{ path: `${a.path} (file attributes)`, before: ch.diffBefore.map((l) => l + '\n').join(''), after: ch.diffAfter.map((l) => l + '\n').join('') }];
  const script = raw(ch.cmds.map(String).join(' && '));
  return {
    changed: true,
    msg: ch.msgs.join('; '),
    done: ch.dones.join('; '),
    diff,
    result,
    apply: async () => fileResult(a, await runAndStat(ctx.conn, script, target, `cannot update ${a.path}`), state),
  };
}

function planAbsent(ctx: ModuleContext, a: Args, p: FileProbe): Plan {
  forgetPlannedPath(ctx, a.path);
  if (!p.exists) return { changed: false, msg: `${a.path} is already absent`, result: { path: a.path, state: 'absent' } };
  return {
    changed: true,
    msg: `${a.path} (${p.type}) would be removed`,
    done: `${a.path} (${p.type}) removed`,
    diff: [{ path: `${a.path} (state)`, before: `state: ${p.type}\n`, after: 'state: absent\n' }],
    result: { path: a.path, state: 'absent' },
    apply: async () => {
      await run(ctx.conn, sh`rm -rf -- ${a.path}`, `cannot remove ${a.path}`);
    },
  };
}

const want = (a: Args): WantedAttrs => ({ mode: a.mode, owner: a.owner, group: a.group, se: seArgs(a) });

/** mkdir each missing level, giving each one the wanted owner, mode and SELinux parts (as Ansible does). */
function createDirs(a: Args, p: FileProbe): Raw {
  const owner = a.owner ? (a.group ? `${a.owner}:${a.group}` : a.owner) : a.group ? `:${a.group}` : '';
  const spec = a.mode ? parseMode(a.mode) : undefined;
  // A plain octal mode goes to mkdir -m (exact, umask ignored): one process per level instead of
  // mkdir + chmod. Special bits still go through chmod after any chown (which may clear them).
  const plain = spec?.kind === 'octal' && spec.value <= 0o777;
  const mkdirMode = plain ? formatMode(spec.value) : '';
  const mode = spec && !plain ? chmodArgument(spec) : '';
  const flags = chconArgs(wantedContext(seArgs(a), p.selinux));
  const label = flags.length
    ? sh`tsfs=${testSelinuxfs()}
${raw(SELINUX_ENABLED_FN)}`
    : raw('');
  const chcon = flags.length ? sh`if seon; then chcon ${flags} "$x" || exit; fi; ` : raw('');
  return sh`${raw(DIRNAME_FN)}${label}set -- ; d=${a.path}; while [ ! -d "$d" ] && [ ! -L "$d" ]; do set -- "$d" "$@"; dn "$d"; d=$r; done
m=${mkdirMode}; for x; do mkdir \${m:+-m "$m"} -- "$x" || exit; ${chcon}if [ -n ${owner} ]; then chown -- ${owner} "$x" || exit; fi; if [ -n ${mode} ]; then chmod -- ${mode} "$x" || exit; fi; done`;
}

async function planDirectory(ctx: ModuleContext, a: Args, p: FileProbe, ex: Record<string, string[]>): Promise<Plan> {
  if (p.exists && p.type !== 'directory') throw new ModuleFailure(`${a.path} exists and is a ${p.type}, not a directory`);
  if (!p.exists) {
    if (ctx.check) await assertOwnersExist(ctx.conn, a.owner, a.group);
    planDirectoryLevels(ctx, a.path, { type: 'directory', mode: newMode(a, true), owner: a.owner, group: a.group });
    const ch: Change = { msgs: [], dones: [], diffBefore: [], diffAfter: [], cmds: [] };
    addTimes(ch, a, a.path, undefined);
    const script = raw([createDirs(a, p).text, ch.cmds.map(String).join(' && ')].filter(Boolean).join('\n'));
    return {
      changed: true,
      msg: `directory ${a.path} would be created`,
      done: `directory ${a.path} created`,
      diff: [
        {
          path: `${a.path} (state)`,
          before: 'state: absent\n',
          after: `state: directory\n${a.mode ? `mode: ${a.mode}\n` : ''}${a.owner ? `owner: ${a.owner}\n` : ''}${a.group ? `group: ${a.group}\n` : ''}`,
        },
      ],
      // --check: ensure_directory returns path, changed and diff alone (nothing there for add_path_info).
      result: { path: a.path },
      apply: async () => fileResult(a, await runAndStat(ctx.conn, script, a.path, `cannot create ${a.path}`), 'directory'),
    };
  }
  const ch: Change = { msgs: [], dones: [], diffBefore: [], diffAfter: [], cmds: [] };
  const d = attrDelta(p, want(a));
  await planAttrs(ctx, p, d);
  addAttrs(ch, d, fixAttrsCommand(p.realPath, d));
  if (a.recurse) {
    const tree = planTree(p.realPath, parseTree((ex.tree ?? []).join('\n')), want(a));
    if (tree.command) {
      ch.msgs.push(`${tree.changed} entries below would change`);
      ch.dones.push(`${tree.changed} entries below changed`);
      ch.diffBefore.push(`entries below needing changes: ${tree.changed}`);
      ch.diffAfter.push('entries below needing changes: 0');
      ch.cmds.push(tree.command);
    }
  }
  addTimes(ch, a, p.realPath, ex.times);
  return finish(ctx, a, p, 'directory', ch, p.realPath);
}

async function planExisting(ctx: ModuleContext, a: Args, p: FileProbe, ex: Record<string, string[]>, state: string): Promise<Plan> {
  const ch: Change = { msgs: [], dones: [], diffBefore: [], diffAfter: [], cmds: [] };
  const d = attrDelta(p, want(a));
  await planAttrs(ctx, p, d);
  addAttrs(ch, d, fixAttrsCommand(p.realPath, d));
  addTimes(ch, a, p.realPath, ex.times);
  return finish(ctx, a, p, state, ch, p.realPath);
}

async function planTouch(ctx: ModuleContext, a: Args, p: FileProbe, ex: Record<string, string[]>): Promise<Plan> {
  if (p.exists) {
    // touch's times default to now (file.py keep_backward_compatibility_on_timestamps): always a change.
    const now = { ...a, modification_time: a.modification_time ?? 'now', access_time: a.access_time ?? 'now' };
    const plan = await planExisting(ctx, now, p, ex, p.type === 'directory' ? 'directory' : 'file');
    const apply = plan.apply;
    return { ...plan, result: destResult(plan.result), apply: apply && (async () => destResult(await apply())) };
  }
  if (!parentWillExist(ctx, p.realPath, p.parentExists)) throw new ModuleFailure(`cannot touch ${a.path}: directory ${posix.dirname(p.realPath)} does not exist`);
  if (ctx.check) await assertOwnersExist(ctx.conn, a.owner, a.group);
  planPathState(ctx, p.realPath, { type: 'file', mode: newMode(a, false), owner: a.owner, group: a.group, sha256: EMPTY_SHA256 });
  const ch: Change = { msgs: [], dones: [], diffBefore: [], diffAfter: [], cmds: [] };
  addTimes(ch, a, p.realPath, undefined);
  return {
    changed: true,
    msg: `${a.path} would be created`,
    done: `${a.path} created`,
    diff: [{ path: `${a.path} (state)`, before: 'state: absent\n', after: 'state: file\n' }],
    // --check: execute_touch returns before the file exists, so add_path_info has nothing to add.
    result: { dest: a.path },
    apply: async () => {
      const w = await remote(
        writeFileAtomic(ctx.conn, p.realPath, '', {
          mode: a.mode ? chmodArgument(parseMode(a.mode)) : undefined,
          owner: a.owner,
          group: a.group,
          expectSha: null,
          chcon: chconArgs(wantedContext(seArgs(a), p.selinux)),
        }),
      );
      // A timestamp for a new file is a second, rare step.
      const st = ch.cmds.length ? await runAndStat(ctx.conn, raw(ch.cmds.map(String).join(' && ')), p.realPath, `cannot set times of ${a.path}`) : w.stat;
      return destResult(fileResult(a, st, 'file'));
    },
  };
}

/** owner/group/mode with `follow` on a link: the change to its existing final target (ensure_symlink's set_fs_attributes_if_different). */
async function targetAttrs(ctx: ModuleContext, a: Args, ex: Record<string, string[]>): Promise<Change> {
  const ch: Change = { msgs: [], dones: [], diffBefore: [], diffAfter: [], cmds: [] };
  const [real, line] = ex.target ?? [];
  if (!real || !line) return ch;
  const t = parseStatLine(real, line);
  const d = attrDelta(t, { mode: a.mode, owner: a.owner, group: a.group });
  await planAttrs(ctx, t, d);
  if (d.changed) {
    ch.msgs.push(`target ${real} ${describeAttrs(d)}`);
    ch.dones.push(`target ${real} ${describeAttrs(d)}`);
    for (const [k, v] of Object.entries(d.before)) ch.diffBefore.push(`target ${k}: ${v}`);
    for (const [k, v] of Object.entries(d.after)) ch.diffAfter.push(`target ${k}: ${v}`);
    ch.cmds.push(fixAttrsCommand(real, d)!);
  }
  return ch;
}

/** ensure_symlink and execute_touch name the path `dest` (add_path_info reads path or dest), not `path`. */
function destResult(r: Record<string, unknown> | undefined | void): Record<string, unknown> {
  const { path, ...rest } = r ?? {};
  return { dest: path, ...rest };
}

async function planLink(ctx: ModuleContext, a: Args, p: FileProbe, ex: Record<string, string[]>): Promise<Plan> {
  const src = a.src!;
  // Checked first, as ensure_symlink does: even a link already pointing at a missing src fails without force.
  // In --check a src that an earlier task of the run would create counts as there (README "Choices":
  // Ansible's check run fails here, its real run does not).
  if (!ex.src?.length && !a.force && !pathWouldExist(ctx, linkSrcPath(a))) {
    throw new ModuleFailure(`src file does not exist, use force: true if you really want to create the link: ${src}`);
  }
  const target = await targetAttrs(ctx, a, ex);
  // Without follow, owner and group are the link's own (lchown); with it, the target's.
  const own = a.follow ? {} : { owner: a.owner, group: a.group };
  if (p.type === 'link' && p.linkTarget === src) {
    const ch: Change = { msgs: [], dones: [], diffBefore: [], diffAfter: [], cmds: [] };
    const d = attrDelta(p, own);
    addAttrs(ch, d, fixAttrsCommand(a.path, d, { noDereference: true }));
    for (const k of ['msgs', 'dones', 'diffBefore', 'diffAfter', 'cmds'] as const) (ch[k] as unknown[]).push(...target[k]);
    // As ensure_symlink's result: src, and the path's details only when the link leads somewhere (add_path_info).
    const plan = finish(ctx, a, p, 'link', ch, a.path);
    const dangling = !ex.src?.length;
    plan.result = dangling ? { dest: a.path, src } : { ...destResult(plan.result), src };
    const apply = plan.apply;
    if (apply) plan.apply = async () => (dangling ? { dest: a.path, src } : { ...destResult(await apply()), src });
    return plan;
  }
  if (p.type === 'directory') throw new ModuleFailure(`${a.path} is a directory: refusing to replace it with a symlink`);
  if (p.exists && p.type !== 'link' && !a.force) throw new ModuleFailure(`refusing to convert from ${p.type} to symlink for ${a.path} (use force: true)`);
  if (!p.exists && !parentWillExist(ctx, a.path, p.parentExists)) throw new ModuleFailure(`cannot link ${a.path}: directory ${posix.dirname(a.path)} does not exist`);
  const owner = own.owner ? (own.group ? `${own.owner}:${own.group}` : own.owner) : own.group ? `:${own.group}` : '';
  // A new link beside the old path, renamed over it: the path is never missing.
  const link = sh`t=$(mktemp -u -- ${`${posix.dirname(a.path)}/.nodemend.XXXXXXXX`}) && ln -s -- ${src} "$t" && { if [ -n ${owner} ]; then chown -h -- ${owner} "$t"; fi && mv -fT -- "$t" ${a.path} || { rm -f -- "$t"; false; }; }`;
  const script = raw([link.text, ...target.cmds.map(String)].join(' && '));
  const before = p.type === 'link' ? `state: link\nsrc: ${p.linkTarget}\n` : `state: ${stateName(p)}\n`;
  const what = p.exists ? `${a.path} would be replaced by a link to ${src}` : `link ${a.path} -> ${src} would be created`;
  const did = p.exists ? `${a.path} replaced by a link to ${src}` : `link ${a.path} -> ${src} created`;
  return {
    changed: true,
    msg: [what, ...target.msgs].join('; '),
    done: [did, ...target.dones].join('; '),
    diff: [{ path: `${a.path} (state)`, before: before + target.diffBefore.map((l) => l + '\n').join(''), after: `state: link\nsrc: ${src}\n` + target.diffAfter.map((l) => l + '\n').join('') }],
    // The path's details come from apply, once it is a link that leads somewhere (add_path_info).
    result: { dest: a.path, src },
    apply: async () => {
      const st = await runAndStat(ctx.conn, script, a.path, `cannot link ${a.path}`);
      return ex.src?.length ? { ...destResult(fileResult(a, st, 'link')), src } : { dest: a.path, src };
    },
  };
}

/**
 * state: hard, as Ansible 2.14's ensure_hardlink: a path that already is src's inode is kept (only
 * attributes, which src shares); a regular file or another inode there needs force; the new link
 * is made beside the path and renamed over it, so the path is never missing. As in Ansible, a
 * symlink whose text is src counts as done.
 */
function planHard(ctx: ModuleContext, a: Args, p: FileProbe, ex: Record<string, string[]>): Plan {
  const src = a.src!;
  if (!ex.src?.length) throw new ModuleFailure('src does not exist', { dest: a.path, src });
  const s = parseStatLine(src, ex.src[0]);
  const linked = p.exists && p.type !== 'link' && p.inode === s.inode;
  if (linked || (p.type === 'link' && p.linkTarget === src)) {
    const ch: Change = { msgs: [], dones: [], diffBefore: [], diffAfter: [], cmds: [] };
    addAttrs(ch, attrDelta(p, want(a)), fixAttrsCommand(a.path, attrDelta(p, want(a)), { noDereference: p.type === 'link' }));
    const plan = finish(ctx, a, p, linked ? 'hard' : 'link', ch, a.path);
    const { path: _path, ...r } = plan.result ?? {};
    plan.result = { ...r, dest: a.path, src };
    return plan;
  }
  if (p.type === 'directory') throw new ModuleFailure(`${a.path} is a directory: refusing to replace it with a hard link`, { dest: a.path, src });
  if (p.type === 'file' && !a.force) {
    const msg = p.nlink > 1 ? 'Cannot link, different hard link exists at destination' : 'Cannot link, file exists at destination';
    // As Ansible's exit_json, the failure carries the path's state (add_path_info).
    throw new ModuleFailure(msg, { ...pathInfo(p), dest: a.path, src });
  }
  if (!p.exists && !parentWillExist(ctx, a.path, p.parentExists)) throw new ModuleFailure(`cannot link ${a.path}: directory ${posix.dirname(a.path)} does not exist`);
  // The attributes belong to the inode: what src has now is what the link starts with.
  const d = attrDelta(s, want(a));
  const fix = fixAttrsCommand(a.path, d);
  const link = sh`t=$(mktemp -u -- ${`${posix.dirname(a.path)}/.nodemend.XXXXXXXX`}) && ln -- ${src} "$t" && { mv -fT -- "$t" ${a.path} || { rm -f -- "$t"; false; }; }`;
  const script = fix ? raw(`${link.text} && ${fix.text}`) : link;
  const before = p.type === 'link' ? `state: link\nsrc: ${p.linkTarget}\n` : `state: ${stateName(p)}\n`;
  const what = p.exists ? `${a.path} would be replaced by a hard link to ${src}` : `hard link ${a.path} -> ${src} would be created`;
  const did = p.exists ? `${a.path} replaced by a hard link to ${src}` : `hard link ${a.path} -> ${src} created`;
  return {
    changed: true,
    msg: d.changed ? `${what}; ${describeAttrs(d)}` : what,
    done: d.changed ? `${did}; ${describeAttrs(d)}` : did,
    diff: [{ path: `${a.path} (state)`, before, after: `state: hard\nsrc: ${src}\n` }],
    // In check mode Ansible describes the path as it is (nothing when absent).
    result: { ...(p.exists ? pathInfo(p) : {}), dest: a.path, src },
    apply: async () => {
      // Ansible's hard link result names the link `dest`, not `path`.
      return { ...pathInfo(await runAndStat(ctx.conn, script, a.path, `cannot link ${a.path}`)), dest: a.path, src };
    },
  };
}

export default defineModule<Args>({
  name: 'file',
  pathArgs: ['path', 'src'],
  description: 'Manage a path: directory, file attributes, touch, symlink, absent (mode/owner/group, recurse)',
  schema,
  async plan(a, ctx) {
    // As Ansible: attributes after everything else, on the path (not for state: absent).
    const plan = await planFile(a, ctx);
    return a.state === 'absent' ? plan : withAttributes(plan, ctx, a.path, a.attributes);
  },
});

async function planFile(a: Args, ctx: ModuleContext): Promise<Plan> {
  {
    const follow = a.follow && a.state !== 'link' && a.state !== 'hard' && a.state !== 'absent';
    // In check mode, as earlier tasks of the run would have left the path.
    const selinuxDefault = Object.values(seArgs(a)).includes('_default');
    const p = plannedProbe(ctx, await remote(probeFile(ctx.conn, a.path, { follow, extra: extraScript(a), selinuxDefault })));
    const ex = sections(p.extra);
    switch (a.state) {
      case 'absent':
        return planAbsent(ctx, a, p);
      case 'directory':
        return planDirectory(ctx, a, p, ex);
      case 'touch':
        return planTouch(ctx, a, p, ex);
      case 'link':
        return planLink(ctx, a, p, ex);
      case 'hard':
        return planHard(ctx, a, p, ex);
      default: {
        // state: file, or no state: the path must exist; only attributes and times.
        if (!p.exists) throw new ModuleFailure(`file (${a.path}) is absent, cannot continue`);
        if (a.state === 'file' && p.type !== 'file') throw new ModuleFailure(`file (${a.path}) is ${p.type}, cannot continue`);
        return planExisting(ctx, a, p, ex, a.state ?? p.type);
      }
    }
  }
}
