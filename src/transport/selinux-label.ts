/**
 * Replacing a file keeps its SELinux label, as ansible-core 2.14's atomic_move does
 * (module_utils/basic.py): where SELinux is enabled (selinux_enabled), the label of the file
 * being replaced (selinux_context: lgetfilecon_raw), or for a new file the policy's default
 * for its path (selinux_default_context: matchpathcon with mode 0; none found: the file keeps
 * the label it was created with), is what the file has after the rename
 * (set_context_if_different). nodemend labels its temp file before the rename, so the file
 * never appears under its name with another label.
 *
 * Read as libselinux 3.4 reads it (SELinuxProject/selinux 3.4, libselinux/src): enabled means
 * a selinuxfs at /sys/fs/selinux or /selinux (init.c; the /proc/mounts fallback for one mounted
 * elsewhere is not followed) and /etc/selinux/config exists (enabled.c); a label is the
 * `security.selinux` xattr, read by coreutils' `stat -c %C` (lgetfilecon) and written by
 * `chcon` (lsetfilecon); the default by `matchpathcon -n` (libselinux-utils / selinux-utils,
 * utils/matchpathcon.c: the last matching file_contexts entry, `<<none>>` when none).
 * With SELinux disabled the function costs no process: shell tests only.
 */

/**
 * The selinuxfs of a host with no SELinux kernel: the fleet's hosts share a kernel without SELinux,
 * so the differential test points this at its stand-in's directory (test/setup/system-standins.ts)
 * and nodemend takes that directory for the mounted selinuxfs; nothing else sets it (README, selinux).
 */
export const testSelinuxfs = (): string => process.env.NODEMEND_TEST_SELINUXFS ?? '';

/**
 * Shell function `sl DEST TEMP` (needs `tsfs`, the test selinuxfs or empty): where SELinux is
 * enabled, TEMP gets DEST's label, or DEST's default label when DEST does not exist. Fails
 * only when chcon refuses a label (Ansible: "invalid selinux context").
 */
export const SELINUX_LABEL_FN = `sl() { [ -e /etc/selinux/config ] || return 0
  if [ -n "$tsfs" ]; then [ -e "$tsfs/enforce" ] || return 0
  else [ -f /sys/fs/selinux/enforce ] || [ -f /selinux/enforce ] || return 0; fi
  if [ -e "$1" ]; then c=$(stat -c %C -- "$1" 2>/dev/null) || c=
  else c=$(matchpathcon -n -- "$1" 2>/dev/null) || c=; fi
  case $c in ''|'?'|'<<none>>') return 0 ;; esac
  chcon -- "$c" "$2"; }
`;
