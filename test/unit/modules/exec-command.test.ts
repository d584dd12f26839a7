import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import command, { cleanArgs, extractInlineOptions, pyBytesRepr, shellWord, shlexSplit, schema as commandSchema } from '../../../src/modules/command.js';
import { emptyPlannedPaths } from '../../../src/modules/lib/planned-paths.js';
import type { ModuleContext } from '../../../src/modules/types.js';
import type { RemoteShell } from '../../../src/transport/types.js';
import { schema as shellSchema } from '../../../src/modules/shell.js';

// Expected values produced by Python 3.11 shlex.split (what Ansible's command module uses).
const SHLEX: [string, string[]][] = [
  ['echo hi; rm x', ['echo', 'hi;', 'rm', 'x']],
  ['a "b c" d', ['a', 'b c', 'd']],
  ["'it'\\''s'", ["it's"]],
  ['a\\ b', ['a b']],
  ['"a\\$b\\"c\\\\d"', ['a\\$b"c\\d']],
  ['x  "" y', ['x', '', 'y']],
  ['a#b #c', ['a#b', '#c']],
  ['tab\there\nnl', ['tab', 'here', 'nl']],
  ['mixed"q"\'s\'x', ['mixedqsx']],
  ['$(id) `id` > out | cat', ['$(id)', '`id`', '>', 'out', '|', 'cat']],
  ["'a\\b'", ['a\\b']],
];

describe('shlexSplit (Python shlex, POSIX mode)', () => {
  it.each(SHLEX)('splits %j', (input, words) => {
    expect(shlexSplit(input)).toEqual(words);
  });
  it('rejects an unclosed quote and a trailing backslash like Python', () => {
    expect(() => shlexSplit('"open')).toThrow('No closing quotation');
    expect(() => shlexSplit('trail\\')).toThrow('No escaped character');
  });
});

/** What a real sh makes of the word (printf one line per resulting field). */
function fields(word: string, env: Record<string, string> = {}, cwd?: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\n' ${word}`], { env: { PATH: process.env.PATH, ...env }, cwd }).toString();
  return out.replace(/\n$/, '').split('\n');
}

describe('shellWord', () => {
  const nasty = ["it's", 'a b', '$(rm -rf /)', '`id`', '"dq"', 'semi;colon', '*', '~', '$HOME', '[ab]', 'x\\y'];
  it.each(nasty)('keeps %j literal when nothing is expanded', (v) => {
    expect(fields(shellWord(v).text)).toEqual([v]);
  });
  it('expands globs only in glob mode, never other syntax', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nm-glob-'));
    for (const f of ['a1', 'a2', 'b;c']) writeFileSync(join(dir, f), '');
    expect(fields(shellWord('a*', { glob: true }).text, {}, dir)).toEqual(['a1', 'a2']);
    expect(fields(shellWord('a[12]', { glob: true }).text, {}, dir)).toEqual(['a1', 'a2']);
    expect(fields(shellWord('b;c', { glob: true }).text, {}, dir)).toEqual(['b;c']);
    expect(fields(shellWord('[;]*', { glob: true }).text, {}, dir)).toEqual(['[;]*']);
    expect(fields(shellWord('a*', {}).text, {}, dir)).toEqual(['a*']);
  });
  it('gives an empty word for an empty string', () => {
    expect(fields(`x ${shellWord('').text} y`)).toEqual(['x', '', 'y']);
  });
});

/** This machine as the host: every script runs in a real sh with only `env` (what `env -0` reports), getent from its passwd. */
function localHost(env: Record<string, string>): { ctx: ModuleContext; scripts: string[] } {
  const scripts: string[] = [];
  const conn: RemoteShell = {
    hostName: 'local',
    exec: async (cmd, opts) => {
      scripts.push(String(cmd));
      const r = spawnSync('sh', ['-c', String(cmd)], { env, input: opts?.stdin });
      return { rc: r.status ?? 1, stdout: r.stdout.toString(), stderr: r.stderr.toString(), stdoutBytes: r.stdout };
    },
  };
  const ctx = { host: 'local', conn, loginConn: conn, check: false, diff: false, timeoutSec: 30, planned: emptyPlannedPaths() } as unknown as ModuleContext;
  return { ctx, scripts };
}

