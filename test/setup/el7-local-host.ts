/**
 * A host for unit tests of the yum path: a local shell whose PATH runs the EL7 stand-ins
 * (test/fixtures/el7: yum 3.4.3, rpm 4.11.3), with its own rpm database and repository in a temp
 * directory, and a ModuleContext whose exec runs commands there (what each one ran is recorded).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModuleContext } from '../../src/modules/types.js';
import type { ExecResult } from '../../src/transport/types.js';
import { EL7_FIXTURES, installRpm, publishRpm, type RepoPackage, type RpmPackage } from './el7.js';

export interface LocalEl7Host {
  /** A module context on this host, in check mode or not. */
  ctx: (check?: boolean) => ModuleContext;
  /** Every command the context's exec ran, in order. */
  commands: string[];
  /** Runs a command in the host's shell directly (not recorded). */
  sh: (cmd: string) => SpawnSyncReturns<string>;
  /** The installed packages' NVRAs, sorted. */
  rpmdb: () => string[];
  /** Removes the host's directory. */
  remove: () => void;
}

/** A host with `repo` in its repository and `installed` in its rpm database. */
export function localEl7Host(repo: RepoPackage[], installed: RpmPackage[]): LocalEl7Host {
  const dir = mkdtempSync(join(tmpdir(), 'nm-el7host-'));
  const [db, repoDir] = [join(dir, 'rpmdb'), join(dir, 'repo')];
  for (const p of repo) publishRpm(repoDir, p);
  for (const p of installed) installRpm(db, p);
  const env = { ...process.env, PATH: `${EL7_FIXTURES}:${process.env.PATH}`, NM_RPMDB: db, NM_YUMREPO: repoDir };
  const commands: string[] = [];
  const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { env, encoding: 'utf8' });
  const ctx = (check = false) =>
    ({
      host: 'el7',
      check,
      diff: false,
      vars: {},
      timeoutSec: 60,
      facts: { get: async (n: string) => (n === 'pkg_mgr' ? 'yum' : undefined), invalidate: () => undefined },
      conn: {
        hostName: 'el7',
        exec: async (cmd: unknown) => {
          commands.push(String(cmd));
          const r = sh(String(cmd));
          return { rc: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, stdoutBytes: Buffer.from(r.stdout) } as ExecResult;
        },
      },
    }) as unknown as ModuleContext;
  return { ctx, commands, sh, rpmdb: () => readdirSync(db).sort(), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
