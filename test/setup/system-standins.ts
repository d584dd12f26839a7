/**
 * Stand-ins for the system tools the mount module drives, planted on a fleet host for the
 * differential suite. Fleet hosts are chroots on this machine's kernel: a real mount(8) run by a
 * test would act on the shared machine, so the host's own /usr/bin/mount and /usr/bin/umount are
 * moved aside (to /usr/lib/nm-real/) and replaced by these scripts, which never mount anything.
 * Both tools (ansible-playbook and nodemend) run against the same stand-ins; each call is
 * appended to MOUNT_LOG, so a test compares the commands each tool ran.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const MOUNT_LOG = '/var/log/nm-mount-standin.log';
export const MOUNT_TABLE_DIR = '/var/lib/nm-mount-standin';

const MARK = 'nodemend test stand-in';

/**
 * util-linux 2.38.1's mount(8) as Debian bookworm ships it (sys-utils/mount.c, libmount's
 * src/context_mount.c mnt_context_get_mount_excode messages): `mount [-T FSTAB] PATH` finds PATH
 * in the fstab ("can't find in /etc/fstab.", exit 1, the message names /etc/fstab even with -T,
 * as 2.38.1 prints it) and fails on a missing source device ("special device X does not exist.",
 * exit 32); `mount -o remount[,...] PATH` needs PATH mounted ("mount point not mounted or bad
 * option.", exit 32). Success prints nothing and exits 0. Mounts are recorded in a table file only.
 */
const MOUNT = `#!/bin/sh
# ${MARK}: util-linux 2.38.1 mount(8) (sys-utils/mount.c, libmount/src/context_mount.c messages); never mounts
printf 'mount %s\\n' "$*" >> ${MOUNT_LOG}
T=${MOUNT_TABLE_DIR}/table
opts=; fstab=/etc/fstab
while [ $# -gt 1 ]; do case $1 in -o) opts=$2; shift 2 ;; -T) fstab=$2; shift 2 ;; *) break ;; esac; done
path=$1
mounted() { grep -qxF -- "$1" "$T" 2>/dev/null || /usr/bin/mountpoint -q -- "$1"; }
case ",$opts," in *,remount,*)
  mounted "$path" && exit 0
  echo "mount: $path: mount point not mounted or bad option." >&2
  echo "       dmesg(1) may have more information after failed mount system call." >&2
  exit 32 ;;
esac
src=$(awk -v p="$path" '$1 !~ /^#/ && $2 == p { print $1; exit }' "$fstab" 2>/dev/null)
if [ -z "$src" ]; then echo "mount: $path: can't find in /etc/fstab." >&2; exit 1; fi
case $src in /dev/*) if [ ! -e "$src" ]; then
  echo "mount: $path: special device $src does not exist." >&2
  echo "       dmesg(1) may have more information after failed mount system call." >&2
  exit 32
fi ;; esac
mkdir -p ${MOUNT_TABLE_DIR} && echo "$path" >> "$T"
`;

/** util-linux 2.38.1's umount(8) (sys-utils/umount.c): "PATH: not mounted.", exit 32; success silent. */
const UMOUNT = `#!/bin/sh
# ${MARK}: util-linux 2.38.1 umount(8) (sys-utils/umount.c messages); never unmounts
printf 'umount %s\\n' "$*" >> ${MOUNT_LOG}
T=${MOUNT_TABLE_DIR}/table
path=$1
if grep -qxF -- "$path" "$T" 2>/dev/null; then grep -vxF -- "$path" "$T" > "$T.new"; mv -f "$T.new" "$T"; exit 0; fi
/usr/bin/mountpoint -q -- "$path" && exit 0
echo "umount: $path: not mounted." >&2
exit 32
`;

/** Replace a tool on the host (root = its "/" on the controller), keeping the real one aside once. */
function plantTool(root: string, path: string, script: string): void {
  const at = join(root, path);
  const isStandin = existsSync(at) && readFileSync(at).includes(MARK);
  if (!isStandin && existsSync(at)) {
    mkdirSync(join(root, '/usr/lib/nm-real'), { recursive: true });
    renameSync(at, join(root, '/usr/lib/nm-real', path.slice(path.lastIndexOf('/') + 1)));
  }
  mkdirSync(dirname(at), { recursive: true });
  writeFileSync(at, script);
  chmodSync(at, 0o755);
}

/** mount and umount stand-ins on the host, an empty call log and mount table. */
export function plantMountStandins(root: string): void {
  plantTool(root, '/usr/bin/mount', MOUNT);
  plantTool(root, '/usr/bin/umount', UMOUNT);
  mkdirSync(join(root, MOUNT_TABLE_DIR), { recursive: true });
  writeFileSync(join(root, MOUNT_LOG), '');
}
