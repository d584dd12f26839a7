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
 * Without `state`, as file.py's additional_parameter_handling: the path's own state (get_state:
 * link, directory, hard for a file with several links, file), or for a path not there `directory`
 * with `recurse` and `file` (which fails) without.
 *
 * Differences from Ansible, on purpose:
 * - `state: link` does what 2.14's ensure_symlink does on Linux: with `follow` (the default)
 *   owner, group and mode are set on the link's final target once the link is made
 *   (load_file_common_arguments follows it), if that target exists (Ansible warns and skips a
 *   missing one: a dangling link or a forced link to nothing gets no attributes); with
 *   `follow: false` owner/group apply to the link itself (lchown, chown -h), and mode changes
 *   nothing (no lchmod: set_mode_if_different chmods through the link, sees the target change and
 *   puts it back). `recurse` over links: src/modules/lib/file-tree.ts (a link's mode in --check is no
 *   change: Ansible calls it one).
 */
import { posix } from 'node:path';
import { z } from 'zod';
import { raw, sh, type Raw } from '../transport/quote.js';
import { DIRNAME_FN, emptyFileWriteScript, parseStatLine, probeFile, pyTime, STAT_FIELDS_FORMAT, writeFileAtomic, writtenInProbe, type FileProbe } from '../transport/remote-file.js';
import { defineModule, ModuleFailure, type FileDiff, type ModuleContext, type Plan } from './types.js';
import {
  ansibleAttrPair,
  assertOwnersExist,
  attrDelta,
  attrFields,
  describeAttrs,
  ownerLookupWarnings,
  fixAttrsCommand,
  seArgs,
  seFields,
  type AttrDelta,
  type OwnerIds,
  type Ownership,
  type WantedAttrs,
} from './lib/attrs.js';
import { strptime, wallClockText } from './lib/strptime.js';
import { chconArgs, SELINUX_ENABLED_FN, testSelinuxfs, wantedContext } from '../transport/selinux-label.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { forgetPlannedPath, parentWillExist, pathWouldExist, planDirectoryLevels, plannedProbe, planPathState } from './lib/planned-paths.js';
import { applyMode, chmodArgument, formatMode, parseMode } from './lib/mode.js';
import { remote, run, runAndStat } from './lib/remote.js';
import { parseTree, planTree, TREE_FAILED, treeListing, treeTimesCommand, treeTimesListing } from './lib/file-tree.js';
import { pathInfo } from './lib/path-info.js';
import { ATTRIBUTES_ALIAS, attributesFields, withAttributes } from './lib/attributes.js';

/** 'now', 'preserve', or a time in the host's local time, read with its *_time_format (file.py's get_timestamp_for_time). */
const timeArg = z.string();
const DEFAULT_TIME_FORMAT = '%Y%m%d%H%M.%S';

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
      modification_time_format: z.string().default(DEFAULT_TIME_FORMAT),
      access_time: timeArg.optional(),
      access_time_format: z.string().default(DEFAULT_TIME_FORMAT),
      // Ansible's internal argument (its action plugins ask whether a path looks binary): answered alone.
      _diff_peek: boolArg.optional(),
    })
    .superRefine((a, ctx) => {
      const bad = (message: string) => ctx.addIssue({ code: 'custom', message });
      // Without state the path's own state decides (planFile), as additional_parameter_handling.
      if (a.recurse && a.state !== undefined && a.state !== 'directory') bad("recurse option requires state to be 'directory'");
      if (a.recurse && a.attributes !== undefined) bad('attributes with recurse is not supported (set them on each path)');
      // state: link without src updates an existing link (ensure_symlink; the plan fails on anything else).
      if (a.src !== undefined && a.state !== undefined && a.state !== 'link' && a.state !== 'hard') bad("src option requires state to be 'link' or 'hard'");
      // Ansible links a relative src against its own working directory (a temp dir): never what a role means.
      if (a.state === 'hard' && a.src !== undefined && !posix.isAbsolute(a.src)) bad('state: hard needs an absolute src');
      if (a.path.replace(/\/+$/, '') === '') bad('refusing to manage /');
    }),
  { dest: 'path', name: 'path', ...ATTRIBUTES_ALIAS },
);

type Args = z.infer<typeof schema>;

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** A link's src as ensure_symlink checks it: a relative one from the link's directory. */
const linkSrcPath = (a: Args): string => (a.src === undefined ? a.path : posix.isAbsolute(a.src) ? a.src : posix.join(posix.dirname(a.path), a.src));

/** A time as file.py's get_timestamp_for_time gives it: null (preserve), 'now' (its Sentinel), or a local wall-clock time the host turns into seconds. */
type TimeSpec = null | 'now' | { text: string };

function timeSpec(value: string | undefined, format: string, state: string | undefined): TimeSpec {
  // keep_backward_compatibility_on_timestamps: touch's times default to now, the other states' to preserve.
  const v = value ?? (state === 'touch' ? 'now' : 'preserve');
  if (v === 'preserve') return null;
  if (v === 'now') return 'now';
  try {
    return { text: wallClockText(strptime(v, format)) };
  } catch (e) {
    throw new ModuleFailure(`Error while obtaining timestamp for time ${v} using format ${format}: ${(e as Error).message}`);
  }
}

/** ensure_absent never reads the times (not even their format): they are ignored there. */
const times = (a: Args) =>
  a.state === 'absent' ? { m: null, a: null } : { m: timeSpec(a.modification_time, a.modification_time_format, a.state), a: timeSpec(a.access_time, a.access_time_format, a.state) };

/**
 * Who a new path belongs to before its attributes are set, and its mode then: what set_*_if_different
 * compare (the plan's @@me). One `id` (the probe's LC_ALL=C keeps its words) for the four ids and names.
 */
const MAKER_SCRIPT = 'echo @@me; id; umask';
/** MAKER_SCRIPT with root's `id` line as an earlier task of the run read it (ctx.identityMemo): no process. */
const makerScript = (idLine: string | undefined): string => (idLine === undefined ? MAKER_SCRIPT : sh`echo @@me; printf '%s\n' ${idLine}; umask`.text);
/** An `id` line kept for the run: root's only, whose uid and names no task of the run changes. */
const ROOT_ID = /^uid=0\(root\) gid=0\(root\)(?: |$)/;

/**
 * A run's new directory or touched file is made in its probe's round trip (ctx.writesInPlan): the probe's
 * extra script makes it where nothing is at the path (createDirs; for touch, where its directory exists,
 * the empty file apply writes), and the probe then reads what it made, as apply's stat would. Only where
 * the plan certainly makes it so: the state given, no recurse, no SELinux parts, no `attributes`; no
 * times for a directory, none but `now` for touch (a new file has now's times); never in --check or a
 * saved plan's apply.
 */
function makeWithProbe(a: Args, ctx: ModuleContext): 'directory' | 'touch' | undefined {
  if (!ctx.writesInPlan || ctx.check || a.recurse || a.attributes !== undefined || a._diff_peek !== undefined) return undefined;
  if (!Object.values(seArgs(a)).every((v) => v === undefined)) return undefined;
  const t = times(a);
  if (a.state === 'directory' && t.m === null && t.a === null) return 'directory';
  if (a.state === 'touch' && [t.m, t.a].every((v) => v === null || v === 'now')) return 'touch';
  return undefined;
}

/** A path not there (createDirs and touch's write read only its SELinux state, which makeWithProbe leaves out). */
const NOTHING = { exists: false, type: 'absent' } as FileProbe;

