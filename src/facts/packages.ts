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

/**
 * One installed package as ansible.builtin.package_facts 2.14 reports it: the APT manager's fields
 * (python-apt: name, version, arch, category = section, origin = the first package file's
 * Origin) or the RPM manager's (name, version, release, epoch, arch), plus `source`.
 */
export type PackageInfo = Record<string, string | number | null>;
export type PackageFacts = Record<string, PackageInfo[]>;

const FILES = '__NODEMEND_APT_FILES__';
const POLICY = '__NODEMEND_APT_POLICY__';
const SECTIONS = '__NODEMEND_APT_SECTIONS__';

/**
 * What package_facts' APT manager reads through python-apt, from the tools apt ships instead
 * (no Python on the host): dpkg's status for each package apt counts as installed (a current
 * version: not `not-installed`, not `config-files`), `apt-cache policy` for the origin of the
 * installed version's first package file, in the order python-apt's `origins` lists them, and
 * `apt-cache show NAME=VERSION` for its section: apt's cache takes a version's Section from the
 * first file that lists it, and it reads the apt lists before dpkg's status, so with lists on
 * the host lsb-base 11.6 is "misc" (bookworm's Packages), not "oldlibs" (its status entry).
 * `apt-cache show` prints that record (the first file that is not the status file).
 */
export const APT_PACKAGES_COMMAND =
  // dpkg's status is read once: printed for the table, then the installed NAME=VERSION list from it.
  "native=$(dpkg --print-architecture) && status=$(dpkg-query -W -f '${db:Status-Status}\\t${Package}\\t${Version}\\t${Architecture}\\t${Section}\\n') && " +
  `printf '%s\\n%s\\n${FILES}\\n' "$native" "$status" && LC_ALL=C apt-cache policy && printf '${POLICY}\\n' && ` +
  // python-apt names a package of another architecture name:arch, and so does apt-cache.
  'wanted=$(printf \'%s\\n\' "$status" | awk -F \'\\t\' -v native="$native" \'$1 != "not-installed" && $1 != "config-files" { print (($4 == native || $4 == "all") ? $2 : $2 ":" $4) "=" $3 }\') && ' +
  `printf '%s\\n' "$wanted" | sed 's/=.*//' | LC_ALL=C xargs -r apt-cache policy && printf '${SECTIONS}\\n' && ` +
  // A version apt cannot show (a package half-removed) keeps dpkg's Section: `|| true` ends the pipe's status.
  `{ printf '%s\\n' "$wanted" | LC_ALL=C xargs -r apt-cache show 2>/dev/null | grep -E '^(Package|Architecture|Version|Section):|^$' || true; }`;

