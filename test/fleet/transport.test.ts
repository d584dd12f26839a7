/**
 * The SSH transport against real sshd/sudo hosts: the suite's fleet
 * (test/setup/fleet.ts). Hosts per its allocation table:
 *   node1, node2: general transport tests; node9: host-key tests;
 *   node10: hang / die / come back (stopped and started here).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshConnection, HostKeyError, type SshTarget } from '../../src/transport/ssh.js';
import { ConnectionPool } from '../../src/transport/pool.js';
import { BecomeError } from '../../src/transport/become.js';
import { fingerprint, parseKnownHosts } from '../../src/transport/known-hosts.js';
import { UnreachableError, type BecomeSpec } from '../../src/transport/types.js';
import { sh } from '../../src/transport/quote.js';
import type { InventoryHost } from '../../src/load/model.js';
import { fleetHost, startHost, stopHost, testFleet } from '../setup/fleet.js';
import { fleetTarget, trackedConnections } from '../setup/ssh-connections.js';

const port = (n: number): number => fleetHost(`node${n}`).port;
const key = (): string => testFleet().key;
const knownHosts = (): string => testFleet().knownHosts;

const target = fleetTarget;

function invHost(n: number, conn: Partial<InventoryHost['connection']> = {}): InventoryHost {
  return {
    name: `node${n}`,
    connection: { host: '127.0.0.1', port: port(n), user: 'ops', identity_file: key(), known_hosts: knownHosts(), ...conn },
    vars: {},
    groups: ['all'],
    loc: { file: 'inventory.yml' },
  };
}

/** The host's real key, as the fleet recorded it. */
function realKeyLine(n: number): string {
  const line = readFileSync(knownHosts(), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`[127.0.0.1]:${port(n)} `));
  if (!line) throw new Error(`no key for node${n} in ${knownHosts()}`);
  return line;
}

