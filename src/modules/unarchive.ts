/**
 * unarchive: extract a tar (plain, gz, xz, bz2) or zip archive into an existing
 * directory on the host. `src` is a controller file sent over the exec's stdin (no
 * scp step), or a file already on the host with `remote_src`.
 *
 * Idempotency like Ansible: `creates` (one `test -e`, nothing uploaded), else one exec
 * compares the archive with dest: `tar --diff` (content, size, mtime, mode, symlinks,
 * missing files), or for zip every member's presence and size; mode/owner/group are
 * compared per member when given. Apply = one exec: extract, then set the attributes
 * on every member. A controller archive is staged in a temp file (removed on exit) so
 * it can be both listed and compared from one upload.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { defineModule, ModuleFailure, type Plan } from './types.js';
import { raw, sh, type Raw } from '../transport/quote.js';
import { parseStatLine, sha256, STAT_FIELDS_FORMAT, statFormatPrelude } from '../transport/remote-file.js';
import { pathInfoOf } from './lib/path-info.js';
import { expandTilde } from './lib/expand-path.js';
import { attrDelta, attrFields, type AttrDelta, type WantedAttrs } from './lib/attrs.js';
import { boolArg, pathArg } from './lib/args.js';
import { listArg } from '../load/module-args.js';
import { parentWillExist, remoteFileWillExist } from './lib/planned-paths.js';
import { chmodArgument, formatMode, parseMode } from './lib/mode.js';

export const schema = z.strictObject({
  src: pathArg,
  dest: pathArg,
  remote_src: boolArg.default(false),
  creates: z.string().optional(),
  extra_opts: listArg(z.string()).default([]),
  list_files: boolArg.default(false),
  ...attrFields,
});
export type UnarchiveArgs = z.infer<typeof schema>;

export type Format = 'tar' | 'tar.gz' | 'tar.xz' | 'tar.bz2' | 'zip';

/** The archive's format from its first bytes (as the host's `od` prints them, or a local Buffer). */
export function formatFromMagic(hex: string): Format | undefined {
  if (hex.startsWith('1f8b')) return 'tar.gz';
  if (hex.startsWith('fd377a585a00')) return 'tar.xz';
  if (hex.startsWith('425a68')) return 'tar.bz2';
  if (hex.startsWith('504b0304') || hex.startsWith('504b0506')) return 'zip';
  // "ustar" at offset 257 marks a POSIX/GNU tar.
  if (hex.length >= 524 && hex.slice(514, 524) === '7573746172') return 'tar';
  return undefined;
}

const MAGIC_BYTES = 262;
/** tar's decompression flag per format (CHECK_FORMAT's $z). */
const TAR_FLAG: Record<Format, string> = { tar: '', 'tar.gz': '-z', 'tar.xz': '-J', 'tar.bz2': '-j', zip: '' };

// ---------------------------------------------------------------- plan script

/** Shell that sets $a (archive path on the host) and $fmt; for an upload, stages stdin in a temp file. */
const STAGE = `a=$src; t=; l=$(mktemp) || exit 5
trap 'rm -f -- "$l" \${t:+"$t"}' EXIT
if [ "$upload" = 1 ]; then t=$(mktemp) || exit 5; a=$t; cat > "$a" || exit 5
  # A cut connection ends the input early: never extract a prefix of the archive.
  sz=$(stat -c %s -- "$a") && [ "$sz" = "$len" ] || { echo "only \${sz:-?} of $len bytes of the archive arrived; nothing extracted" >&2; exit 12; }
  s=$(sha256sum < "$a") && [ "\${s%% *}" = "$sum" ] || { echo "the archive that arrived is damaged (sha256 \${s%% *}, sent $sum); nothing extracted" >&2; exit 12; }
elif [ ! -f "$a" ]; then echo NOSRC; exit 0
fi
if [ -z "$fmt" ]; then
  m=$(head -c ${MAGIC_BYTES} "$a" | od -An -vtx1 | tr -d ' \\n')
  case $m in
    1f8b*) fmt=tar.gz ;; fd377a585a00*) fmt=tar.xz ;; 425a68*) fmt=tar.bz2 ;; 504b0304*|504b0506*) fmt=zip ;;
    *) [ "$(printf %s "$m" | cut -c515-524)" = 7573746172 ] && fmt=tar ;;
  esac
fi
`;

