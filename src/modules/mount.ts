/**
 * mount (ansible.posix.mount, 1.5.4 as Debian's `ansible` ships it): a mount point's fstab line
 * (present / absent_from_fstab), its mount state (mounted / unmounted / remounted), or both
 * (absent: line removed, unmounted, mount point removed). A port of that release's decisions:
 * the fstab line `src path fstype opts dump passno` with space, `&` and `\` escaped as \040,
 * \046, \134; every line for the path rewritten when a field differs (a line of 4 or 5 fields
 * always is: its missing dump/passno never equal the given ones), a new line appended; absent
 * drops 6-field lines only. "Mounted" is read as the module reads it: os.path.ismount or the path
 * in /proc/self/mountinfo (a bind mount with the same source). Commands: `mount [-T FSTAB] PATH`,
 * `umount PATH`, `mount -o remount[,OPTS] [-T FSTAB] PATH` (falling back to umount + mount),
 * each argument quoted. Plan = one exec (the fstab, the path, the mount table); apply = the
 * fstab write (compare-and-swap), then the command. A failed mount puts the old fstab back.
 */
import { z } from 'zod';
import { sh, type Raw } from '../transport/quote.js';
import { writeFileAtomic } from '../transport/remote-file.js';
import { defineModule, ModuleFailure, type ModuleContext } from './types.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import type { EditResult } from './lib/line-edit.js';
import { planTextEdit } from './lib/edit-file.js';

const text = z.union([z.string(), z.number()]).transform(String);
const STATES = ['absent', 'absent_from_fstab', 'mounted', 'present', 'unmounted', 'remounted'] as const;

const schema = withAliases(
  z
    .strictObject({
      path: pathArg,
      src: z.string().optional(),
      fstype: z.string().optional(),
      opts: z.string().optional(),
      dump: text.default('0'),
      passno: text.default('0'),
      state: z.enum(STATES, { message: `one of ${STATES.join(', ')} (ephemeral is not supported)` }),
      fstab: z.string().optional(),
      backup: boolArg.default(false),
      boot: boolArg.default(true),
    })
    .superRefine((a, ctx) => {
      if (a.state === 'mounted' || a.state === 'present') {
        const missing = (['src', 'fstype'] as const).filter((k) => a[k] === undefined);
        if (missing.length) ctx.addIssue({ code: 'custom', message: `state is ${a.state} but all of the following are missing: ${missing.join(', ')}` });
      }
    }),
  { name: 'path' },
);
type Args = z.infer<typeof schema>;

/** The module's `args`: what it registers beside `changed`, and what the fstab line is made of. */
export interface MountArgs {
  name: string;
  src?: string;
  fstype?: string;
  opts: string;
  dump: string;
  passno: string;
  fstab: string;
  boot: 'yes' | 'no';
  warnings: string[];
  backup_file: string;
}

export function mountArgs(a: Args): MountArgs {
  const m: MountArgs = { name: a.path, opts: a.opts ?? 'defaults', dump: a.dump, passno: a.passno, fstab: a.fstab ?? '/etc/fstab', boot: 'yes', warnings: [], backup_file: '' };
  if (a.src !== undefined) m.src = a.src;
  if (a.fstype !== undefined) m.fstype = a.fstype;
  const opts = m.opts.split(',');
  if (opts.includes('noauto')) m.warnings.push("Ignore the 'boot' due to 'opts' contains 'noauto'.");
  else if (!a.boot) {
    m.boot = 'no';
    if (opts.includes('defaults')) m.warnings.push("Ignore the 'boot' due to 'opts' contains 'defaults'.");
    else m.opts = [...opts, 'noauto'].join(',');
  }
  return m;
}

const escape = (v: string): string => v.replace(/\\/g, '\\134').replace(/ /g, '\\040').replace(/&/g, '\\046');
/** Python's readlines: lines keep their "\n". */
const readLines = (t: string): string[] => t.match(/[^\n]*\n|[^\n]+$/g) ?? [];
const FIELDS = ['src', 'name', 'fstype', 'opts', 'dump', 'passno'] as const;
type Line = Record<(typeof FIELDS)[number], string | number>;
const format = (l: Line): string => `${l.src} ${l.name} ${l.fstype} ${l.opts} ${l.dump} ${l.passno}\n`;