/** A local port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const p = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return p;
}

const { connect, opened } = trackedConnections();

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nodemend-transport-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ROOT: BecomeSpec = { user: 'root', method: 'sudo' };

describe('exec', () => {
  it('returns rc, stdout and stderr separately', async () => {
    const c = await connect(target(1));
    const r = await c.exec('echo out; echo err >&2; exit 7');
    expect(r).toMatchObject({ rc: 7, stdout: 'out\n', stderr: 'err\n' });
    expect(r.timedOut).toBe(false);
    expect((await c.exec('true')).rc).toBe(0);
  });

  it('feeds stdin byte for byte (all 256 byte values, and 3 MB)', async () => {
    const c = await connect(target(1));
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const r = await c.exec('cat', { stdin: all });
    expect(r.stdoutBytes.equals(all)).toBe(true);
    const big = randomBytes(3 * 1024 * 1024);
    const r2 = await c.exec('cat', { stdin: big });
    expect(r2.stdoutBytes.length).toBe(big.length);
    expect(r2.stdoutBytes.equals(big)).toBe(true);
  });

  it('writes stdout into a new controller file as it arrives (stdoutFile), never through an existing file', async () => {
    const c = await connect(target(1));
    const big = randomBytes(5 * 1024 * 1024);
    const r = await c.exec('cat', { stdin: big, stdoutFile: join(tmp, 'out.bin') });
    expect(r).toMatchObject({ rc: 0, stdout: '' });
    expect(r.stdoutBytes.length).toBe(0);
    expect(readFileSync(join(tmp, 'out.bin')).equals(big)).toBe(true);
    writeFileSync(join(tmp, 'taken'), 'keep me');
    await expect(c.exec('echo x', { stdoutFile: join(tmp, 'taken') })).rejects.toThrow(/cannot write .*taken: EEXIST/);
    expect(readFileSync(join(tmp, 'taken'), 'utf8')).toBe('keep me');
  });

  it('applies cwd and env (inside sudo too)', async () => {
    const c = await connect(target(1));
    const r = await c.exec('pwd; echo "$FOO"', { cwd: '/usr/share', env: { FOO: "a 'b' $c" } });
    expect(r.stdout).toBe("/usr/share\na 'b' $c\n");
    const r2 = await c.exec('id -un; pwd; echo "$FOO"', { cwd: '/root', env: { FOO: 'x y' } }, ROOT);
    expect(r2.stdout).toBe('root\n/root\nx y\n');
    const r3 = await c.exec('echo never', { cwd: '/does/not/exist' });
    expect(r3.rc).not.toBe(0);
    expect(r3.stdout).toBe('');
  });

  it('round-trips nasty strings through the remote shell, with and without sudo', async () => {
    const c = await connect(target(1));
    const nasty = [
      '',
      ' ',
      "it's",
      `"double" and 'single' '"'"'`,
      '$HOME $(id) `id` ${PATH}',
      'a;b|c&d>e<f',
      '* ? [a-z] ~ ~root',
      '-n',
      '--help',
      'back\\slash\\\\ and \\n',
      'new\nline\r\n\ttab',
      'ünïcødé ✓ 日本語',
      '\u0001\u007f',
      '!history !! #comment',
    ];
    for (const s of nasty) {
      for (const become of [undefined, ROOT]) {
        const r = await c.exec(sh`printf '%s' ${s}`, {}, become);
        expect({ s, out: r.stdout, rc: r.rc }).toEqual({ s, out: s, rc: 0 });
      }
    }
    const viaEnv = await c.exec('printf "%s" "$V"', { env: { V: nasty.join('|') } });
    expect(viaEnv.stdout).toBe(nasty.join('|'));
  });

  it('maps a command killed by a signal to 128+N', async () => {
    const c = await connect(target(1));
    // The command's own process: nodemend's scripts (no timeout) run in a subshell of the persistent shell, where `$$` is the shell's.
    expect((await c.exec(`sh -c 'kill -9 $PPID'; :`)).rc).toBe(137);
    expect((await c.exec('kill -9 $$', { timeoutSec: 10 })).rc).toBe(137);
  });
});

describe('connection reuse and channel cap', () => {
  it('runs many execs over one connection (pool stats and the host both say so)', async () => {
    const pool = new ConnectionPool();
    try {
      const host = invHost(1);
      const [a, b] = await Promise.all([pool.get(host), pool.get(host)]);
      expect(a).toBe(b);
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) seen.add((await (i % 2 ? a : b).exec('echo "$SSH_CONNECTION"')).stdout);
      await Promise.all(Array.from({ length: 20 }, async () => seen.add((await a.as(ROOT).exec('echo "$SSH_CONNECTION"')).stdout)));
      expect((await pool.get(host)) === a).toBe(true);
      expect(pool.stats()).toEqual({ node1: 1 });
      // sshd sets SSH_CONNECTION="client-ip client-port server-ip server-port" per TCP connection:
      // sudo resets the environment, so only the login-user lines carry it.
      seen.delete('\n');
      expect([...seen]).toHaveLength(1);
      expect([...seen][0]).toMatch(new RegExp(`^127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${port(1)}\n$`));
    } finally {
      await pool.closeAll();
    }
  });

  it('uses knownHostsDefault for hosts that set no known_hosts, and passes acceptNewHostKeys on', async () => {
    const file = join(tmp, 'pool-default-known-hosts');
    const host = invHost(1, { known_hosts: undefined });
    const strict = new ConnectionPool({ knownHostsDefault: file });
    expect(await strict.get(host).catch((e) => e)).toBeInstanceOf(UnreachableError); // missing file: unknown host
    const accepting = new ConnectionPool({ knownHostsDefault: file, acceptNewHostKeys: true });
    try {
      expect((await (await accepting.get(host)).exec('hostname')).stdout).toBe('node1\n');
      expect(readFileSync(file, 'utf8')).toBe(`${realKeyLine(1)}\n`);
    } finally {
      await accepting.closeAll();
      await strict.closeAll();
    }
  });

  it('runs 20 concurrent execs on one connection, never more than 8 channels at once on the host', async () => {
    const c = await connect(target(2));
    const dir = `/tmp/nm-cap-${randomBytes(4).toString('hex')}`;
    await c.exec(sh`mkdir -p ${dir}`);
    // Each command registers itself, reports how many are registered, lingers, leaves.
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => c.exec(sh`touch ${dir}/${String(i)}; ls ${dir} | wc -l; sleep 0.4; rm ${dir}/${String(i)}; echo done-${String(i)}`)));
    results.forEach((r, i) => expect({ rc: r.rc, last: r.stdout.trim().split('\n').pop() }).toEqual({ rc: 0, last: `done-${i}` }));
    const peak = Math.max(...results.map((r) => Number(r.stdout.split('\n')[0])));
    expect(peak).toBeLessThanOrEqual(8);
    expect(peak).toBeGreaterThanOrEqual(1);
    await c.exec(sh`rmdir ${dir}`);
  });

  it('needs the cap: without it, sshd (MaxSessions 10) refuses channels beyond its limit', async () => {
    // Control for the test above. Channels held far longer than the ~2 s open-retry budget.
    const c = await connect(target(2, { maxChannels: 20 }));
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => c.exec('sleep 6', { timeoutSec: 6 })));
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(String((refused[0] as PromiseRejectedResult).reason.message)).toMatch(/cannot open a channel: .*open failed/);
  });

  it('gets 100 short concurrent execs through the capped connection', async () => {
    // sshd frees a session slot slightly after the channel closes; the transport absorbs that.
    const c = await connect(target(2));
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => c.exec(sh`echo ${String(i)}`)));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 100 }, (_, i) => `${i}\n`));
  });

  it('reconnects on demand and keeps working', async () => {
    const c = await connect(target(1));
    const before = (await c.exec('echo "$SSH_CONNECTION"')).stdout;
    await c.reconnect(Date.now() + 10_000);
    const after = (await c.exec('echo "$SSH_CONNECTION"')).stdout;
    expect(c.opened).toBe(2);
    expect(after).not.toBe(before); // a new TCP connection (new client port)
  });
});

describe('authentication', () => {
  it('refuses a key the host does not know, as UnreachableError', async () => {
    const other = join(tmp, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const err = await connect(target(1, { identityFile: other })).catch((e) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err.message).toMatch(/authentication failed/);
    expect(err.message).not.toContain('\n');
  });

  it('reports a missing identity file clearly', async () => {
    const err = await connect(target(1, { identityFile: join(tmp, 'nope') })).catch((e) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err.message).toMatch(/cannot read identity file .*nope: ENOENT/);
  });

  it('logs in with a password', async () => {
    const c = await connect(target(2, { user: 'opspw', identityFile: undefined, password: 'opspw', agent: false }));
    expect((await c.exec('id -un')).stdout).toBe('opspw\n');
  });

  it('logs in through ssh-agent, by socket path or agent: true ($SSH_AUTH_SOCK)', async () => {
    const sock = join(tmp, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    const saved = process.env.SSH_AUTH_SOCK;
    try {
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
      execFileSync('ssh-add', [key()], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const c = await connect(target(1, { identityFile: undefined, agent: sock }));
      expect((await c.exec('id -un')).stdout).toBe('ops\n');
      process.env.SSH_AUTH_SOCK = sock;
      const d = await connect(target(1, { identityFile: undefined, agent: true }));
      expect((await d.exec('id -un')).stdout).toBe('ops\n');
      delete process.env.SSH_AUTH_SOCK;
      const err = await connect(target(1, { identityFile: undefined, agent: true })).catch((e) => e);
      expect(err).toBeInstanceOf(UnreachableError);
      expect(err.message).toMatch(/agent: true but SSH_AUTH_SOCK is not set/);
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
      agent.kill();
    }
  });

  it('logs in with an RSA identity file', async () => {
    const rsa = join(tmp, 'id_rsa');
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '3072', '-N', '', '-f', rsa]);
    const pub = readFileSync(`${rsa}.pub`, 'utf8').trim();
    const setup = await connect(target(2));
    await setup.exec(sh`printf '%s\n' ${pub} >> ~/.ssh/authorized_keys`);
    try {
      const c = await connect(target(2, { identityFile: rsa }));
      expect((await c.exec('id -un')).stdout).toBe('ops\n');
    } finally {
      await setup.exec(sh`grep -vxF ${pub} ~/.ssh/authorized_keys > ~/.ssh/ak.tmp; mv ~/.ssh/ak.tmp ~/.ssh/authorized_keys`);
    }
  });
});

describe('become', () => {
  const OPSPW = { user: 'opspw' };

  it('uses sudo -n when no password is set', async () => {
    const c = await connect(target(1));
    expect((await c.exec('id -un', {}, ROOT)).stdout).toBe('root\n');
    expect((await c.exec('id -un', {}, { user: 'opspw', method: 'sudo' })).stdout).toBe('opspw\n');
  });

  it('says clearly that a password is needed when sudo asks for one', async () => {
    const c = await connect(target(1, OPSPW));
    const err = await c.exec('id -un', {}, ROOT).catch((e) => e);
    expect(err).toBeInstanceOf(BecomeError);
    expect(err.message).toBe('sudo needs a password on host node1 (user opspw); set become_password');
  });

  it('answers the sudo prompt with the password; output carries no prompt or marker', async () => {
    const c = await connect(target(1, OPSPW));
    const r = await c.exec('id -un; echo done', {}, { ...ROOT, password: 'opspw' });
    expect(r).toMatchObject({ rc: 0, stdout: 'root\ndone\n', stderr: '' });
    const r2 = await c.exec('echo warn >&2; exit 3', {}, { ...ROOT, password: 'opspw' });
    expect(r2).toMatchObject({ rc: 3, stdout: '', stderr: 'warn\n' });
  });

  it('sends the command its own stdin only after sudo is done with the password', async () => {
    const c = await connect(target(1, OPSPW));
    const payload = Buffer.concat([Buffer.from('opspw\nnot-a-password\n'), randomBytes(200_000)]);
    const r = await c.exec('cat', { stdin: payload }, { ...ROOT, password: 'opspw' });
    expect(r.rc).toBe(0);
    expect(r.stdoutBytes.equals(payload)).toBe(true);
  });

  it('writes only what the command itself prints to a stdoutFile under sudo with a password', async () => {
    const c = await connect(target(1, OPSPW));
    const payload = randomBytes(300_000);
    const r = await c.exec('id -un; cat', { stdin: payload, stdoutFile: join(tmp, 'sudo-out.bin') }, { ...ROOT, password: 'opspw' });
    expect(r.rc).toBe(0);
    expect(readFileSync(join(tmp, 'sudo-out.bin')).equals(Buffer.concat([Buffer.from('root\n'), payload]))).toBe(true);
  });

  it('works with a password configured where sudo does not ask for one', async () => {
    const c = await connect(target(1));
    const r = await c.exec('cat; id -un', { stdin: 'in\n' }, { ...ROOT, password: 'unused-secret' });
    expect(r).toMatchObject({ rc: 0, stdout: 'in\nroot\n', stderr: '' });
  });

  it('rejects a wrong password without leaking it anywhere', async () => {
    const secret = `Wr0ng-${randomBytes(6).toString('hex')}`;
    const c = await connect(target(1, OPSPW));
    const err = await c.exec('id -un', { stdin: 'x' }, { ...ROOT, password: secret }).catch((e) => e);
    expect(err).toBeInstanceOf(BecomeError);
    expect(err.message).toBe('sudo password rejected for user root on host node1');
    const everything = [err.message, String(err.stack), JSON.stringify(err), String(err)].join('\n');
    expect(everything).not.toContain(secret);
    // and the connection is still usable
    expect((await c.exec('echo ok')).stdout).toBe('ok\n');
  });

  it('gives up, instead of hanging, when something other than our prompt asks for input', async () => {
    // A sudo wrapper (as OTP / PAM setups have) with its own prompt, for opspw only: we must not
    // answer a prompt we did not ask for, and must not wait forever either.
    const admin = await connect(target(2));
    const wrapper = '/usr/local/bin/sudo';
    const script = '#!/bin/sh\n[ "$(id -un)" = opspw ] || exec /usr/bin/sudo "$@"\nprintf "Verification code: " >&2\nread code\nexec /usr/bin/sudo "$@"\n';
    await admin.exec(sh`cat > ${wrapper} && chmod 755 ${wrapper}`, { stdin: script }, ROOT);
    try {
      expect((await admin.exec('id -un', {}, ROOT)).stdout).toBe('root\n'); // others unaffected
      const c = await connect(target(2, { user: 'opspw', becomeTimeoutSec: 2 }));
      const err = await c.exec('id -un', {}, { ...ROOT, password: 'opspw' }).catch((e) => e);
      expect(err).toBeInstanceOf(BecomeError);
      expect(err.message).toBe('sudo on host node2 did not start the command within 2s (its password prompt was not recognized)');
    } finally {
      await admin.exec(sh`rm -f ${wrapper}`, {}, ROOT);
    }
  });

  it('never puts the password on a command line the host can see', async () => {
    const secret = `S3cret-${randomBytes(6).toString('hex')}`;
    const c = await connect(target(1));
    // As root, list every process's argv while a sudo-with-password command is running.
    const r = await c.exec('ps -eo args', {}, { ...ROOT, password: secret });
    expect(r.rc).toBe(0);
    expect(r.stdout).toContain('ps -eo args');
    expect(r.stdout).not.toContain(secret);
  });
});

describe('timeouts', () => {
  async function leftovers(c: SshConnection, needle: string): Promise<string[]> {
    const ps = await c.exec('ps -eo args', {}, ROOT);
    return ps.stdout.split('\n').filter((l) => l.trim() === needle);
  }

  it('kills a hung command on the host (login user)', async () => {
    const c = await connect(target(2));
    const r = await c.exec('sleep 3217', { timeoutSec: 2 });
    expect(r.timedOut).toBe(true);
    expect([124, 137]).toContain(r.rc);
    expect(await leftovers(c, 'sleep 3217')).toEqual([]);
  });

  it('kills a hung root command under sudo, with and without password', async () => {
    const c = await connect(target(2));
    const r = await c.exec('sleep 3218', { timeoutSec: 2 }, ROOT);
    expect(r.timedOut).toBe(true);
    const p = await connect(target(2, { user: 'opspw' }));
    const r2 = await p.exec('sleep 3219', { timeoutSec: 2 }, { ...ROOT, password: 'opspw' });
    expect(r2.timedOut).toBe(true);
    expect(await leftovers(c, 'sleep 3218')).toEqual([]);
    expect(await leftovers(c, 'sleep 3219')).toEqual([]);
  });

  it('shows why a plain channel close is not enough: the remote process survives it', async () => {
    // Control for the tests above: without timeout(1), closing our side leaves the process running.
    const c = await connect(target(2));
    const pending = c.exec('sleep 3220').catch((e) => e);
    const watcher = await connect(target(2));
    for (let i = 0; i < 100 && (await leftovers(watcher, 'sleep 3220')).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    await c.close();
    expect(await pending).toBeInstanceOf(UnreachableError);
    expect(await leftovers(watcher, 'sleep 3220')).toHaveLength(1);
    await watcher.exec('pkill -x -f "sleep 3220"', {}, ROOT);
  });
});

describe('host keys', () => {
  const H = 9; // node9 is for host-key tests
  let name: string;
  let realBlob: Buffer;
  let wrongLine: string;
  beforeAll(() => {
    name = `[127.0.0.1]:${port(H)}`;
    realBlob = Buffer.from(realKeyLine(H).split(' ')[2], 'base64');
    const k = join(tmp, 'wrong-host-key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', k]);
    wrongLine = readFileSync(`${k}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  });
  const kh = (label: string, text: string) => {
    const f = join(tmp, `kh-${label}`);
    writeFileSync(f, text);
    return f;
  };

  it('accepts the recorded key', async () => {
    const c = await connect(target(H));
    expect((await c.exec('hostname')).stdout).toBe('node9\n');
  });

  it('refuses a mismatch, naming both fingerprints and the line to fix', async () => {
    const wrongBlob = Buffer.from(wrongLine.split(' ')[1], 'base64');
    const f = kh('mismatch', `# header\n${name} ${wrongLine}\n`);
    const err = await connect(target(H, { knownHosts: f })).catch((e) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toBeInstanceOf(HostKeyError);
    expect(err.message).toContain(`expected ${fingerprint(wrongBlob)} (${f}:2)`);
    expect(err.message).toContain(`got ssh-ed25519 ${fingerprint(realBlob)}`);
    expect(err.message).toContain(`remove line 2 of ${f}`);
    expect(err.message).not.toContain('\n');
  });

  it('refuses a mismatch even with acceptNewHostKeys, and leaves the file alone', async () => {
    const text = `${name} ${wrongLine}\n`;
    const f = kh('mismatch-accept', text);
    const err = await connect(target(H, { knownHosts: f, acceptNewHostKeys: true })).catch((e) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect(readFileSync(f, 'utf8')).toBe(text);
  });

  it('refuses an unknown host by default', async () => {
    const f = kh('unknown', `[127.0.0.1]:${port(1)} ${wrongLine}\n`);
    const err = await connect(target(H, { knownHosts: f })).catch((e) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect(err.message).toContain(`host key for ${name} is not in ${f}`);
    expect(err.message).toContain(fingerprint(realBlob));
  });

  it('treats a missing known_hosts file as empty (refused)', async () => {
    const err = await connect(target(H, { knownHosts: join(tmp, 'absent', 'known_hosts') })).catch((e) => e);
    expect(err).toBeInstanceOf(HostKeyError);
  });

  it('appends an unknown key with acceptNewHostKeys, then connects strictly', async () => {
    const f = kh('accept', `other ${wrongLine}`); // no trailing newline on purpose
    const c = await connect(target(H, { knownHosts: f, acceptNewHostKeys: true }));
    expect((await c.exec('hostname')).stdout).toBe('node9\n');
    const entries = parseKnownHosts(readFileSync(f, 'utf8'));
    expect(entries).toHaveLength(2);
    expect(entries[1].key.equals(realBlob)).toBe(true);
    expect(readFileSync(f, 'utf8')).toBe(`other ${wrongLine}\n${name} ssh-ed25519 ${realBlob.toString('base64')}\n`);
    // ssh itself agrees with what we wrote
    expect(execFileSync('ssh-keygen', ['-F', name, '-f', f], { encoding: 'utf8' })).toContain('found: line 2');
    const again = await connect(target(H, { knownHosts: f }));
    expect((await again.exec('true')).rc).toBe(0);
  });

  it('accepts a hashed (ssh-keygen -H) entry', async () => {
    const f = kh('hashed', `${realKeyLine(H)}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', f], { stdio: 'ignore' });
    expect(readFileSync(f, 'utf8')).toMatch(/^\|1\|/);
    const c = await connect(target(H, { knownHosts: f }));
    expect((await c.exec('hostname')).stdout).toBe('node9\n');
  });

  it('refuses a @revoked key', async () => {
    const f = kh('revoked', `${realKeyLine(H)}\n@revoked * ssh-ed25519 ${realBlob.toString('base64')}\n`);
    const err = await connect(target(H, { knownHosts: f })).catch((e) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect(err.message).toContain(`@revoked in ${f}:2`);
  });

  it('checks the jump host and the target against known_hosts', async () => {
    // node1 as jump host; the target is node3 reached from inside node1.
    const jump = await connect(target(1));
    const f = kh('jump-mismatch', `${realKeyLine(1)}\n${name} ${wrongLine}\n`);
    const err = await connect(target(H, { knownHosts: f, via: jump })).catch((e) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    const ok = await connect(target(H, { via: jump }));
    expect((await ok.exec('hostname')).stdout).toBe('node9\n');
  });
});

describe('proxy_jump through the pool', () => {
  it('reaches a host through user@host:port; the target sees a connection from the jump host', async () => {
    const pool = new ConnectionPool();
    try {
      const c = await pool.get(invHost(2, { proxy_jump: `ops@127.0.0.1:${port(1)}` }));
      const sshConn = (await c.exec('echo "$SSH_CONNECTION"')).stdout.trim().split(' ');
      expect(sshConn[3]).toBe(String(port(2)));
      // Host's view: the TCP connection node2 serves comes from node1's sshd, not from us.
      const owner = execFileSync('ss', ['-tnpH', 'state', 'established', `( sport = :${sshConn[1]} )`], { encoding: 'utf8' });
      expect(owner).toContain('"sshd"');
      expect(owner).not.toContain('"node"');
      expect(pool.stats()).toEqual({ node2: 1, [`jump ops@127.0.0.1:${port(1)}`]: 1 });
    } finally {
      await pool.closeAll();
    }
  });

  it('reuses an inventory host as the jump connection', async () => {
    const node1 = invHost(1);
    const pool = new ConnectionPool({ resolveHost: (n) => (n === 'node1' ? node1 : undefined) });
    try {
      const viaJump = await pool.get(invHost(2, { proxy_jump: 'node1' }));
      const direct = await pool.get(node1);
      expect((await viaJump.exec('hostname')).stdout).toBe('node2\n');
      expect((await direct.exec('hostname')).stdout).toBe('node1\n');
      expect(pool.stats()).toEqual({ node1: 1, node2: 1 });
    } finally {
      await pool.closeAll();
    }
  });

  it('refuses a proxy_jump loop', async () => {
    const hosts: Record<string, InventoryHost> = {};
    hosts.node1 = invHost(1, { proxy_jump: 'node2' });
    hosts.node2 = invHost(2, { proxy_jump: 'node1' });
    const pool = new ConnectionPool({ resolveHost: (n) => hosts[n] });
    const err = await pool.get(hosts.node1).catch((e) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err.message).toMatch(/proxy_jump loop/);
  });
});

describe('unreachable hosts', () => {
  it('reports connection refused in one line', async () => {
    const pool = new ConnectionPool();
    const p = await closedPort();
    const err = await pool.get(invHost(1, { port: p })).catch((e) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err.message).toBe(`ops@127.0.0.1:${p}: connection refused`);
    expect(pool.stats()).toEqual({ node1: 0 });
  });

  it('gives up on a host that accepts TCP but never speaks SSH (connect timeout)', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const p = (silent.address() as { port: number }).port;
      const err = await connect({ ...target(1), port: p, connectTimeoutSec: 1 }).catch((e) => e);
      expect(err).toBeInstanceOf(UnreachableError);
      expect(err.message).toBe(`ops@127.0.0.1:${p}: no SSH handshake within 1s`);
    } finally {
      silent.close();
    }
  });

  describe('a host that hangs, dies and comes back', () => {
    const N = 10; // node10: stopped and started by these tests
    const dropTarget = (over: Partial<SshTarget> = {}): SshTarget => target(N, over);
    /** Wait until `needle` shows in the host's process list (checked over a second connection). */
    async function untilRunning(needle: string): Promise<void> {
      const watcher = await connect(dropTarget({ name: 'watcher' }));
      for (let i = 0; i < 100 && !(await watcher.exec('ps -eo args')).stdout.includes(needle); i++) await new Promise((r) => setTimeout(r, 100));
      await watcher.close();
    }
    /** The host-side sshd processes holding TCP connections on the host's port (as the controller sees them). */
    function sshdPids(): number[] {
      const out = execFileSync('ss', ['-tnpH', 'state', 'established', `( sport = :${port(N)} )`], { encoding: 'utf8' });
      return [...new Set([...out.matchAll(/"sshd",pid=(\d+)/g)].map((m) => Number(m[1])))];
    }
    const where = () => `ops@127.0.0.1:${port(N)}`;

    afterAll(async () => {
      await startHost(`node${N}`).catch(() => undefined); // leave it running for whoever comes next
    });

    it('rejects a pending exec when the host stops answering (keepalive), without hanging', async () => {
      const c = await connect(dropTarget({ keepaliveSec: 1 }));
      const pending = c.exec('echo started; sleep 301').then(
        () => 'resolved',
        (e) => e,
      );
      await untilRunning('sleep 301');
      const frozen = sshdPids();
      expect(frozen.length).toBeGreaterThan(0);
      frozen.forEach((pid) => process.kill(pid, 'SIGSTOP'));
      try {
        const err = await pending;
        expect(err).toBeInstanceOf(UnreachableError);
        expect(err.message).toBe(`${where()}: connection lost (Keepalive timeout)`);
      } finally {
        frozen.forEach((pid) => process.kill(pid, 'SIGCONT'));
      }
    }, 30_000);

    it('rejects a pending exec when the host dies mid-command, then refuses new ones', async () => {
      const c = await connect(dropTarget());
      const pending = c.exec('echo started; sleep 300', {}, ROOT).then(
        () => 'resolved',
        (e) => e,
      );
      await untilRunning('sleep 300');
      await stopHost(`node${N}`); // kills the host's PID 1, hence sshd and every session
      const err = await pending;
      expect(err).toBeInstanceOf(UnreachableError);
      expect(err.message.startsWith(`${where()}: connection lost`)).toBe(true);
      const next = await c.exec('true').catch((e) => e);
      expect(next).toBeInstanceOf(UnreachableError);
      const fresh = await connect(dropTarget()).catch((e) => e);
      expect(fresh.message).toBe(`${where()}: connection refused`);
    }, 30_000);

    it('reconnect() waits for the host to come back (as after a reboot)', async () => {
      // node10 is down since the previous test.
      const c = new SshConnection(dropTarget());
      opened.push(c);
      const back = c.reconnect(Date.now() + 60_000);
      const err = await Promise.race([
        back.then(
          () => 'connected',
          (e) => e,
        ),
        new Promise((r) => setTimeout(() => r('still trying'), 1500)),
      ]);
      expect(err).toBe('still trying');
      await startHost(`node${N}`); // same root and host key, as after a reboot
      await back;
      expect((await c.exec('hostname')).stdout).toBe(`node${N}\n`);
      expect(c.opened).toBe(1);
    }, 90_000);

    it('reconnect() gives up at the deadline with the last reason', async () => {
      const p = await closedPort();
      const c = new SshConnection({ ...dropTarget(), port: p });
      opened.push(c);
      const err = await c.reconnect(Date.now() + 1500).catch((e) => e);
      expect(err).toBeInstanceOf(UnreachableError);
      expect(err.message).toBe(`ops@127.0.0.1:${p}: connection refused`);
    }, 30_000);
  });
});
