/**
 * The persistent shell (src/transport/persistent-shell.ts) against real sshd and sudo:
 * commands really go through one long-lived shell per identity, and every exec
 * semantic holds there exactly as on a channel of its own. Hosts: node1, node2
 * (transport's, per the table in test/setup/fleet.ts); unique paths only.
 */
import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { SshConnection } from '../../src/transport/ssh.js';
import { BecomeError } from '../../src/transport/become.js';
import { MAX_SPOOLED_STDIN } from '../../src/transport/persistent-shell.js';
import { UnreachableError, type BecomeSpec } from '../../src/transport/types.js';
import { sh } from '../../src/transport/quote.js';
import { fleetTarget, trackedConnections } from '../setup/ssh-connections.js';

const ROOT: BecomeSpec = { user: 'root', method: 'sudo' };

const target = fleetTarget;
const { connect } = trackedConnections();

/** The PID of the process that ran the command's shell: the same for every command of one persistent shell. */
const parentPid = async (c: SshConnection, become?: BecomeSpec): Promise<string> => (await c.exec('echo $PPID', {}, become)).stdout.trim();

describe('persistent shell', () => {
  it('runs consecutive commands in one long-lived shell per identity (one sudo for all root commands)', async () => {
    const c = await connect(target(1));
    const login = [await parentPid(c), await parentPid(c), await parentPid(c)];
    expect(new Set(login).size).toBe(1);
    const root = [await parentPid(c, ROOT), await parentPid(c, ROOT), await parentPid(c, ROOT)];
    expect(new Set(root).size).toBe(1);
    expect(root[0]).not.toBe(login[0]);
    expect((await c.exec('id -un; echo $HOME', {}, ROOT)).stdout).toBe('root\n/root\n');
    expect((await c.exec('id -un', {})).stdout).toBe('ops\n');
    // Turned off: every command is a new session, so a new parent each time.
    const off = await connect(target(1, { persistentShell: false }));
    expect(await parentPid(off, ROOT)).not.toBe(await parentPid(off, ROOT));
  });

  it('keeps stdout, stderr and the exit code apart, binary-safe, with framing look-alikes in the output', async () => {
    const c = await connect(target(1));
    const r = await c.exec(`printf 'NMRES 0 1 1\\nA\\000B\\n'; printf 'err NMSHELL1\\n' >&2; exit 7`, {}, ROOT);
    expect(r.rc).toBe(7);
    expect([...r.stdoutBytes]).toEqual([...Buffer.from('NMRES 0 1 1\nA\0B\n', 'latin1')]);
    expect(r.stderr).toBe('err NMSHELL1\n');
    // The shell survives `exit`, and nothing of the last command (cwd, variables, traps) leaks.
    const next = await c.exec('cd /tmp; X=1; trap "echo trapped" EXIT; exit 3', {}, ROOT);
    expect(next).toMatchObject({ rc: 3, stdout: 'trapped\n' });
    const after = await c.exec('pwd; echo "${X-unset}"; umask; env | grep -E "^(HOME|USER|PATH)=" | sort', {}, ROOT);
    // Exactly what a fresh sudo on a channel of its own sees.
    const fresh = await (await connect(target(1, { persistentShell: false }))).exec('pwd; echo "${X-unset}"; umask; env | grep -E "^(HOME|USER|PATH)=" | sort', {}, ROOT);
    expect(after).toMatchObject({ rc: 0, stderr: '', stdout: fresh.stdout });
    expect(after.stdout).toMatch(/\nunset\n/);
    // A subshell of the server: none of the server's variables (the nonce above all) reaches the command.
    const vars = 'nm_sep d n tag how lines ilen tmo il s l x nl in rc'.split(' ');
    const seen = await c.exec(vars.map((v) => `echo "${v}=\${${v}-unset}"`).join('; '), {}, ROOT);
    expect(seen.stdout).toBe(vars.map((v) => `${v}=unset\n`).join(''));
  });

  it('frames outputs that arrive in many packets, empty ones, and more commands than its output files are kept for', async () => {
    const c = await connect(target(1));
    const big = await c.exec('seq 1 40000; seq 1 5 >&2', {}, ROOT);
    expect(big.stdout).toBe(Array.from({ length: 40000 }, (_, i) => `${i + 1}\n`).join(''));
    expect(big.stderr).toBe('1\n2\n3\n4\n5\n');
    expect(await c.exec(':', {}, ROOT)).toMatchObject({ rc: 0, stdout: '', stderr: '' });
    expect((await c.exec('printf "no newline"', {}, ROOT)).stdout).toBe('no newline');
    for (let i = 0; i < 70; i++) expect((await c.exec(`echo ${i}; echo e${i} >&2`, {}, ROOT)).stdout).toBe(`${i}\n`);
    expect((await c.exec('echo $PPID', {}, ROOT)).stdout).toBe((await c.exec('echo $PPID', {}, ROOT)).stdout);
  });

  it('gives a command only its stdin, stdout and stderr as open files, as a channel of its own does', async () => {
    const c = await connect(target(1));
    const fresh = await connect(target(1, { persistentShell: false }));
    // The command's own process (a subshell of the server, or an `sh -c`), listed by a child's child
    // (`; :` keeps each shell from exec'ing its last command in its place): `$$` in a subshell is the server's.
    const fds = async (conn: SshConnection) => (await conn.exec(`sh -c 'ls /proc/$PPID/fd; :'; :`, {}, ROOT)).stdout.split('\n').filter(Boolean).sort();
    expect(await fds(c)).toEqual(['0', '1', '2']);
    expect(await fds(fresh)).toEqual(['0', '1', '2']);
  });

  it('reports a signal death as 128+N, like a shell', async () => {
    const c = await connect(target(1));
    // The command's own process (in a subshell `$$` names the server: its child's parent is the command).
    expect((await c.exec(`sh -c 'kill -9 $PPID'; :`, {}, ROOT)).rc).toBe(137);
    expect((await c.exec(`sh -c 'kill -9 $PPID'; :`, { timeoutSec: 10 }, ROOT)).rc).toBe(137);
    expect((await c.exec('echo alive', {}, ROOT)).stdout).toBe('alive\n');
  });

  it('gives each command exactly its stdin, then EOF; large input takes a channel of its own and arrives whole', async () => {
    const c = await connect(target(1));
    const bytes = randomBytes(4096);
    const r = await c.exec('sha256sum; cat', { stdin: bytes }, ROOT);
    expect(r.stdout).toMatch(/^[0-9a-f]{64} {2}-\n$/);
    expect((await c.exec('cat | wc -c', {}, ROOT)).stdout.trim()).toBe('0');
    const big = randomBytes(MAX_SPOOLED_STDIN + 1000);
    const pp = await parentPid(c, ROOT);
    const rb = await c.exec('wc -c; echo $PPID', { stdin: big }, ROOT);
    expect(rb.stdout.split('\n').slice(0, 2)).toEqual([String(big.length), expect.not.stringMatching(`^${pp}$`)]);
  });

  it('gives a small text input (read by the shell itself, not head) byte for byte: no final newline, backslashes, blanks, CR, % and non-UTF-8 bytes', async () => {
    const c = await connect(target(1));
    const pp = await parentPid(c, ROOT);
    const inputs = [
      Buffer.from('kernel.panic = 10\n'),
      Buffer.from('no newline at the end'),
      Buffer.from('  lead and trail  \n\\n a\\tb %s %% $HOME `x`\r\n\n\nend\\'),
      Buffer.from([0xff, 0xfe, 0x0a, 0xc3, 0x28, 0x20]),
      Buffer.from('\n'),
      Buffer.alloc(2048, 0x78),
    ];
    for (const input of inputs) {
      const r = await c.exec('od -An -v -tx1 | tr -d " \n"; echo " $PPID"', { stdin: input }, ROOT);
      expect(r.stdout).toBe(`${input.toString('hex')} ${pp}\n`);
      // The same through a spooled command (user work).
      expect((await c.exec('od -An -v -tx1 | tr -d " \n"', { stdin: input, timeoutSec: 10 }, ROOT)).stdout).toBe(input.toString('hex'));
    }
  });

  it('applies cwd, env and the remote timeout; a timed-out command does not take the shell with it', async () => {
    const c = await connect(target(2));
    const r = await c.exec('pwd; echo "$A|$B"', { cwd: '/etc', env: { A: "it's", B: 'x y' } }, ROOT);
    expect(r.stdout).toBe("/etc\nit's|x y\n");
    const t = await c.exec('echo started; sleep 30', { timeoutSec: 1 }, ROOT);
    expect(t).toMatchObject({ rc: 124, timedOut: true, stdout: 'started\n' });
    expect((await c.exec('echo next', {}, ROOT)).stdout).toBe('next\n');
  });

  it('user work (a command with a timeout) is spooled: a background job that keeps writing to its old stdout never leaks into the next command', async () => {
    const c = await connect(target(2));
    // (Its own output may hold the job's first lines; on a channel of its own the exec would wait for the job to end.)
    const bg = await c.exec('(for i in 1 2 3 4 5 6 7 8 9 10; do echo LEAK; sleep 0.1; done) & echo started', { timeoutSec: 30 }, ROOT);
    expect(bg.stdout).toContain('started\n');
    for (let i = 0; i < 5; i++) expect((await c.exec('sleep 0.1; echo clean', {}, ROOT)).stdout).toBe('clean\n');
    for (let i = 0; i < 3; i++) expect((await c.exec('sleep 0.1; echo clean', { timeoutSec: 30 }, ROOT)).stdout).toBe('clean\n');
  });

  it("nodemend's own scripts (no timeout) write straight to the channel; user work writes to a spool file", async () => {
    const c = await connect(target(2));
    // What the command's stdout is: the channel's pipe (no `cat` needed on the host) or a file in the shell's temp dir.
    const stdoutOf = async (opts: { timeoutSec?: number }) => (await c.exec('readlink /proc/self/fd/1', opts, ROOT)).stdout.trim();
    expect(await stdoutOf({})).toMatch(/^pipe:/);
    expect(await stdoutOf({ timeoutSec: 30 })).toMatch(/^\/tmp\/nodemend\.\w+\/o\d+$/);
    // Both keep the same semantics: stdout/stderr apart, exit code, binary bytes.
    for (const opts of [{}, { timeoutSec: 30 }]) {
      const r = await c.exec(`printf 'a\\000b'; printf 'e1\\n' >&2; printf 'o2\\n'; printf 'e2' >&2; exit 5`, opts, ROOT);
      expect([r.rc, [...r.stdoutBytes], r.stderr]).toEqual([5, [...Buffer.from('a\0bo2\n', 'latin1')], 'e1\ne2']);
    }
  });

  it('runs concurrent commands side by side (the busy shell sends the others to channels of their own)', async () => {
    const c = await connect(target(2));
    const tag = randomBytes(4).toString('hex');
    const rs = await Promise.all([1, 2, 3, 4].map((i) => c.exec(sh`echo ${`${tag}-${i}`}; sleep 0.3`.text, {}, ROOT)));
    expect(rs.map((r) => r.stdout.trim())).toEqual([1, 2, 3, 4].map((i) => `${tag}-${i}`));
  });

  it('keeps sudo errors as they were: passwordless sudo that needs a password is a BecomeError; password sudo still works', async () => {
    const noPw = await connect(target(1, { user: 'opspw' }));
    await expect(noPw.exec('id -u', {}, ROOT)).rejects.toBeInstanceOf(BecomeError);
    await expect(noPw.exec('id -u', {}, ROOT)).rejects.toThrow(/needs a password/);
    const pw = await connect(target(1, { user: 'opspw' }));
    expect((await pw.exec('id -u', {}, { ...ROOT, password: 'opspw' })).stdout).toBe('0\n');
  });

  it('fails a pending command as unreachable when the connection drops, and starts a new shell after reconnect', async () => {
    // (A host dying mid-command is covered in transport.test.ts, on node10: its execs go through the shell too.)
    const c = await connect(target(2));
    const before = await parentPid(c, ROOT);
    const failed = expect(c.exec('sleep 20', {}, ROOT)).rejects.toBeInstanceOf(UnreachableError);
    await new Promise((r) => setTimeout(r, 300));
    await c.reconnect(Date.now() + 20_000);
    await failed;
    const after = await parentPid(c, ROOT);
    expect(after).toMatch(/^\d+$/);
    expect(after).not.toBe(before);
  });
});
