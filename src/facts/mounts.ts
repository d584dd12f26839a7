/**
 * `ansible_mounts` as ansible-core 2.14.18's LinuxHardware.get_mount_facts gathers it
 * (module_utils/facts/hardware/linux.py; get_mount_size in facts/utils.py):
 * - the lines of /etc/mtab (when it exists, else /proc/mounts) with at least four fields, each
 *   field's octal escapes (`\040`) decoded; kept when the device starts with `/` or `\` or holds
 *   `:/`, and the fstype is not `none` (so a fleet host's overlay, proc, tmpfs... are skipped);
 * - `mount`, `device`, `fstype`, `options`; `,bind` added to the options of a mount point whose
 *   findmnt SOURCE holds `]` (`/dev/sda1[/dir]`), unless the options already match `bind.*"`;
 * - statvfs of the mount point (`stat -f`: f_frsize, f_blocks, f_bavail, f_bsize, f_files and
 *   f_ffree, which glibc's statvfs copies into f_favail): size_total, size_available, block_size,
 *   block_total, block_available, block_used, inode_total, inode_available, inode_used; none of
 *   them when statvfs fails (a mount point under a directory the user may not search);
 * - `uuid`: lsblk's (`--list --noheadings --paths --output NAME,UUID --exclude 2`, the first line
 *   of a name), else udevadm's ID_FS_UUID, else `N/A`;
 * - one entry per mount point: a later line for the same mount point replaces the earlier one
 *   in its place (linux.py's dict keyed by mount point);
 * - linux.py's time limit, GATHER_TIMEOUT's default of 10 s per mount point: a statvfs that does
 *   not answer in time leaves only `note: Could not get extra information due to timeout` (no
 *   sizes, no uuid). linux.py asks in a thread pool; here they are asked one after another.
 * linux.py lists the entries in the order their workers finish, which is the mtab order when all
 * answer within its first 0.1 s poll; here always the mtab order. 2.14 has no `dump`/`passno`
 * (later releases added them). Read as the play's become user, as setup runs with the play's
 * become. One remote command; a host's string reaches the shell only as a quoted "$variable".
 */
import type { FactDef } from './types.js';

export type MountFact = Record<string, string | number>;

/** The section markers the command prints, each on its own line after a newline. */
const M = '@@nm-mount:';
/** linux.py's timeout.DEFAULT_GATHER_TIMEOUT (its GATHER_TIMEOUT global is never set in linux.py's module). */
const TIMEOUT_S = 10;

const COMMAND = [
  // get_bin_path also looks in the sbin directories
  'bin() { PATH="$PATH:/sbin:/usr/sbin:/usr/local/sbin" command -v "$1"; }',
  `f=$(bin findmnt) && o=$("$f" --list --noheadings --notruncate) && printf '\\n${M}findmnt\\n%s\\n' "$o"`,
  `f=$(bin lsblk) && o=$("$f" --list --noheadings --paths --output NAME,UUID --exclude 2) && printf '\\n${M}lsblk\\n%s\\n' "$o"`,
  'ud=$(bin udevadm) || ud=',
  't=/proc/mounts; [ -e /etc/mtab ] && t=/etc/mtab',
  `printf '\\n${M}mtab\\n'; cat -- "$t"`,
  // A field with its \NNN escapes decoded (printf's %b reads \0NNN as octal); the x keeps a trailing newline.
  "dec() { case $1 in *\\\\*) printf '%b' \"$(printf '%s' \"$1\" | sed 's/\\\\\\([0-7][0-7][0-7]\\)/\\\\0\\1/g')\" ;; *) printf '%s' \"$1\" ;; esac; printf x; }",
  'while read -r dev mnt fs opts rest || [ -n "$dev" ]; do',
  '  [ -n "$opts" ] || continue',
  // Only lines linux.py may keep (a superset: the device is judged again, decoded, by the parser).
  '  case $dev in /*|*\\\\*|*:/*) ;; *) continue ;; esac',
  '  m=$(dec "$mnt"); m=${m%x}; d=$(dec "$dev"); d=${d%x}',
  `  o=$(timeout ${TIMEOUT_S} stat -f -c '%S %b %a %s %c %d' -- "$m"); r=$?`,
  `  printf '\\n${M}stat %s\\n%s %s\\n' "$mnt" "$r" "$o"`,
  `  [ "$r" != 124 ] && [ -n "$ud" ] && o=$(timeout ${TIMEOUT_S} "$ud" info --query property --name "$d") && printf '\\n${M}udev %s\\n%s\\n' "$dev" "$o"`,
  'done < "$t"',
  'true',
].join('\n');

