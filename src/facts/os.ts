import type { FactDef } from './types.js';

/** /etc/os-release as a map; every OS fact below, and ansible.ts's os_release, derives from it. */
export function osRelease(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2].replace(/^["']|["']$/g, '');
  }
  return out;
}

const FAMILY: Record<string, string> = {
  debian: 'Debian',
  ubuntu: 'Debian',
  rhel: 'RedHat',
  centos: 'RedHat',
  fedora: 'RedHat',
  rocky: 'RedHat',
  almalinux: 'RedHat',
  ol: 'RedHat',
  amzn: 'RedHat',
  sles: 'Suse',
  opensuse: 'Suse',
};

export const OS_RELEASE_CMD = 'cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release';

export const distribution: FactDef<string> = {
  name: 'distribution',
  description: 'Distribution id from /etc/os-release (debian, centos, rhel, ubuntu...)',
  command: OS_RELEASE_CMD,
  parse: (out) => osRelease(out).ID ?? 'unknown',
};

export const distributionVersion: FactDef<string> = {
  name: 'distribution_version',
  description: 'VERSION_ID from /etc/os-release ("12", "7")',
  command: OS_RELEASE_CMD,
  parse: (out) => osRelease(out).VERSION_ID ?? '',
};

export const osFamily: FactDef<string> = {
  name: 'os_family',
  description: 'Debian, RedHat or Suse (from ID and ID_LIKE)',
  command: OS_RELEASE_CMD,
  parse: (out) => {
    const r = osRelease(out);
    for (const id of [r.ID, ...(r.ID_LIKE ?? '').split(/\s+/)]) if (id && FAMILY[id]) return FAMILY[id];
    return 'unknown';
  },
};

export const pkgMgr: FactDef<string> = {
  name: 'pkg_mgr',
  description: 'Package manager found on the host: apt, dnf or yum',
  command: 'for m in apt-get dnf yum; do command -v $m >/dev/null 2>&1 && { echo $m; exit 0; }; done; echo none',
  parse: (out) => ({ 'apt-get': 'apt', dnf: 'dnf', yum: 'yum' })[out.trim()] ?? 'none',
};

export const serviceMgr: FactDef<string> = {
  name: 'service_mgr',
  description: 'systemd when it runs as PID 1, else sysvinit',
  command: '[ -d /run/systemd/system ] && echo systemd || echo sysvinit',
  parse: (out) => out.trim(),
};

export const hostname: FactDef<string> = {
  name: 'hostname',
  description: "The host's own hostname",
  command: 'hostname 2>/dev/null || cat /etc/hostname',
  parse: (out) => out.trim(),
};

export default [distribution, distributionVersion, osFamily, pkgMgr, serviceMgr, hostname];