/** What the probe's createDirs did (the plan's @@made, makeWithProbe): nothing (something was there), or its exit status and stderr. */
function madeByProbe(ex: Record<string, string[]>): { rc: number; stderr: string } | undefined {
  const [rc, ...err] = ex.made ?? [];
  return rc === undefined ? undefined : { rc: Number(rc), stderr: err.length ? `${err.join('\n')}\n` : '' };
}

// Sections of the plan's extra script output, one "@@name" line before each.
function extraScript(a: Args, check: boolean, idLine?: string, make?: 'directory' | 'touch'): Raw | undefined {
  const parts: string[] = [];
  if (a._diff_peek !== undefined) {
    // execute_diff_peek: a NUL byte in the first 8192 bytes (an unreadable path reads as text).
    return sh`echo @@peek; head -c 8192 -- ${a.path} 2>/dev/null | od -An -tx1 | grep -q ' 00' && echo binary`;
  }
  const t = times(a);
  // The directory's own times before the walks below read it (relatime would give it a new atime), as 2.14 reads them first.
  if (a.recurse && (t.m !== null || t.a !== null)) parts.push(sh`echo @@toptimes; find -L ${a.path} -maxdepth 0 -printf '%T@ %A@\n' 2>/dev/null`.text);
  if (a.recurse) parts.push(sh`echo @@tree; [ -d ${a.path} ] && ${treeListing(a.path, a.follow)}`.text);
  if (a.recurse && (t.m !== null || t.a !== null)) parts.push(treeTimesListing(a.path, a.follow, t).text);
  const formatted = (['m', 'a'] as const).filter((k) => t[k] !== null && t[k] !== 'now');
  // The seconds a wall-clock time is in the host's time zone (time.mktime there).
  if (formatted.length) parts.push(['echo @@times', ...formatted.map((k) => sh`echo ${k} $(date -d ${(t[k] as { text: string }).text} +%s)`.text)].join('; '));
  const named = (v: string | undefined) => v !== undefined && !/^\d+$/.test(v);
  if (named(a.owner) || named(a.group)) {
    parts.push(
      ['echo @@ids', named(a.owner) ? sh`echo u $(id -u -- ${a.owner!} 2>/dev/null)`.text : '', named(a.group) ? sh`echo g $(getent group -- ${a.group!} | cut -d: -f3)`.text : '']
        .filter(Boolean)
        .join('; '),
    );
  }
  if ((a.state === 'touch' || a.state === 'directory' || a.state === 'link') && (a.mode ?? a.owner ?? a.group) !== undefined) {
    // touch and directory use it for a new path only: a path there (followed or not) needs no process.
    // Check mode plans against earlier tasks' effects, where a path on the host may be planned away.
    parts.push(a.state === 'link' || check ? makerScript(idLine) : sh`[ -e ${a.path} ] || { ${raw(makerScript(idLine))}; }`.text);
  }
  // Last: the maker's `id` above reads the path as it was.
  if (make === 'directory') parts.push(sh`echo @@made; if [ ! -e ${a.path} ] && [ ! -L ${a.path} ]; then e=$( (${createDirs(a, NOTHING)}) 2>&1 >/dev/null); echo "$?"; printf '%s\n' "$e"; fi`.text);
  if (make === 'touch') parts.push(emptyFileWriteScript(a.path, touchWriteOptions(a, NOTHING)).text);
  if (a.state === 'absent') parts.push(sh`echo @@walk; [ -d ${a.path} ] && [ ! -L ${a.path} ] && find ${a.path} -mindepth 1 -printf '%Y %y %p\n'`.text);
  // add_path_info's os.path.exists (through a link) of a path --check leaves there.
  if (a.state === 'absent' && check) parts.push(sh`echo @@exists; [ -e ${a.path} ] && echo exists`.text);
  if (a.state === 'hard' && a.src !== undefined) parts.push(sh`echo @@src; [ -e ${a.src!} ] && stat -L -c ${STAT_FIELDS_FORMAT} -- ${a.src!}`.text);
  // A link there, replaced: with follow, ensure_hardlink's times, owner, group and mode go where it led (load_file_common_arguments ran first).
  if (a.state === 'hard' && (t.m !== null || t.a !== null || (a.follow && (a.mode ?? a.owner ?? a.group) !== undefined))) {
    parts.push(sh`echo @@current; [ -L ${a.path} ] && readlink -m -- ${a.path} && { stat -L -c ${STAT_FIELDS_FORMAT} -- ${a.path} 2>/dev/null || true; }`.text);
  }
  if (a.state === 'link') {
    const resolved = linkSrcPath(a);
    parts.push(sh`echo @@src; [ -e ${resolved} ] && echo exists`.text);
    // os.path.exists of the path itself (through a link it already is).
    parts.push(sh`echo @@exists; [ -e ${a.path} ] && echo exists`.text);
    // Whether a directory there is empty (force replaces only an empty one).
    parts.push(sh`echo @@dirents; [ -d ${a.path} ] && [ ! -L ${a.path} ] && ls -A -- ${a.path} | head -n 1`.text);
    // What load_file_common_arguments follows to once the link exists: src's real path.
    // Times go to the final target with or without follow (os.utime follows the link).
    if (((a.mode ?? a.owner ?? a.group) !== undefined && a.follow) || t.m !== null || t.a !== null) {
      parts.push(sh`echo @@target; [ -e ${resolved} ] && readlink -f -- ${resolved} && stat -L -c ${STAT_FIELDS_FORMAT} -- ${resolved}`.text);
      // What the path leads to now: in --check, where ensure_symlink makes no link, the attributes compare with it.
      parts.push(sh`echo @@current; [ -e ${a.path} ] && readlink -f -- ${a.path} && stat -L -c ${STAT_FIELDS_FORMAT} -- ${a.path}`.text);
    }
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

/** The ids of an owner or group given by name (the plan's @@ids). */
function ownerIds(ex: Record<string, string[]>): OwnerIds {
  const ids: OwnerIds = {};
  for (const line of ex.ids ?? []) {
    const [k, v] = line.split(' ');
    if (v && /^\d+$/.test(v)) ids[k === 'u' ? 'uid' : 'gid'] = Number(v);
  }
  return ids;
}

/** id(1)'s line in the C locale, "uid=0(root) gid=0(root) groups=...": a name is left out when it has none (then its number, as pwd lookups fall back to). */
export function parseId(line: string): { uid: string; gid: string; owner: string; group: string } {
  const m = /^uid=(\d+)(?:\((.*?)\))? gid=(\d+)(?:\((.*?)\))?(?: |$)/.exec(line);
  if (!m) throw new ModuleFailure(`unexpected output of id: ${JSON.stringify(line)}`);
  return { uid: m[1], gid: m[3], owner: m[2] ?? m[1], group: m[4] ?? m[3] };
}

/** A new path as its maker leaves it before set_*_if_different (the plan's @@me): owner, group and the umask's mode. */
function madeProbe(ex: Record<string, string[]>, type: 'file' | 'directory' | 'link'): FileProbe | undefined {
  const [ids, umask] = ex.me ?? [];
  if (umask === undefined) return undefined;
  const { uid, gid, owner, group } = parseId(ids);
  const mode = type === 'link' ? 0o777 : (type === 'directory' ? 0o777 : 0o666) & ~parseInt(umask, 8);
  return { exists: true, type, mode: formatMode(mode), uid: Number(uid), gid: Number(gid), owner, group } as FileProbe;
}

/** Ansible's registered `diff`: file.py's initial_diff, then what set_*_if_different and update_timestamp_for_file add. */
interface AnsibleDiff {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

/** file.py's get_state: a regular file with more than one link reads `hard`. */
const getState = (p: FileProbe): string => (p.type === 'link' ? 'link' : !p.exists ? 'absent' : p.type === 'directory' ? 'directory' : p.nlink > 1 ? 'hard' : 'file');
/** get_state of the path itself when the probe followed it. */
const ownState = (p: FileProbe): string => (p.linkTarget !== undefined ? 'link' : getState(p));

function initialDiff(path: string, state: string, prev: string): AnsibleDiff {
  const d: AnsibleDiff = { before: { path }, after: { path } };
  if (prev !== state) {
    d.before.state = prev;
    d.after.state = state;
  }
  return d;
}

function addAnsibleAttrs(ad: AnsibleDiff, d: AttrDelta, was: Ownership, ids: OwnerIds) {
  if (!d.changed) return;
  const pair = ansibleAttrPair(d, was, ids);
  Object.assign(ad.before, pair.before);
  Object.assign(ad.after, pair.after);
}

/** initial_diff's path_content of a directory being removed: os.walk's folders and files, in its order (the plan's @@walk: find's, both readdir's). */
function pathContent(root: string, lines: string[]): { directories: string[]; files: string[] } {
  const kids = new Map<string, { path: string; dir: boolean; link: boolean }[]>();
  const norm = (p: string) => p.replace(/\/+$/, '') || '/';
  for (const line of lines) {
    const [followed, own] = [line[0], line[2]];
    const path = line.slice(4);
    const parent = norm(posix.dirname(path));
    if (!kids.has(parent)) kids.set(parent, []);
    // os.walk: is_dir() follows a link (listed with the folders), but the walk does not go into it.
    kids.get(parent)!.push({ path, dir: followed === 'd', link: own === 'l' });
  }
  const out = { directories: [] as string[], files: [] as string[] };
  const visit = (dir: string) => {
    const es = kids.get(norm(dir)) ?? [];
    out.directories.push(...es.filter((e) => e.dir).map((e) => e.path));
    out.files.push(...es.filter((e) => !e.dir).map((e) => e.path));
    for (const e of es) if (e.dir && !e.link) visit(e.path);
  };
  visit(root);
  return out;
}

interface Change {
  /** What the plan says, and beside it what a real run reports once done (dones). */
  msgs: string[];
  dones: string[];
  diffBefore: string[];
  diffAfter: string[];
  cmds: Raw[];
  ad: AnsibleDiff;
}

const change = (ad: AnsibleDiff): Change => ({ msgs: [], dones: [], diffBefore: [], diffAfter: [], cmds: [], ad });

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

function addAttrs(ch: Change, d: AttrDelta, cmd: Raw | null, was: Ownership, ids: OwnerIds) {
  if (!d.changed) return;
  ch.msgs.push(describeAttrs(d));
  ch.dones.push(describeAttrs(d));
  for (const k of Object.keys(d.after)) {
    ch.diffBefore.push(`${k}: ${d.before[k]}`);
    ch.diffAfter.push(`${k}: ${d.after[k]}`);
  }
  addAnsibleAttrs(ch.ad, d, was, ids);
  if (cmd) ch.cmds.push(cmd);
}

/** The seconds a formatted time is on the host (the plan's @@times). */
function timeTargets(a: Args, ex: Record<string, string[]>): { m: number | null | 'now'; a: number | null | 'now' } {
  const t = times(a);
  const secs = Object.fromEntries((ex.times ?? []).map((l) => l.split(' ')));
  const one = (k: 'm' | 'a', v: TimeSpec) => {
    if (v === null || v === 'now') return v;
    if (!/^-?\d+$/.test(secs[k] ?? '')) throw new ModuleFailure(`Error while obtaining timestamp for time ${k === 'm' ? a.modification_time : a.access_time}: the host's date cannot read ${v.text}`);
    return Number(secs[k]);
  };
  return { m: one('m', t.m), a: one('a', t.a) };
}

/**
 * modification_time / access_time on an existing path, as update_timestamp_for_file: a time is set
 * when it differs from the path's (seconds as floats, so a formatted time differs from a mtime with
 * a fraction); the registered diff holds both as floats (`now`: the controller's clock, as Ansible's
 * is the module's time.time()).
 */
function addTimes(ch: Change, a: Args, path: string, was: Pick<FileProbe, 'mtime' | 'atime'>, ex: Record<string, string[]>, now = Date.now() / 1000) {
  const t = timeTargets(a, ex);
  if (t.m === null && t.a === null) return;
  const record = (k: 'mtime' | 'atime', prev: number, next: number) => {
    if (prev === next) return;
    ch.ad.before[k] = prev;
    ch.ad.after[k] = next;
  };
  if (t.m === 'now' && t.a === 'now') {
    // Both to now: one touch (Ansible's os.utime(path, None)).
    ch.cmds.push(sh`touch -c -- ${path}`);
    ch.msgs.push('mtime, atime -> now');
    ch.dones.push('mtime, atime -> now');
    ch.diffBefore.push('mtime: (current)', 'atime: (current)');
    ch.diffAfter.push('mtime: now', 'atime: now');
    record('mtime', was.mtime, now);
    record('atime', was.atime, now);
    return;
  }
  const want = [
    ['mtime', t.m, '-m', was.mtime],
    ['atime', t.a, '-a', was.atime],
  ] as const;
  const next = want.map(([, spec, , cur]) => (spec === null ? cur : spec === 'now' ? now : spec));
  if (next[0] === was.mtime && next[1] === was.atime) return;
  want.forEach(([name, spec, flag, cur], i) => {
    if (spec === null || next[i] === cur) return;
    ch.cmds.push(spec === 'now' ? sh`touch -c ${flag} -- ${path}` : sh`touch -c ${flag} -d ${`@${spec}`} -- ${path}`);
    const shown = spec === 'now' ? 'now' : (name === 'mtime' ? a.modification_time : a.access_time)!;
    ch.msgs.push(`${name} -> ${shown}`);
    ch.dones.push(`${name} -> ${shown}`);
    ch.diffBefore.push(`${name}: ${cur}`);
    ch.diffAfter.push(`${name}: ${shown}`);
    record(name, cur, next[i]);
  });
}

/**
 * modification_time / access_time on every entry below a directory with `recurse`, as
 * recursive_set_attributes' update_timestamp_for_file (the plan's @@treetimes): through each link
 * to its final target, `now` a change on every run, a formatted time where an entry's differs. A
 * link below that leads nowhere fails the task, with Ansible's message, before anything is
 * changed (README "Choices": 2.14 fails at it, after the entries its walk met first).
 */
function addTreeTimes(ch: Change, a: Args, ex: Record<string, string[]>, path: string) {
  const t = timeTargets(a, ex);
  if (t.m === null && t.a === null) return;
  const [dangling] = ex.treedangling ?? [];
  if (dangling) throw new ModuleFailure(`Error while updating modification or access time: [Errno 2] No such file or directory: b'${dangling}'`, { path: dangling });
  const [differing, total] = (ex.treetimes?.[0] ?? '0 0').split(' ').map(Number);
  const count = t.m === 'now' || t.a === 'now' ? total : differing;
  const cmd = treeTimesCommand(path, a.follow, t);
  if (!count || !cmd) return;
  ch.msgs.push(`times of ${count} entries below would change`);
  ch.dones.push(`times of ${count} entries below changed`);
  ch.diffBefore.push(`entries below needing other times: ${count}`);
  ch.diffAfter.push('entries below needing other times: 0');
  ch.cmds.push(cmd);
}

/** The directory's own times as the plan read them before its walks (@@toptimes), as Python's floats. */
function topTimes(ex: Record<string, string[]>): Pick<FileProbe, 'mtime' | 'atime'> | undefined {
  const [m, at] = (ex.toptimes?.[0] ?? '').split(' ');
  if (!m || !at) return undefined;
  const float = (v: string) => pyTime(v.split('.')[0], v.split('.')[1]);
  return { mtime: float(m), atime: float(at) };
}

/** The path as Ansible's exit_json describes it (add_path_info), under the state this task reports. */
function fileResult(a: Args, st: FileProbe, state: string): Record<string, unknown> {
  return { path: a.path, ...pathInfo(st), state };
}

const stateName = (p: FileProbe) => (p.exists ? p.type : 'absent');

/** Turn the collected changes on an existing path into a plan. */
function finish(ctx: ModuleContext, a: Args, probe: FileProbe, state: string, ch: Change, target: string): Plan {
  const result = { ...fileResult(a, probe, state), diff: ch.ad };
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

function planAbsent(ctx: ModuleContext, a: Args, p: FileProbe, ex: Record<string, string[]>): Plan {
  forgetPlannedPath(ctx, a.path);
  if (!p.exists && p.type !== 'link') return { changed: false, msg: `${a.path} is already absent`, result: { path: a.path, state: 'absent' } };
  const ad = initialDiff(a.path, 'absent', getState(p));
  if (p.type === 'directory') ad.before.path_content = pathContent(a.path, ex.walk ?? []);
  return {
    changed: true,
    msg: `${a.path} (${p.type}) would be removed`,
    done: `${a.path} (${p.type}) removed`,
    diff: [{ path: `${a.path} (state)`, before: `state: ${p.type}\n`, after: 'state: absent\n' }],
    // In --check the path is still there: exit_json's add_path_info describes it (lstat), when it leads somewhere.
    result: { path: a.path, state: 'absent', ...(ctx.check && ex.exists?.length ? pathInfo(p) : {}), diff: ad },
    apply: async () => {
      await run(ctx.conn, sh`rm -rf -- ${a.path}`, `cannot remove ${a.path}`);
    },
  };
}

const want = (a: Args): WantedAttrs => ({ mode: a.mode, owner: a.owner, group: a.group, se: seArgs(a) });

/** The missing levels of the path, top first, as the shell's "$@" (each the dirname of the next). */
const missingLevels = (path: string): Raw => sh`${raw(DIRNAME_FN)}set -- ; d=${path}; while [ ! -d "$d" ] && [ ! -L "$d" ]; do set -- "$d" "$@"; dn "$d"; d=$r; done`;

/**
 * mkdir each missing level, giving each one the wanted owner, mode and SELinux parts (as Ansible
 * does); `firstOnly`: the top one alone, printed.
 */
function createDirs(a: Args, p: FileProbe, firstOnly = false): Raw {
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
  return sh`${label}${missingLevels(a.path)}
${raw(firstOnly ? 'set -- "$1"; ' : '')}m=${mkdirMode}; for x; do mkdir \${m:+-m "$m"} -- "$x" || exit; ${chcon}if [ -n ${owner} ]; then chown -- ${owner} "$x" || exit; fi; if [ -n ${mode} ]; then chmod -- ${mode} "$x" || exit; fi; done${raw(firstOnly ? `; printf '%s\\n' "$1"` : '')}`;
}

/**
 * 2.14's ensure_directory sets the times of the whole path after it makes each level: with more than
 * one level missing, the first level is made and the times of a path not there yet fail the task.
 * nodemend's --check fails as the run will (Ansible's check run says changed).
 */
async function failDeepTimes(ctx: ModuleContext, a: Args, p: FileProbe): Promise<Plan> {
  const fail = (first: string) => new ModuleFailure(`There was an issue creating ${first} as requested: `, { path: a.path });
  if (ctx.check) throw fail((await run(ctx.conn, sh`${missingLevels(a.path)}; printf '%s\\n' "$1"`, `cannot read ${a.path}`)).stdout.trim());
  return {
    changed: true,
    msg: `directory ${a.path} would be created`,
    apply: async () => {
      throw fail((await run(ctx.conn, createDirs(a, p, true), `cannot create ${a.path}`)).stdout.trim());
    },
  };
}

async function planDirectory(ctx: ModuleContext, a: Args, p: FileProbe, ex: Record<string, string[]>): Promise<Plan> {
  // Nothing was there and the probe ran createDirs (mkdirWithProbe): `p` is what it made, or what a failure left.
  const byProbe = madeByProbe(ex);
  if (p.exists && p.type !== 'directory' && !byProbe) throw new ModuleFailure(`${a.path} exists and is a ${p.type}, not a directory`);
  // A followed link: ensure_directory works on its real path, and names it.
  const path = a.follow && p.linkTarget !== undefined ? p.realPath : a.path;
  const ad = initialDiff(path, 'directory', byProbe ? 'absent' : getState(p));
  if (!p.exists || byProbe) {
    if (ctx.check) await assertOwnersExist(ctx.conn, a.owner, a.group);
    const tt = times(a);
    const timed = tt.m !== null || tt.a !== null;
    if (timed && !parentWillExist(ctx, a.path, p.parentExists)) return failDeepTimes(ctx, a, p);
    planDirectoryLevels(ctx, a.path, { type: 'directory', mode: newMode(a, true), owner: a.owner, group: a.group });
    const ch = change(initialDiff(path, 'directory', 'absent'));
    // Each new level's attributes against what mkdir made of it (the times of a path not there yet are not compared).
    const made = madeProbe(ex, 'directory');
    if (made) addAnsibleAttrs(ch.ad, attrDelta(made, want(a)), made, ownerIds(ex));
    // Times asked for are set once the directory is there, against the times mkdir gave it (update_timestamp_for_file).
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
      result: { path: a.path, diff: ad },
      apply: async () => {
        if (byProbe) {
          // As run() below would have failed, or as runAndStat would have read the new directory.
          const { rc, stderr } = byProbe;
          if (rc !== 0) throw new ModuleFailure(`cannot create ${a.path}: ${stderr.trim() || `exit code ${rc}`}`, { rc, stdout: '', stderr });
          if (timed || p.type !== 'directory') throw new Error(`internal error: ${a.path} was made with its probe where the plan does not make it so`);
          return { ...fileResult(a, p, 'directory'), diff: ch.ad };
        }
        const made = await runAndStat(ctx.conn, createDirs(a, p), a.path, `cannot create ${a.path}`);
        if (!timed) return { ...fileResult(a, made, 'directory'), diff: ch.ad };
        // The new directory's times, and the diff's mtime/atime, against what mkdir gave it.
        const t = change(ch.ad);
        addTimes(t, a, a.path, made, ex);
        const st = t.cmds.length ? await runAndStat(ctx.conn, raw(t.cmds.map(String).join(' && ')), a.path, `cannot set times of ${a.path}`) : made;
        return { ...fileResult(a, st, 'directory'), diff: t.ad };
      },
    };
  }
  const ch = change(ad);
  const ids = ownerIds(ex);
  const d = attrDelta(p, want(a));
  await planAttrs(ctx, p, d);
  addAttrs(ch, d, fixAttrsCommand(p.realPath, d), p, ids);
  if (a.recurse) {
    const listing = (ex.tree ?? []).join('\n');
    // A loop of links with follow: Ansible's recursion ends in a RecursionError, reported so.
    if (listing.includes(TREE_FAILED)) throw new ModuleFailure(`Could not recursively set attributes on ${p.realPath}: find could not walk it (a loop of links?)`, { path: a.path });
    const tree = planTree(p.realPath, parseTree(listing), want(a), a.follow);
    if (tree.command) {
      ch.msgs.push(`${tree.changed} entries below would change`);
      ch.dones.push(`${tree.changed} entries below changed`);
      ch.diffBefore.push(`entries below needing changes: ${tree.changed}`);
      ch.diffAfter.push('entries below needing changes: 0');
      ch.cmds.push(tree.command);
    }
    addTreeTimes(ch, a, ex, p.realPath);
  }
  addTimes(ch, a, p.realPath, topTimes(ex) ?? p, ex);
  return finish(ctx, a, p, 'directory', ch, p.realPath);
}

async function planExisting(ctx: ModuleContext, a: Args, p: FileProbe, ex: Record<string, string[]>, state: string, ad: AnsibleDiff): Promise<Plan> {
  const ch = change(ad);
  const d = attrDelta(p, want(a));
  await planAttrs(ctx, p, d);
  addAttrs(ch, d, fixAttrsCommand(p.realPath, d), p, ownerIds(ex));
  addTimes(ch, a, p.realPath, p, ex);
  return finish(ctx, a, p, state, ch, p.realPath);
}

/** What touch's write of a new file is given: the task's mode, owner, group and SELinux parts. */
const touchWriteOptions = (a: Args, p: FileProbe) => ({
  mode: a.mode ? chmodArgument(parseMode(a.mode)) : undefined,
  owner: a.owner,
  group: a.group,
  chcon: chconArgs(wantedContext(seArgs(a), p.selinux)),
});

async function planTouch(ctx: ModuleContext, a: Args, p: FileProbe, ex: Record<string, string[]>): Promise<Plan> {
  // Nothing was there and the probe wrote the new file (makeWithProbe): `p` is what it left.
  const byProbe = writtenInProbe(p.realPath, ex);
  if (byProbe) p = { ...p, ...NOTHING, parentExists: true };
  if (p.exists) {
    // touch's times default to now (file.py keep_backward_compatibility_on_timestamps): always a change.
    const plan = await planExisting(ctx, a, p, ex, p.type === 'directory' ? 'directory' : 'file', initialDiff(a.path, 'touch', ownState(p)));
    const apply = plan.apply;
    return { ...plan, result: destResult(plan.result), apply: apply && (async () => destResult(await apply())) };
  }
  if (!parentWillExist(ctx, p.realPath, p.parentExists)) throw new ModuleFailure(`cannot touch ${a.path}: directory ${posix.dirname(p.realPath)} does not exist`);
  if (ctx.check) await assertOwnersExist(ctx.conn, a.owner, a.group);
  timeTargets(a, ex);
  planPathState(ctx, p.realPath, { type: 'file', mode: newMode(a, false), owner: a.owner, group: a.group, sha256: EMPTY_SHA256 });
  // A file just made already has now's times: only a formatted time is a second step.
  const tt = times(a);
  const formatted = [tt.m, tt.a].some((v) => v !== null && v !== 'now');
  return {
    changed: true,
    msg: `${a.path} would be created`,
    done: `${a.path} created`,
    diff: [{ path: `${a.path} (state)`, before: 'state: absent\n', after: 'state: file\n' }],
    // --check: execute_touch returns before the file exists, with no diff and nothing for add_path_info.
    result: { dest: a.path, diff: undefined },
    apply: async () => {
      if (byProbe && 'error' in byProbe) return remote(Promise.reject(byProbe.error));
      if (byProbe && formatted) throw new Error(`internal error: ${a.path} was written with its probe where the plan does not write it so`);
      const w = byProbe ? byProbe.result : await remote(writeFileAtomic(ctx.conn, p.realPath, '', { ...touchWriteOptions(a, p), expectSha: null }));
      // The new file's attributes against what open() made of it, then its times against the ones it got.
      const ch = change(initialDiff(a.path, 'touch', 'absent'));
      const made = madeProbe(ex, 'file');
      if (made) addAnsibleAttrs(ch.ad, attrDelta(made, want(a)), made, ownerIds(ex));
      addTimes(ch, a, p.realPath, w.stat, ex);
      const st = formatted ? await runAndStat(ctx.conn, raw(ch.cmds.map(String).join(' && ')), p.realPath, `cannot set times of ${a.path}`) : w.stat;
      return { ...destResult(fileResult(a, st, 'file')), diff: ch.ad };
    },
  };
}

/** owner/group/mode with `follow` on a link: the change to its existing final target (ensure_symlink's set_fs_attributes_if_different). */
async function targetAttrs(ctx: ModuleContext, a: Args, ex: Record<string, string[]>, ad: AnsibleDiff): Promise<Change> {
  const ch = change(ad);
  const [real, line] = ex.target ?? [];
  // Without follow owner and group are the link's own (the target is read for its times only).
  if (!real || !line || !a.follow) return ch;
  const t = parseStatLine(real, line);
  const d = attrDelta(t, { mode: a.mode, owner: a.owner, group: a.group });
  await planAttrs(ctx, t, d);
  if (d.changed) {
    ch.msgs.push(`target ${real} ${describeAttrs(d)}`);
    ch.dones.push(`target ${real} ${describeAttrs(d)}`);
    for (const [k, v] of Object.entries(d.before)) ch.diffBefore.push(`target ${k}: ${v}`);
    for (const [k, v] of Object.entries(d.after)) ch.diffAfter.push(`target ${k}: ${v}`);
    addAnsibleAttrs(ad, d, t, ownerIds(ex));
    ch.cmds.push(fixAttrsCommand(real, d)!);
  }
  return ch;
}

/**
 * modification_time / access_time on a link already right (no state on an existing link), as
 * ensure_symlink's update_timestamp_for_file: on its final target with or without follow (os.stat
 * and os.utime follow the link). A link that leads nowhere: with follow nothing (Ansible warns),
 * without it the task fails, in --check too (Ansible's check run returns before the times).
 */
function linkTimes(ch: Change, a: Args, ex: Record<string, string[]>) {
  const t = times(a);
  if (t.m === null && t.a === null) return;
  const [real, line] = ex.target ?? [];
  if (real && line) return addTimes(ch, a, real, parseStatLine(real, line), ex);
  if (!a.follow) throw new ModuleFailure(`Error while updating modification or access time: [Errno 2] No such file or directory: b'${a.path}'`, { path: a.path });
}

/** ensure_symlink and execute_touch name the path `dest` (add_path_info reads path or dest), not `path`. */
function destResult(r: Record<string, unknown> | undefined | void): Record<string, unknown> {
  const { path, ...rest } = r ?? {};
  return { dest: path, ...rest };
}

/** mode with follow: false, as basic.py's set_mode_if_different on a link: compared with the link's own 0777 (its diff), never set (Linux has no lchmod). */
function linkModePair(a: Args, ad: AnsibleDiff) {
  if (a.follow || a.mode === undefined) return;
  const mode = applyMode(parseMode(a.mode), 0o777, false);
  if (mode === 0o777) return;
  ad.before.mode = '0777';
  ad.after.mode = `0${mode.toString(8).padStart(3, '0')}`;
}

async function planLink(ctx: ModuleContext, a: Args, p: FileProbe, ex: Record<string, string[]>): Promise<Plan> {
  if (a.src === undefined && p.type !== 'link') {
    // ensure_symlink without src: only an existing link's attributes.
    if (p.exists && !a.force) throw new ModuleFailure(`refusing to convert from ${getState(p)} to symlink for ${a.path}`, { path: a.path });
    throw new ModuleFailure('src is required for creating new symlinks');
  }
  const src = a.src ?? p.linkTarget!;
  // Without src, ensure_symlink reports the link's text when it follows a link that leads somewhere.
  const shownSrc = a.src ?? (a.follow && ex.src?.length ? src : null);
  // Checked first, as ensure_symlink does: even a link already pointing at a missing src fails without force.
  // In --check a src that an earlier task of the run would create counts as there (README "Choices":
  // Ansible's check run fails here, its real run does not).
  if (a.src !== undefined && !ex.src?.length && !a.force && !pathWouldExist(ctx, linkSrcPath(a))) {
    throw new ModuleFailure(`src file does not exist, use force: true if you really want to create the link: ${src}`);
  }
  const ad = initialDiff(a.path, 'link', getState(p));
  if (p.type === 'link' && p.linkTarget !== src) {
    ad.before.src = p.linkTarget;
    ad.after.src = src;
  }
  // ensure_symlink's check run stops before the attributes when the path leads nowhere yet (os.path.exists).
  const early = ctx.check && !ex.exists?.length ? structuredClone(ad) : undefined;
  // A dangling link gets no attributes (Ansible warns instead), so its diff holds none.
  const dangling = !ex.src?.length;
  const base = structuredClone(ad);
  const target = await targetAttrs(ctx, a, ex, dangling ? structuredClone(ad) : ad);
  // Without follow, owner and group are the link's own (lchown); with it, the target's.
  const own = a.follow ? {} : { owner: a.owner, group: a.group };
  if (p.type === 'link' && p.linkTarget === src) {
    const ch = change(ad);
    const d = attrDelta(p, own);
    addAttrs(ch, d, fixAttrsCommand(a.path, d, { noDereference: true }), p, ownerIds(ex));
    for (const k of ['msgs', 'dones', 'diffBefore', 'diffAfter', 'cmds'] as const) (ch[k] as unknown[]).push(...target[k]);
    // As ensure_symlink's result: src, and the path's details only when the link leads somewhere (add_path_info).
    linkModePair(a, ad);
    linkTimes(ch, a, ex);
    const plan = finish(ctx, a, p, 'link', ch, a.path);
    plan.result = dangling ? { dest: a.path, src: shownSrc, diff: ad } : { ...destResult(plan.result), src: shownSrc };
    const apply = plan.apply;
    if (apply) plan.apply = async () => (dangling ? { dest: a.path, src: shownSrc } : { ...destResult(await apply()), src: shownSrc });
    return plan;
  }
  // As ensure_symlink: anything but a link needs force, and a directory must be empty (it is removed first).
  if (p.exists && p.type !== 'link' && !a.force) throw new ModuleFailure(`refusing to convert from ${getState(p)} to symlink for ${a.path}`, { path: a.path });
  if (p.type === 'directory' && ex.dirents?.length) throw new ModuleFailure(`the directory ${a.path} is not empty, refusing to convert it`, { path: a.path });
  if (!p.exists && !parentWillExist(ctx, a.path, p.parentExists)) throw new ModuleFailure(`cannot link ${a.path}: directory ${posix.dirname(a.path)} does not exist`);
  const owner = own.owner ? (own.group ? `${own.owner}:${own.group}` : own.owner) : own.group ? `:${own.group}` : '';
  // Without follow, the new link's own owner and group against its maker's (lchown).
  const made = madeProbe(ex, 'link');
  if (!a.follow && made) addAnsibleAttrs(ad, attrDelta(made, own), made, ownerIds(ex));
  if (!early) linkModePair(a, ad);
  // --check with a path that leads somewhere: no link is made, so load_file_common_arguments follows
  // what the path leads to now, and the diff's attributes are that path's, not the new target's.
  let checkAd = early;
  const [curReal, curLine] = ex.current ?? [];
  if (ctx.check && !early && a.follow && curReal && curLine) {
    checkAd = base;
    const cur = parseStatLine(curReal, curLine);
    addAnsibleAttrs(checkAd, attrDelta(cur, { mode: a.mode, owner: a.owner, group: a.group }), cur, ownerIds(ex));
  }
  const timed = linkedTimes(ctx, a, ex, ad, early ? undefined : (checkAd ??= ad));
  // A new link beside the old path, renamed over it: the path is never missing.
  // An empty directory there goes first (rename cannot put a link over a directory).
  const rmdir = p.type === 'directory' ? sh`rmdir -- ${a.path} && ` : raw('');
  const link = sh`t=$(mktemp -u -- ${`${posix.dirname(a.path)}/.nodemend.XXXXXXXX`}) && ln -s -- ${src} "$t" && { if [ -n ${owner} ]; then chown -h -- ${owner} "$t"; fi && ${rmdir}mv -fT -- "$t" ${a.path} || { rm -f -- "$t"; false; }; }`;
  const script = raw([link.text, ...target.cmds.map(String), ...timed.cmds.map(String)].join(' && '));
  const before = p.type === 'link' ? `state: link\nsrc: ${p.linkTarget}\n` : `state: ${stateName(p)}\n`;
  const what = p.exists ? `${a.path} would be replaced by a link to ${src}` : `link ${a.path} -> ${src} would be created`;
  const did = p.exists ? `${a.path} replaced by a link to ${src}` : `link ${a.path} -> ${src} created`;
  const lines = (k: 'diffBefore' | 'diffAfter') => [...target[k], ...timed[k]].map((l) => l + '\n').join('');
  return {
    changed: true,
    msg: [what, ...target.msgs, ...timed.msgs].join('; '),
    done: [did, ...target.dones, ...timed.dones].join('; '),
    diff: [{ path: `${a.path} (state)`, before: before + lines('diffBefore'), after: `state: link\nsrc: ${src}\n` + lines('diffAfter') }],
    // The path's details come from apply, once it is a link that leads somewhere (add_path_info).
    // In --check, add_path_info describes what is there now, when the path leads somewhere (lstat).
    result: { ...(ctx.check && ex.exists?.length ? pathInfo(p) : {}), dest: a.path, src, diff: checkAd ?? ad },
    apply: async () => {
      const st = await runAndStat(ctx.conn, script, a.path, `cannot link ${a.path}`);
      // Without follow, a link made to nothing fails at its times once it is there, as 2.14's does.
      if (timed.fail) throw timed.fail;
      return ex.src?.length ? { ...destResult(fileResult(a, st, 'link')), src } : { dest: a.path, src };
    },
  };
}

/**
 * modification_time / access_time with a link being made or re-pointed, as ensure_symlink's
 * update_timestamp_for_file once the link is there (os.stat and os.utime follow it): the run sets
 * them on src's final target, against its times (`ad`, the run's diff). A src that leads nowhere gets
 * nothing with follow (Ansible warns), and without follow the task fails once the link is made, in
 * --check too (README "Choices": 2.14's check run does not fail). 2.14's check run makes no link: it
 * compares the times with what the path leads to now (`checkAd`), none when it leads nowhere.
 */
function linkedTimes(ctx: ModuleContext, a: Args, ex: Record<string, string[]>, ad: AnsibleDiff, checkAd: AnsibleDiff | undefined): Change & { fail?: ModuleFailure } {
  const t = times(a);
  const ch: Change & { fail?: ModuleFailure } = change(ad);
  if (t.m === null && t.a === null) return ch;
  const [real, line] = ex.target ?? [];
  if (!real && !a.follow) ch.fail = new ModuleFailure(`Error while updating modification or access time: [Errno 2] No such file or directory: b'${a.path}'`, { path: a.path });
  if (ctx.check) {
    if (ch.fail) throw ch.fail;
    const [curReal, curLine] = ex.current ?? [];
    if (checkAd && curReal && curLine) addTimes(change(checkAd), a, curReal, parseStatLine(curReal, curLine), ex);
  }
  if (!real || !line) return ch;
  // The run's times (in --check its messages: no command runs, and the diff is checkAd's).
  const run = change(ctx.check ? structuredClone(ad) : ad);
  addTimes(run, a, real, parseStatLine(real, line), ex);
  return { ...run, ad };
}

/**
 * state: hard, as Ansible 2.14's ensure_hardlink: a path that already is src's inode is kept (only
 * attributes, which src shares); a regular file or another inode there needs force; the new link
 * is made beside the path and renamed over it, so the path is never missing. As in Ansible, a
 * symlink whose text is src counts as done.
 */
/**
 * ensure_hardlink without src (no state on a file with several links): only the path's attributes
 * and times; any other path needs src.
 */
async function planHardAttrs(ctx: ModuleContext, a: Args, p: FileProbe, ex: Record<string, string[]>): Promise<Plan> {
  if (getState(p) !== 'hard') throw new ModuleFailure('src is required for creating new hardlinks');
  const ch = change(initialDiff(a.path, 'hard', 'hard'));
  const d = attrDelta(p, want(a));
  await planAttrs(ctx, p, d);
  addAttrs(ch, d, fixAttrsCommand(a.path, d), p, ownerIds(ex));
  addTimes(ch, a, a.path, p, ex);
  const plan = finish(ctx, a, p, 'hard', ch, a.path);
  plan.result = { ...destResult(plan.result), src: null };
  const apply = plan.apply;
  if (apply) plan.apply = async () => ({ ...destResult(await apply()), src: null, diff: ch.ad });
  return plan;
}

function planHard(ctx: ModuleContext, a: Args, p: FileProbe, ex: Record<string, string[]>): Plan | Promise<Plan> {
  if (a.src === undefined) return planHardAttrs(ctx, a, p, ex);
  const src = a.src;
  if (!ex.src?.length) throw new ModuleFailure('src does not exist', { dest: a.path, src });
  const s = parseStatLine(src, ex.src[0]);
  const ids = ownerIds(ex);
  const ad = initialDiff(a.path, 'hard', getState(p));
  const linked = p.exists && p.type !== 'link' && p.inode === s.inode;
  if (linked || (p.type === 'link' && p.linkTarget === src)) {
    const ch = change(ad);
    addAttrs(ch, attrDelta(p, want(a)), fixAttrsCommand(a.path, attrDelta(p, want(a)), { noDereference: p.type === 'link' }), p, ids);
    // The times of the inode (a symlink whose text is src: of src's final target, os.utime following it).
    addTimes(ch, a, a.path, linked ? p : s, ex);
    const plan = finish(ctx, a, p, linked ? 'hard' : 'link', ch, a.path);
    // ensure_hardlink's result names the path `dest` only.
    const named = (r: Record<string, unknown> | void) => {
      const { path: _path, ...rest } = r ?? {};
      return { ...rest, dest: a.path, src };
    };
    plan.result = named(plan.result);
    const apply = plan.apply;
    if (apply) plan.apply = async () => named(await apply());
    return plan;
  }
  if (p.type === 'directory') throw new ModuleFailure(`${a.path} is a directory: refusing to replace it with a hard link`, { dest: a.path, src });
  if (p.type === 'file' && !a.force) {
    const msg = p.nlink > 1 ? 'Cannot link, different hard link exists at destination' : 'Cannot link, file exists at destination';
    // As Ansible's exit_json, the failure carries the path's state (add_path_info).
    throw new ModuleFailure(msg, { ...pathInfo(p), dest: a.path, src });
  }
  if (!p.exists && !parentWillExist(ctx, a.path, p.parentExists)) throw new ModuleFailure(`cannot link ${a.path}: directory ${posix.dirname(a.path)} does not exist`);
  if (p.type === 'link') {
    ad.before.src = p.linkTarget;
    ad.after.src = src;
  }
  // The attributes belong to the inode: what src has now is what the link starts with. A symlink
  // replaced with follow: 2.14's load_file_common_arguments resolved the path before the link was
  // made, so owner, group and mode go to what the symlink led to, the new link keeps src's.
  const [curReal, curLine] = ex.current ?? [];
  const cur = curReal && curLine ? parseStatLine(curReal, curLine) : undefined;
  const attrsFollow = p.type === 'link' && a.follow && (a.mode ?? a.owner ?? a.group) !== undefined;
  // A symlink that led nowhere: 2.14 makes the link, then fails reading that path (in --check nodemend fails).
  const attrFail = attrsFollow && !cur ? new ModuleFailure(`[Errno 2] No such file or directory: b'${curReal ?? a.path}'`, { dest: a.path, src }) : undefined;
  if (attrFail && ctx.check) throw attrFail;
  const attrsOf = attrsFollow ? cur : s;
  const d = attrsOf ? attrDelta(attrsOf, want(a)) : attrDelta(s, {});
  const fix = fixAttrsCommand(attrsOf?.path ?? a.path, d);
  // Ansible's diff compares the attributes of what the path is when they are set: the new link
  // in a run (with follow, where a symlink there led); in --check the path as it is, when there is
  // one (a link there: what it leads to).
  const checkDiff = structuredClone(ad);
  if (attrsFollow && cur) addAnsibleAttrs(checkDiff, d, cur, ids);
  else if (p.exists) addAnsibleAttrs(checkDiff, attrDelta(p, want(a)), p, ids);
  const runDiff = structuredClone(ad);
  if (attrsOf) addAnsibleAttrs(runDiff, d, attrsOf, ids);
  const timed = hardTimes(ctx, a, p, s, ex, checkDiff, runDiff);
  const link = sh`t=$(mktemp -u -- ${`${posix.dirname(a.path)}/.nodemend.XXXXXXXX`}) && ln -- ${src} "$t" && { mv -fT -- "$t" ${a.path} || { rm -f -- "$t"; false; }; }`;
  const script = raw([link, attrFail ? null : fix, ...(attrFail ? [] : timed.cmds)].filter(Boolean).map(String).join(' && '));
  const before = p.type === 'link' ? `state: link\nsrc: ${p.linkTarget}\n` : `state: ${stateName(p)}\n`;
  const what = p.exists ? `${a.path} would be replaced by a hard link to ${src}` : `hard link ${a.path} -> ${src} would be created`;
  const did = p.exists ? `${a.path} replaced by a hard link to ${src}` : `hard link ${a.path} -> ${src} created`;
  const lines = (k: 'diffBefore' | 'diffAfter') => timed[k].map((l) => l + '\n').join('');
  return {
    changed: true,
    msg: [what, ...(d.changed ? [describeAttrs(d)] : []), ...timed.msgs].join('; '),
    done: [did, ...(d.changed ? [describeAttrs(d)] : []), ...timed.dones].join('; '),
    diff: [{ path: `${a.path} (state)`, before: before + lines('diffBefore'), after: `state: hard\nsrc: ${src}\n` + lines('diffAfter') }],
    // In check mode Ansible describes the path as it is (nothing when absent).
    result: { ...(p.exists ? pathInfo(p) : {}), dest: a.path, src, diff: checkDiff },
    apply: async () => {
      const st = await runAndStat(ctx.conn, script, a.path, `cannot link ${a.path}`);
      if (attrFail) throw attrFail;
      if (timed.fail) throw timed.fail;
      // Ansible's hard link result names the link `dest`, not `path`.
      return { ...pathInfo(st), dest: a.path, src, diff: runDiff };
    },
  };
}

/**
 * modification_time / access_time with a hard link being made or replacing a path, as
 * ensure_hardlink's update_timestamp_for_file once the link is there: on the inode it shares with src
 * (`runDiff`); a symlink replaced with follow: on what it led to (load_file_common_arguments
 * followed it before the link was made), and when it led nowhere the task fails once the link is
 * made, in --check too. 2.14's check run makes no link: it compares the times with what the path
 * leads to now (`checkDiff`), none when it leads nowhere.
 */
function hardTimes(ctx: ModuleContext, a: Args, p: FileProbe, s: FileProbe, ex: Record<string, string[]>, checkDiff: AnsibleDiff, runDiff: AnsibleDiff): Change & { fail?: ModuleFailure } {
  const t = times(a);
  const ch: Change & { fail?: ModuleFailure } = change(ctx.check ? checkDiff : runDiff);
  if (t.m === null && t.a === null) return ch;
  const [curReal, curLine] = ex.current ?? [];
  const cur = curReal && curLine ? parseStatLine(curReal, curLine) : undefined;
  const followed = p.type === 'link' && a.follow;
  if (followed && !cur) ch.fail = new ModuleFailure(`Error while updating modification or access time: [Errno 2] No such file or directory: b'${curReal ?? a.path}'`, { path: curReal ?? a.path });
  if (ctx.check) {
    if (ch.fail) throw ch.fail;
    // What the path leads to now: itself, or a symlink's final target.
    const now = p.type === 'link' ? cur : p.exists ? p : undefined;
    if (now) addTimes(ch, a, now.path, now, ex);
  } else if (followed && cur) addTimes(ch, a, cur.path, cur, ex);
  else if (!followed) addTimes(ch, a, a.path, s, ex);
  return ch;
}

export default defineModule<Args>({
  name: 'file',
  // 2.14 registers no msg on success: the plan's words are the report line only.
  reportOnlyMsg: true,
  pathArgs: ['path', 'src'],
  description: 'Manage a path: directory, file attributes, touch, symlink, absent (mode/owner/group, recurse)',
  schema,
  async plan(a, ctx) {
    // As Ansible: attributes after everything else, on the path (not for state: absent).
    const plan = await planFile(a, ctx);
    return a.state === 'absent' ? plan : withAttributes(plan, ctx, a.path, a.attributes);
  },
});

async function planFile(args: Args, ctx: ModuleContext): Promise<Plan> {
  {
    let a = args;
    // In check mode, as earlier tasks of the run would have left the path.
    const selinuxDefault = Object.values(seArgs(a)).includes('_default');
    // The arguments as they stand: `a` is replaced below (a hard link into a directory, the path's own state).
    const probe = async (x: Args) => {
      const follow = x.follow && x.state !== 'link' && x.state !== 'hard' && x.state !== 'absent';
      const idLine = ctx.identityMemo?.get('id');
      const got = await remote(probeFile(ctx.conn, x.path, { follow, extra: extraScript(x, ctx.check, idLine, makeWithProbe(x, ctx)), selinuxDefault }));
      const me = idLine === undefined ? sections(got.extra).me?.[0] : undefined;
      if (me !== undefined && ROOT_ID.test(me)) ctx.identityMemo?.set('id', me);
      return plannedProbe(ctx, got);
    };
    let p = await probe(a);
    // additional_parameter_handling: a hard link (or a src without state) whose path is a directory goes inside it, under src's name.
    if ((a.state === 'hard' || a.state === undefined) && a.src !== undefined && p.type === 'directory') {
      a = { ...a, path: posix.join(a.path, posix.basename(a.src)) };
      p = await probe(a);
    }
    if (a.state === undefined && a._diff_peek === undefined) {
      // additional_parameter_handling: no state is the path's own (get_state), or for a path not there directory with recurse, file without.
      const prev = ownState(p);
      const state = prev !== 'absent' ? (prev as NonNullable<Args['state']>) : a.recurse ? 'directory' : 'file';
      // As fail_json's results: the path's details too (add_path_info).
      if (a.recurse && state !== 'directory') throw new ModuleFailure("recurse option requires state to be 'directory'", { ...pathInfo(p), path: a.path });
      if (a.src !== undefined && state !== 'link' && state !== 'hard') throw new ModuleFailure("src option requires state to be 'link' or 'hard'", { ...pathInfo(p), path: a.path });
      a = { ...a, state };
      // A link, a hard link and a new directory read what their state's probe reads; a file or a directory there is read already.
      if (state === 'link' || state === 'hard' || !p.exists) p = await probe(a);
    }
    // main()'s --check (any state but absent): warnings for an owner or group the host lacks, on the result or the failure.
    const warnings = ctx.check && a.state !== 'absent' ? await ownerLookupWarnings(ctx.conn, a.owner, a.group) : [];
    if (!warnings.length) return planState(ctx, a, p);
    try {
      const plan = await planState(ctx, a, p);
      return { ...plan, result: { ...plan.result, warnings } };
    } catch (e) {
      if (e instanceof ModuleFailure) Object.assign(e.result, { warnings });
      throw e;
    }
  }
}

async function planState(ctx: ModuleContext, a: Args, p: FileProbe): Promise<Plan> {
  {
    const ex = sections(p.extra);
    // _diff_peek answers alone: whether the path looks binary, never a change.
    if (a._diff_peek !== undefined) return { changed: false, result: { path: a.path, appears_binary: Boolean(ex.peek?.length), ...pathInfo(p) } };
    switch (a.state) {
      case 'absent':
        return planAbsent(ctx, a, p, ex);
      case 'directory':
        return planDirectory(ctx, a, p, ex);
      case 'touch':
        return planTouch(ctx, a, p, ex);
      case 'link':
        return planLink(ctx, a, p, ex);
      case 'hard':
        return planHard(ctx, a, p, ex);
      default: {
        // state: file (given, or the path's own): the path must exist; only attributes and times.
        // As ensure_file_attributes' failure: the path and the state it found.
        if (!p.exists) throw new ModuleFailure(`file (${a.path}) is absent, cannot continue`, { path: a.path, state: 'absent' });
        // get_state reads anything but a link or a directory as a file (a fifo, a device).
        if (p.type === 'directory' || p.type === 'link') throw new ModuleFailure(`file (${a.path}) is ${p.type}, cannot continue`, { ...pathInfo(p), path: a.path, state: getState(p) });
        // ensure_file_attributes works on a followed link's real path and names it.
        const linked = p.linkTarget !== undefined && a.follow;
        const ad = linked ? initialDiff(p.realPath, 'file', getState(p)) : initialDiff(a.path, 'file', ownState(p));
        return planExisting(ctx, a, p, ex, 'file', ad);
      }
    }
  }
}
