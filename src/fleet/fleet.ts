/**
 * A fleet is a directory: keys/, known_hosts, inventory.yaml, fleet.json and one
 * hosts/NAME dir per host. up() is safe to repeat: running hosts are left alone,
 * leftovers of a crash are cleaned, and all hosts start at once.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FleetError, run } from './proc.js';
import { ensureRootfs } from './rootfs.js';
import { unmountUnder, removeTree } from './mounts.js';
import { hostKeyPub, hostRoot, hostStatus, launchHost, prepareHost, readMeta, removeHost, stopHost, unmountRoot, type HostMeta, type HostStatus } from './hosts.js';
import { inventoryYaml, knownHostsLine, writeFileAtomic } from './inventory.js';

export const DEFAULT_DIR = '.fleet';
export const DEFAULT_BASE_PORT = 22200;

export interface FleetHost {
  name: string;
  port: number;
  /** The host's "/" on the controller. */
  root: string;
}

export interface FleetInfo {
  dir: string;
  inventoryPath: string;
  knownHosts: string;
  /** Private key that logs in as root, ops and opspw. */
  key: string;
  rootfs: string;
  hosts: FleetHost[];
}

export interface UpOptions {
  dir?: string;
  basePort?: number;
  /** Throw away every host's state (files, host keys) first. */
  fresh?: boolean;
  log?: (line: string) => void;
}

export function fleetDir(dir: string = DEFAULT_DIR): string {
  const abs = resolve(dir);
  // overlayfs options are comma/colon separated: such a path can't be passed as lowerdir/upperdir.
  if (/[,:\s\\]/.test(abs)) throw new FleetError(`fleet dir "${abs}" must not contain commas, colons, backslashes or spaces`);
  return abs;
}

const keyPath = (dir: string): string => join(dir, 'keys', 'id_ed25519');

function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new FleetError('the test fleet needs root (it mounts overlays and creates namespaces)');
}

/** Host names present in the dir, in node order. */
export function hostNames(dir: string): string[] {
  const hostsDir = join(dir, 'hosts');
  if (!existsSync(hostsDir)) return [];
  const num = (n: string): number => Number(/(\d+)$/.exec(n)?.[1] ?? 0);
  return readdirSync(hostsDir).sort((a, b) => num(a) - num(b) || a.localeCompare(b));
}

async function ensureClientKey(dir: string): Promise<string> {
  const key = keyPath(dir);
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  if (!existsSync(key) || !existsSync(`${key}.pub`)) {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'nodemend-fleet', '-f', key], { input: 'y\n' });
  }
  return key;
}

export async function up(count: number, opts: UpOptions = {}): Promise<FleetInfo> {
  requireRoot();
  const basePort = opts.basePort ?? DEFAULT_BASE_PORT;
  if (!Number.isInteger(count) || count < 1 || count > 250) throw new FleetError(`host count must be 1..250, got ${count}`);
  if (!Number.isInteger(basePort) || basePort < 1 || basePort + count > 65535) throw new FleetError(`base port ${basePort} + ${count} hosts is not a valid port range`);
  const dir = fleetDir(opts.dir);
  const log = opts.log ?? (() => {});
  mkdirSync(join(dir, 'hosts'), { recursive: true });

  const rootfs = await ensureRootfs(log);
  const key = await ensureClientKey(dir);
  const publicKey = readFileSync(`${key}.pub`, 'utf8');
  const wanted: HostMeta[] = Array.from({ length: count }, (_, i) => ({ name: `node${i + 1}`, port: basePort + i + 1, rootfs }));
  const wantedNames = new Set(wanted.map((h) => h.name));

  for (const name of hostNames(dir)) {
    if (opts.fresh) await removeHost(dir, name);
    else if (!wantedNames.has(name)) {
      // Beyond the requested count: stop it so the dir matches the inventory; keep its state.
      await stopHost(dir, name);
      await unmountRoot(dir, name);
    }
  }

  // Hosts already running with the same port and lower tree are left alone; others restart.
  const toStart: HostMeta[] = [];
  for (const meta of wanted) {
    const old = readMeta(dir, meta.name);
    const same = old && old.port === meta.port && old.rootfs === meta.rootfs;
    if (same && hostStatus(dir, meta.name) === 'running') continue;
    await stopHost(dir, meta.name);
    if (old && old.rootfs !== meta.rootfs) await unmountRoot(dir, meta.name);
    toStart.push(meta);
  }
  await Promise.all(toStart.map((m) => prepareHost(dir, m, publicKey)));
  const started = await Promise.allSettled(toStart.map((m) => launchHost(dir, m)));
  const failed = started.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failed.length) throw new FleetError(`${failed.length} of ${count} hosts did not come up:\n  ${failed.join('\n  ')}`);

  const info = describe(dir, wanted, rootfs);
  writeFileAtomic(info.knownHosts, wanted.map((h) => knownHostsLine(h.port, readFileSync(hostKeyPub(dir, h.name), 'utf8'))).join('\n') + '\n');
  writeFileAtomic(info.inventoryPath, inventoryYaml({ key: info.key, knownHosts: info.knownHosts, hosts: wanted }));
  writeFileAtomic(join(dir, 'fleet.json'), JSON.stringify(info, null, 2) + '\n');
  log(`${count} hosts up on 127.0.0.1:${basePort + 1}..${basePort + count} (${toStart.length} started); inventory: ${info.inventoryPath}`);
  return info;
}

function describe(dir: string, hosts: HostMeta[], rootfs: string): FleetInfo {
  return {
    dir,
    inventoryPath: join(dir, 'inventory.yaml'),
    knownHosts: join(dir, 'known_hosts'),
    key: keyPath(dir),
    rootfs,
    hosts: hosts.map((h) => ({ name: h.name, port: h.port, root: hostRoot(dir, h.name) })),
  };
}

/** The fleet as the last up() described it. */
export function readFleet(dir?: string): FleetInfo {
  const abs = fleetDir(dir);
  try {
    return JSON.parse(readFileSync(join(abs, 'fleet.json'), 'utf8')) as FleetInfo;
  } catch {
    throw new FleetError(`no fleet in ${abs} (run "nodemend fleet up N" first)`);
  }
}

/** Stop every host and unmount everything under the dir; `purge` also deletes the dir. */
export async function down(opts: { dir?: string; purge?: boolean } = {}): Promise<void> {
  requireRoot();
  const dir = fleetDir(opts.dir);
  if (!existsSync(dir)) return;
  await Promise.all(hostNames(dir).map((name) => stopHost(dir, name)));
  await unmountUnder(dir);
  if (opts.purge) await removeTree(dir);
}

export interface HostState {
  name: string;
  port?: number;
  status: HostStatus;
}

export function status(dir?: string): HostState[] {
  const abs = fleetDir(dir);
  return hostNames(abs).map((name) => ({ name, port: readMeta(abs, name)?.port, status: hostStatus(abs, name) }));
}