describe('command argv expansion: the path rule (src/modules/lib/expand-path.ts), as 2.14 run_command', () => {
  // Expected: python3 os.path.expanduser(os.path.expandvars(w)) per word, env -i HOME=/home/u SET='v a l' T='~root/t'.
  const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/home/u', SET: 'v a l', T: '~root/t' };
  const PYTHON: [string, string][] = [
    ['$SET', 'v a l'],
    ['a$SET-${SET}b', 'av a l-v a lb'],
    ['$UNSET', '$UNSET'],
    ['${UNSET}', '${UNSET}'],
    ['${HOME}/x', '/home/u/x'],
    ['~', '/home/u'],
    ['~/x', '/home/u/x'],
    ['~root/x', '/root/x'],
    ['~nosuchuser9/x', '~nosuchuser9/x'],
    ['$(id)', '$(id)'],
    ['`id`', '`id`'],
    ['*', '*'],
    ['/etc/host*', '/etc/host*'],
    ['$T/y', '/root/t/y'],
    ['a~b', 'a~b'],
    ['$1', '$1'],
    ['~$SET', '~v a l'],
  ];
  it('each argv word expanded once, before the run; cmd registers the words as written', async () => {
    const { ctx, scripts } = localHost(ENV);
    const argv = ['printf', '%s\\n', ...PYTHON.map(([w]) => w)];
    const plan = await command.plan(commandSchema.parse({ argv }) as never, ctx);
    // Two host calls, no run yet: `~$SET` names a user ("v a l") only known once $SET is expanded.
    expect(scripts).toHaveLength(2);
    expect(scripts.join('\n')).not.toContain('exec ');
    const result = (await plan.apply!())!;
    expect(result.stdout).toBe(PYTHON.map(([, want]) => want).join('\n'));
    expect(result.cmd).toEqual(argv);
  });
  it('the same words from a command line; no host call when no word has $ or a leading ~', async () => {
    const { ctx } = localHost(ENV);
    const plan = await command.plan(commandSchema.parse({ cmd: "printf '[%s]' '~root' '$SET' '~/x' 'a~b'" }) as never, ctx);
    expect((await plan.apply!())!.stdout).toBe('[/root][v a l][/home/u/x][a~b]');
    const plain = localHost(ENV);
    await command.plan(commandSchema.parse({ cmd: 'printf "[%s]" "*" "a b" x~' }) as never, plain.ctx);
    expect(plain.scripts).toEqual([]);
  });
  it('expand_argument_vars false: every word literal, no host call', async () => {
    const { ctx, scripts } = localHost(ENV);
    const plan = await command.plan(commandSchema.parse({ argv: ['printf', '[%s]', '~', '$SET'], expand_argument_vars: false }) as never, ctx);
    expect(scripts).toEqual([]);
    expect((await plan.apply!())!.stdout).toBe('[~][$SET]');
  });
});

