/**
 * The persistent shell's server (SHELL_SERVER) run by this machine's own `sh`, driven by the real
 * controller side (PersistentShell) over the child's pipes instead of an SSH channel: what a direct
 * script sees of the server, and which scripts may run there at all.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientChannel } from 'ssh2';
import { directScriptProblem, PersistentShell, SERVER_VARIABLES, serverVariables, SHELL_SERVER } from '../../../src/transport/persistent-shell.js';
import { shellLibrary } from '../../../src/transport/shell-library.js';

const shells: PersistentShell[] = [];
afterEach(() => shells.splice(0).forEach((s) => s.close()));

/** A server in a local `sh -c`, as ssh.ts starts one on a host, its pipes dressed as a channel. */
async function localServer(): Promise<PersistentShell> {
  const child = spawn('sh', ['-c', SHELL_SERVER], { stdio: 'pipe' });
  const ch = Object.assign(new EventEmitter(), {
    stderr: child.stderr,
    write: (d: string | Buffer) => child.stdin.write(d),
    end: () => child.stdin.end(),
    close: () => child.kill(),
  });
  child.stdout.on('data', (d: Buffer) => ch.emit('data', d));
  child.on('close', () => ch.emit('close'));
  const shell = new PersistentShell(ch as unknown as ClientChannel, () => undefined);
  shells.push(shell);
  await shell.waitReady(10_000);
  return shell;
}

/** The names `set` lists (dash: one `name='value'` per variable; a value's later lines start with no name). */
const names = (set: Buffer): string[] =>
  set
    .toString('utf8')
    .split('\n')
    .map((l) => /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();

describe('persistent shell server', () => {
  it('gives a direct script the variables an sh -c has, none of its own', async () => {
    const shell = await localServer();
    // Spooled: a fresh `sh -c` of its own, the reference.
    const fresh = await shell.run({ command: 'set', timeoutSec: 30 });
    const direct = await shell.run({ command: 'set' });
    expect(direct.rc).toBe(0);
    expect(names(direct.stdout)).toEqual(names(fresh.stdout));
    // The server does set variables of its own (else the comparison proves nothing): they are what got unset.
    const leaked = await shell.run({ command: `set | grep -c -E '^(${SERVER_VARIABLES.join('|')})='`, timeoutSec: 30 });
    expect(leaked.stdout.toString().trim()).toBe('0');
    expect(SERVER_VARIABLES).toEqual(expect.arrayContaining(['nm_sep', 'd', 'n', 's', 'rc', 'in', 'tag', 'il']));
  });

  it('finds the variables a server script sets: assignments and read targets, not an IFS= prefix', () => {
    expect(serverVariables('n=0\nwhile IFS= read -r a bb c2; do x=; y="$a"; [ "$a" = z ] && w=$((n + 1)); (q=1); done')).toEqual(['a', 'bb', 'c2', 'n', 'q', 'w', 'x', 'y']);
  });

  it('runs a direct script in a subshell whose $$ is the server: why direct scripts use $$ only in file names', async () => {
    const shell = await localServer();
    const pids = await shell.run({ command: 'echo $$; read -r s < /proc/self/stat; echo "${s%% *}"' });
    const [dollar, self] = pids.stdout.toString().trim().split('\n');
    expect(dollar).not.toBe(self);
    expect((await shell.run({ command: 'echo $$' })).stdout.toString()).toBe(`${dollar}\n`);
  });

  it('refuses $$ in a direct script but at the end of a file name, outside quotes and comments', () => {
    for (const ok of [
      'mv -f -- "$hl.$$" "$hl"',
      'b="$1.$(date +%Y%m%dT%H%M%S).$$~"',
      't=/tmp/nm-$$ x_$$',
      "printf '%s' 'kill $$'",
      "sh -c 'cat /proc/$$/environ'",
      '# kill $$ is never done\necho "a\\$$"',
    ])
      expect(directScriptProblem(ok), ok).toBeUndefined();
    for (const [bad, line] of [
      ['kill $$', 1],
      ['set -f\np=$$', 2],
      ['read -r s < /proc/$$/stat', 1],
      ['cat "/proc/$$/environ"', 1],
      ['echo "$$"', 1],
      ["printf '%s' x; echo $$ # not a comment yet", 1],
    ] as const)
      expect(directScriptProblem(bad), bad).toContain(`(line ${line}:`);
  });

  it('checks a library body once, and what is around it every time', () => {
    const good = shellLibrary('b="$1.$$~"\necho "$b"\n');
    const bad = shellLibrary('echo nm-test-body\nkill $$\n');
    expect(directScriptProblem(`p=x\n${good}echo done`)).toBeUndefined();
    expect(directScriptProblem(`p=x\n${good}echo $$`)).toContain('echo $$');
    for (let i = 0; i < 2; i++) expect(directScriptProblem(`p=x\n${bad}`)).toContain('kill $$');
  });
});
