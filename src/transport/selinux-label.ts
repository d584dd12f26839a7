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
 * Shell function `seon` (needs `tsfs`): succeeds where SELinux is enabled as libselinux judges
 * it (above), leaving the selinuxfs in `$sefs`; builtins only, so a host without SELinux pays no process.
 */
export const SELINUX_ENABLED_FN = `seon() { [ -e /etc/selinux/config ] || return 1
  if [ -n "$tsfs" ]; then sefs=$tsfs; [ -e "$sefs/enforce" ]; return; fi
  for sefs in /sys/fs/selinux /selinux; do [ -f "$sefs/enforce" ] && return 0; done; return 1; }
`;

/**
 * Shell function `sl DEST TEMP` (needs `seon`): where SELinux is
 * enabled, TEMP gets DEST's label, or DEST's default label when DEST does not exist. Fails
 * only when chcon refuses a label (Ansible: "invalid selinux context").
 */
export const SELINUX_LABEL_FN = `sl() { seon || return 0
  if [ -e "$1" ]; then c=$(stat -c %C -- "$1" 2>/dev/null) || c=
  else c=$(matchpathcon -n -- "$1" 2>/dev/null) || c=; fi
  case $c in ''|'?'|'<<none>>') return 0 ;; esac
  chcon -- "$c" "$2"; }
`;

/**
 * Shell: what a probe says of SELinux, in `$sei` (one word): "-" where it is disabled, else
 * is_selinux_mls_enabled (the selinuxfs' `mls`, 0/1) followed by the default label of "$q" when
 * `$sedef` is 1 (matchpathcon, mode 0, as load_file_common_arguments asks; "-" for none), else "-".
 * The kernel writes `mls` without a newline, so read's status is not the answer, its value is.
 */
export const SELINUX_PROBE_SH = `sei=-; if seon; then m=; read -r m < "$sefs/mls" 2>/dev/null; [ "$m" = 1 ] || m=0; sdc=-
  if [ "$sedef" = 1 ]; then sdc=$(matchpathcon -n -- "$q" 2>/dev/null) || sdc=-; case $sdc in ''|*' '*|'<<none>>') sdc=- ;; esac; fi
  sei=$m$sdc; fi
`;

/** What a probe learnt of SELinux on an enabled host (absent: SELinux is disabled there). */
export interface SelinuxInfo {
  mls: boolean;
  /** matchpathcon's default label of the path, when asked for and the policy has one. */
  defaultContext?: string;
}

export function parseSelinuxInfo(word: string | undefined): SelinuxInfo | undefined {
  if (!word || word === '-') return undefined;
  const def = word.slice(1);
  return { mls: word[0] === '1', defaultContext: def && def !== '-' ? def : undefined };
}

/** Ansible's SELinux file arguments (FILE_COMMON_ARGUMENTS), in the order of a context's parts. */
export const SE_ARGS = ['seuser', 'serole', 'setype', 'selevel'] as const;
export type SeArgs = Partial<Record<(typeof SE_ARGS)[number], string>>;
const CHCON_FLAGS = ['-u', '-r', '-t', '-l'] as const;

/** A context split as basic.py splits it: at most four parts, the level keeps its own colons. */
export function contextParts(context: string): string[] {
  const p = context.split(':');
  return p.length > 4 ? [...p.slice(0, 3), p.slice(3).join(':')] : p;
}

/**
 * The parts a task asks for, as load_file_common_arguments makes them: user, role, type, and the
 * level only where the policy is MLS; `_default` becomes the default label's part (none: keep
 * the current one). undefined: nothing asked, or SELinux disabled (Ansible then ignores them).
 */
export function wantedContext(a: SeArgs, se: SelinuxInfo | undefined): (string | undefined)[] | undefined {
  if (!se || SE_ARGS.every((k) => a[k] === undefined)) return undefined;
  const def = se.defaultContext ? contextParts(se.defaultContext) : [];
  const parts = SE_ARGS.slice(0, se.mls ? 4 : 3).map((k, i) => (a[k] === '_default' ? def[i] : a[k]));
  return parts.some((p) => p !== undefined) ? parts : undefined;
}

/**
 * set_context_if_different: the context `current` (stat's %C; "?" for none) becomes with the
 * wanted parts, or null when it already has them. `chcon`: chcon's arguments before the path.
 */
export function contextChange(current: string, wanted: (string | undefined)[]): { before: string; after: string; chcon: string[] } | null {
  const cur = current === '?' ? [] : contextParts(current);
  const next = [...cur];
  if (wanted.every((w, i) => w === undefined || w === cur[i])) return null;
  wanted.forEach((w, i) => {
    if (w !== undefined) next[i] = w;
  });
  const whole = cur.length >= wanted.length && next.every((p) => p !== undefined);
  for (let i = 0; i < next.length; i++) next[i] ??= '?';
  return { before: current, after: next.join(':'), chcon: whole ? ['--', next.join(':')] : chconArgs(wanted) };
}

/**
 * chcon's arguments before the path for the wanted parts: the whole context when every part is
 * given (chcon takes -u/-r/-t/-l only as changes to a label the file already has), else one
 * option per part, merged on the host with the label the file has then (a new file: after `sl`).
 */
export function chconArgs(wanted: (string | undefined)[] | undefined): string[] {
  if (!wanted?.length) return [];
  if (wanted.every((w) => w !== undefined)) return ['--', wanted.join(':')];
  const args: string[] = [];
  wanted.forEach((w, i) => {
    if (w !== undefined) args.push(CHCON_FLAGS[i], w);
  });
  return [...args, '--'];
}