/** ansible.posix's _set_mount_save_old on the fstab's text: the new text, and the old lines (each ending in "\n"). */
export function setMount(original: string, m: MountArgs): EditResult & { oldLines: string[] } {
  const esc: Line = { src: escape(m.src ?? ''), name: escape(m.name), fstype: escape(m.fstype ?? ''), opts: escape(m.opts), dump: escape(m.dump), passno: escape(m.passno) };
  const out: string[] = [];
  const oldLines: string[] = [];
  let exists = false;
  let changed = false;
  for (let line of readLines(original)) {
    if (!line.endsWith('\n')) line += '\n';
    oldLines.push(line);
    const fields = line.split(/\s+/).filter(Boolean);
    if (!line.trim() || line.trim().startsWith('#') || fields.length < 4 || fields.length > 6) {
      out.push(line);
      continue;
    }
    // Missing dump/passno are the number 0 in the module: never equal to a given string.
    const ld: Line = { src: '', name: '', fstype: '', opts: '', dump: 0, passno: 0 };
    fields.forEach((f, i) => (ld[FIELDS[i]] = f));
    const otherSwap = m.src !== undefined && ld.name === 'none' && ld.fstype === 'swap' && ld.src !== m.src;
    if (ld.name !== esc.name || otherSwap) {
      out.push(line);
      continue;
    }
    exists = true;
    for (const t of ['src', 'fstype', 'opts', 'dump', 'passno'] as const) {
      if (ld[t] !== esc[t]) {
        ld[t] = esc[t];
        changed = true;
      }
    }
    out.push(changed ? format(ld) : line);
  }
  if (!exists) {
    out.push(format(esc));
    changed = true;
  }
  return { text: changed ? out.join('') : original, changed, msg: changed ? `${m.name} in ${m.fstab}` : `${m.name} already in ${m.fstab}`, oldLines };
}

/** ansible.posix's unset_mount: drops the path's 6-field lines (another swap's line stays). */
export function unsetMount(original: string, m: MountArgs): EditResult {
  const name = escape(m.name);
  const out: string[] = [];
  let changed = false;
  for (const line of readLines(original)) {
    const f = line.split(/\s+/).filter(Boolean);
    if (!line.trim() || line.trim().startsWith('#') || f.length !== 6) out.push(line);
    else if (f[1] !== name || (m.src !== undefined && f[1] === 'none' && f[2] === 'swap' && f[0] !== m.src)) out.push(line);
    else changed = true;
  }
  return { text: out.join(''), changed, msg: changed ? `${m.name} removed from ${m.fstab}` : `${m.name} not in ${m.fstab}` };
}

/** ansible.posix's get_linux_mounts: mount point -> source, a bind mount's source being the directory it shows. */
export function linuxMounts(mountinfo: string): Map<string, string> {
  const info = new Map<number, { parent: number; root: string; dst: string; src: string }>();
  for (const line of mountinfo.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    info.set(Number(f[0]), { parent: Number(f[1]), root: f[3], dst: f[4], src: f[f.length - 2] });
  }
  const mounts = new Map<string, string>();
  for (const mnt of info.values()) {
    const m = mnt.parent !== 1 ? info.get(mnt.parent) : undefined;
    let src = mnt.src;
    if (m) {
      let root = mnt.root;
      if (m.root.length > 1 && root.startsWith(`${m.root}/`)) root = root.slice(m.root.length);
      if (m.dst !== '/') root = `${m.dst}${root}`;
      src = root;
    }
    mounts.set(mnt.dst, src);
  }
  return mounts;
}

/** The mount point's state in the plan's exec: exists, os.path.ismount (lstat of it and its realpath'd parent), then the mount table. */
const probeScript = (path: string): Raw =>
  sh`m=${path}; ex=0; [ -e "$m" ] && ex=1; im=0
if [ ! -L "$m" ] && a=$(stat -c '%d %i' -- "$m" 2>/dev/null) && b=$(stat -c '%d %i' -- "$(realpath -m -- "$m/..")" 2>/dev/null); then
  [ "\${a% *}" != "\${b% *}" ] && im=1; [ "\${a#* }" = "\${b#* }" ] && im=1
fi
printf '%s %s\\n' "$ex" "$im"; cat /proc/self/mountinfo 2>/dev/null; true`;