describe('a program that cannot be executed, a creates/removes skip: what 2.14 registers', () => {
  const ENV = { PATH: '/usr/bin:/bin' };
  const failure = async (argv: string[], env: Record<string, string> = ENV): Promise<{ message: string; result: Record<string, unknown> }> => {
    const { ctx } = localHost(env);
    const plan = await command.plan(commandSchema.parse({ argv }) as never, ctx);
    return plan.apply!().then(
      () => ({ message: 'ran', result: {} }),
      (e: { message: string; result: Record<string, unknown> }) => ({ message: e.message, result: e.result }),
    );
  };
  it('Python repr of the program name as bytes; _clean_args quoting and password masking', () => {
    // Expected: python3 repr(s.encode()) and ' '.join(shlex.quote(a)) after PASSWD_ARG_RE.
    expect([pyBytesRepr('nosuchcmd'), pyBytesRepr("it's"), pyBytesRepr('a\\b\n\té'), pyBytesRepr(`x'"y`)]).toEqual(["b'nosuchcmd'", `b"it's"`, "b'a\\\\b\\n\\t\\xc3\\xa9'", `b'x\\'"y'`]);
    expect(cleanArgs(['nosuch', 'a b', '--password', 'secret', '--pass=x', ''])).toBe("nosuch 'a b' --password '********' '--pass=********' ''");
  });
  it('ENOENT, EACCES (no x bit, a directory), ENOTDIR: rc = errno, unchanged, nothing run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nm-exec-'));
    writeFileSync(join(dir, 'plain'), 'touch ran\n', { mode: 0o644 });
    const missing = await failure(['nosuchcmd-x', 'a b']);
    expect(missing.message).toBe("[Errno 2] No such file or directory: b'nosuchcmd-x'");
    expect(missing.result).toEqual({ changed: false, cmd: "nosuchcmd-x 'a b'", rc: 2, stdout: '', stderr: '', stdout_lines: [], stderr_lines: [] });
    expect((await failure([`${dir}/plain`])).message).toBe(`[Errno 13] Permission denied: b'${dir}/plain'`);
    expect((await failure([dir])).result.rc).toBe(13);
    expect((await failure([`${dir}/plain/x`])).message).toBe(`[Errno 20] Not a directory: b'${dir}/plain/x'`);
    // PATH search: a non-executable match is remembered, a later executable one runs.
    expect((await failure(['plain'], { PATH: `${dir}:/usr/bin:/bin` })).message).toBe("[Errno 13] Permission denied: b'plain'");
    expect((await failure(['true'], { PATH: `${dir}:/usr/bin:/bin` })).message).toBe('ran');
    expect((await failure(['sh', '-c', 'exit 0'])).message).toBe('ran');
  });
  it('a creates/removes skip registers 2.14s msg, stdout and null times; "Would not" in --check', async () => {
    const { ctx } = localHost(ENV);
    const plan = await command.plan(commandSchema.parse({ cmd: 'touch /x', creates: '/' }) as never, ctx);
    expect(plan).toMatchObject({ changed: false, msg: 'skipped, since / exists' });
    expect(plan.result).toEqual({
      msg: "Did not run command since '/' exists",
      cmd: ['touch', '/x'],
      rc: 0,
      stdout: 'skipped, since / exists',
      stderr: '',
      stdout_lines: ['skipped, since / exists'],
      stderr_lines: [],
      start: null,
      end: null,
      delta: null,
    });
    const checked = await command.plan(commandSchema.parse({ cmd: 'rm /nonexistent-x', removes: '/nonexistent-x' }) as never, { ...ctx, check: true });
    expect(checked.result).toMatchObject({ msg: "Would not run command since '/nonexistent-x' does not exist", stdout: 'skipped, since /nonexistent-x does not exist' });
  });
});

describe('inline key=value options of free-form commands', () => {
  it('takes known options out and keeps every other word as written', () => {
    const r = extractInlineOptions('make  install PREFIX=/usr chdir="/src dir" creates=/usr/bin/x', ['chdir', 'creates']);
    expect(r).toEqual({ cmd: 'make  install PREFIX=/usr', options: { chdir: '/src dir', creates: '/usr/bin/x' } });
  });
  it('does not split inside quotes', () => {
    expect(extractInlineOptions(`echo 'creates=/x y' chdir=/t`, ['chdir', 'creates'])).toEqual({ cmd: `echo 'creates=/x y'`, options: { chdir: '/t' } });
  });
  it('explicit arguments win over inline ones; shell takes executable inline, command does not', () => {
    expect(commandSchema.parse({ cmd: 'ls chdir=/a', chdir: '/b' })).toMatchObject({ cmd: 'ls', chdir: '/b' });
    expect(shellSchema.parse({ cmd: 'echo $0 executable=/bin/bash' })).toMatchObject({ cmd: 'echo $0', executable: '/bin/bash' });
    expect(commandSchema.parse({ cmd: 'echo executable=/bin/bash' })).toMatchObject({ cmd: 'echo executable=/bin/bash' });
  });
  it('parses Ansible booleans given inline', () => {
    expect(commandSchema.parse({ cmd: 'cat stdin_add_newline=no' })).toMatchObject({ cmd: 'cat', stdin_add_newline: false });
  });
  it('rejects cmd together with argv, an empty command and unknown keys', () => {
    expect(commandSchema.safeParse({ cmd: 'ls', argv: ['ls'] }).success).toBe(false);
    expect(commandSchema.safeParse({ cmd: '  ' }).success).toBe(false);
    expect(commandSchema.safeParse({ cmd: 'ls', bogus: 1 }).success).toBe(false);
    expect(commandSchema.safeParse({ argv: ['ls', '-l'] }).success).toBe(true);
  });
});
