import type { FactDef } from './types.js';

/**
 * Installed packages and their versions, from rpm or dpkg: `facts.packages['docker-ce']`
 * → "18.09.1-3.el7" (rpm: version-release, epoch dropped as `yum list` shows it;
 * dpkg: the full Debian version). One query of the package database, only when a
 * task reads it; the package module forgets it after a change.
 */
export const packages: FactDef<Record<string, string>> = {
  name: 'packages',
  description: 'Installed packages: name -> version (rpm or dpkg)',
  command:
    "if command -v rpm >/dev/null 2>&1 && rpm -q rpm >/dev/null 2>&1; then rpm -qa --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\tii\\n'; " +
    "elif command -v dpkg-query >/dev/null 2>&1; then dpkg-query -W -f '${Package}\\t${Version}\\t${db:Status-Abbrev}\\n'; fi",
  parse: (out) => parsePackageList(out),
};

export function parsePackageList(out: string): Record<string, string> {
  const pkgs: Record<string, string> = Object.create(null);
  for (const line of out.split('\n')) {
    const [name, version, status] = line.split('\t');
    // dpkg lists removed-but-configured packages too ("rc"): only "ii" is installed
    if (name && version && status?.startsWith('ii') && !(name in pkgs)) pkgs[name] = version;
  }
  return { ...pkgs };
}

export default [packages];
