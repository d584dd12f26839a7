/**
 * Where the command/package/service module tests run: the suite's global fleet
 * (test/setup/fleet.ts, the `exec` hosts of its allocation table: node5, node6).
 * NODEMEND_EXEC_FLEET=DIR (with NODEMEND_NO_FLEET=1) uses a fleet brought up with
 * /work/shared/test-fleet/fleet.sh in DIR on ports 26001.. instead, for quick runs.
 * Tests read the hosts' files from the controller.
 */
import { existsSync, readFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ModuleHarness } from '../setup/module-harness.js';
import type { ModuleContext } from '../../src/modules/types.js';

export interface ExecHost {
  name: string;
  port: number;
  key: string;
  knownHosts: string;
  /** The host's "/" as seen from the controller. */
  root: string;
}

const PRIVATE_DIR = process.env.NODEMEND_EXEC_FLEET ?? '/tmp/exec-fleet';
const PRIVATE_BASE = 26000;

/** The reference recipe mounts each root in a private mount namespace: reach it through the host's PID 1. */
function privateRoot(dir: string, name: string): string {
  const merged = join(dir, 'hosts', name, 'merged');
  if (existsSync(join(merged, 'etc', 'hostname'))) return merged;
  const pid = readFileSync(join(dir, 'hosts', name, 'pid'), 'utf8').trim();
  const child = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0];
  return `/proc/${child}/root`;
}

export async function execHosts(): Promise<ExecHost[]> {
  const globalHelpers = join(import.meta.dirname, '..', 'setup', 'fleet.ts');
  if (existsSync(globalHelpers) && !process.env.NODEMEND_EXEC_FLEET) {
    const mod = await import(/* @vite-ignore */ globalHelpers);
    const fleet = mod.testFleet();
    return (mod.HOSTS.exec as string[]).map((name) => {
      const h = fleet.hosts.find((x: { name: string }) => x.name === name);
      return { name, port: h.port, key: fleet.key, knownHosts: fleet.knownHosts, root: mod.hostRoot(name) };
    });
  }
  return [1, 2].map((i) => ({
    name: `node${i}`,
    port: PRIVATE_BASE + i,
    key: join(PRIVATE_DIR, 'keys', 'id_ed25519'),
    knownHosts: join(PRIVATE_DIR, 'known_hosts'),
    root: privateRoot(PRIVATE_DIR, `node${i}`),
  }));
}

export async function openHarness(h: ExecHost, opts: { user?: string; become?: boolean; overrides?: Partial<ModuleContext> } = {}): Promise<ModuleHarness> {
  return new ModuleHarness({ name: h.name, port: h.port, identityFile: h.key, knownHosts: h.knownHosts, user: opts.user, become: opts.become }, opts.overrides).open();
}

/** A fresh remote path per test file run, so parallel runs never collide. */
export function uniquePath(tag: string): string {
  return `/tmp/nm-${tag}-${randomBytes(4).toString('hex')}`;
}

/** Controller-side view of one remote path. */
export function onHost(h: ExecHost, remotePath: string): string {
  return join(h.root, remotePath);
}

export function existsOnHost(h: ExecHost, remotePath: string): boolean {
  try {
    lstatSync(onHost(h, remotePath));
    return true;
  } catch {
    return false;
  }
}