/** linux.py's _replace_octal_escapes: `\NNN` is the character of that octal value. */
const unescape = (s: string): string => s.replace(/\\[0-7]{3}/g, (m) => String.fromCharCode(parseInt(m.slice(1), 8)));

/** The command's sections: findmnt, lsblk, mtab, and `stat RAW_MOUNT` / `udev RAW_DEVICE` by the mtab's raw fields. */
function sections(out: string): Map<string, string> {
  const s = new Map<string, string>();
  const parts = out.split(new RegExp(`\\n${M}([^\\n]*)\\n`));
  for (let i = 1; i + 1 < parts.length; i += 2) s.set(parts[i], parts[i + 1]);
  return s;
}

/** _find_bind_mounts: the TARGET of each findmnt line whose SOURCE holds `]`. */
function bindMounts(findmnt: string): Set<string> {
  const bind = new Set<string>();
  for (const line of findmnt.split('\n')) {
    const f = line.split(/\s+/).filter(Boolean);
    if (f.length >= 2 && f[1].includes(']')) bind.add(f[0]);
  }
  return bind;
}

/** _lsblk_uuid: NAME then UUID (the last word); a line without a UUID is skipped; the first line of a name wins. */
function lsblkUuids(lsblk: string): Map<string, string> {
  const uuids = new Map<string, string>();
  for (const line of lsblk.split('\n')) {
    const m = /^(.*\S)\s+(\S+)$/.exec(line.trim());
    if (m && !uuids.has(m[1])) uuids.set(m[1], m[2]);
  }
  return uuids;
}

/** get_mount_size from `stat -f`'s six numbers after its exit code; {} when statvfs failed. */
function mountSize(stat: string): MountFact {
  const [rc, ...n] = stat.trim().split(/\s+/).map(Number);
  if (rc !== 0 || n.length !== 6 || !n.every(Number.isSafeInteger)) return {};
  const [frsize, blocks, bavail, bsize, files, favail] = n;
  return {
    size_total: frsize * blocks,
    size_available: frsize * bavail,
    block_size: bsize,
    block_total: blocks,
    block_available: bavail,
    block_used: blocks - bavail,
    inode_total: files,
    inode_available: favail,
    inode_used: files - favail,
  };
}

export function parseMounts(out: string): MountFact[] {
  const s = sections(out);
  const bind = bindMounts(s.get('findmnt') ?? '');
  const uuids = lsblkUuids(s.get('lsblk') ?? '');
  const mounts = new Map<string, MountFact>();
  for (const line of (s.get('mtab') ?? '').split('\n')) {
    const raw = line.split(/\s+/).filter(Boolean);
    if (raw.length < 4) continue;
    const [device, mount, fstype, options] = raw.map(unescape);
    if ((!device.startsWith('/') && !device.startsWith('\\') && !device.includes(':/')) || fstype === 'none') continue;
    const info: MountFact = { mount, device, fstype, options };
    if (bind.has(mount) && !/bind.*"/.test(options)) info.options += ',bind';
    const stat = s.get(`stat ${raw[1]}`) ?? '';
    if (stat.startsWith('124 ')) info.note = 'Could not get extra information due to timeout';
    else {
      Object.assign(info, mountSize(stat));
      const udev = s.has(`udev ${raw[0]}`) ? /ID_FS_UUID=(.*)\n/.exec(`${s.get(`udev ${raw[0]}`)}\n`)?.[1] : undefined;
      info.uuid = uuids.get(device) ?? (udev || 'N/A');
    }
    // Map.set keeps a mount point's first place, as a Python dict does.
    mounts.set(mount, info);
  }
  return [...mounts.values()];
}

export const mounts: FactDef<MountFact[]> = {
  name: 'mounts',
  description: 'Mounted filesystems with sizes and uuids, as Ansible’s ansible_mounts (hardware/linux.py)',
  command: COMMAND,
  parse: (out) => parseMounts(out),
  asPlayUser: true,
};

export default [mounts];
