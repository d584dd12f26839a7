/**
 * Stand-ins for the system tools the mount module drives, planted on a fleet host for the
 * differential suite. Fleet hosts are chroots on this machine's kernel: a real mount(8) run by a
 * test would act on the shared machine, so the host's own /usr/bin/mount and /usr/bin/umount are
 * moved aside (to /usr/lib/nm-real/) and replaced by these scripts, which never mount anything.
 * Both tools (ansible-playbook and nodemend) run against the same stand-ins; each call is
 * appended to MOUNT_LOG, so a test compares the commands each tool ran.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

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

/**
 * Replace a tool on the host (root = its "/" on the controller), keeping the real one aside once.
 * Never through a symlink: the host's absolute links (/usr/sbin/modprobe -> /bin/kmod) would
 * resolve on the controller, outside the host.
 */
function plantTool(root: string, path: string, script: string): void {
  const at = join(root, path);
  const st = lstatSync(at, { throwIfNoEntry: false });
  const isStandin = st?.isFile() && readFileSync(at).includes(MARK);
  if (st && !isStandin) {
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

export const MODPROBE_LOG = '/var/log/nm-modprobe-standin.log';
/** The stand-in's "kernel": loaded modules in /proc/modules' format (name size refcount deps state address). */
export const MODULES_TABLE = '/var/lib/nm-modprobe-standin/modules';
/** An interpreter for Ansible that reads MODULES_TABLE where its modprobe module opens /proc/modules (see plantModprobeStandins). */
export const MODPROBE_PYTHON = '/usr/lib/nm-modprobe-standin/python3';

/**
 * kmod 30's modprobe(8), as Debian bookworm ships it (kmod-project/kmod v30: tools/modprobe.c
 * insmod()/rmmod_do_module()/rmmod_do_remove_module(), tools/log.c, libkmod-module.c
 * kmod_module_probe_insert_module): options anywhere (getopt permutes), `-n` dry run, `-r` remove,
 * `--first-time`. A name is found in /lib/modules/$(uname -r)/modules.dep or modules.builtin
 * (`-` and `_` alike, messages use the kernel's `_` name); otherwise "modprobe: FATAL: Module X not
 * found in directory D", exit 1 (LOG at LOG_CRIT exits). Loading a loaded or builtin module is a
 * silent success, with --first-time "modprobe: ERROR: could not insert 'X': Module already in
 * kernel", exit 1. Removing: a module not loaded is a silent success, a builtin one "FATAL: Module X
 * is builtin.", one with a reference count "FATAL: Module X is in use." (both checked before the
 * dry run stops, as rmmod_do_module does). Loading appends to MODULES_TABLE, removing drops the
 * line; both rewrite it in place. Nothing reaches the kernel.
 */
const MODPROBE = `#!/bin/sh
# ${MARK}: kmod 30 modprobe(8) (kmod-project/kmod v30 tools/modprobe.c, tools/log.c); never loads a module
printf 'modprobe %s\\n' "$*" >> ${MODPROBE_LOG}
T=${MODULES_TABLE}
D=/lib/modules/$(uname -r)
dry=0 remove=0 first=0 name= params=
for a in "$@"; do
  case $a in
    -n|--dry-run) dry=1 ;;
    -r|--remove) remove=1 ;;
    --first-time) first=1 ;;
    -*) echo "modprobe: ERROR: unexpected option '$a' (stand-in)" >&2; exit 1 ;;
    *) if [ -z "$name" ]; then name=$a; else params="$params $a"; fi ;;
  esac
done
[ -n "$name" ] || { echo "modprobe: ERROR: missing parameters. See -h." >&2; exit 1; }
mod=$(printf '%s' "$name" | tr - _)
known() { sed 's/:.*//; s,.*/,,; s/\\.ko.*$//' "$D/$1" 2>/dev/null | tr - _ | grep -qxF -- "$mod"; }
loaded() { awk -v m="$mod" '$1 == m { found = 1 } END { exit !found }' "$T" 2>/dev/null; }
rewrite() { awk -v m="$mod" '$1 != m' "$T" > "$T.new"; cat "$T.new" > "$T"; rm -f "$T.new"; }
if [ $remove = 1 ]; then
  if known modules.builtin; then echo "modprobe: FATAL: Module $mod is builtin." >&2; exit 1; fi
  if ! loaded; then
    if known modules.dep; then
      [ $first = 1 ] && { echo "modprobe: FATAL: Module $mod is not in kernel." >&2; exit 1; }
      exit 0
    fi
    echo "modprobe: FATAL: Module $name not found." >&2; exit 1
  fi
  refs=$(awk -v m="$mod" '$1 == m { print $3 }' "$T")
  if [ "$refs" != 0 ]; then echo "modprobe: FATAL: Module $mod is in use." >&2; exit 1; fi
  [ $dry = 1 ] && exit 0
  rewrite; exit 0
fi
if ! known modules.builtin && ! known modules.dep; then
  echo "modprobe: FATAL: Module $name not found in directory $D" >&2; exit 1
fi
if known modules.builtin || loaded; then
  [ $first = 1 ] && { echo "modprobe: ERROR: could not insert '$mod': Module already in kernel" >&2; exit 1; }
  exit 0
fi
[ $dry = 1 ] && exit 0
printf '%s 16384 0 - Live 0x0000000000000000\\n' "$mod" >> "$T"
`;

/**
 * This machine's kernel is built without module support: there is no /proc/modules on it or on
 * any fleet host, and procfs cannot be given one (a bind mount needs the file to exist). So in
 * this test only, both tools read the stand-in's table instead: nodemend through
 * NODEMEND_TEST_PROC_MODULES (src/modules/modprobe.ts), Ansible through this interpreter, a
 * python3 whose builtin open() reads MODULES_TABLE when asked for '/proc/modules' (nothing else
 * changes; the modprobe module itself runs unmodified).
 */
const SITECUSTOMIZE = `# ${MARK}: /proc/modules -> ${MODULES_TABLE} for community.general.modprobe (no module support in this kernel)
import builtins
_open = builtins.open
def _nm_open(file, *args, **kwargs):
    return _open('${MODULES_TABLE}' if file == '/proc/modules' else file, *args, **kwargs)
builtins.open = _nm_open
`;
const PYTHON = `#!/bin/sh
# ${MARK}: python3 with ${posix.dirname(MODPROBE_PYTHON)}/site/sitecustomize.py first
PYTHONPATH=${posix.dirname(MODPROBE_PYTHON)}/site exec /usr/bin/python3 "$@"
`;

/**
 * The kmod stand-in as the host's modprobe (/sbin is /usr/sbin on bookworm), its module tree for
 * the running kernel's release (modules.dep and modules.builtin: `{dep, builtin}` paths such as
 * kernel/drivers/net/dummy.ko), the table of loaded modules (`loaded` lines in /proc/modules'
 * format), the Ansible interpreter above, the two configuration directories a systemd host has,
 * and an empty call log.
 */
export function plantModprobeStandins(root: string, release: string, modules: { dep: string[]; builtin: string[]; loaded: string[] }): void {
  plantTool(root, '/usr/sbin/modprobe', MODPROBE);
  const dir = join(root, '/lib/modules', release);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'modules.dep'), modules.dep.map((m) => `${m}:\n`).join(''));
  writeFileSync(join(dir, 'modules.builtin'), modules.builtin.map((m) => `${m}\n`).join(''));
  mkdirSync(dirname(join(root, MODULES_TABLE)), { recursive: true });
  writeFileSync(join(root, MODULES_TABLE), modules.loaded.map((l) => `${l}\n`).join(''));
  mkdirSync(join(root, posix.dirname(MODPROBE_PYTHON), 'site'), { recursive: true });
  writeFileSync(join(root, posix.dirname(MODPROBE_PYTHON), 'site', 'sitecustomize.py'), SITECUSTOMIZE);
  writeFileSync(join(root, MODPROBE_PYTHON), PYTHON);
  chmodSync(join(root, MODPROBE_PYTHON), 0o755);
  for (const d of ['/etc/modules-load.d', '/etc/modprobe.d']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, MODPROBE_LOG), '');
}

