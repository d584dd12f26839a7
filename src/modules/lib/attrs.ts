/**
 * Owner, group, mode and SELinux label of one existing path: what differs from what the task
 * wants, the before/after text for --diff, and the (single) command that fixes it.
 */
import { z } from 'zod';
import { raw, sh, type Raw } from '../../transport/quote.js';
import type { FileProbe, WriteOptions } from '../../transport/remote-file.js';
import type { RemoteShell } from '../../transport/types.js';
import { chconArgs, contextChange, SE_ARGS, wantedContext, type SeArgs } from '../../transport/selinux-label.js';
import { ModuleFailure, type FileDiff } from '../types.js';
import { applyMode, chmodArgument, formatMode, modeArg, parseMode } from './mode.js';
import { validateCommand } from './validate.js';

/** Zod fields shared by every module that sets file attributes. */
export const attrFields = {
  mode: modeArg.optional(),
  owner: z.string().min(1).optional(),
  group: z.string().min(1).optional(),
};

/**
 * Ansible's SELinux file arguments (seuser, serole, setype, selevel; `_default`: the policy's
 * default part), for the modules that apply them (selinux-label.ts).
 */
export const seFields = Object.fromEntries(SE_ARGS.map((k) => [k, z.string().min(1).optional()])) as Record<(typeof SE_ARGS)[number], z.ZodOptional<z.ZodString>>;

/** A module's SELinux arguments, as WantedAttrs takes them. */
export const seArgs = (a: SeArgs): SeArgs => Object.fromEntries(SE_ARGS.filter((k) => a[k] !== undefined).map((k) => [k, a[k]]));

export interface WantedAttrs {
  mode?: string;
  owner?: string;
  group?: string;
  /** Where SELinux is enabled (the probe says so), the label's parts to set. */
  se?: SeArgs;
}

export interface AttrDelta {
  changed: boolean;
  /** Only the attributes that differ, as Ansible's "(file attributes)" diff. */
  before: Record<string, string>;
  after: Record<string, string>;
  /** The exact octal mode to set, when mode differs. */
  mode?: string;
  owner?: string;
  group?: string;
  /** chcon's arguments before the path (selinux-label.ts contextChange). */
  chcon?: string[];
}

/** Who owns a path, by name and id (a task may name either). */
export type Ownership = Pick<FileProbe, 'owner' | 'group' | 'uid' | 'gid'>;

const isId = (s: string) => /^\d+$/.test(s);
export const sameUser = (want: string, p: Ownership) => (isId(want) ? Number(want) === p.uid : want === p.owner);
export const sameGroup = (want: string, p: Ownership) => (isId(want) ? Number(want) === p.gid : want === p.group);

/** Compare an existing path with the wanted attributes. */
export function attrDelta(p: FileProbe, want: WantedAttrs): AttrDelta {
  const d: AttrDelta = { changed: false, before: {}, after: {} };
  if (want.owner !== undefined && !sameUser(want.owner, p)) {
    d.before.owner = p.owner;
    d.after.owner = d.owner = want.owner;
  }
  if (want.group !== undefined && !sameGroup(want.group, p)) {
    d.before.group = p.group;
    d.after.group = d.group = want.group;
  }
  if (want.mode !== undefined) {
    const next = formatMode(applyMode(parseMode(want.mode), parseInt(p.mode, 8), p.type === 'directory'));
    if (next !== p.mode) {
      d.before.mode = p.mode;
      d.after.mode = d.mode = next;
    }
  }
  // set_context_if_different: only where SELinux is enabled (the probe read a label).
  const wanted = want.se && p.secontext !== undefined ? wantedContext(want.se, p.selinux) : undefined;
  const se = wanted ? contextChange(p.secontext!, wanted) : null;
  if (se) {
    d.before.secontext = se.before;
    d.after.secontext = se.after;
    d.chcon = se.chcon;
  }
  d.changed = Object.keys(d.after).length > 0;
  return d;
}

/**
 * The mode to give a file being written: exact octal when the current mode is known
 * (symbolic applied to it), else what chmod should apply to the new file.
 */
export function modeForWrite(want: string | undefined, current: FileProbe | undefined): string | undefined {
  if (want === undefined) return undefined;
  const spec = parseMode(want);
  if (current?.exists && current.type === 'file') return formatMode(applyMode(spec, parseInt(current.mode, 8), false));
  return chmodArgument(spec);
}

/** What a file-writing module's arguments ask of the file it writes (writeFileAtomic's options): validate, attributes, label, backup. */
export function fileWriteOptions(o: WantedAttrs & { validate?: string; backup: boolean }, probe: FileProbe): WriteOptions {
  return {
    validate: o.validate !== undefined ? validateCommand(o.validate) : undefined,
    mode: modeForWrite(o.mode, probe),
    owner: o.owner,
    group: o.group,
    chcon: chconArgs(wantedContext(o.se ?? {}, probe.selinux)),
    backup: o.backup,
  };
}

