/**
 * Where the file-module tests run: the suite's global fleet (test/setup/fleet.ts,
 * hosts node3-node4 per its allocation table) when it exists, else the private
 * fleet of the files work (/tmp/files-fleet, ports 25001..), brought up by
 * /work/shared/test-fleet/fleet.sh. Tests read the hosts' files from the controller.
 */
import { existsSync, readFileSync, statSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ModuleHarness } from '../setup/module-harness.js';

export interface FilesHost {
  name: string;
  port: number;
  key: string;
  /** The host's "/" as seen from the controller. */
  root: string;
}

const PRIVATE_DIR = process.env.NODEMEND_FILES_FLEET ?? '/tmp/files-fleet';
const PRIVATE_BASE = 25000;

/** The reference recipe mounts each root in a private namespace: reach it through its PID 1. */
function privateRoot(dir: string, name: string): string {
  const merged = join(dir, 'hosts', name, 'merged');
  if (existsSync(join(merged, 'etc', 'hostname'))) return merged;
  const pid = readFileSync(join(dir, 'hosts', name, 'pid'), 'utf8').trim();
  const child = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0];
  return `/proc/${child}/root`;
}

export async function filesHosts(): Promise<FilesHost[]> {
  const globalHelpers = join(import.meta.dirname, '..', 'setup', 'fleet.ts');
  if (existsSync(globalHelpers) && !process.env.NODEMEND_FILES_FLEET) {
    const mod = await import(/* @vite-ignore */ globalHelpers);
    const fleet = mod.testFleet();
    return ['node3', 'node4'].map((name) => {
      const h = fleet.hosts.find((x: { name: string }) => x.name === name);
      return { name, port: h.port, key: fleet.key, root: mod.hostRoot(name) };
    });
  }
  return [1, 2].map((i) => ({
    name: `node${i}`,
    port: PRIVATE_BASE + i,
    key: join(PRIVATE_DIR, 'keys', 'id_ed25519'),
    root: privateRoot(PRIVATE_DIR, `node${i}`),
  }));
}

export async function openHarness(h: FilesHost, opts: { user?: string; become?: boolean } = {}): Promise<ModuleHarness> {
  return new ModuleHarness({ name: h.name, port: h.port, identityFile: h.key, user: opts.user, become: opts.become }).open();
}

/** A fresh remote directory name per test file run, so parallel runs never collide. */
export function uniqueDir(tag: string): string {
  return `/tmp/nm-${tag}-${randomBytes(4).toString('hex')}`;
}

/** Controller-side view of one remote path. */
export function onHost(h: FilesHost, remotePath: string): string {
  return join(h.root, remotePath);
}

export interface Snapshot {
  exists: boolean;
  bytes?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtimeMs?: number;
  link?: string;
}

/** Everything a check run must leave untouched, read from the controller. */
export function snapshot(h: FilesHost, remotePath: string): Snapshot {
  const p = onHost(h, remotePath);
  let st;
  try {
    st = lstatSync(p);
  } catch {
    return { exists: false };
  }
  if (st.isSymbolicLink()) return { exists: true, link: readlinkSync(p), mode: st.mode, uid: st.uid, gid: st.gid, mtimeMs: st.mtimeMs };
  const bytes = st.isFile() ? readFileSync(p).toString('base64') : undefined;
  return { exists: true, bytes, mode: st.mode, uid: st.uid, gid: st.gid, mtimeMs: st.mtimeMs };
}

export function modeOf(h: FilesHost, remotePath: string): string {
  return (statSync(onHost(h, remotePath)).mode & 0o7777).toString(8).padStart(4, '0');
}

export function readOnHost(h: FilesHost, remotePath: string): string {
  return readFileSync(onHost(h, remotePath), 'utf8');
}

/** Run with a connection that counts remote execs (plan and apply each should cost one). */
export async function countExecs<T>(hx: ModuleHarness, fn: () => Promise<T>): Promise<{ value: T; execs: number }> {
  const real = hx.conn.as({ user: 'root', method: 'sudo' });
  let execs = 0;
  const saved = hx.overrides.conn;
  hx.overrides.conn = { hostName: real.hostName, exec: (c, o) => (execs++, real.exec(c, o)) };
  try {
    return { value: await fn(), execs };
  } finally {
    if (saved) hx.overrides.conn = saved;
    else delete hx.overrides.conn;
  }
}