/** Which tool reads it: $z for tar, or unzip. */
const CHECK_FORMAT = `echo "FORMAT $fmt"
case $fmt in
  tar) z= ;; tar.gz) z=-z ;; tar.xz) z=-J ;; tar.bz2) z=-j ;; zip) command -v unzip >/dev/null 2>&1 || { echo NOUNZIP; exit 0; } ;;
  *) echo NOFORMAT; exit 0 ;;
esac
`;

// dest as add_path_info describes it, the member list, then the comparison, then (attrs=1) one stat line per member, in list order.
const COMPARE = `echo "UID $(id -u)"
echo "DESTSTAT $(stat -c "$sfmt" -- "$dest")"
if [ "$fmt" = zip ]; then unzip -Z1 "$a" > "$l" 2>/dev/null || { echo BADARCHIVE; exit 0; }
else tar -t $z --show-transformed-names "$@" -f "$a" > "$l" 2>/dev/null || { echo BADARCHIVE; exit 0; }
fi
echo @LIST; cat "$l"
echo @COMPARE
if [ "$fmt" = zip ]; then
  unzip -Z -T -s "$a"
  echo @SIZES
  while IFS= read -r n; do stat -c '%F|%s' -- "$dest/$n" 2>/dev/null || echo 'missing|0'; done < "$l"
else
  (cd "$dest" && tar -d $z --show-transformed-names "$@" -f "$a" 2>&1); echo "@TARRC $?"
fi
if [ "$attrs" = 1 ]; then
  echo @ATTRS
  while IFS= read -r n; do stat -c '${STAT_FIELDS_FORMAT}' -- "$dest/$n" 2>/dev/null || echo missing; done < "$l"
fi
`;

// ---------------------------------------------------------------- parsing

// Lines of `tar --diff` that mean "extracting would change something" (Ansible's list).
const TAR_DIFF =
  /: (Mod time differs|Size differs|Contents differ|Symlink differs|File type differs|Not a directory|Mode differs|Uid differs|Gid differs)$|: Invalid (owner|group)|: Warning: Cannot (stat|readlink): No such file or directory$/;

export function compareTar(diffOut: string, opts: { uid: number; want: WantedAttrs }): string[] {
  const out: string[] = [];
  for (const line of diffOut.split('\n')) {
    const m = TAR_DIFF.exec(line);
    if (!m) continue;
    // When the task sets an attribute itself (or runs unprivileged), the archive's value does not matter.
    if (m[1] === 'Mode differs' && opts.want.mode !== undefined) continue;
    if (m[1] === 'Uid differs' && (opts.uid !== 0 || opts.want.owner !== undefined)) continue;
    if (m[1] === 'Gid differs' && (opts.uid !== 0 || opts.want.group !== undefined)) continue;
    if (/^tar: : Warning: Cannot stat/.test(line)) continue; // empty names from --strip-components
    out.push(line.replace(/^tar: /, ''));
  }
  return out;
}

/** A zip member as zipinfo `-T -s` lists it (ZipArchive.is_unarchived's line filter): its type letter and size. */
export function zipInfo(listing: string): Map<string, { type: string; size: number }> {
  const out = new Map<string, { type: string; size: number }>();
  for (const line of listing.split('\n')) {
    const m = /^\s*(\S+)\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(\S+)\s+(.+)$/.exec(line);
    if (!m || (m[1].length !== 10 && m[1].length !== 7) || m[3].length !== 15 || !'dl-?'.includes(m[1][0])) continue;
    out.set(m[4], { type: m[1][0], size: Number(m[2]) });
  }
  return out;
}

/** Which of owner/group/mode differ on a member that is there (the flags of its itemized line). */
export interface ZipAttrFlags {
  mode?: boolean;
  owner?: boolean;
  group?: boolean;
}