/**
 * chown fails on a user or group the host does not know. A check run asks the host (only when
 * an owner or group would change), so it fails where the real run would instead of predicting a change.
 */
export async function assertOwnersExist(conn: RemoteShell, owner: string | undefined, group: string | undefined): Promise<void> {
  const names = (
    [
      ['passwd', owner, 'user'],
      ['group', group, 'group'],
    ] as const
  ).filter(([, n]) => n !== undefined && !isId(n));
  if (!names.length) return;
  const res = await conn.exec(raw(names.map(([db, n, what]) => sh`getent ${db} -- ${n!} >/dev/null || echo ${`${what} ${n}`}`.text).join('; ')));
  const missing = res.stdout.trim();
  if (missing) throw new ModuleFailure(`chown failed: failed to look up ${missing.split('\n').join(', ')}`);
}

/**
 * file.py's check_owner_exists / check_group_exists (its --check, any state but absent): a warning
 * for an owner or group the host lacks, looked up by id when it is a number, by name otherwise.
 */
export async function ownerLookupWarnings(conn: RemoteShell, owner: string | undefined, group: string | undefined): Promise<string[]> {
  const wanted = (
    [
      ['passwd', owner, 'user'],
      ['group', group, 'group'],
    ] as const
  ).filter(([, n]) => n !== undefined && n !== '');
  if (!wanted.length) return [];
  const res = await conn.exec(raw(wanted.map(([db, n], i) => sh`getent ${db} -- ${n!} >/dev/null || echo ${String(i)}`.text).join('; ')));
  const missing = new Set(res.stdout.split('\n').filter(Boolean));
  return wanted
    .filter((_, i) => missing.has(String(i)))
    .map(([, n, what]) => `failed to look up ${what} ${isId(n!) ? `with ${what === 'user' ? 'uid' : 'gid'} ` : ''}${n}. Create ${what} up to this point in real play`);
}

/** chcon, chown then chmod (chown clears setuid bits), for one path; null when nothing to do. */
export function fixAttrsCommand(path: string, d: AttrDelta, opts: { noDereference?: boolean } = {}): Raw | null {
  const parts: string[] = [];
  if (d.chcon) parts.push(sh`chcon ${raw(opts.noDereference ? '-h ' : '')}${d.chcon} ${path}`.text);
  const who = d.owner !== undefined ? (d.group !== undefined ? `${d.owner}:${d.group}` : d.owner) : d.group !== undefined ? `:${d.group}` : undefined;
  if (who) parts.push(sh`chown ${raw(opts.noDereference ? '-h ' : '')}-- ${who} ${path}`.text);
  // Five digits: GNU chmod keeps a directory's setgid bit on a 4-digit mode; Ansible sets the mode exactly.
  if (d.mode) parts.push(sh`chmod -- ${`0${d.mode}`} ${path}`.text);
  return parts.length ? raw(parts.join(' && ')) : null;
}

/** The attribute part of --diff, Ansible-style "<path> (file attributes)". */
export function attrDiff(path: string, d: AttrDelta): FileDiff | undefined {
  if (!d.changed) return undefined;
  const fmt = (o: Record<string, string>) =>
    Object.entries(o)
      .map(([k, v]) => `${k}: ${v}\n`)
      .join('');
  return { path: `${path} (file attributes)`, before: fmt(d.before), after: fmt(d.after) };
}

/** A name's ids on the host, so a module's registered `diff` can name owner and group by id as basic.py does. */
export interface OwnerIds {
  uid?: number;
  gid?: number;
}

/**
 * The attributes pair basic.py's set_*_if_different write into a module's registered `diff`: mode
 * '0%03o', owner/group as uid/gid (`was` gives the ids before, `ids` a wanted name's; a name whose id
 * is unknown stays its name).
 */
export function ansibleAttrPair(d: AttrDelta, was?: Ownership, ids: OwnerIds = {}): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const side = (o: Record<string, string>, known: OwnerIds) =>
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => {
        if (k === 'mode') return [k, `0${parseInt(v, 8).toString(8).padStart(3, '0')}`];
        const id = k === 'owner' ? known.uid : k === 'group' ? known.gid : undefined;
        if (k === 'owner' || k === 'group') return [k, isId(v) ? Number(v) : (id ?? v)];
        return [k, v];
      }),
    );
  return { before: side(d.before, { uid: was?.uid, gid: was?.gid }), after: side(d.after, ids) };
}

/** "mode 0644 -> 0600, owner root -> ops" for messages. */
export function describeAttrs(d: AttrDelta): string {
  return Object.keys(d.after)
    .map((k) => `${k} ${d.before[k]} -> ${d.after[k]}`)
    .join(', ');
}
