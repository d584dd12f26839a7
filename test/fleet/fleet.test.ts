/**
 * The test fleet itself: the global fleet's hosts are real, distinct, correctly
 * configured machines (ssh, sudo, files, host keys), stop/start behaves like a
 * crash and a reboot, and the tool's own lifecycle (repeat up, crash recovery,
 * down) works on a small private fleet. Destructive work only on node13.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SshConnection } from '../../src/transport/ssh.js';
import type { ExecResult } from '../../src/transport/types.js';
import { inventoryYaml, knownHostsLine } from '../../src/fleet/inventory.js';
import { down, status, up } from '../../src/fleet/fleet.js';
import { mountsUnder } from '../../src/fleet/mounts.js';
import { PACKAGES, detectMirror, isComplete, rootfsKey, rootfsPath } from '../../src/fleet/rootfs.js';
import { HOSTS, STOPPED_BY_TESTS, TEST_FLEET_SIZE, fleetHost, hostRoot, startHost, stopHost, testFleet } from '../setup/fleet.js';

const OWN = HOSTS.fleetTool[0]; // the only host these tests may disturb

function connection(name: string, user = 'ops'): SshConnection {
  const f = testFleet();
  return new SshConnection({ name, host: '127.0.0.1', port: fleetHost(name).port, user, identityFile: f.key, knownHosts: f.knownHosts });
}

async function withConnection<T>(name: string, user: string, fn: (c: SshConnection) => Promise<T>): Promise<T> {
  const c = connection(name, user);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

/** OpenSSH's own client, strict about host keys, against the fleet's known_hosts. */
function openssh(port: number, user: string, command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const f = testFleet();
  const args = [
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${f.knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-i',
    f.key,
    '-p',
    String(port),
    `${user}@127.0.0.1`,
    command,
  ];
  return new Promise((resolve) => {
    const child = execFile('ssh', args, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
    child.stdin?.end();
  });
}

/** Resolves "refused" or "open" for a TCP connect to the port. */
function probePort(port: number): Promise<'refused' | 'open'> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve('open')));
    s.once('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNREFUSED' ? resolve('refused') : reject(e)));
  });
}

/** The base64 key of a "type blob [comment]" public key, or of a "host type blob" known_hosts line. */
const keyBlob = (line: string): string => {
  const words = line.trim().split(/\s+/);
  return words[0].startsWith('ssh-') ? words[1] : words[2];
};

