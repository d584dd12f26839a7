/**
 * The EL7 stand-ins' state (test/fixtures/el7: rpm 4.11.3, yum 3.4.3): an rpm database as files,
 * one per installed package named by its NVRA, and its changelog, in the layout the stand-ins
 * read (their headers describe it). Written from the controller into a directory that is the
 * stand-ins' NM_RPMDB (a local dir in unit tests, a fleet host's /var/lib/nm-standin/rpmdb).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const EL7_FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'el7');

export interface RpmPackage {
  name: string;
  epoch?: number;
  version: string;
  release: string;
  arch?: string;
}

export interface ChangelogEntry {
  /** The entry's day, as a spec file's %changelog gives it ("2019-07-02"); rpm stores noon UTC. */
  day: string;
  /** CHANGELOGNAME: "Jan Stancek <jstancek@redhat.com> [3.10.0-1062.el7]". */
  name: string;
  lines: string[];
}

export const nvra = (p: RpmPackage): string => `${p.name}-${p.version}-${p.release}.${p.arch ?? 'x86_64'}`;

/** Adds a package (and its changelog, newest entry first) to the stand-in rpm database in `db`. */
export function installRpm(db: string, p: RpmPackage, changelog: ChangelogEntry[] = []): void {
  mkdirSync(db, { recursive: true });
  const fields = [`NAME=${p.name}`, `EPOCH=${p.epoch ?? ''}`, `VERSION=${p.version}`, `RELEASE=${p.release}`, `ARCH=${p.arch ?? 'x86_64'}`];
  writeFileSync(join(db, nvra(p)), fields.join('\n') + '\n');
  if (changelog.length) {
    const text = changelog.map((e) => [`@${Date.parse(`${e.day}T12:00:00Z`) / 1000} ${e.name}`, ...e.lines].join('\n')).join('\n');
    writeFileSync(join(db, `${nvra(p)}.changelog`), text + '\n');
  }
}

export interface RepoPackage extends RpmPackage {
  requires?: string[];
  conflicts?: string[];
  /** The repository's id (the stand-in yum's REPOID=, "base" when unset): check-update's third column. */
  repo?: string;
  /** Files the package installs: path under / -> [content, mode]. */
  files?: Record<string, [string, number]>;
}

/** Adds a package to the stand-in yum's repository in `repo` (its files in NVRA.files/). */
export function publishRpm(repo: string, p: RepoPackage): void {
  mkdirSync(repo, { recursive: true });
  const fields = [`NAME=${p.name}`, `EPOCH=${p.epoch ?? ''}`, `VERSION=${p.version}`, `RELEASE=${p.release}`, `ARCH=${p.arch ?? 'x86_64'}`];
  fields.push(`REQUIRES=${(p.requires ?? []).join(' ')}`, `CONFLICTS=${(p.conflicts ?? []).join(' ')}`);
  if (p.repo) fields.push(`REPOID=${p.repo}`);
  writeFileSync(join(repo, nvra(p)), fields.join('\n') + '\n');
  for (const [path, [content, mode]] of Object.entries(p.files ?? {})) {
    const f = join(repo, `${nvra(p)}.files`, path);
    mkdirSync(join(f, '..'), { recursive: true });
    writeFileSync(f, content, { mode });
  }
}

/**
 * What an EL7 builder with kernel-devel, kernel-debuginfo(-common), yum-utils, rpm-build,
 * elfutils-libelf-devel, patch and the kernel's gcc has for each kernel, as the prerequisite
 * check of playbooks/tasks/kpatch-build-el7.yaml looks for it: under `sysroot` (a path on the
 * host whose "/" is `root` on the controller) the kernel-devel Makefile, the debuginfo source
 * dir, and a vmlinux that is an object built by the host's own gcc (its .comment names that
 * gcc, as a real vmlinux names the one that built it); yumdownloader / rpmbuild only present
 * in `binDir` (the kpatch-build stand-in takes its source from its fixture, never runs them).
 */
export function plantKpatchEl7Prereqs(root: string, sysroot: string, binDir: string, kernels: string[]): void {
  const r = join(root, sysroot);
  for (const k of kernels) {
    mkdirSync(join(r, 'usr/src/kernels', k), { recursive: true });
    writeFileSync(join(r, 'usr/src/kernels', k, 'Makefile'), 'VERSION = 3\n');
    mkdirSync(join(r, 'usr/src/debug', `kernel-${k.replace(/\.[^.]*$/, '')}`), { recursive: true });
    const debug = join('usr/lib/debug/lib/modules', k);
    mkdirSync(join(r, debug), { recursive: true });
    writeFileSync(join(r, debug, 'vmlinux.c'), 'int linux_banner;\n');
    execFileSync('chroot', [root, 'gcc', '-c', '-o', `${sysroot}/${debug}/vmlinux`, `${sysroot}/${debug}/vmlinux.c`]);
  }
  mkdirSync(join(r, 'usr/include'), { recursive: true });
  writeFileSync(join(r, 'usr/include/gelf.h'), '/* elfutils-libelf-devel */\n');
  mkdirSync(join(root, binDir), { recursive: true });
  for (const tool of ['yumdownloader', 'rpmbuild'])
    writeFileSync(join(root, binDir, tool), `#!/bin/sh\n# presence of ${tool} (yum-utils / rpm-build on EL7); never run by the stand-in build\nexit 0\n`, { mode: 0o755 });
}