/**
 * zip: every member exists in dest as the type the archive has, regular files with the same size.
 * `prepared` is what the module registers as `diff.prepared`: an rsync-style itemized line per member
 * that changes, as is_unarchived writes it (`>f++++++.?? NAME` missing, `c...` another type, else
 * `.f.s.p...??` with the letters of what differs; nodemend compares no mtime or CRC, so never `t`/`c`).
 */
export function compareZip(members: string[], listing: string, sizes: string[], attrs: (ZipAttrFlags | undefined)[] = []): { differences: string[]; prepared: string } {
  const info = zipInfo(listing);
  const differences: string[] = [];
  let prepared = '';
  members.forEach((n, i) => {
    const z = info.get(n);
    const ftype = n.endsWith('/') ? 'd' : z?.type === 'l' ? 'L' : 'f';
    const [type, size] = (sizes[i] ?? 'missing|0').split('|');
    if (type === 'missing') {
      differences.push(`${n}: missing`);
      prepared += `>${ftype}++++++.?? ${n}\n`;
      return;
    }
    const is = type === 'directory' ? 'd' : type === 'symbolic link' ? 'L' : type.startsWith('regular') ? 'f' : '?';
    if (is !== ftype) {
      differences.push(`${n}: type differs`);
      prepared += `c${ftype}++++++.?? ${n}\n`;
      return;
    }
    const item = ['.', ftype, '.', '.', '.', '.', '.', '.', '.', '?', '?'];
    // Sizes of regular files only: a stored symlink's "size" is its target's length.
    if (is === 'f' && z && Number(size) !== z.size) {
      differences.push(`${n}: Size differs`);
      item[3] = 's';
    }
    const a = attrs[i];
    if (a?.mode && ftype !== 'L') item[5] = 'p';
    if (a?.owner) item[6] = 'o';
    if (a?.group) item[6] = 'g';
    if (item.some((c, k) => c !== '.' && k !== 1 && k < 9)) prepared += `${item.join('')} ${n}\n`;
  });
  return { differences, prepared };
}

/** The plan script's output: marker lines ("@LIST"...) open sections. */
export function parseSections(out: string): Record<string, string[]> {
  const sections: Record<string, string[]> = { head: [] };
  let cur = sections.head;
  for (const line of out.split('\n')) {
    const m = /^@(LIST|COMPARE|SIZES|ATTRS|TARRC)(?: (\d+))?$/.exec(line);
    if (m) {
      if (m[1] === 'TARRC') sections.tarrc = [m[2]];
      else cur = sections[m[1].toLowerCase()] = [];
    } else cur.push(line);
  }
  return sections;
}

const nonEmpty = (l: string[] = []): string[] => l.filter((x) => x !== '');

// ---------------------------------------------------------------- the module

async function localArchive(path: string): Promise<{ bytes: Buffer; sha256: string; format: Format }> {
  const bytes = await readFile(path).catch(() => {
    throw new ModuleFailure(`Could not find or access '${path}' on the controller`);
  });
  const format = formatFromMagic(bytes.subarray(0, MAGIC_BYTES).toString('hex'));
  if (!format) throw new ModuleFailure(`Failed to find handler for "${path}". Make sure the required command to extract the file is installed.`);
  return { bytes, sha256: sha256(bytes), format };
}

function chmodArg(mode: string): string {
  const spec = parseMode(mode);
  return spec.kind === 'octal' ? `0${formatMode(spec.value)}` : chmodArgument(spec);
}

/** Extract, then (when asked) set owner/group/mode on every member: one exec. */
const APPLY = `${STAGE}${CHECK_FORMAT}
cd "$dest" || exit 3
echo "ARCHIVE $a"
if [ "$fmt" = zip ]; then unzip -o -q "$@" "$a" -d . || exit 6
else tar -x $z "$@" -f "$a" || exit 6
fi
if [ -n "$own$mode" ]; then
  if [ "$fmt" = zip ]; then unzip -Z1 "$a"; else tar -t $z --show-transformed-names "$@" -f "$a"; fi > "$l" || exit 7
  while IFS= read -r n; do
    [ -n "$n" ] || continue
    if [ -n "$own" ]; then chown -h -- "$own" "./$n" || exit 8; fi
    if [ -n "$mode" ] && [ ! -L "./$n" ]; then chmod -- "$mode" "./$n" || exit 8; fi
  done < "$l"
fi
echo "DESTSTAT $(stat -c "$sfmt" -- "$dest")"
echo EXTRACTED
`;

