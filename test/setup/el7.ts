/**
 * The EL7 stand-ins' state (test/fixtures/el7: rpm 4.11.3, yum 3.4.3): an rpm database as files,
 * one per installed package named by its NVRA, and its changelog, in the layout the stand-ins
 * read (their headers describe it). Written from the controller into a directory that is the
 * stand-ins' NM_RPMDB (a local dir in unit tests, a fleet host's /var/lib/nm-standin/rpmdb).
 */
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
  /** Files the package installs: path under / -> [content, mode]. */
  files?: Record<string, [string, number]>;
}

/** Adds a package to the stand-in yum's repository in `repo` (its files in NVRA.files/). */
export function publishRpm(repo: string, p: RepoPackage): void {
  mkdirSync(repo, { recursive: true });
  const fields = [`NAME=${p.name}`, `EPOCH=${p.epoch ?? ''}`, `VERSION=${p.version}`, `RELEASE=${p.release}`, `ARCH=${p.arch ?? 'x86_64'}`];
  fields.push(`REQUIRES=${(p.requires ?? []).join(' ')}`, `CONFLICTS=${(p.conflicts ?? []).join(' ')}`);
  writeFileSync(join(repo, nvra(p)), fields.join('\n') + '\n');
  for (const [path, [content, mode]] of Object.entries(p.files ?? {})) {
    const f = join(repo, `${nvra(p)}.files`, path);
    mkdirSync(join(f, '..'), { recursive: true });
    writeFileSync(f, content, { mode });
  }
}