export function parseAptPackages(out: string): PackageFacts {
  const [head, files = '', policy = '', shown = ''] = out.split(new RegExp(`^(?:${FILES}|${POLICY}|${SECTIONS})$`, 'm'));
  // The section of each version as apt-cache show prints it: "name arch version" -> Section.
  const sectionOf = new Map<string, string>();
  for (const record of shown.split(/\n\n+/)) {
    const field = (k: string): string | undefined => new RegExp(`^${k}: (.*)$`, 'm').exec(record)?.[1];
    const [p, a, v] = [field('Package'), field('Architecture'), field('Version')];
    if (p && a && v) sectionOf.set(`${p} ${a} ${v}`, field('Section') ?? '');
  }
  const [native, ...status] = head.split('\n');
  // Package files: " 500 URL SUITE/COMP ARCH Packages" then "     release v=..,o=Debian,..."
  const originOf = new Map<string, string>();
  let file: string | undefined;
  for (const line of files.split('\n')) {
    const f = /^ *-?\d+ (\S.*)$/.exec(line);
    if (f) {
      file = f[1];
      originOf.set(file, '');
    } else if (file && /^ +release /.test(line)) originOf.set(file, /(?:^|[ ,])o=([^,]*)/.exec(line.trim().slice('release '.length))?.[1] ?? '');
  }
  // Version tables: "NAME:", " *** VERSION PRIO" (the installed one), then its files "        PRIO FILE".
  const installedOrigin = new Map<string, string>();
  let pkg: string | undefined;
  let inInstalled = false;
  for (const line of policy.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) [pkg, inInstalled] = [head[1], false];
    else if (/^ \*\*\* /.test(line)) inInstalled = true;
    else if (/^ {5}\S/.test(line))
      inInstalled = false; // another version of the table
    else if (inInstalled && pkg && !installedOrigin.has(pkg)) {
      const f = /^ +-?\d+ (\S.*)$/.exec(line);
      if (f) installedOrigin.set(pkg, originOf.get(f[1]) ?? '');
    }
  }
  const out2: PackageFacts = {};
  for (const line of status) {
    const [state, pkgName, version, arch, section] = line.split('\t');
    if (!pkgName || state === 'not-installed' || state === 'config-files') continue;
    // python-apt names a package of another architecture name:arch (apt-cache policy does too)
    const name = arch === native.trim() || arch === 'all' ? pkgName : `${pkgName}:${arch}`;
    const category = sectionOf.get(`${pkgName} ${arch} ${version}`) ?? section ?? '';
    const info = { name, version, arch, category, origin: installedOrigin.get(name) ?? '', source: 'apt' };
    (out2[name] ??= []).push(info);
  }
  return out2;
}

/** The RPM manager's fields (rpm's header tags; an unset EPOCH or ARCH (gpg-pubkey) prints "(none)": python-rpm's None). */
export const RPM_PACKAGES_COMMAND = "rpm -qa --qf '%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{EPOCH}\\t%{ARCH}\\n'";

export function parseRpmPackages(out: string): PackageFacts {
  const pkgs: PackageFacts = {};
  for (const line of out.split('\n')) {
    const [name, version, release, epoch, arch] = line.split('\t');
    if (!name || arch === undefined) continue;
    (pkgs[name] ??= []).push({ name, version, release, epoch: epoch === '(none)' ? null : Number(epoch), arch: arch === '(none)' ? null : arch, source: 'rpm' });
  }
  return pkgs;
}

/** The package managers package_facts reads: whether the host has one, its query and parser. */
export interface PackageManager {
  /** True when the host has it: an rpm-managed system, or dpkg and apt. */
  probe: string;
  command: string;
  parse(out: string): PackageFacts;
}

export const PACKAGE_MANAGERS: Readonly<Record<string, PackageManager>> = {
  rpm: { probe: 'command -v rpm >/dev/null 2>&1 && rpm -q rpm >/dev/null 2>&1', command: RPM_PACKAGES_COMMAND, parse: parseRpmPackages },
  apt: { probe: 'command -v dpkg-query >/dev/null 2>&1 && command -v apt-cache >/dev/null 2>&1', command: APT_PACKAGES_COMMAND, parse: parseAptPackages },
};

/**
 * `ansible_facts.packages` read before (or without) a package_facts task: what package_facts
 * with its defaults (manager auto, strategy first: rpm, else apt) would set; a host with neither
 * gives {}.
 */
export const packageFacts: FactDef<PackageFacts> = {
  name: 'package_facts',
  description: 'Installed packages as package_facts reports them: name -> [{name, version, arch, ...}]',
  command: `if ${PACKAGE_MANAGERS.rpm.probe}; then echo rpm; ${RPM_PACKAGES_COMMAND}; elif ${PACKAGE_MANAGERS.apt.probe}; then echo apt; ${APT_PACKAGES_COMMAND}; fi`,
  parse: (out) => {
    const nl = out.indexOf('\n');
    const m = PACKAGE_MANAGERS[out.slice(0, nl < 0 ? undefined : nl)];
    return m ? m.parse(out.slice(nl + 1)) : {};
  },
};

export default [packages, packageFacts];
