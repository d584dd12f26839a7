/**
 * A local APT repository on a fleet host, for tests that need apt to really install, upgrade and
 * downgrade packages without the internet: tiny dummy packages (one file each, Architecture: all)
 * built on the host with `dpkg-deb --build`, published as a flat repository (`deb [trusted=yes]
 * file:DIR ./`) whose Packages index is written here: for each .deb its control stanza
 * (`dpkg-deb -f`) plus Filename, Size and SHA256, the fields apt's flat-repository reader needs.
 * The fleet image has no apt-ftparchive (apt-utils) nor dpkg-scanpackages (dpkg-dev), so this is
 * what both would write for these packages, without installing either.
 *
 *   await plantLocalAptRepo('node39', { dir: '/srv/nm-x', list: 'nm-x', debs: [{ name: 'nm-x-dummy', version: '1.0-1' }, ...] });
 *
 * Several versions of one package can be published side by side (file NAME_VERSION_all.deb), so
 * `apt-cache policy` shows them all and `NAME=VERSION` installs any of them. Only the repository's
 * own source is refreshed (`apt-get update` with that one sources file): the host's other lists
 * are left as they are. Each dummy package installs /usr/share/doc/NAME/VERSION holding VERSION.
 * Python's apt bindings (python3-apt), which Ansible's apt module needs, are installed with
 * `ansiblePythonApt`.
 */
import { sh } from '../../src/transport/quote.js';
import { onHostAsRoot } from './fleet.js';

export interface DummyDeb {
  name: string;
  /** Debian version: [epoch:]upstream[-revision]. */
  version: string;
  /** A Depends: field, e.g. "nm-x-lib (>= 1.0)". */
  depends?: string;
}

export interface LocalAptRepo {
  /** Directory on the host that is the flat repository (made fresh). */
  dir: string;
  /** Name of the sources file: /etc/apt/sources.list.d/LIST.list. */
  list: string;
  debs: DummyDeb[];
}

export const sourceLine = (dir: string): string => `deb [trusted=yes] file:${dir} ./`;
export const sourcesFile = (list: string): string => `/etc/apt/sources.list.d/${list}.list`;

/** The shell script that builds the packages and the index under `repo.dir` and adds the source. */
export function localAptRepoScript(repo: LocalAptRepo): string {
  const build = repo.debs.map((d) => {
    const file = `${d.name}_${d.version.replace(/^\d+:/, '')}_all.deb`;
    const control = [`Package: ${d.name}`, `Version: ${d.version}`, 'Architecture: all', 'Maintainer: nodemend tests <t@example.org>'];
    if (d.depends) control.push(`Depends: ${d.depends}`);
    control.push(`Description: dummy package for nodemend's tests (${d.name} ${d.version})`);
    return String(sh`t=$(mktemp -d) && chmod 0755 "$t" && mkdir -p "$t/DEBIAN" "$t/usr/share/doc/"${d.name}
printf '%s\\n' ${control} > "$t/DEBIAN/control"
printf '%s\\n' ${d.version} > "$t/usr/share/doc/"${d.name}/${d.version.replace(/[:/]/g, '_')}
dpkg-deb --root-owner-group --build "$t" ${file} >/dev/null && rm -rf "$t"
{ dpkg-deb -f ${file}; printf 'Filename: ./%s\\nSize: %s\\nSHA256: %s\\n\\n' ${file} "$(stat -c %s ${file})" "$(sha256sum ${file} | cut -d ' ' -f 1)"; } >> Packages`);
  });
  return [
    'set -e',
    String(sh`rm -rf ${repo.dir} && mkdir -p ${repo.dir} && cd ${repo.dir} && : > Packages`),
    ...build,
    String(sh`printf '%s\\n' ${sourceLine(repo.dir)} > ${sourcesFile(repo.list)}`),
    refreshScript(repo.list),
  ].join('\n');
}

/** `apt-get update` of the repository's own sources file only (the host's other lists untouched). */
export function refreshScript(list: string): string {
  return String(sh`apt-get -q -o DPkg::Lock::Timeout=120 -o Dir::Etc::sourcelist=${sourcesFile(list)} -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 update >/dev/null`);
}

/** Builds and publishes the repository on `host` and refreshes apt's view of it. */
export async function plantLocalAptRepo(host: string, repo: LocalAptRepo): Promise<void> {
  await onHostAsRoot(host, localAptRepoScript(repo));
}

/** Removes the repository, its source and apt's list of it (purge the packages first). */
export async function removeLocalAptRepo(host: string, repo: Pick<LocalAptRepo, 'dir' | 'list'>): Promise<void> {
  await onHostAsRoot(host, String(sh`rm -rf ${repo.dir} ${sourcesFile(repo.list)}; rm -f /var/lib/apt/lists/*${repo.dir.replace(/\//g, '_')}*; true`));
}

const APT_GET = 'DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=120 --no-install-recommends';

/** python3-apt, which Ansible's apt module needs on the host (nodemend needs none). */
export async function ansiblePythonApt(host: string): Promise<void> {
  await onHostAsRoot(host, `dpkg -s python3-apt >/dev/null 2>&1 || ${APT_GET} install python3-apt >/dev/null 2>&1 || { apt-get update -q >/dev/null && ${APT_GET} install python3-apt >/dev/null; }`);
}