/** The selinuxfs of the SELinux stand-ins: `enforce` (0/1) and `policyvers`; no `enforce`: not mounted. */
export const SELINUXFS = '/var/lib/nm-selinux-standin/selinuxfs';
/** An interpreter for Ansible whose `selinux` (python3-selinux) and ansible.module_utils.compat.selinux are the stand-in. */
export const SELINUX_PYTHON = '/usr/lib/nm-selinux-standin/python3';
const SELINUX_SITE = `${posix.dirname(SELINUX_PYTHON)}/site`;

/**
 * libselinux 3.4 as Debian bookworm ships it (libselinux1 / selinux-utils / python3-selinux
 * 3.4-1+b6; SELinuxProject/selinux 3.4, libselinux/src: init.c init_lib, enabled.c
 * is_selinux_enabled, getenforce.c, setenforce.c, policyvers.c, selinux_config.c
 * selinux_getenforcemode / init_selinux_config / selinux_getpolicytype; the python binding's
 * selinuxswig_python_exception.i), over SELINUXFS instead of a mounted selinuxfs: enabled when
 * the selinuxfs has `enforce` and /etc/selinux/config exists (both judged at load, as init_lib's
 * constructor does); the policy type is the config's last SELINUXTYPE= (any case, leading blanks
 * and comments skipped, trailing blanks and control characters cut), `targeted` without one;
 * getenforcemode the first line starting SELINUX= (value's prefix, any case). The functions the
 * SWIG binding wraps with an OSError on a negative result raise it; ctypes callers
 * (ansible.module_utils.compat.selinux) get the same values. File labels as far as Ansible's
 * atomic_move uses them: lgetfilecon_raw and lsetfilecon (lgetfilecon.c, lsetfilecon.c: the
 * security.selinux xattr) and matchpathcon (matchpathcon.c over label_file.c's file_contexts lookup).
 */
const SELINUX_PY = `# ${MARK}: libselinux 3.4 (SELinuxProject/selinux 3.4 libselinux/src init.c, enabled.c, getenforce.c,
# setenforce.c, policyvers.c, selinux_config.c; python binding selinuxswig_python_exception.i) over ${SELINUXFS}
import errno as _errno, os as _os
_MNT = '${SELINUXFS}'
_CONFIG = '/etc/selinux/config'
_mounted = _os.path.exists(_MNT + '/enforce')
_has_config = _os.access(_CONFIG, _os.F_OK)
_policytype = None

def _fail(e=_errno.ENOENT):
    raise OSError(e, _os.strerror(e))

def is_selinux_enabled():
    return 1 if _mounted and _has_config else 0

def is_selinux_mls_enabled():
    try:
        with open(_MNT + '/mls') as f:
            return 1 if _mounted and int(f.read().split()[0]) else 0
    except OSError:
        return 0

# File labels, which Ansible's atomic_move reads and keeps (module_utils/basic.py selinux_context,
# selinux_default_context, set_context_if_different): a file's security.selinux attribute (this
# machine's kernel has no SELinux but lets root set security.* attributes), else what an SELinux
# kernel reports for a file without one, its initial SID "unlabeled".
_UNLABELED = 'system_u:object_r:unlabeled_t:s0'

def lgetfilecon_raw(path):
    if not _os.path.lexists(path):
        _fail(_errno.ENOENT)
    try:
        con = _os.getxattr(path, 'security.selinux', follow_symlinks=False).rstrip(b'\\0').decode()
    except OSError:
        con = _UNLABELED
    return [len(con) + 1, con]

def lsetfilecon(path, con):
    _os.setxattr(path, 'security.selinux', con.encode() + b'\\0', follow_symlinks=False)
    return 0

# selabel_lookup over file_contexts (label_file.c 3.4): the policy's file_contexts, then
# file_contexts.homedirs and .local; entries whose regex has no meta character ("exact pathnames")
# sorted behind the others (sort_specs), searched from the last; the key without duplicate or
# trailing slashes; a spec's file type must equal the mode's (mode 0: any); "<<none>>": ENOENT.
_TYPES = {'--': 0o100000, '-d': 0o040000, '-l': 0o120000, '-c': 0o020000, '-b': 0o060000, '-s': 0o140000, '-p': 0o010000}

def _has_meta(regex):
    i = 0
    while i < len(regex):
        if regex[i] == '\\\\':
            i += 2
            continue
        if regex[i] in '.^$?*+|[({':
            return True
        i += 1
    return False

def _specs():
    base = '/etc/selinux/%s/contexts/files/file_contexts' % selinux_getpolicytype()[1]
    specs = []
    for f in (base, base + '.homedirs', base + '.local'):
        try:
            lines = open(f, errors='replace').read().split('\\n')
        except FileNotFoundError:
            if f == base:
                raise
            continue
        for line in lines:
            w = line.split()
            if not w or w[0].startswith('#'):
                continue
            specs.append((w[0], _TYPES[w[1]] if len(w) == 3 else 0, w[-1]))
    return [x for x in specs if _has_meta(x[0])] + [x for x in specs if not _has_meta(x[0])]

def matchpathcon(path, mode):
    import re
    key = re.sub('//+', '/', path)
    if len(key) > 1 and key.endswith('/'):
        key = key[:-1]
    for regex, ftype, con in reversed(_specs()):
        if (mode & 0o170000) and ftype and ftype != (mode & 0o170000):
            continue
        if re.fullmatch(regex, key):
            if con == '<<none>>':
                _fail(_errno.ENOENT)
            return [0, con]
    _fail(_errno.ENOENT)

def security_getenforce():
    if not _mounted:
        _fail()
    with open(_MNT + '/enforce') as f:
        return 1 if int(f.read().split()[0]) else 0

def security_setenforce(value):
    if not _mounted:
        _fail()
    with open(_MNT + '/enforce', 'w') as f:
        f.write('%d' % value)
    return 0

def security_policyvers():
    if not _mounted:
        _fail()
    try:
        with open(_MNT + '/policyvers') as f:
            return int(f.read().split()[0])
    except FileNotFoundError:
        return 15

def _config_lines():
    try:
        with open(_CONFIG, errors='replace') as f:
            return f.read().split('\\n')
    except OSError:
        return []

def selinux_getenforcemode():
    for line in _config_lines():
        if not line.startswith('SELINUX='):
            continue
        v = line[len('SELINUX='):].lstrip().lower()
        for word, mode in (('enforcing', 1), ('permissive', 0), ('disabled', -1)):
            if v.startswith(word):
                return [0, mode]
    return [-1, 0]

def selinux_getpolicytype():
    global _policytype
    if _policytype is None:
        _policytype = 'targeted'
        for line in _config_lines():
            line = line.lstrip()
            if line.startswith('#') or not line.upper().startswith('SELINUXTYPE='):
                continue
            _policytype = line[len('SELINUXTYPE='):].lstrip().rstrip(''.join(map(chr, range(33))) + '\\x7f')
    return [0, _policytype]
`;

