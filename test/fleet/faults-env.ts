/**
 * Shared parts of the fault suite (test/fleet/faults*.test.ts): a TCP proxy that cuts a
 * connection after N bytes, known_hosts for a host reached through it, checks that every
 * file is exactly its old or its new version and that no temp file is left, and the counts
 * each file prints at its end. Destructive work only on HOSTS.faults (node17, node18).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { fleetHost, hostRoot, testFleet, HOSTS } from '../setup/fleet.js';
import { fleetTarget } from '../setup/ssh-connections.js';
import { SshConnection } from '../../src/transport/ssh.js';
import { sh } from '../../src/transport/quote.js';

export const FAULT_HOSTS = HOSTS.faults;

export const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/**
 * A proxy on 127.0.0.1 in front of one fleet host. `cutAfter(n)` arms it: the next n bytes
 * from the controller to the host (or, with `from: 'host'`, from the host to the controller: a
 * fetch) still pass, then both sides of every open connection are destroyed (as a dead network
 * or a killed controller would leave them).
 */
export class CuttingProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private budget = Infinity;
  private from: 'controller' | 'host' = 'controller';
  /** Bytes passed controller -> host since the proxy was armed. */
  passed = 0;
  cuts = 0;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<this> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('data', (d: Buffer) => {
        if (this.budget === Infinity || this.from === 'host') return void upstream.write(d);
        const room = this.budget - this.passed;
        if (room > 0) upstream.write(d.length <= room ? d : d.subarray(0, room));
        this.passed += Math.min(d.length, Math.max(room, 0));
        if (this.passed >= this.budget) {
          this.cuts++;
          this.budget = Infinity;
          // Let what passed reach the host before the cut, as a dying link would.
          upstream.end(() => setTimeout(drop, 20));
          client.destroy();
        }
      });
      upstream.on('data', (d: Buffer) => {
        if (this.budget === Infinity || this.from === 'controller') return void client.write(d);
        const room = this.budget - this.passed;
        if (room > 0) client.write(d.length <= room ? d : d.subarray(0, room));
        this.passed += Math.min(d.length, Math.max(room, 0));
        if (this.passed >= this.budget) {
          this.cuts++;
          this.budget = Infinity;
          client.end(() => setTimeout(drop, 20));
          upstream.destroy();
        }
      });
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((res) => this.server!.listen(0, '127.0.0.1', res));
    this.port = (this.server!.address() as { port: number }).port;
    return this;
  }

  cutAfter(bytes: number, from: 'controller' | 'host' = 'controller'): void {
    this.passed = 0;
    this.budget = bytes;
    this.from = from;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((res) => (this.server ? this.server.close(() => res()) : res()));
  }
}

/** A known_hosts file that accepts `host`'s real key on the proxy's port. */
export function knownHostsVia(host: string, proxyPort: number, dir: string): string {
  const f = testFleet();
  const want = `[127.0.0.1]:${fleetHost(host).port} `;
  const line = readFileSync(f.knownHosts, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(want));
  if (!line) throw new Error(`no known_hosts line for ${host}`);
  const path = join(dir, `known_hosts-${host}-${proxyPort}`);
  writeFileSync(path, `[127.0.0.1]:${proxyPort} ${line.slice(want.length)}\n`);
  return path;
}

/**
 * A shell as root on a fault host, for what the controller cannot see through hostRoot():
 * the host's /run is a tmpfs of its own mount namespace (where the run lock lives).
 */
export async function rootShell(host: string): Promise<SshConnection> {
  const c = new SshConnection(fleetTarget(Number(host.replace('node', '')), { user: 'root' }));
  await c.connect();
  return c;
}

/** What the suite did, printed at the end of each fault file. */
export class FaultCounts {
  cases = 0;
  faults = 0;
  filesChecked = 0;
  filesDamaged = 0;
  constructor(private readonly name: string) {}
  print(): void {
    console.log(`fault suite (${this.name}): cases=${this.cases} faults injected=${this.faults} files checked=${this.filesChecked} files damaged=${this.filesDamaged}`);
  }
}

/**
 * Every file is byte for byte one of the versions it may hold (old, new, or absent when
 * that is allowed); counts damaged ones instead of stopping at the first, then asserts none.
 */
export function expectOldOrNew(counts: FaultCounts, host: string, files: { path: string; allowed: (string | null)[] }[]): void {
  const damaged: string[] = [];
  for (const f of files) {
    const local = join(hostRoot(host), f.path);
    const got = existsSync(local) ? sha(readFileSync(local)) : null;
    counts.filesChecked++;
    if (!f.allowed.includes(got)) {
      counts.filesDamaged++;
      damaged.push(`${host}:${f.path} (sha256 ${got ?? 'absent'}, ${existsSync(local) ? readFileSync(local).length : 0} bytes)`);
    }
  }
  expect(damaged, 'files that are neither their old nor their new version').toEqual([]);
}

/**
 * expectOldOrNew for files the controller cannot see through hostRoot() (a filesystem mounted
 * inside the host's own mount namespace): sha256 read on the host.
 */
export async function expectOldOrNewOnHost(counts: FaultCounts, shell: SshConnection, files: { path: string; allowed: (string | null)[] }[]): Promise<void> {
  const damaged: string[] = [];
  for (const f of files) {
    const r = await shell.exec(sh`if [ -e ${f.path} ]; then sha256sum < ${f.path}; else echo absent; fi`);
    const got = r.stdout.startsWith('absent') ? null : r.stdout.split(' ')[0];
    counts.filesChecked++;
    if (!f.allowed.includes(got)) {
      counts.filesDamaged++;
      damaged.push(`${f.path} (sha256 ${got ?? 'absent'})`);
    }
  }
  expect(damaged, 'files that are neither their old nor their new version').toEqual([]);
}

/** Names in a host directory, read on the host. */
export async function namesOnHost(shell: SshConnection, dir: string): Promise<string[]> {
  const r = await shell.exec(sh`ls -A ${dir}`);
  return r.stdout.split('\n').filter(Boolean).sort();
}

/** nodemend temp files (and backup temps) left in a host directory. */
export function tempFilesIn(host: string, dir: string): string[] {
  const local = join(hostRoot(host), dir);
  return existsSync(local) ? readdirSync(local).filter((n) => n.startsWith('.nodemend.') || n.endsWith('.nodemend-tmp')) : [];
}

/**
 * Wait until the host has no temp file left in `dir`: after a cut the host's script is still
 * running (it sees its input end, refuses it, removes its temp file) when the controller
 * already knows the connection is gone.
 */
export async function expectNoTempFiles(host: string, dirs: string[], waitMs = 15_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  let left: string[] = [];
  do {
    left = dirs.flatMap((d) => tempFilesIn(host, d).map((n) => `${host}:${d}/${n}`));
    if (!left.length) return;
    await new Promise((r) => setTimeout(r, 200));
  } while (Date.now() < deadline);
  expect(left, 'temp files left behind').toEqual([]);
}

/** Wait until no process on the host still runs a nodemend script touching `marker` (a unique dir). */
export async function hostQuiet(marker: string, waitMs = 15_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const busy = readdirSync('/proc').some((p) => {
      if (!/^\d+$/.test(p)) return false;
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(marker);
      } catch {
        return false;
      }
    });
    if (!busy) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
