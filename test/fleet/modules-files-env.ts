/**
 * Where the file-module tests run: the suite's fleet (test/setup/fleet.ts), on the hosts its
 * allocation table gives the file modules (node3, node4), every test under a unique path.
 * Tests read and write the hosts' files from the controller through hostRoot().
 */
import { readFileSync, statSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ModuleHarness } from '../setup/module-harness.js';
import { HOSTS, fleetHost, hostRoot, testFleet } from '../setup/fleet.js';

export interface FilesHost {
  name: string;
  port: number;
  key: string;
  /** The host's "/" as seen from the controller. */
  root: string;
}

export async function filesHosts(): Promise<FilesHost[]> {
  const { key } = testFleet();
  return HOSTS.files.map((name) => ({ name, port: fleetHost(name).port, key, root: hostRoot(name) }));
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
