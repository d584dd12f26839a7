/**
 * Run the real `nodemend` CLI (the built dist/, as a user would) against fleet
 * hosts, with an inventory written for just the hosts a test owns.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readlinkSync, realpathSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { testFleet } from './fleet.js';

const ROOT = resolve(import.meta.dirname, '../..');

// A real run locks each host it works on (src/run/run-lock.ts). Test files run in parallel on
// shared hosts (each with its own paths), so each worker's runs lock under a name of their own;
// the fault suite passes NODEMEND_RUN_LOCK_NAME: '' to test the real lock.
process.env.NODEMEND_RUN_LOCK_NAME ??= `nodemend-test-${process.pid}-${randomBytes(3).toString('hex')}.lock`;
/** The bundled CLI, as users run it (package.json bin). */
export const CLI = join(ROOT, 'dist/nodemend.mjs');

/** Newest mtime under a directory (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.ts')) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/**
 * A build of the checkout at `root` under way: `npm run build`'s shell, its tsc or
 * scripts/bundle.mjs, running in that directory (read from /proc).
 */
export function buildRunning(root: string = ROOT): boolean {
  const dir = realpathSync(root);
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readlinkSync(`/proc/${pid}/cwd`) !== dir) continue;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.endsWith('scripts/bundle.mjs')) || (argv.some((a) => /(^|\/)tsc$/.test(a)) && argv.includes('tsconfig.json'))) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

/** How long a test waits for a build under way before judging dist/ (the hooks' timeout is 300 s). */
const BUILD_WAIT_MS = 240_000;

/**
 * Testing a stale build would prove nothing about the source: refuse it. A build running beside
 * the tests (tsc, then the bundle) leaves dist/ older than src/ until it ends: wait for it first.
 */
export function assertBuilt(): void {
  const until = Date.now() + BUILD_WAIT_MS;
  while (Date.now() < until && buildRunning()) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  let built = 0;
  try {
    built = statSync(CLI).mtimeMs;
  } catch {
    throw new Error(`${CLI} is missing: run "npm run build" first (scripts/test.sh does)`);
  }
  if (newest(join(ROOT, 'src')) > built) throw new Error('dist/ is older than src/: run "npm run build" first (scripts/test.sh does)');
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
  });
}

export interface InventoryOpts {
  /** Extra YAML appended under all: (indented by the caller), e.g. vars. */
  vars?: Record<string, unknown>;
  /** known_hosts file to use instead of the fleet's. */
  knownHosts?: string;
  /** Hosts that point at a port (e.g. closed) instead of their fleet port. */
  portOverride?: Record<string, number>;
  /** The login user (default ops); false: none (the local user). */
  user?: string | false;
  /** false: no `become: true` in the inventory's connection. */
  become?: boolean;
  /** Every host's own inventory `vars:`. */
  hostVars?: Record<string, unknown>;
}

/** A scratch dir with an inventory of the given fleet hosts (group `nodes`). */
export function workDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `nm-${tag}-`));
}

export function writeInventory(dir: string, hosts: string[], opts: InventoryOpts = {}): string {
  const f = testFleet();
  const ports = new Map(f.hosts.map((h) => [h.name, h.port]));
  const lines = [
    'all:',
    '  connection:',
    '    host: 127.0.0.1',
    ...(opts.user === false ? [] : [`    user: ${opts.user ?? 'ops'}`]),
    `    identity_file: ${JSON.stringify(f.key)}`,
    `    known_hosts: ${JSON.stringify(opts.knownHosts ?? f.knownHosts)}`,
    ...(opts.become === false ? [] : ['    become: true']),
    '    connect_timeout: 5',
  ];
  if (opts.vars) lines.push(`  vars: ${JSON.stringify(opts.vars)}`);
  lines.push('  children:', '    nodes:', '      hosts:');
  for (const h of hosts) {
    const port = opts.portOverride?.[h] ?? ports.get(h);
    if (port === undefined) throw new Error(`no fleet host ${h}`);
    lines.push(`        ${h}: { port: ${port}${opts.hostVars ? `, vars: ${JSON.stringify(opts.hostVars)}` : ''} }`);
  }
  const path = join(dir, 'inventory.yaml');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

export function readJson<T = any>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/**
 * A TCP listener on 127.0.0.1 that counts connections and closes each at once. An inventory
 * pointed at `port()` proves that bad input contacts no host (`count()` stays 0). Call it in a
 * describe block: it registers that block's beforeAll/afterAll.
 */
export function connectionCounter(): { port: () => number; count: () => number } {
  const server: Server = createServer((s) => {
    connections++;
    s.destroy();
  });
  let connections = 0;
  beforeAll(() => new Promise<void>((res) => server.listen(0, '127.0.0.1', res)));
  afterAll(() => new Promise<void>((res) => server.close(() => res())));
  return { port: () => (server.address() as AddressInfo).port, count: () => connections };
}
