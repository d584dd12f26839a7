/**
 * The bench's own fleet: bring it up, give each run an inventory of its first N hosts,
 * reset the hosts between tools (outside the timing, through the hosts' roots as seen
 * from the controller), and read back what a tool left on them.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { mapLimit } from '../src/run/limit.js';
import { expectedFiles, GRUB_BEFORE, targetRoot, type Tool } from './workload.js';

export interface FleetHost {
  name: string;
  port: number;
}

export interface BenchFleet {
  dir: string;
  hosts: FleetHost[];
  keyFile: string;
  knownHosts: string;
}

const CLI = join(import.meta.dirname, '..', 'nodemend.mjs'); // the bundled CLI users run

/** `fleet up` once; under load its host-key check can time out for some hosts, so a second `up` finishes the job. */
export function fleetUp(n: number, dir: string, basePort: number, log: (s: string) => void): BenchFleet {
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync(process.execPath, [CLI, 'fleet', 'up', String(n), '--dir', dir, '--base-port', String(basePort)], { stdio: ['ignore', 'pipe', 'pipe'] });
      break;
    } catch (e) {
      const why = String((e as { stderr?: Buffer }).stderr ?? e)
        .trim()
        .split('\n')[0];
      if (attempt === 3) throw new Error(`fleet up ${n} failed: ${why}`);
      log(`fleet up: ${why}; trying again`);
    }
  }
  const inv = parse(readFileSync(join(dir, 'inventory.yaml'), 'utf8')) as { all: { hosts: Record<string, { port: number }> } };
  const hosts = Object.entries(inv.all.hosts).map(([name, h]) => ({ name, port: h.port }));
  if (hosts.length < n) throw new Error(`fleet has ${hosts.length} hosts, wanted ${n}`);
  return { dir, hosts, keyFile: join(dir, 'keys', 'id_ed25519'), knownHosts: join(dir, 'known_hosts') };
}

/**
 * One `ssh host sudo -n true` per host with OpenSSH's own client, untimed, before any tool
 * runs: a fleet host's first session costs it more than later ones (measured: the first B1
 * run on a fresh fleet 3.45 s, the same run later 2.81 s), and that must not fall on
 * whichever tool happens to run first. Neither tool's code is involved.
 */
export async function warmUp(f: BenchFleet, n: number): Promise<void> {
  await mapLimit(
    f.hosts.slice(0, n),
    8,
    (h) =>
      new Promise<void>((resolve) => {
        const args = ['-p', String(h.port), '-i', f.keyFile, '-o', `UserKnownHostsFile=${f.knownHosts}`, '-o', 'BatchMode=yes', 'ops@127.0.0.1', 'sudo -n true'];
        spawn('ssh', args, { stdio: 'ignore' })
          .on('close', () => resolve())
          .on('error', () => resolve());
      }),
  );
}

export function fleetDown(dir: string): void {
  execFileSync(process.execPath, [CLI, 'fleet', 'down', '--dir', dir], { stdio: 'ignore' });
}

export const hostRoot = (f: BenchFleet, host: string): string => join(f.dir, 'hosts', host, 'merged');

/** The PIDs at the top of the first n hosts' process trees (their CPU use is measured from there). */
export function hostRootPids(f: BenchFleet, n: number): number[] {
  return f.hosts.slice(0, n).map((h) => Number(readFileSync(join(f.dir, 'hosts', h.name, 'pid'), 'utf8').trim()));
}

/** nodemend inventory for the first `n` hosts (same connection settings as the fleet's own). */
export function writeNodemendInventory(f: BenchFleet, n: number, file: string): void {
  const hosts = Object.fromEntries(f.hosts.slice(0, n).map((h) => [h.name, { port: h.port }]));
  const connection = { host: '127.0.0.1', user: 'ops', identity_file: f.keyFile, known_hosts: f.knownHosts, become: true };
  writeFileSync(file, stringify({ all: { connection, hosts } }));
}

/** Ansible inventory for the first `n` hosts: same user, key, sudo and python as nodemend's. */
export function writeAnsibleInventory(f: BenchFleet, n: number, file: string): void {
  const hosts = Object.fromEntries(f.hosts.slice(0, n).map((h) => [h.name, { ansible_port: h.port }]));
  const vars = {
    ansible_host: '127.0.0.1',
    ansible_user: 'ops',
    ansible_ssh_private_key_file: f.keyFile,
    ansible_become: true,
    ansible_python_interpreter: '/usr/bin/python3',
  };
  writeFileSync(file, stringify({ all: { hosts, vars } }));
}

/** Before a tool's first run: the same /etc/default/grub everywhere, no bench output from any tool. */
export function resetHosts(f: BenchFleet, n: number): void {
  for (const h of f.hosts.slice(0, n)) {
    const root = hostRoot(f, h.name);
    writeFileSync(join(root, 'etc/default/grub'), GRUB_BEFORE, { mode: 0o644 });
    for (const tool of ['nodemend', 'ansible'] as Tool[]) rmSync(join(root, targetRoot(tool)), { recursive: true, force: true });
  }
}

/** What B1 left on one host: grub bytes and every managed path's type, mode, owner and content hash. */
export function snapshot(f: BenchFleet, host: string, tool: Tool): Record<string, string> {
  const root = hostRoot(f, host);
  const base = join(root, targetRoot(tool));
  const out: Record<string, string> = { grub: readFileSync(join(root, 'etc/default/grub'), 'utf8') };
  for (const rel of ['.', 'etc', 'state', ...Object.keys(expectedFiles(host))]) {
    const p = join(base, rel);
    if (!existsSync(p)) {
      out[rel] = 'missing';
      continue;
    }
    const st = statSync(p);
    const kind = st.isDirectory() ? 'dir' : 'file';
    const hash = st.isFile() ? createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16) : '';
    out[rel] = `${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${hash}`;
  }
  return out;
}

/** Problems with what `tool` left on the first n hosts: wrong bytes, missing files. */
export function checkOutputs(f: BenchFleet, n: number, tool: Tool): string[] {
  const problems: string[] = [];
  for (const h of f.hosts.slice(0, n)) {
    const root = join(hostRoot(f, h.name), targetRoot(tool));
    for (const [rel, want] of Object.entries(expectedFiles(h.name))) {
      const p = join(root, rel);
      if (!existsSync(p)) problems.push(`${tool} ${h.name}: ${rel} missing`);
      else if (readFileSync(p, 'utf8') !== want) problems.push(`${tool} ${h.name}: ${rel} has other bytes`);
    }
    const grub = readFileSync(join(hostRoot(f, h.name), 'etc/default/grub'), 'utf8');
    if (!grub.includes('GRUB_CMDLINE_LINUX="cgroup.memory=nokmem"\n') || grub.includes('GRUB_CMDLINE_LINUX=""')) problems.push(`${tool} ${h.name}: /etc/default/grub not edited`);
  }
  return problems;
}

/** Differences between the two tools' results on the same hosts (after both ran). */
export function compareSnapshots(a: Record<string, Record<string, string>>, b: Record<string, Record<string, string>>): string[] {
  const diffs: string[] = [];
  for (const host of Object.keys(a)) {
    for (const key of new Set([...Object.keys(a[host]), ...Object.keys(b[host] ?? {})])) {
      if (a[host][key] !== b[host]?.[key]) diffs.push(`${host} ${key}: nodemend ${JSON.stringify(a[host][key])} vs ansible ${JSON.stringify(b[host]?.[key])}`);
    }
  }
  return diffs;
}