/** Python imports: python3-selinux's \`selinux\` is the file above; so is Ansible's ctypes wrapper of libselinux.so.1. */
const SELINUX_SITECUSTOMIZE = `# ${MARK}: \`import selinux\` and ansible.module_utils.compat.selinux load ${SELINUX_SITE}/selinux.py
import sys, importlib.abc, importlib.util
class _NmSelinuxFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == 'ansible.module_utils.compat.selinux':
            return importlib.util.spec_from_file_location(name, '${SELINUX_SITE}/selinux.py')
        return None
sys.meta_path.insert(0, _NmSelinuxFinder())
`;

/**
 * libselinux 3.4's utils/matchpathcon.c (selinux-utils; RHEL's libselinux-utils): each path's
 * default label from the file_contexts lookup above, one per line (`-n`: without the path and tab),
 * `<<none>>` when no entry gives one; the mode of an existing path (lstat) or `-m TYPE`; no
 * file_contexts: "Error while opening file contexts database", exit 255.
 */
const MATCHPATHCON_PY = `# ${MARK}: libselinux 3.4 matchpathcon (SELinuxProject/selinux 3.4 libselinux/utils/matchpathcon.c)
import errno, getopt, os, sys
import selinux
MODES = {'b': 0o060000, 'c': 0o020000, 'd': 0o040000, 'p': 0o010000, 'l': 0o120000, 's': 0o140000, 'f': 0o100000}
def usage():
    sys.stderr.write('usage:  %s [-V] [-N] [-n] [-m type] [-f file_contexts_file] [-p prefix] [-P policy_root_path] filepath...\\n' % sys.argv[0])
    sys.exit(1)
if len(sys.argv) < 2:
    usage()
try:
    opts, paths = getopt.getopt(sys.argv[1:], 'm:Nnf:P:p:Vq')
except getopt.GetoptError:
    usage()
header, force = True, 0
for o, v in opts:
    if o == '-n':
        header = False
    elif o == '-m':
        if v[:1] not in MODES:
            sys.stderr.write('%s: mode %s is invalid\\n' % (sys.argv[0], v))
            sys.exit(1)
        force = MODES[v[:1]]
    elif o != '-N':
        usage()
try:
    selinux._specs()
except OSError as e:
    sys.stderr.write('Error while opening file contexts database: %s\\n' % os.strerror(e.errno))
    sys.exit(255)
for path in paths:
    if len(path) > 1 and path.endswith('/'):
        path = path[:-1]
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = 0
    try:
        con = selinux.matchpathcon(path, force or mode)[1]
    except OSError as e:
        if e.errno != errno.ENOENT:
            sys.stderr.write('selabel_lookup(%s) failed: %s\\n' % (path, os.strerror(e.errno)))
            sys.exit(1)
        con = '<<none>>'
    print('%s\\t%s' % (path, con) if header else con)
`;

/** libselinux 3.4's utils/getenforce.c: Enforcing / Permissive / Disabled, exit 0; an unreadable enforce: exit 2. */
const GETENFORCE = `#!/bin/sh
# ${MARK}: libselinux 3.4 getenforce (SELinuxProject/selinux 3.4 libselinux/utils/getenforce.c) over ${SELINUXFS}
if [ -e ${SELINUXFS}/enforce ] && [ -e /etc/selinux/config ]; then
  case $(cat ${SELINUXFS}/enforce 2>/dev/null) in
    0) echo Permissive ;;
    ''|*[!0-9]*) echo "getenforce:  security_getenforce() failed:  No such file or directory" >&2; exit 2 ;;
    *) echo Enforcing ;;
  esac
else echo Disabled; fi
`;

/** libselinux 3.4's utils/setenforce.c: one argument, 0/1 or enforcing/permissive in any case. */
const SETENFORCE = `#!/bin/sh
# ${MARK}: libselinux 3.4 setenforce (SELinuxProject/selinux 3.4 libselinux/utils/setenforce.c) over ${SELINUXFS}
usage() { echo "usage:  $0 [ Enforcing | Permissive | 1 | 0 ]" >&2; exit 1; }
[ $# -eq 1 ] || usage
if ! { [ -e ${SELINUXFS}/enforce ] && [ -e /etc/selinux/config ]; }; then echo "$0: SELinux is disabled" >&2; exit 1; fi
case $(printf '%s' "$1" | tr '[:upper:]' '[:lower:]') in
  1|enforcing) v=1 ;;
  0|permissive) v=0 ;;
  *) usage ;;
esac
printf '%s' "$v" > ${SELINUXFS}/enforce
`;

