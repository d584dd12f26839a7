/**
 * SELinux as Ansible's `selinux` facts report it (ansible-core 2.14.18,
 * module_utils/facts/system/selinux.py, which calls libselinux.so.1 through ctypes:
 * module_utils/compat/selinux.py), read without Python. What libselinux 3.4 answers is
 * reproduced from its source (SELinuxProject/selinux 3.4, libselinux/src):
 * - the library: ctypes' dlopen of libselinux.so.1 (ld.so.cache, then /lib64, /usr/lib64, /lib,
 *   /usr/lib); without it the fact is only `status: Missing selinux Python library`;
 * - enabled (enabled.c, init.c): a selinuxfs is mounted (/sys/fs/selinux, /selinux, else the
 *   first selinuxfs of /proc/mounts, each checked for selinuxfs' magic) and /etc/selinux/config
 *   exists; the mode is its `enforce` (what getenforce, utils/getenforce.c, prints);
 * - `policyvers` (policyvers.c): the selinuxfs' `policyvers`;
 * - `config_mode` (selinux_config.c selinux_getenforcemode): the first line of
 *   /etc/selinux/config starting `SELINUX=`, blanks skipped, value's prefix enforcing /
 *   permissive / disabled (any case); none: `unknown`;
 * - `type` (selinux_config.c init_selinux_config / selinux_getpolicytype): the last
 *   `SELINUXTYPE=` line (any case, leading blanks and comments skipped, trailing blanks cut),
 *   `targeted` when none.
 */
import type { FactDef } from './types.js';
import { quote } from '../transport/quote.js';
import { testSelinuxfs } from '../transport/selinux-label.js';

/**
 * libselinux's init: `sel_mnt` (the selinuxfs, empty when none) and `sel_mode`: Enforcing,
 * Permissive, Disabled (no selinuxfs or no /etc/selinux/config), Unknown (enforce unreadable).
 */
export const SELINUX_RUNTIME_SCRIPT = `sel_mnt=; t=${quote(testSelinuxfs())}
if [ -n "$t" ]; then [ -e "$t/enforce" ] && sel_mnt=$t
else
  for m in /sys/fs/selinux /selinux; do [ "$(stat -f -c %t "$m" 2>/dev/null)" = f97cff8c ] && { sel_mnt=$m; break; }; done
  [ -n "$sel_mnt" ] || sel_mnt=$(awk '$3 == "selinuxfs" { print $2; exit }' /proc/mounts 2>/dev/null)
fi
if [ -n "$sel_mnt" ] && [ -e /etc/selinux/config ]; then
  case $(cat "$sel_mnt/enforce" 2>/dev/null) in 0) sel_mode=Permissive ;; ''|*[!0-9]*) sel_mode=Unknown ;; *) sel_mode=Enforcing ;; esac
else sel_mode=Disabled; fi`;

const LIB_SCRIPT = `lib=0; { /sbin/ldconfig -p || ldconfig -p; } 2>/dev/null | grep -q 'libselinux\\.so\\.1 ' && lib=1
for d in /lib64 /usr/lib64 /lib /usr/lib; do [ -e "$d/libselinux.so.1" ] && lib=1; done
echo "lib=$lib"`;

export interface SelinuxState {
  /** libselinux.so.1 can be loaded. */
  library: boolean;
  /** getenforce's word: Enforcing, Permissive, Disabled (Unknown: an unreadable enforce file). */
  mode: string;
  policyvers?: number;
  /** /etc/selinux/config's text, when it exists. */
  config?: string;
}

/** libselinux's selinux_getenforcemode(): 1, 0, -1, or undefined (rc -1: no such line, no file). */
export function configEnforceMode(config: string | undefined): number | undefined {
  for (const line of (config ?? '').split('\n')) {
    if (!line.startsWith('SELINUX=')) continue;
    const v = line.slice('SELINUX='.length).replace(/^\s+/, '').toLowerCase();
    if (v.startsWith('enforcing')) return 1;
    if (v.startsWith('permissive')) return 0;
    if (v.startsWith('disabled')) return -1;
  }
  return undefined;
}

// eslint-disable-next-line no-control-regex -- libselinux cuts trailing isspace() and iscntrl() characters
const TRAILING_BLANKS = /[\s\x00-\x1f\x7f]+$/;

/** libselinux's selinux_getpolicytype(): the last SELINUXTYPE= of the config, `targeted` without one. */
export function configPolicyType(config: string | undefined): string {
  let type = 'targeted';
  for (const raw of (config ?? '').split('\n')) {
    const line = raw.replace(/^\s+/, '');
    if (line.startsWith('#') || !/^SELINUXTYPE=/i.test(line)) continue;
    type = line.slice('SELINUXTYPE='.length).replace(/^\s+/, '').replace(TRAILING_BLANKS, '');
  }
  return type;
}

export const selinuxState: FactDef<SelinuxState> = {
  name: 'selinux_state',
  description: 'SELinux as libselinux sees it: library present, getenforce mode, policyvers, /etc/selinux/config',
  command: `${LIB_SCRIPT}
${SELINUX_RUNTIME_SCRIPT}
echo "mode=$sel_mode"
[ "$sel_mode" = Disabled ] || echo "policyvers=$(cat "$sel_mnt/policyvers" 2>/dev/null)"
[ -f /etc/selinux/config ] && { printf config=; base64 -w0 < /etc/selinux/config; echo; }`,
  parse: (out) => {
    const kv = new Map(out.split('\n').flatMap((l) => (/^\w+=/.test(l) ? [[l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const] : [])));
    const vers = kv.get('policyvers');
    return {
      library: kv.get('lib') === '1',
      mode: kv.get('mode') || 'Disabled',
      policyvers: vers && /^\d+$/.test(vers) ? Number(vers) : undefined,
      config: kv.has('config') ? Buffer.from(kv.get('config')!, 'base64').toString('utf8') : undefined,
    };
  },
};

const MODE: Record<string, string> = { '1': 'enforcing', '0': 'permissive', '-1': 'disabled' };

/** The `selinux` fact (selinux.py's collect()): status, and with SELinux enabled its mode, config_mode, policyvers and type. */
export function selinuxFact(s: SelinuxState): Record<string, unknown> {
  if (!s.library) return { status: 'Missing selinux Python library' };
  if (s.mode === 'Disabled') return { status: 'disabled' };
  const configMode = configEnforceMode(s.config);
  return {
    status: 'enabled',
    policyvers: s.policyvers ?? 'unknown',
    config_mode: configMode === undefined ? 'unknown' : MODE[configMode],
    mode: s.mode === 'Enforcing' ? 'enforcing' : s.mode === 'Permissive' ? 'permissive' : 'unknown',
    type: configPolicyType(s.config),
  };
}

export default [selinuxState];