async function command(ctx: ModuleContext, cmd: Raw): Promise<{ rc: number; msg: string }> {
  const r = await ctx.conn.exec(cmd);
  return { rc: r.rc, msg: r.rc === 0 ? '' : r.stdout + r.stderr };
}
const fstabArgs = (m: MountArgs): string[] => (m.fstab !== '/etc/fstab' ? ['-T', m.fstab] : []);
const doMount = (ctx: ModuleContext, m: MountArgs) => command(ctx, sh`mount ${fstabArgs(m)} ${m.name}`);
const doUmount = (ctx: ModuleContext, m: MountArgs) => command(ctx, sh`umount ${m.name}`);

/** ansible.posix's remount: `mount -o remount`, else umount + mount (refused when options were asked for). */
async function doRemount(ctx: ModuleContext, m: MountArgs, state: Args['state']): Promise<{ rc: number; msg: string }> {
  const o = state === 'remounted' && m.opts !== 'defaults' ? `remount,${m.opts}` : 'remount';
  const r = await command(ctx, sh`mount -o ${o} ${fstabArgs(m)} ${m.name}`);
  if (r.rc === 0) return r;
  if (state === 'remounted' && m.opts !== 'defaults')
    throw new ModuleFailure(
      'Options were specified with remounted, but the remount command failed. Failing in order to prevent an unexpected mount result. Try replacing this command with a "state: unmounted" followed by a "state: mounted" using the full desired mount options instead.',
    );
  const u = await doUmount(ctx, m);
  return u.rc === 0 ? doMount(ctx, m) : u;
}

/** Python's message for a failed os.rmdir, from rmdir(1)'s. */
function rmdirError(path: string, stderr: string): string {
  const known: Record<string, number> = { 'Directory not empty': 39, 'Not a directory': 20, 'Device or resource busy': 16, 'Permission denied': 13 };
  const why = Object.keys(known).find((k) => stderr.includes(k));
  return why ? `[Errno ${known[why]}] ${why}: '${path}'` : stderr.trim();
}