/**
 * The SELinux stand-ins on the host: getenforce, setenforce and matchpathcon in /usr/sbin (where selinux-utils
 * puts them), the Python side for Ansible (SELINUX_PYTHON), and the "kernel": SELINUXFS with
 * `enforce` = `mode` (null: no selinuxfs, SELinux disabled) and `policyvers` 33 (Linux 6.1's
 * POLICYDB_VERSION_MAX), `mls` 1 (targeted and default policies are MLS/MCS).
 */
export function plantSelinuxStandins(root: string, mode: 0 | 1 | null): void {
  plantTool(root, '/usr/sbin/getenforce', GETENFORCE);
  plantTool(root, '/usr/sbin/setenforce', SETENFORCE);
  mkdirSync(join(root, SELINUX_SITE), { recursive: true });
  writeFileSync(join(root, SELINUX_SITE, 'matchpathcon.py'), MATCHPATHCON_PY);
  plantTool(root, '/usr/sbin/matchpathcon', `#!/bin/sh\n# ${MARK}: libselinux 3.4 matchpathcon\nexec ${SELINUX_PYTHON} ${SELINUX_SITE}/matchpathcon.py "$@"\n`);
  writeFileSync(join(root, SELINUX_SITE, 'selinux.py'), SELINUX_PY);
  writeFileSync(join(root, SELINUX_SITE, 'sitecustomize.py'), SELINUX_SITECUSTOMIZE);
  writeFileSync(join(root, SELINUX_PYTHON), `#!/bin/sh\n# ${MARK}: python3 with ${SELINUX_SITE} first\nPYTHONPATH=${SELINUX_SITE} exec /usr/bin/python3 "$@"\n`);
  chmodSync(join(root, SELINUX_PYTHON), 0o755);
  setSelinuxfs(root, mode);
}

/** The stand-in "kernel"'s mode: 1 enforcing, 0 permissive, null no selinuxfs (SELinux off). */
export function setSelinuxfs(root: string, mode: 0 | 1 | null): void {
  const fs = join(root, SELINUXFS);
  mkdirSync(fs, { recursive: true });
  writeFileSync(join(fs, 'policyvers'), '33');
  writeFileSync(join(fs, 'mls'), '1');
  if (mode === null) rmSync(join(fs, 'enforce'), { force: true });
  else writeFileSync(join(fs, 'enforce'), String(mode));
}

export const SYSCTL_LOG = '/var/log/nm-sysctl-standin.log';
/** The stand-in's kernel parameters, one `rw|ro KEY = VALUE` line each (dotted keys, as `sysctl -a` names them). */
export const SYSCTL_TABLE = '/var/lib/nm-sysctl-standin/values';

/**
 * procps-ng 4.0.2's sysctl(8), as Debian bookworm ships it (procps 2:4.0.2-3; procps-ng v4.0.2
 * src/sysctl.c: main()'s getopt_long "bneNwfp::qoxaAXr:Vdh", ReadSetting, WriteSetting,
 * parse_setting_line, Preload, PreloadSystem, write_setting_list), reading and writing
 * SYSCTL_TABLE instead of /proc/sys, so nothing reaches the kernel the fleet hosts share.
 * Reading: "KEY = VALUE", `-n` the value alone, `-N` the name alone, `-b` without newline; a key
 * that does not exist: "sysctl: cannot stat /proc/sys/A/B: No such file or directory", exit 1,
 * silent with `-e`; exit codes of several reads add up, as ReadSetting's do. A key naming a
 * directory lists every key under it. Writing (`-w`, or any KEY=VALUE): echoes "KEY = VALUE"
 * (not with `-q`), an unknown key as for reads (silent, exit 0 with `-e`); a read-only key
 * (mode 0444 in /proc/sys) "sysctl: setting key "KEY": Permission denied", exit 0 as WriteSetting
 * returns there (the errno it prints at that point is whatever came before; the stand-in says
 * EACCES). `-p [FILE]` / `-f` (default /etc/sysctl.conf): lines "KEY = VALUE", "-KEY = VALUE"
 * (failure ignored), "-KEY" (excluded from a glob), `#`/`;` comments, "FILE(N): invalid syntax,
 * continuing..." for a line without '=', globs (`*?[`) over the known keys; a missing FILE
 * "cannot open "FILE": No such file or directory", exit 1. `--system`: "* Applying PATH ..." for
 * each *.conf of /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d,
 * /lib/sysctl.d (sorted by file name, the first directory wins) then /etc/sysctl.conf, before
 * any setting is written, errors ignored as with `-e`. Values are stored as the kernel reads
 * them back: an int vector (ip_local_port_range) tab-separated, a string trimmed.
 */
