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
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';

export interface PackageFile {
  path: string;
  content: string;
  mode?: number;
}

export interface DummyPackage {
  name: string;
  /** Debian version: [epoch:]upstream[-revision]. */
  version: string;
  architecture?: string;
  depends?: string;
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

/** Builds the repository under `dir` (made fresh): packages, Packages, Release, InRelease and the key. */
export function buildSignedRepo(dir: string, o: { suite: string; component: string; arch: string; packages: DummyPackage[] }): SignedRepo {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'pool'), { recursive: true });
  const index = `${o.component}/binary-${o.arch}/Packages`;
  const dist = join(dir, 'dists', o.suite);
  mkdirSync(dirname(join(dist, index)), { recursive: true });
  const packages = o.packages.map((p) => buildPackage(dir, p)).join('\n');
  writeFileSync(join(dist, index), packages);
  const release = [
    'Origin: nodemend tests',
    'Label: nodemend tests',
    `Suite: ${o.suite}`,
    `Codename: ${o.suite}`,
    `Date: ${new Date().toUTCString().replace('GMT', 'UTC')}`,
    `Architectures: ${o.arch}`,
    `Components: ${o.component}`,
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
    writeFileSync(join(dir, 'gpg'), key);
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
