/** command and shell on a real host: no shell for command, creates/removes, chdir, stdin, failures, check mode. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import command from '../../src/modules/command.js';
import shell from '../../src/modules/shell.js';
import { failure } from '../setup/module-failure.js';
import type { ModuleHarness } from '../setup/module-harness.js';
import { execHosts, existsOnHost, onHost, openHarness, uniquePath, type ExecHost } from './modules-exec-env.js';

let host: ExecHost;
let hx: ModuleHarness;
const dir = uniquePath('cmd');

beforeAll(async () => {
  host = (await execHosts())[0];
  hx = await openHarness(host);
  mkdirSync(onHost(host, dir), { recursive: true });
});
afterAll(async () => {
  await hx.conn.as({ user: 'root', method: 'sudo' }).exec(`rm -rf ${dir}`);
  await hx.close();
});

describe('command', () => {
  it('runs the program and registers rc, stdout, lines, cmd and times', async () => {
    const r = await hx.run(command, { cmd: 'printf "a\\nb\\n"' });
    expect(r.changed).toBe(true);
    expect(r.result).toMatchObject({ rc: 0, stdout: 'a\nb', stdout_lines: ['a', 'b'], stderr: '', stderr_lines: [], cmd: ['printf', 'a\\nb\\n'] });
    expect(r.result.start).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    expect(r.result.delta).toMatch(/^0:00:\d\d(\.\d{6})?$/);
  });

  it('does not interpret shell syntax: ; $( ) > are plain words', async () => {
    const marker = `${dir}/must-not-exist`;
    const r = await hx.run(command, { cmd: `echo hi; touch ${marker} $(id) > ${marker}` });
    expect(r.result.stdout).toBe(`hi; touch ${marker} $(id) > ${marker}`);
    expect(existsOnHost(host, marker)).toBe(false);
  });

  it('passes argv elements as single words', async () => {
    const r = await hx.run(command, { argv: ['printf', '[%s]', 'a b', "it's", '*'] });
    expect(r.result.stdout).toBe("[a b][it's][*]");
    expect(r.result.cmd).toEqual(['printf', '[%s]', 'a b', "it's", '*']);
  });

  it('expands ~ and $VAR with the remote environment like Ansible, unless expand_argument_vars is false', async () => {
    expect((await hx.run(command, { cmd: 'echo ~ $HOME $NM_UNSET' })).result.stdout).toBe('/root /root $NM_UNSET');
    expect((await hx.run(command, { cmd: 'echo ~ $HOME', expand_argument_vars: false })).result.stdout).toBe('~ $HOME');
  });

  it('creates: runs once, then skips; check mode reports the same without running', async () => {
    const target = `${dir}/created`;
    const args = { cmd: `touch ${target}`, creates: target };
    const check = await hx.run(command, args, { check: true });
    expect(check.changed).toBe(true);
    expect(check.plan.msg).toBe(`would run: touch ${target}`);
    expect(existsOnHost(host, target)).toBe(false);
    expect((await hx.run(command, args)).changed).toBe(true);
    expect(existsOnHost(host, target)).toBe(true);
    const again = await hx.run(command, args);
    expect(again.changed).toBe(false);
    expect(again.plan.msg).toBe(`skipped, since ${target} exists`);
    expect(again.result).toMatchObject({ rc: 0, stdout: `skipped, since ${target} exists`, msg: `Did not run command since '${target}' exists` });
    expect((await hx.run(command, args, { check: true })).changed).toBe(false);
  });

  it('creates and removes accept globs, relative to chdir (free-form key=value)', async () => {
    writeFileSync(onHost(host, `${dir}/log-1.txt`), 'x');
    const skip = await hx.run(command, { cmd: `touch nope chdir=${dir} creates=log-*.txt` });
    expect(skip.changed).toBe(false);
    expect(skip.plan.msg).toBe('skipped, since log-*.txt exists');
    expect(existsOnHost(host, `${dir}/nope`)).toBe(false);
    const rm = await hx.run(command, { cmd: 'rm log-1.txt', chdir: dir, removes: 'log-?.txt' });
    expect(rm.changed).toBe(true);
    expect(existsOnHost(host, `${dir}/log-1.txt`)).toBe(false);
    const gone = await hx.run(command, { cmd: 'rm log-1.txt', chdir: dir, removes: 'log-?.txt' });
    expect(gone.changed).toBe(false);
    expect(gone.plan.msg).toBe('skipped, since log-?.txt does not exist');
  });

  it('runs in chdir, and fails clearly when it does not exist', async () => {
    expect((await hx.run(command, { cmd: 'pwd', chdir: dir })).result.stdout).toBe(dir);
    const e = await failure(hx.run(command, { cmd: 'pwd', chdir: `${dir}/missing` }));
    expect(e.message).toMatch(/^Unable to change directory before execution/);
  });

  it('a non-zero exit is a failure that still carries rc, stdout and stderr', async () => {
    const e = await failure(hx.run(command, { argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'] }));
    expect(e.message).toBe('non-zero return code');
    expect(e.result).toMatchObject({ rc: 3, stdout: 'out', stderr: 'err', stdout_lines: ['out'], stderr_lines: ['err'] });
  });

  it("a missing program fails as 2.14's Popen does: rc 2 (ENOENT), unchanged, nothing run", async () => {
    const e = await failure(hx.run(command, { cmd: 'nm-no-such-program' }));
    expect(e.message).toBe("[Errno 2] No such file or directory: b'nm-no-such-program'");
    expect(e.result).toMatchObject({ rc: 2, changed: false, cmd: 'nm-no-such-program' });
  });

  it('feeds stdin, with a newline unless stdin_add_newline is false', async () => {
    expect((await hx.run(command, { cmd: 'od -c', stdin: 'ab' })).result.stdout).toMatch(/a\s+b\s+\\n/);
    const raw = await hx.run(command, { cmd: 'od -c', stdin: 'ab', stdin_add_newline: false });
    expect(raw.result.stdout).not.toMatch(/\\n/);
  });

  it('keeps trailing newlines when strip_empty_ends is false', async () => {
    expect((await hx.run(command, { cmd: 'printf "x\\n\\n"', strip_empty_ends: false })).result.stdout).toBe('x\n\n');
  });

  it('kills a command that outlives the task timeout', async () => {
    const short = await openHarness(host, { overrides: { timeoutSec: 1 } });
    try {
      const e = await failure(short.run(command, { cmd: 'sleep 30' }));
      expect(e.message).toBe('command timed out after 1 seconds');
    } finally {
      await short.close();
    }
  });

  it('runs as the become user, or as the login user without become', async () => {
    expect((await hx.run(command, { cmd: 'id -un' })).result.stdout).toBe('root');
    const ops = await openHarness(host, { become: false });
    try {
      expect((await ops.run(command, { cmd: 'id -un' })).result.stdout).toBe('ops');
    } finally {
      await ops.close();
    }
  });
});

describe('shell', () => {
  it('runs pipes, redirections and variables through /bin/sh', async () => {
    const out = `${dir}/shell-out`;
    const r = await hx.run(shell, { cmd: `x=world; echo "hello $x" | tr a-z A-Z > ${out}; cat ${out}` });
    expect(r.result).toMatchObject({ rc: 0, stdout: 'HELLO WORLD', cmd: `x=world; echo "hello $x" | tr a-z A-Z > ${out}; cat ${out}` });
    expect(readFileSync(onHost(host, out), 'utf8')).toBe('HELLO WORLD\n');
  });

  it('uses executable when given (bash-only syntax)', async () => {
    const e = await failure(hx.run(shell, { cmd: '[[ 1 == 1 ]] && echo yes' }));
    expect(e.result.rc).not.toBe(0);
    expect((await hx.run(shell, { cmd: '[[ 1 == 1 ]] && echo $0', executable: '/bin/bash' })).result.stdout).toBe('/bin/bash');
  });

  it('creates makes it idempotent; check mode runs nothing', async () => {
    const target = `${dir}/shell-created`;
    const args = { cmd: `echo made > ${target}`, creates: target };
    expect((await hx.run(shell, args, { check: true })).changed).toBe(true);
    expect(existsOnHost(host, target)).toBe(false);
    expect((await hx.run(shell, args)).changed).toBe(true);
    expect((await hx.run(shell, args)).changed).toBe(false);
    expect(readFileSync(onHost(host, target), 'utf8')).toBe('made\n');
  });

  it('reports rc and stderr of a failing pipeline', async () => {
    const e = await failure(hx.run(shell, { cmd: 'echo oops >&2; false' }));
    expect(e.result).toMatchObject({ rc: 1, stderr: 'oops' });
  });
});