export default defineModule({
  name: 'unarchive',
  // Not `creates`: the module declares it type='path' but never reads it; the action tests it with ~ expanded only.
  pathArgs: (a: UnarchiveArgs) => (a.remote_src ? ['src', 'dest'] : ['dest']),
  description: 'Extract a tar(.gz/.xz/.bz2) or zip archive (controller file or remote_src) into an existing directory',
  schema,
  async plan(a, ctx): Promise<Plan> {
    if (a.creates) {
      const creates = await expandTilde(ctx, a.creates);
      const res = await ctx.conn.exec(sh`[ -e ${creates} ] && echo yes || echo no`);
      // As Ansible's action plugin (AnsibleActionSkip): a skipped result holding only its msg.
      if (res.stdout.trim() === 'yes') return { changed: false, msg: `skipped, since ${creates} exists`, result: { skipped: true } };
    }
    const local = a.remote_src ? undefined : await localArchive(ctx.resolveLocalPath(a.src, 'file'));
    const want: WantedAttrs = { mode: a.mode, owner: a.owner, group: a.group };
    const attrs = a.mode !== undefined || a.owner !== undefined || a.group !== undefined;
    const vars = (extra: Raw): Raw =>
      sh`LC_ALL=C; export LC_ALL
${statFormatPrelude()}
src=${a.remote_src ? a.src : '-'}; dest=${a.dest}; upload=${local ? 1 : 0}; len=${local?.bytes.length ?? 0}; sum=${local?.sha256 ?? ''}; fmt=${local?.format ?? ''}; ${extra}
set -- ${a.extra_opts.length ? a.extra_opts : raw('')}
[ -d "$dest" ] || { echo NODEST; cat >/dev/null; exit 0; }
`;
    const res = await ctx.conn.exec(sh`${vars(sh`attrs=${attrs ? 1 : 0}`)}${raw(STAGE)}${raw(CHECK_FORMAT)}${raw(COMPARE)}`, { stdin: local?.bytes });
    const base = { dest: a.dest, src: a.src };
    if (res.rc !== 0) throw new ModuleFailure(`cannot read the archive ${a.src}: ${res.stderr.trim() || `rc ${res.rc}`}`, { ...base, rc: res.rc });
    const out = parseSections(res.stdout);
    const head = out.head;
    // --check: an earlier task would create the dest dir or download the archive: this would unpack.
    if ((head.includes('NODEST') && parentWillExist(ctx, `${a.dest}/x`, false)) || (head.includes('NOSRC') && a.remote_src && remoteFileWillExist(ctx, a.src))) {
      return { changed: true, msg: `${a.src} would be unpacked into ${a.dest} (an earlier task would create ${head.includes('NODEST') ? 'the directory' : 'the archive'})`, result: base };
    }
    if (head.includes('NODEST')) throw new ModuleFailure(`dest '${a.dest}' must be an existing dir`, base);
    if (head.includes('NOSRC')) throw new ModuleFailure(`Source '${a.src}' does not exist`, base);
    if (head.includes('NOFORMAT') || head.includes('NOUNZIP')) {
      throw new ModuleFailure(`Failed to find handler for "${a.src}". Make sure the required command to extract the file is installed.`, base);
    }
    if (head.includes('BADARCHIVE')) throw new ModuleFailure(`cannot list the archive ${a.src}: is it corrupt?`, base);
    const format = head.find((l) => l.startsWith('FORMAT '))!.slice(7) as Format;
    const handler = format === 'zip' ? 'ZipArchive' : 'TgzArchive';
    const uid = Number(head.find((l) => l.startsWith('UID '))?.slice(4) ?? 0);
    const members = nonEmpty(out.list);
    // owner/group/mode per member that is there, when given.
    const deltas: (AttrDelta | undefined)[] = [];
    if (attrs) {
      nonEmpty(out.attrs).forEach((line, i) => {
        const name = members[i];
        if (!name || line === 'missing') return;
        const st = parseStatLine(name, line);
        deltas[i] = attrDelta(st, { ...want, mode: st.type === 'link' ? undefined : want.mode });
      });
    }
    let differences: string[];
    let prepared = '';
    if (format === 'zip') {
      const flags = deltas.map((d) => d && { mode: 'mode' in d.after, owner: 'owner' in d.after, group: 'group' in d.after });
      ({ differences, prepared } = compareZip(members, (out.compare ?? []).join('\n'), nonEmpty(out.sizes), flags));
    } else {
      const rc = Number(out.tarrc?.[0] ?? 2);
      const diffOut = (out.compare ?? []).join('\n');
      if (rc > 1) throw new ModuleFailure(`cannot compare the archive with ${a.dest}: ${diffOut.trim().split('\n').pop()}`, { ...base, rc });
      differences = compareTar(diffOut, { uid, want });
    }
    deltas.forEach((d, i) => d?.changed && differences.push(`${members[i]}: ${Object.keys(d.after).join(', ')} differ`));
    // As Ansible's exit_json: dest's stat (add_path_info), as it is now; a run reads it again after extracting.
    const destStat = head.find((l) => l.startsWith('DESTSTAT '))?.slice(9);
    const result: Record<string, unknown> = {
      ...base,
      handler,
      ...(destStat ? pathInfoOf(a.dest, destStat) : {}),
      ...(a.list_files ? { files: members } : {}),
      // A zip's itemized changes, registered --diff or not (unarchive.py's `diff: {prepared}`); a tar registers none.
      ...(prepared ? { diff: { prepared } } : {}),
    };
    if (differences.length === 0) return { changed: false, msg: `${a.dest} already holds the archive's files`, result };

    const owner = a.owner ? (a.group ? `${a.owner}:${a.group}` : a.owner) : a.group ? `:${a.group}` : '';
    const shown = differences.slice(0, 5).join('; ') + (differences.length > 5 ? `; and ${differences.length - 5} more` : '');
    return {
      changed: true,
      msg: `would unarchive ${a.src} into ${a.dest} (${shown})`,
      done: `unarchived ${a.src} into ${a.dest} (${shown})`,
      result,
      apply: async () => {
        const script = sh`${vars(sh`own=${owner}; mode=${a.mode !== undefined ? chmodArg(a.mode) : ''}`)}${raw(APPLY)}`;
        const r = await ctx.conn.exec(script, { stdin: local?.bytes, timeoutSec: ctx.timeoutSec });
        // What unzip/tar printed, without the script's own lines; cmd as Ansible's extract_results names it (run in dest).
        const archive = /^ARCHIVE (.*)$/m.exec(r.stdout)?.[1] ?? a.src;
        const cmd = format === 'zip' ? ['unzip', '-o', '-q', ...a.extra_opts, archive, '-d', '.'] : ['tar', '-x', ...(TAR_FLAG[format] ? [TAR_FLAG[format]] : []), ...a.extra_opts, '-f', archive];
        const extract_results = { cmd, rc: r.rc, out: r.stdout.replace(/^(FORMAT \S+|ARCHIVE .*|DESTSTAT .*|EXTRACTED)\n/gm, ''), err: r.stderr };
        if (r.rc !== 0 || !r.stdout.includes('EXTRACTED')) {
          const why = r.timedOut ? `timed out after ${ctx.timeoutSec} seconds` : r.stderr.trim() || `rc ${r.rc}`;
          throw new ModuleFailure(`failed to unpack ${a.src} to ${a.dest}: ${why}`, { ...result, extract_results });
        }
        const after = /^DESTSTAT (.+)$/m.exec(r.stdout)?.[1];
        return { ...(after ? pathInfoOf(a.dest, after) : {}), extract_results };
      },
    };
  },
});