const SYSCTL = `#!/usr/bin/python3
# ${MARK}: procps-ng 4.0.2 sysctl(8) (procps-ng v4.0.2 src/sysctl.c); reads and writes ${SYSCTL_TABLE}, never /proc/sys
import os, re, sys
T = '${SYSCTL_TABLE}'
with open('${SYSCTL_LOG}', 'a') as log:
    log.write('sysctl ' + ' '.join(sys.argv[1:]) + '\\n')

def load():
    table = {}
    for line in open(T):
        flag, rest = line.rstrip('\\n').split(' ', 1)
        key, _, value = rest.partition(' = ')
        table[key] = [flag, value]
    return table

table = load()
dirty = False
opt = dict(name=True, newline=True, ignore=False, names_only=False, write=False, quiet=False, dry=False, pattern=None)
out, err = sys.stdout, sys.stderr

def warn(msg):
    err.write('sysctl: ' + msg + '\\n')

def to_path(key):
    # slashdot(): the first separator decides; '.' and '/' swap, so a dotted key's '/' stays a name character
    m = re.search(r'[./]', key)
    if not m or m.group() == '/':
        return key
    return key.translate(str.maketrans('./', '/.'))

def to_key(path):
    return path.translate(str.maketrans('/.', './'))

def norm(value):
    # an int vector reads back tab-separated (proc_dointvec); a string as written
    words = value.split()
    return '\\t'.join(words) if words and all(re.match(r'-?\\d+$', w) for w in words) else value.strip()

def under(path):
    return [k for k in table if to_path(k).startswith(path + '/')]

def read(name):
    if not name:
        warn('"%s" is an unknown key' % name)
        return -1
    path = to_path(name)
    key = to_key(path)
    if key not in table:
        keys = under(path)
        if not keys:
            if not opt['ignore']:
                warn('cannot stat /proc/sys/%s: No such file or directory' % path)
                return 1
            return 0
        rc = 0
        for k in keys:
            rc |= read(k)
        return rc
    if opt['pattern'] and not re.search(opt['pattern'], key):
        return 0
    if opt['names_only']:
        out.write(key + '\\n')
    elif opt['name']:
        out.write('%s = %s\\n' % (key, table[key][1]))
    else:
        out.write(table[key][1] + ('\\n' if opt['newline'] else ''))
    return 0

def write(key, path, value, ignore_failure):
    global dirty
    dotted = to_key(path)
    if dotted not in table:
        if not opt['ignore']:
            warn('cannot stat /proc/sys/%s: No such file or directory' % path)
            return 1
        return 0
    if table[dotted][0] == 'ro':
        warn('setting key "%s": Permission denied' % dotted)
        return 0
    if not opt['dry']:
        table[dotted][1] = norm(value)
        dirty = True
    if not opt['quiet'] or opt['dry']:
        if opt['names_only']:
            out.write(value + '\\n')
        elif opt['name']:
            out.write('%s = %s\\n' % (dotted, value))
        else:
            out.write(value + ('\\n' if opt['newline'] else ''))
    return 0

def parse_line(source, n, line):
    key = line.lstrip()
    if len(key) < 2 or key[0] in '#;':
        return None
    if opt['pattern'] and not re.search(opt['pattern'], key):
        return None
    ignore_failure = exclude = False
    if '=' not in key:
        if key[0] != '-':
            warn('%s(%d): invalid syntax, continuing...' % (source, n))
            return None
        exclude, key, value = True, key[1:].rstrip(), None
    else:
        key, value = key.split('=', 1)
        if key[0] == '-':
            ignore_failure, key = True, key[1:]
        key, value = key.rstrip(), value.strip()
    return dict(key=key, path=to_path(key), value=value, ignore_failure=ignore_failure, exclude=exclude)

def glob_re(path):
    out = ''
    for c in path:
        out += {'*': '[^/]*', '?': '[^/]'}.get(c, c if c == '[' or c == ']' else re.escape(c))
    return re.compile(out + '$')

def write_list(settings):
    rc = 0
    paths = {s['path'] for s in settings}
    for s in settings:
        if s['exclude']:
            continue
        if re.search(r'[*?[]', s['path']):
            pat = glob_re(s['path'])
            for k in table:
                p = to_path(k)
                if pat.match(p) and p not in paths:
                    rc |= write(k, p, s['value'], s['ignore_failure'])
        else:
            rc |= write(s['key'], s['path'], s['value'], s['ignore_failure'])
    return rc

def preload(settings, name):
    try:
        f = sys.stdin if name == '-' else open(name)
    except OSError as e:
        warn('cannot open "%s": %s' % (name, e.strerror))
        return 1
    for n, line in enumerate(f, 1):
        if len(line) < 2:
            continue
        s = parse_line(name, n, line)
        if s:
            settings.append(s)
    return 0

def preload_system(settings):
    seen = {}
    for d in ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d']:
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for n in names:
            if len(n) >= 5 and n.endswith('.conf') and n not in seen:
                seen[n] = d + '/' + n
    rc = 0
    for n in sorted(seen):
        if not opt['quiet']:
            out.write('* Applying %s ...\\n' % seen[n])
        rc |= preload(settings, seen[n])
    if os.path.isfile('/etc/sysctl.conf'):
        if not opt['quiet']:
            out.write('* Applying /etc/sysctl.conf ...\\n')
        rc |= preload(settings, '/etc/sysctl.conf')
    return rc

def usage(stream, code):
    stream.write('\\nUsage:\\n sysctl [options] [variable[=value] ...]\\n')
    sys.exit(code)

def main(argv):
    if len(argv) < 1:
        usage(err, 1)
    longs = {'all': 'a', 'binary': 'b', 'ignore': 'e', 'names': 'N', 'values': 'n', 'quiet': 'q', 'write': 'w', 'help': 'h', 'version': 'V'}
    operands, preload_opt, preload_file, show_all, i = [], False, None, False, 0
    while i < len(argv):
        a = argv[i]
        i += 1
        if a == '--':
            operands += argv[i:]
            break
        if a.startswith('--'):
            name, _, val = a[2:].partition('=')
            if name == 'system':
                opt['ignore'] = True
                settings = []
                rc = preload_system(settings)
                return rc | write_list(settings)
            if name == 'dry-run':
                opt['dry'] = True
            elif name == 'deprecated':
                pass
            elif name == 'load':
                preload_opt, preload_file = True, (val or None)
            elif name == 'pattern':
                opt['pattern'] = val or argv[i]
                i += 0 if val else 1
            elif name in longs:
                argv[i - 1:i] = ['-' + longs[name]]
                i -= 1
            else:
                warn("unrecognized option '%s'" % a)
                usage(err, 1)
            continue
        if not a.startswith('-') or a == '-':
            operands.append(a)
            continue
        j = 1
        while j < len(a):
            c = a[j]
            j += 1
            if c == 'b':
                opt['newline'] = False
                opt['name'] = False
            elif c == 'n':
                opt['name'] = False
            elif c == 'e':
                opt['ignore'] = True
            elif c == 'N':
                opt['names_only'] = True
            elif c == 'w':
                opt['write'] = True
            elif c in 'fp':
                preload_opt = True
                if j < len(a):
                    preload_file = a[j:]
                    break
            elif c == 'q':
                opt['quiet'] = True
            elif c in 'ox':
                pass
            elif c in 'aAX':
                show_all = True
            elif c == 'r':
                opt['pattern'] = a[j:] if j < len(a) else argv[i]
                i += 0 if j < len(a) else 1
                break
            elif c == 'V':
                out.write('sysctl from procps-ng 4.0.2\\n')
                return 0
            elif c in 'dh':
                usage(out, 0)
            else:
                err.write("sysctl: invalid option -- '%s'\\n" % c)
                usage(err, 1)
    if show_all:
        rc = 0
        for k in table:
            rc |= read(k)
        return rc
    if preload_opt:
        settings, rc = [], 0
        if preload_file:
            rc |= preload(settings, preload_file)
        elif not operands:
            rc |= preload(settings, '/etc/sysctl.conf')
        for f in operands:
            rc |= preload(settings, f)
        return rc | write_list(settings)
    if not operands:
        err.write("sysctl: no variables specified\\nTry \`sysctl --help' for more information.\\n")
        return 1
    if opt['names_only'] and opt['quiet']:
        err.write("sysctl: options -N and -q cannot coexist\\nTry \`sysctl --help' for more information.\\n")
        return 1
    rc = 0
    for a in operands:
        if opt['write'] or '=' in a:
            s = parse_line('command line', 0, a)
            rc |= write(s['key'], s['path'], s['value'], s['ignore_failure']) if s and not s['exclude'] else 1
        else:
            rc += read(a)
    return rc

code = main(sys.argv[1:])
if dirty:
    with open(T + '.new', 'w') as f:
        f.writelines('%s %s = %s\\n' % (flag, k, v) for k, (flag, v) in table.items())
    os.replace(T + '.new', T)
sys.exit(code & 0xff)
`;