describe('the global test fleet', () => {
  it('has the documented hosts, each with its own port', () => {
    const f = testFleet();
    expect(f.hosts.map((h) => h.name)).toEqual(Array.from({ length: TEST_FLEET_SIZE }, (_, i) => `node${i + 1}`));
    expect(new Set(f.hosts.map((h) => h.port)).size).toBe(TEST_FLEET_SIZE);
    const allocated = Object.values(HOSTS).flat();
    expect(new Set(allocated).size).toBe(allocated.length); // no host owned by two areas
    expect([...allocated].sort()).toEqual(f.hosts.map((h) => h.name).sort());
  });

  it('every host answers ssh with its own hostname, under the host key known_hosts records', async () => {
    // Hosts other files stop on purpose may be down right now: every other host must answer.
    const names = testFleet()
      .hosts.map((h) => h.name)
      .filter((n) => !STOPPED_BY_TESTS.includes(n));
    const seen = await Promise.all(names.map((n) => withConnection(n, 'ops', async (c) => (await c.exec('hostname; cat /etc/hostname')).stdout)));
    expect(seen).toEqual(names.map((n) => `${n}\n${n}\n`));
  });

  it('OpenSSH accepts the known_hosts file as written (strict checking)', async () => {
    const r = await openssh(fleetHost('node1').port, 'ops', 'hostname');
    expect(r.stderr).not.toMatch(/WARNING|verification failed/i);
    expect(r).toMatchObject({ code: 0, stdout: 'node1\n' });
  });

  it('hosts have distinct host keys, and known_hosts has exactly the keys the hosts serve', () => {
    const f = testFleet();
    const lines = readFileSync(f.knownHosts, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual(f.hosts.map((h) => `[127.0.0.1]:${h.port}`));
    expect(lines.every((l) => l.split(' ')[1] === 'ssh-ed25519')).toBe(true);
    expect(new Set(lines.map(keyBlob)).size).toBe(f.hosts.length);
    f.hosts.forEach((h, i) => {
      const served = readFileSync(join(hostRoot(h.name), 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8');
      expect(keyBlob(served)).toBe(keyBlob(lines[i]));
    });
  });

  it('ops has passwordless sudo and root logs in directly', async () => {
    const asOps = await withConnection(OWN, 'ops', (c) => c.exec('id -un; sudo -n id -un'));
    expect(asOps).toMatchObject({ rc: 0, stdout: 'ops\nroot\n' });
    const asRoot = await withConnection(OWN, 'root', (c) => c.exec('id -u'));
    expect(asRoot.stdout).toBe('0\n');
  });

  it('opspw needs its password for sudo: none and a wrong one are refused, "opspw" works', async () => {
    await withConnection(OWN, 'opspw', async (c) => {
      const none = await c.exec('sudo -n id -un');
      expect(none.rc).not.toBe(0);
      expect(none.stderr).toMatch(/password is required/);
      const wrong = await c.exec("sudo -S -p '' id -un", { stdin: 'not-the-password\n' });
      expect(wrong.rc).not.toBe(0);
      expect(wrong.stdout).toBe('');
      const right = await c.exec("sudo -k -S -p '' id -un", { stdin: 'opspw\n' });
      expect(right).toMatchObject({ rc: 0, stdout: 'root\n' });
    });
  });

  it('a file written on one host is on that host only, and readable byte for byte from the controller', async () => {
    const path = `/tmp/nm-fleet-${randomBytes(4).toString('hex')}`;
    const bytes = Buffer.concat([randomBytes(64), Buffer.from([0, 10, 13, 255])]);
    try {
      const w = await withConnection(OWN, 'ops', (c) => c.exec(`cat > ${path}`, { stdin: bytes }));
      expect(w.rc).toBe(0);
      expect(Buffer.compare(readFileSync(join(hostRoot(OWN), path)), bytes)).toBe(0);
      expect(existsSync(join(hostRoot('node12'), path))).toBe(false);
      const other = await withConnection('node12', 'ops', (c) => c.exec(`test -e ${path}`));
      expect(other.rc).toBe(1);
    } finally {
      rmSync(join(hostRoot(OWN), path), { force: true });
    }
  });

  it('the hosts reach the outside through the controller resolver, and have the build tools', async () => {
    const r = await withConnection(OWN, 'ops', (c) => c.exec('for t in go gcc make patch curl file python3 xz; do command -v $t; done | wc -l; test -s /etc/resolv.conf && echo resolv'));
    expect(r.stdout).toBe('8\nresolv\n');
  });

  it('stopHost drops live sessions and makes the port refuse; startHost restores it with the same host key and files', async () => {
    const marker = `/root/nm-fleet-survives-${randomBytes(4).toString('hex')}`;
    const c = connection(OWN, 'root');
    await c.connect();
    try {
      expect((await c.exec(`echo kept > ${marker}`)).rc).toBe(0);
      // A command in flight when the host dies must end (rejected, or a failed result), not hang.
      const inFlight: Promise<ExecResult | Error> = c.exec('sleep 120').catch((e: Error) => e);
      await c.exec('true'); // the sleep's channel is open before we pull the plug
      await stopHost(OWN);
      const ended = await inFlight;
      expect(ended instanceof Error || (ended as ExecResult).rc !== 0).toBe(true);
      expect(await probePort(fleetHost(OWN).port)).toBe('refused');
      expect(status(testFleet().dir).find((h) => h.name === OWN)?.status).toBe('stopped');
    } finally {
      await c.close();
      await startHost(OWN);
    }
    // Strict known_hosts check: connecting at all proves the host key is unchanged.
    const back = await withConnection(OWN, 'root', (c2) => c2.exec(`hostname; cat ${marker}; rm -f ${marker}`));
    expect(back).toMatchObject({ rc: 0, stdout: `${OWN}\nkept\n` });
  });

  it('the helpers refuse host names the fleet does not have', async () => {
    expect(() => hostRoot('node99')).toThrow(/no host "node99"/);
    await expect(stopHost('node99')).rejects.toThrow(/no host "node99"/);
  });

  it('writes an inventory that parses as YAML and describes the fleet', () => {
    const f = testFleet();
    const inv = parse(readFileSync(f.inventoryPath, 'utf8'));
    expect(inv.all.connection).toEqual({ host: '127.0.0.1', user: 'ops', identity_file: f.key, known_hosts: f.knownHosts, become: true });
    expect(inv.all.hosts).toEqual(Object.fromEntries(f.hosts.map((h) => [h.name, { port: h.port }])));
    expect(Object.keys(inv.all.children.nodes.hosts)).toEqual(f.hosts.map((h) => h.name));
    expect(inv.all.children.builders.hosts).toEqual({ node1: {} });
  });
});

describe('inventory and known_hosts text', () => {
  it('keeps odd paths as single YAML strings', () => {
    const key = "/tmp/it's a: dir #1/keys/id";
    const text = inventoryYaml({
      key,
      knownHosts: '/x/{known}',
      hosts: [
        { name: 'a', port: 1 },
        { name: 'b', port: 2 },
      ],
      builders: ['b'],
    });
    expect(parse(text)).toEqual({
      all: {
        connection: { host: '127.0.0.1', user: 'ops', identity_file: key, known_hosts: '/x/{known}', become: true },
        hosts: { a: { port: 1 }, b: { port: 2 } },
        children: { nodes: { hosts: { a: {}, b: {} } }, builders: { hosts: { b: {} } } },
      },
    });
  });

  it('uses the bracketed [host]:port form except on port 22, and drops the key comment', () => {
    expect(knownHostsLine(22501, 'ssh-ed25519 AAAAkey root@node1\n')).toBe('[127.0.0.1]:22501 ssh-ed25519 AAAAkey');
    expect(knownHostsLine(22, 'ssh-ed25519 AAAAkey')).toBe('127.0.0.1 ssh-ed25519 AAAAkey');
  });
});

describe('root filesystem cache', () => {
  it('is keyed by suite and packages, and the fleet runs on the complete cached tree', () => {
    expect(rootfsKey()).toMatch(/^[0-9a-f]{12}$/);
    expect(rootfsKey([...PACKAGES].reverse())).toBe(rootfsKey()); // order does not matter
    expect(rootfsKey([...PACKAGES, 'strace'])).not.toBe(rootfsKey());
    expect(rootfsKey(PACKAGES, 'trixie')).not.toBe(rootfsKey());
    const lowerdir = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .find((l) => l.includes(`${testFleet().dir}/hosts/node1/merged `));
    expect(lowerdir).toContain(`lowerdir=${rootfsPath()}`);
    expect(isComplete(rootfsPath())).toBe(true);
  });

  it('finds the bookworm mirror in deb822 sources, then in sources.list; MIRROR wins', () => {
    const files: Record<string, string> = {
      '/etc/apt/sources.list.d/debian.sources':
        'Types: deb\nURIs: http://sec.example/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n',
      '/etc/apt/sources.list': 'deb [signed-by=/k.gpg] http://old.example/debian bookworm main\n',
    };
    const read = (p: string): string | undefined => files[p];
    const list = (): string[] => ['debian.sources'];
    const saved = process.env.MIRROR;
    delete process.env.MIRROR;
    try {
      expect(detectMirror(read, list)).toBe('http://mirror.example/debian');
      expect(detectMirror(read, () => [])).toBe('http://old.example/debian');
      expect(() =>
        detectMirror(
          () => undefined,
          () => [],
        ),
      ).toThrow(/set MIRROR/);
      process.env.MIRROR = 'http://override.example/debian';
      expect(detectMirror(read, list)).toBe('http://override.example/debian');
    } finally {
      if (saved === undefined) delete process.env.MIRROR;
      else process.env.MIRROR = saved;
    }
  });
});

describe('fleet tool lifecycle (a private 2-host fleet)', () => {
  const dir = '/tmp/nodemend-test-fleet-tool';
  const basePort = 22580;
  const pidOf = (name: string): string => readFileSync(join(dir, 'hosts', name, 'pid'), 'utf8').trim();
  /** Command lines of live processes that belong to this fleet's hosts. */
  const hostProcesses = (): string[] =>
    readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ');
        } catch {
          return '';
        }
      })
      .filter((cmd) => cmd.includes(`${dir}/hosts/`));

  beforeAll(async () => {
    await up(2, { dir, basePort, fresh: true });
  });
  afterAll(async () => {
    await down({ dir, purge: true });
  });

  it('a repeated up leaves running hosts alone; a crashed host is started again with its key', async () => {
    const pids = [pidOf('node1'), pidOf('node2')];
    const knownHosts = readFileSync(join(dir, 'known_hosts'), 'utf8');
    await up(2, { dir, basePort });
    expect([pidOf('node1'), pidOf('node2')]).toEqual(pids);

    process.kill(Number(pids[1]), 'SIGKILL'); // the host's unshare dies: --kill-child takes its namespace with it
    await expect.poll(() => hostProcesses().filter((cmd) => cmd.includes(`${dir}/hosts/node2/`))).toEqual([]);
    expect(status(dir).map((h) => h.status)).toEqual(['running', 'stopped']);
    const info = await up(2, { dir, basePort });
    expect(status(dir).map((h) => h.status)).toEqual(['running', 'running']);
    expect(pidOf('node1')).toBe(pids[0]);
    expect(pidOf('node2')).not.toBe(pids[1]);
    expect(readFileSync(info.knownHosts, 'utf8')).toBe(knownHosts);
    expect(await probePort(basePort + 2)).toBe('open');
  });

  it('down stops every process and leaves no mount under the dir; files stay for the next up', async () => {
    writeFileSync(join(dir, 'hosts/node1/merged/etc/nm-marker'), 'still here\n');
    expect(hostProcesses().length).toBeGreaterThan(0); // the check below can see them
    await down({ dir });
    expect(mountsUnder(dir)).toEqual([]);
    expect(hostProcesses()).toEqual([]);
    expect(status(dir).map((h) => h.status)).toEqual(['stopped', 'stopped']);
    expect(await probePort(basePort + 1)).toBe('refused');
    await up(2, { dir, basePort });
    expect(readFileSync(join(dir, 'hosts/node1/merged/etc/nm-marker'), 'utf8')).toBe('still here\n');
  });
});