export default defineModule<Args>({
  name: 'mount',
  // 2.14 registers no msg on success: the plan's words are the report line only.
  reportOnlyMsg: true,
  pathArgs: ['path', 'src'],
  collection: 'ansible.posix',
  description: 'A mount point in fstab (present, absent_from_fstab) and/or mounted, unmounted, remounted, absent, as ansible.posix.mount',
  schema,
  async plan(a, ctx) {
    const m = mountArgs(a);
    let exists = false;
    let mounted = false;
    let mounts = new Map<string, string>();
    let fstabEdit: (ReturnType<typeof setMount> & { kind: 'set' }) | (EditResult & { kind: 'unset' }) | undefined;
    const touchesFstab = a.state !== 'unmounted' && a.state !== 'remounted';
    const file = await planTextEdit(
      ctx,
      {
        path: m.fstab,
        create: true,
        backup: a.backup,
        backupField: 'backup_file',
        absentOk: a.state === 'absent' || a.state === 'absent_from_fstab',
        extra: probeScript(m.name),
        onExtra: (out) => {
          const nl = out.indexOf('\n');
          const [ex, im] = out.slice(0, nl).split(' ');
          exists = ex === '1';
          mounted = im === '1';
          mounts = linuxMounts(out.slice(nl + 1));
        },
      },
      (t) => {
        if (!touchesFstab) return { text: t, changed: false, msg: '' };
        fstabEdit = a.state === 'present' || a.state === 'mounted' ? { ...setMount(t, m), kind: 'set' } : { ...unsetMount(t, m), kind: 'unset' };
        return fstabEdit;
      },
    );
    // is_bind_mounted: the path in the mount table (with the same source when one is given).
    const inTable = (src?: string) => mounts.has(m.name) && (src === undefined || mounts.get(m.name) === src);
    const result = (extra: Record<string, unknown> = {}) => ({ ...m, ...extra });
    // ansible.posix's mount registers no `diff`: the fstab edit's is shown only.
    const planned = { ...m, diff: undefined };
    const fileChanged = file.changed;
    const writeFile = async (): Promise<Record<string, unknown>> => ((fileChanged ? await file.apply!() : {}) ?? {}) as Record<string, unknown>;

    if (a.state === 'present' || a.state === 'absent_from_fstab') {
      return { ...file, result: planned, msg: file.msg, done: file.msg, apply: fileChanged ? async () => result(await writeFile()) : undefined };
    }
    if (a.state === 'absent') {
      const isMounted = mounted || inTable();
      return {
        ...file,
        result: planned,
        done: file.msg,
        apply: fileChanged
          ? async () => {
              const w = await writeFile();
              if (isMounted) {
                const u = await doUmount(ctx, m);
                if (u.rc) throw new ModuleFailure(`Error unmounting ${m.name}: ${u.msg}`);
              }
              if (exists) {
                const r = await ctx.conn.exec(sh`rmdir -- ${m.name}`);
                if (r.rc) throw new ModuleFailure(`Error rmdir ${m.name}: ${rmdirError(m.name, r.stderr)}`);
              }
              return result(w);
            }
          : undefined,
      };
    }
    if (a.state === 'unmounted') {
      const isMounted = mounted || inTable();
      return {
        changed: isMounted,
        msg: isMounted ? `would unmount ${m.name}` : `${m.name} is not mounted`,
        done: `unmounted ${m.name}`,
        result: result(),
        apply: async () => {
          const u = await doUmount(ctx, m);
          if (u.rc) throw new ModuleFailure(`Error unmounting ${m.name}: ${u.msg}`);
          return result();
        },
      };
    }
    if (a.state === 'remounted') {
      return {
        changed: true,
        msg: `would remount ${m.name}`,
        done: `remounted ${m.name}`,
        result: result(),
        apply: async () => {
          const r = await doRemount(ctx, m, a.state);
          if (r.rc) throw new ModuleFailure(`Error remounting ${m.name}: ${r.msg}`);
          return result();
        },
      };
    }
    // mounted: the fstab line, then mount (not mounted) or remount (mounted, line changed).
    const isMounted = mounted || inTable(m.src);
    const changed = fileChanged || !isMounted;
    const old = fstabEdit?.kind === 'set' ? fstabEdit.oldLines.join('') : undefined;
    // What the mount step does, said for the plan and for the run.
    const step = isMounted ? (fileChanged ? ['would remount', 'remounted'] : undefined) : ['would mount', 'mounted'];
    const say = (i: 0 | 1): string => [fileChanged ? (i ? (file.done ?? file.msg) : file.msg) : '', step ? `${step[i]} ${m.name}` : ''].filter(Boolean).join('; ');
    return {
      changed,
      msg: changed ? say(0) : `${m.name} is mounted as in ${m.fstab}`,
      done: say(1),
      diff: file.diff,
      result: planned,
      apply: async () => {
        // The mount point is made first, then the line; a failed mount takes both back.
        const made = exists ? '' : (await ctx.conn.exec(sh`p=${m.name}; while [ ! -e "$p" ]; do printf '%s\\n' "$p"; p=$(dirname -- "$p"); done; mkdir -p -- ${m.name}`)).stdout;
        const w = await writeFile();
        const r = isMounted ? (fileChanged ? await doRemount(ctx, m, a.state) : { rc: 0, msg: '' }) : await doMount(ctx, m);
        if (r.rc) {
          // The old fstab goes back as every write goes: atomic, its mode, owner and SELinux label kept.
          const back =
            fileChanged && old !== undefined
              ? await writeFileAtomic(ctx.conn, m.fstab, old).then(
                  () => '',
                  (e: unknown) => `; ${m.fstab} not restored: ${(e as Error).message}`,
                )
              : '';
          const dirs = made.split('\n').filter(Boolean);
          if (dirs.length) await ctx.conn.exec(sh`rmdir -- ${dirs}`);
          throw new ModuleFailure(`Error mounting ${m.name}: ${r.msg}${back}`);
        }
        return result(w);
      },
    };
  },
});