/**
 * The kernel parameters this machine's kernel has (its /proc/sys, read on the controller: the
 * fleet shares it), in SYSCTL_TABLE's format: which keys exist and their values are then real.
 * Keys that cannot be read (write-only, stable_secret's EIO) are left out.
 */
export function kernelSysctls(): string {
  const lines: string[] = [];
  const walk = (rel: string): void => {
    for (const n of readdirSync(join('/proc/sys', rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const st = lstatSync(join('/proc/sys', r), { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) {
        walk(r);
        continue;
      }
      let value: string;
      try {
        value = readFileSync(join('/proc/sys', r), 'utf8');
      } catch {
        continue;
      }
      // One line per key, as the stand-in stores it (multi-line values such as dev.cdrom.info joined).
      const flat = value.replace(/\n$/, '').split('\n').join(' ');
      lines.push(`${st.mode & 0o200 ? 'rw' : 'ro'} ${r.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'))} = ${flat}`);
    }
  };
  walk('');
  return lines.map((l) => `${l}\n`).join('');
}

/** The procps-ng sysctl stand-in as the host's sysctl, its parameter table (`kernelSysctls()` by default) and an empty call log. */
export function plantSysctlStandin(root: string, table: string = kernelSysctls()): void {
  plantTool(root, '/usr/sbin/sysctl', SYSCTL);
  mkdirSync(dirname(join(root, SYSCTL_TABLE)), { recursive: true });
  writeFileSync(join(root, SYSCTL_TABLE), table);
  writeFileSync(join(root, SYSCTL_LOG), '');
}

export const SYSTEMCTL_LOG = '/var/log/nm-systemctl-standin.log';
/** The stand-in's service manager state: NAME.pid of a started unit, NAME.loaded (the unit file's cksum when last loaded). */
export const SYSTEMCTL_STATE_DIR = '/var/lib/nm-systemctl-standin';

/**
 * systemd 252's systemctl as Debian 12 ships it (252.38-1~deb12u1; systemd/systemd v252
 * src/systemctl/systemctl-{is-enabled,is-active,show,start-unit,enable,list-unit-files,
 * daemon-reload}.c, src/shared/install.c install_changes_dump() messages), the verbs Ansible's
 * systemd module and nodemend call. The client-side verbs' exact lines and exit codes were checked
 * against the real 252.38 binary run with --root on a scratch tree:
 * - is-enabled: the unit file state on stdout (enabled, disabled, static, masked, linked, alias,
 *   indirect); exit 0 for enabled/static/alias/indirect, else 1; `-l` adds the install links; a unit
 *   with no file: "Failed to get unit file state for X.service: No such file or directory", exit 1.
 * - mask / unmask / enable / disable: the real symlinks under /etc/systemd/system, "Created symlink
 *   /etc/systemd/system/X.service → /dev/null." / `Removed "..."` on stderr (→ is "->" under an
 *   explicit non-UTF-8 locale, as special_glyph()); enable of a masked unit, of a missing one, of one
 *   without [Install] (the long "no installation config" text, exit 0); disable of a masked unit
 *   ("is masked, ignoring."); mask over a real file in /etc ("already exists", exit 1). Each reloads
 *   the manager, as systemctl does unless --no-reload.
 * - the manager side (no systemd runs on a fleet host): is-active (exit 3 when inactive), show (the
 *   Service properties, then the Unit ones, empty ones left out unless asked for with -p/--property;
 *   a missing unit is LoadState=not-found with a NoSuchUnit LoadError, a masked one LoadState=masked
 *   with UnitMasked), start/stop/restart/reload with bus errors ("Unit X.service not found.", exit 5;
 *   "is masked.", exit 1; stop of a missing unit "not loaded.", exit 5; reload without ExecReload
 *   "Job type reload is not applicable", of an inactive unit "Job for X.service invalid."),
 *   daemon-reload, list-unit-files with its table and count (exit 1 when none), --version.
 * A started unit runs its ExecStart (split like systemd, no shell) in a session of its own; it is
 * active until stopped. NeedDaemonReload is "yes" when the unit file's cksum differs from the one
 * the manager loaded (on first use, at daemon-reload and after each unit file verb), as systemd
 * compares the file with the one it loaded. Every call is appended to SYSTEMCTL_LOG.
 */
const SYSTEMCTL = `#!/bin/sh
# ${MARK}: systemd 252 systemctl (systemd/systemd v252 src/systemctl/, src/shared/install.c messages); unit state in files
S=${SYSTEMCTL_STATE_DIR}
printf 'systemctl %s\\n' "$*" >> ${SYSTEMCTL_LOG}
ETC=/etc/systemd/system
DIRS="$ETC /run/systemd/system /usr/local/lib/systemd/system /usr/lib/systemd/system"
# special_glyph(): UTF-8 unless the locale was set explicitly to a non-UTF-8 one (is_locale_utf8)
case "\${LC_ALL:-\${LC_CTYPE:-\${LANG:-}}}" in ''|*UTF-8*|*utf8*|*utf-8*|*UTF8*) ARROW='→' BULLET='•' ;; *) ARROW='->' BULLET='*' ;; esac
verb= props= quiet=0 full=0 now=0 units=
while [ $# -gt 0 ]; do
  case $1 in
    --version) printf 'systemd 252 (252.38-1~deb12u1)\\n+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified\\n'; exit 0 ;;
    --no-pager|--no-block|--force|-f|--system|--no-reload|--no-ask-password|--no-legend|--plain) ;;
    -q|--quiet) quiet=1 ;;
    -l|--full) full=1 ;;
    --now) now=1 ;;
    -p|--property) props="$props,$2"; shift ;;
    -p*) props="$props,\${1#-p}" ;;
    --property=*) props="$props,\${1#--property=}" ;;
    -*) echo "systemctl: unrecognized option '$1'" >&2; exit 1 ;;
    *) if [ -z "$verb" ]; then verb=$1; else units="$units $1"; fi ;;
  esac
  shift
done
# unit_name_mangle(): a name without a unit type suffix gets ".service"
mangle() { case $1 in *.service|*.socket|*.target|*.timer|*.mount|*.path|*.slice|*.scope|*.device|*.swap|*.automount) echo "$1" ;; *) echo "$1.service" ;; esac; }
masked() { [ -L "$ETC/$1" ] && [ "$(readlink "$ETC/$1")" = /dev/null ]; }
# The unit's file in the search path (a mask aside), empty when there is none.
fragment() { for d in $DIRS; do if [ -e "$d/$1" ] && ! { [ "$d" = "$ETC" ] && masked "$1"; }; then echo "$d/$1"; return; fi; done; }
# [Install] settings of a unit file, as "Key value" lines.
install() { awk '/^\\[/ { s = $0 } s == "[Install]" && /^(WantedBy|RequiredBy|Alias|Also)=/ { k = substr($0, 1, index($0, "=") - 1); n = split(substr($0, index($0, "=") + 1), v, " "); for (i = 1; i <= n; i++) print k, v[i] }' "$1"; }
setting() { awk -v sec="[$2]" -v key="$3" '/^\\[/ { s = $0 } s == sec && index($0, key "=") == 1 { v = substr($0, length(key) + 2) } END { print v }' "$1"; }
links() { for l in "$ETC"/*.wants/"$1" "$ETC"/*.requires/"$1"; do [ -L "$l" ] && echo "$l"; done; }
ufstate() {
  masked "$1" && { echo masked; return; }
  f=$(fragment "$1"); [ -n "$f" ] || return 1
  # A symlink in /etc: an alias of another unit file in the search path, else a linked unit file.
  if [ -L "$ETC/$1" ]; then t=$(readlink "$ETC/$1"); case $t in */"$1") ;; /etc/systemd/*|/run/systemd/*|/lib/systemd/*|/usr/lib/systemd/*|/usr/local/lib/systemd/*) echo alias; return ;; esac; [ -n "$(links "$1")" ] || { echo linked; return; }; fi
  i=$(install "$f")
  if [ -n "$(links "$1")" ]; then echo enabled
  elif [ -z "$i" ]; then echo static
  elif ! printf '%s\\n' "$i" | grep -qv '^Also '; then echo indirect
  else echo disabled; fi
}
sum() { cksum < "$1" | cut -d' ' -f1; }
active() { [ -f "$S/$1.pid" ]; }
# The manager's view of the unit file: taken when the unit is first loaded and at daemon-reload.
loaded() { mkdir -p "$S"; [ -f "$S/$1.loaded" ] || sum "$2" > "$S/$1.loaded"; }
reload_all() { mkdir -p "$S"; for d in $DIRS; do for f in "$d"/*; do [ -f "$f" ] && sum "$f" > "$S/\${f##*/}.loaded"; done; done; true; }
start() {
  f=$(fragment "$1"); mkdir -p "$S"
  set -f; set -- $(setting "$f" Service ExecStart | sed 's/^[-@+!:]*//'); set +f
  setsid "$@" </dev/null >/dev/null 2>&1 &
  echo $! > "$S/\${u}.pid"
}
stop() { active "$1" && { kill "$(cat "$S/$1.pid")" 2>/dev/null; rm -f "$S/$1.pid"; }; true; }
# show: the properties of \`systemctl show\` in its order (the Service interface, then the Unit one).
show() {
  u=$1 f=$(fragment "$1") st=$(ufstate "$1")
  pid=0; active "$u" && pid=$(cat "$S/$u.pid")
  if masked "$u"; then load=masked err="org.freedesktop.systemd1.UnitMasked \\"Unit $u is masked.\\"" path=$ETC/$u desc=$u
  elif [ -z "$f" ]; then load=not-found err="org.freedesktop.systemd1.NoSuchUnit \\"Unit $u not found.\\"" path= desc=$u
  else load=loaded err= path=$f desc=$(setting "$f" Unit Description); desc=\${desc:-$u}; loaded "$u" "$f"; fi
  need=no; [ "$load" = loaded ] && [ "$(sum "$f")" != "$(cat "$S/$u.loaded")" ] && need=yes
  if active "$u"; then as=active ss=running; else as=inactive ss=dead; fi
  type=simple restart=no; [ "$load" = loaded ] && { t=$(setting "$f" Service Type); type=\${t:-simple}; r=$(setting "$f" Service Restart); restart=\${r:-no}; }
  preset=; [ "$load" = loaded ] && { [ -n "$(install "$f")" ] && preset=enabled || preset=-; }
  [ "$preset" = - ] && preset=
  for kv in "Type=$type" "Restart=$restart" "MainPID=$pid" "ExecMainPID=$pid" "Id=$u" "Names=$u" "Description=$desc" "LoadState=$load" "ActiveState=$as" "SubState=$ss" "FragmentPath=$path" "UnitFileState=$st" "UnitFilePreset=$preset" "NeedDaemonReload=$need" "LoadError=$err"; do
    k=\${kv%%=*}
    if [ -n "$props" ]; then case ",$props," in *",$k,"*) echo "$kv" ;; esac
    elif [ -n "\${kv#*=}" ]; then echo "$kv"; fi
  done
}
[ -n "$verb" ] || verb=list-units
case $verb in is-enabled|is-active|show|start|stop|restart|reload|enable|disable|mask|unmask)
  [ -n "$units" ] || [ "$verb" = show ] || { echo "Too few arguments." >&2; exit 1; } ;; esac
rc=0
case $verb in
  daemon-reload|daemon-reexec) reload_all ;;
  is-enabled)
    rc=1
    for n in $units; do
      u=$(mangle "$n")
      st=$(ufstate "$u") || { echo "Failed to get unit file state for $u: No such file or directory" >&2; exit 1; }
      [ $quiet = 1 ] || echo "$st"
      [ $full = 1 ] && [ $quiet = 0 ] && links "$u" | sed 's/^/  /'
      case $st in enabled|enabled-runtime|static|alias|indirect|generated) rc=0 ;; esac
    done ;;
  is-active)
    rc=3
    for n in $units; do u=$(mangle "$n"); if active "$u"; then s=active; rc=0; else s=inactive; fi; [ $quiet = 1 ] || echo "$s"; done ;;
  show)
    first=1
    for n in $units; do [ $first = 1 ] || echo; first=0; show "$(mangle "$n")"; done ;;
  start|restart)
    for n in $units; do
      u=$(mangle "$n")
      if masked "$u"; then echo "Failed to $verb $u: Unit $u is masked." >&2; rc=1; continue; fi
      if [ -z "$(fragment "$u")" ]; then echo "Failed to $verb $u: Unit $u not found." >&2; rc=5; continue; fi
      [ $verb = restart ] && stop "$u"
      active "$u" || start "$u"
    done ;;
  stop)
    for n in $units; do
      u=$(mangle "$n")
      if [ -z "$(fragment "$u")" ] && ! masked "$u" && ! active "$u"; then echo "Failed to stop $u: Unit $u not loaded." >&2; rc=5; continue; fi
      stop "$u"
    done ;;
  reload)
    for n in $units; do
      u=$(mangle "$n") f=$(fragment "$u")
      if [ -z "$f" ]; then echo "Failed to reload $u: Unit $u not found." >&2; rc=5; continue; fi
      if [ -z "$(setting "$f" Service ExecReload)" ]; then echo "Failed to reload $u: Job type reload is not applicable for unit $u." >&2; rc=1; continue; fi
      if ! active "$u"; then echo "Job for $u invalid." >&2; rc=1; continue; fi
      echo "$u" >> "$S/reloads"
    done ;;
  mask)
    for n in $units; do
      u=$(mangle "$n")
      masked "$u" && continue
      if [ -e "$ETC/$u" ] || [ -L "$ETC/$u" ]; then echo "Failed to mask unit, file \\"$ETC/$u\\" already exists." >&2; exit 1; fi
      ln -s /dev/null "$ETC/$u" && echo "Created symlink $ETC/$u $ARROW /dev/null." >&2
    done
    reload_all ;;
  unmask)
    for n in $units; do u=$(mangle "$n"); masked "$u" && rm -f "$ETC/$u" && echo "Removed \\"$ETC/$u\\"." >&2; done
    reload_all ;;
  enable)
    for n in $units; do
      u=$(mangle "$n")
      if masked "$u"; then echo "Failed to enable unit, unit $ETC/$u is masked." >&2; exit 1; fi
      f=$(fragment "$u")
      [ -n "$f" ] || { echo "Failed to enable unit, unit $u does not exist." >&2; exit 1; }
      i=$(install "$f")
      if [ -z "$i" ]; then
        cat >&2 <<STATIC
The unit files have no installation config (WantedBy=, RequiredBy=, Also=,
Alias= settings in the [Install] section, and DefaultInstance= for template
units). This means they are not meant to be enabled using systemctl.
 
Possible reasons for having this kind of units are:
$BULLET A unit may be statically enabled by being symlinked from another unit's
  .wants/ or .requires/ directory.
$BULLET A unit's purpose may be to act as a helper for some other unit which has
  a requirement dependency on it.
$BULLET A unit may be started when needed via activation (socket, path, timer,
  D-Bus, udev, scripted systemctl call, ...).
$BULLET In case of template units, the unit is meant to be enabled with some
  instance name specified.
STATIC
        continue
      fi
      printf '%s\\n' "$i" | while read -r k t; do
        case $k in WantedBy) l=$ETC/$t.wants/$u ;; RequiredBy) l=$ETC/$t.requires/$u ;; Alias) l=$ETC/$t ;; *) continue ;; esac
        [ -L "$l" ] && continue
        mkdir -p "\${l%/*}" && ln -s "$f" "$l" && echo "Created symlink $l $ARROW $f." >&2
        [ $k = Alias ] || [ -n "$(fragment "$t")" ] || echo "Unit $f is added as a dependency to a non-existent unit $t." >&2
      done
      [ $now = 1 ] && { active "$u" || start "$u"; }
    done
    reload_all ;;
  disable)
    for n in $units; do
      u=$(mangle "$n")
      if masked "$u"; then echo "Unit $ETC/$u is masked, ignoring." >&2; continue; fi
      [ -n "$(fragment "$u")" ] || { echo "Failed to disable unit, unit $u does not exist." >&2; continue; }
      for l in $(links "$u"); do rm -f "$l" && echo "Removed \\"$l\\"." >&2; done
      [ $now = 1 ] && stop "$u"
    done
    reload_all ;;
  list-unit-files)
    set -f; pats=\${units:-*}; set +f
    tmp=$(mktemp)
    for d in $DIRS; do for f in "$d"/*; do
      [ -e "$f" ] || [ -L "$f" ] || continue
      u=\${f##*/}
      case $u in *.service|*.socket|*.target|*.timer|*.mount|*.path|*.slice|*.swap|*.automount) ;; *) continue ;; esac
      m=0; set -f; for p in $pats; do set +f; case $u in $p) m=1 ;; esac; done; set +f
      [ $m = 1 ] || continue
      grep -q "^$u " "$tmp" && continue
      st=$(ufstate "$u"); g=$(fragment "$u"); pr=-; [ -n "$g" ] && [ -n "$(install "$g")" ] && pr=enabled
      echo "$u $st $pr" >> "$tmp"
    done; done
    count=$(wc -l < "$tmp")
    sort "$tmp" | awk -v n="$count" '{ u[NR] = $1; s[NR] = $2; p[NR] = $3; if (length($1) > a) a = length($1); if (length($2) > b) b = length($2) }
      END { if (a < 9) a = 9; if (b < 5) b = 5; printf "%-" a "s %-" b "s %s\\n", "UNIT FILE", "STATE", "PRESET"
            for (i = 1; i <= NR; i++) printf "%-" a "s %-" b "s %s\\n", u[i], s[i], p[i]; printf "\\n%d unit files listed.\\n", n }'
    rm -f "$tmp"
    [ "$count" -gt 0 ] || rc=1 ;;
  *) echo "Unknown command verb $verb." >&2; exit 1 ;;
esac
exit $rc
`;

/**
 * What both tools read to decide that systemd manages a host: Ansible's service_mgr fact
 * (facts/system/service_mgr.py is_systemd_managed: systemctl on PATH and /run/systemd/system/
 * present, as sd_booted(); PID 1 is a shell here, which it ignores) and nodemend's (src/facts/os.ts).
 * A fleet host's /run is a tmpfs of its own, not in its root on the controller: create this on the
 * host itself (and again after the host restarts).
 */
export const SYSTEMD_CANARY = '/run/systemd/system';

/**
 * The systemctl stand-in as the host's /bin/systemctl (= /usr/bin/systemctl; an original is moved
 * aside), its unit directories, an empty state and call log. Only on a host a test owns: every
 * service task on it then goes through this stand-in once SYSTEMD_CANARY exists. Unit files go in
 * /usr/lib/systemd/system, as a package would install them.
 */
export function plantSystemctlStandin(root: string): void {
  plantTool(root, '/usr/bin/systemctl', SYSTEMCTL);
  for (const d of ['/usr/lib/systemd/system', '/etc/systemd/system']) mkdirSync(join(root, d), { recursive: true });
  rmSync(join(root, SYSTEMCTL_STATE_DIR), { recursive: true, force: true });
  mkdirSync(join(root, SYSTEMCTL_STATE_DIR), { recursive: true });
  writeFileSync(join(root, SYSTEMCTL_LOG), '');
}
