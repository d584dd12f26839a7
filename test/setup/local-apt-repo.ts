/**
 * Local APT repositories for tests without the internet (the second kind, a signed repository
 * served from the controller, is further down: buildSignedRepo, serveDir).
 *
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
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';

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

// ---------------------------------------------------------------------------------------------
/**
 * A signed APT repository in the layout of a vendor's (download.docker.com/linux/debian:
 * dists/SUITE/InRelease, dists/SUITE/COMPONENT/binary-ARCH/Packages, the packages under pool/, the
 * signing key as an armored file), built on the controller and served over HTTP on 127.0.0.1,
 * which every fleet host reaches (they share the controller's network). For roles that add a
 * vendor's repository and key (`get_url` of the key, then `deb [signed-by=KEY] URL SUITE COMPONENT`)
 * where the fleet has no internet: the same tasks, only the URL points here.
 *
 * The Release file carries what apt 2.6 (Debian 12) checks in a signed repository: Suite, Codename,
 * Date, Architectures, Components and each index's SHA256 and size; InRelease is it clear-signed
 * with a fresh ed25519 key (gpg, in a scratch GNUPGHOME). Packages are dummies built with
 * `dpkg-deb --build`: each names in its description the release it stands in for.
 */
export interface PackageFile {
  path: string;
  content: string;
  mode?: number;
}

/** A dummy package with the files and maintainer script a stand-in needs (built on the controller). */
export interface DummyPackage extends DummyDeb {
  architecture?: string;
  description: string;
  files?: PackageFile[];
  /** A maintainer script run by dpkg after unpacking (`postinst configure`). */
  postinst?: string;
}

export interface SignedRepo {
  /** The repository's root directory (what the URL serves). */
  dir: string;
  /** The armored public key, as the vendor publishes it (`gpg` at the repository's root). */
  key: Buffer;
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** One dummy .deb into `pool`, returned with its Packages stanza (Filename relative to the repository root). */
function buildPackage(root: string, p: DummyPackage): string {
  const arch = p.architecture ?? 'all';
  const tree = mkdtempSync(join(tmpdir(), 'nm-deb-'));
  try {
    const control = [`Package: ${p.name}`, `Version: ${p.version}`, `Architecture: ${arch}`, 'Maintainer: nodemend tests <tests@nodemend.invalid>'];
    if (p.depends) control.push(`Depends: ${p.depends}`);
    control.push(`Description: ${p.description}`);
    mkdirSync(join(tree, 'DEBIAN'), { mode: 0o755 });
    writeFileSync(join(tree, 'DEBIAN/control'), control.join('\n') + '\n');
    if (p.postinst) writeFileSync(join(tree, 'DEBIAN/postinst'), p.postinst, { mode: 0o755 });
    for (const f of p.files ?? []) {
      mkdirSync(dirname(join(tree, f.path)), { recursive: true, mode: 0o755 });
      writeFileSync(join(tree, f.path), f.content, { mode: f.mode ?? 0o644 });
    }
    const rel = `pool/${p.name}_${p.version.replace(/^\d+:/, '')}_${arch}.deb`;
    execFileSync('dpkg-deb', ['--root-owner-group', '--build', tree, join(root, rel)], { stdio: 'pipe' });
    const deb = readFileSync(join(root, rel));
    return `${control.join('\n')}\nFilename: ${rel}\nSize: ${deb.length}\nSHA256: ${sha256(deb)}\n`;
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

/**
 * Where the indexes go: a vendor's archive (`dists/SUITE/COMPONENT/binary-ARCH/Packages`, sources
 * line `deb URL SUITE COMPONENT`), or with `flat` one directory holding Packages, Release and
 * InRelease beside the packages (sources line `deb URL/ /`, as pkgs.k8s.io's OBS repositories are).
 */
export type RepoLayout = { suite: string; component: string; flat?: undefined } | { flat: true };

export type SignedRepoOptions = RepoLayout & {
  arch: string;
  packages: DummyPackage[];
  /** The Release file's Origin and Label (default "nodemend tests"). */
  origin?: string;
  label?: string;
  /** The armored key's file name at the repository's root (default `gpg`, download.docker.com's). */
  keyFile?: string;
};

/** Builds the repository under `dir` (made fresh): packages, Packages, Release, InRelease and the key. */
export function buildSignedRepo(dir: string, o: SignedRepoOptions): SignedRepo {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'pool'), { recursive: true });
  const index = o.flat ? 'Packages' : `${o.component}/binary-${o.arch}/Packages`;
  const dist = o.flat ? dir : join(dir, 'dists', o.suite);
  mkdirSync(dirname(join(dist, index)), { recursive: true });
  const packages = o.packages.map((p) => buildPackage(dir, p)).join('\n');
  writeFileSync(join(dist, index), packages);
  const release = [
    `Origin: ${o.origin ?? 'nodemend tests'}`,
    `Label: ${o.label ?? 'nodemend tests'}`,
    ...(o.flat ? [] : [`Suite: ${o.suite}`, `Codename: ${o.suite}`]),
    `Date: ${new Date().toUTCString().replace('GMT', 'UTC')}`,
    `Architectures: ${o.arch}`,
    ...(o.flat ? [] : [`Components: ${o.component}`]),
    'SHA256:',
    ` ${sha256(packages)} ${Buffer.byteLength(packages)} ${index}`,
  ];
  writeFileSync(join(dist, 'Release'), release.join('\n') + '\n');
  const home = mkdtempSync(join(tmpdir(), 'nm-gnupg-'));
  try {
    const gpg = (...args: string[]): Buffer => execFileSync('gpg', ['--homedir', home, '--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { stdio: 'pipe' });
    gpg('--quick-generate-key', 'nodemend test repository <repo@nodemend.invalid>', 'ed25519', 'sign', 'never');
    gpg('--clearsign', '--output', join(dist, 'InRelease'), join(dist, 'Release'));
    const key = gpg('--armor', '--export');
    writeFileSync(join(dir, o.keyFile ?? 'gpg'), key);
    return { dir, key };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Serves `dir`'s files read-only over HTTP on 127.0.0.1 (a free port); 404 for anything else. */
export async function serveDir(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    try {
      if (path.includes('..')) throw new Error('outside');
      const data = readFileSync(join(dir, path));
      res.setHeader('Content-Length', data.length);
      res.end(req.method === 'HEAD' ? undefined : data);
    } catch {
      res.statusCode = 404;
      res.end('not found\n');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
