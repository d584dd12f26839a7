import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractInlineOptions, shellWord, shlexSplit, schema as commandSchema } from '../../../src/modules/command.js';
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
  it('expands ~ and set variables, keeps unset ones literal (Python expandvars)', () => {
    const env = { HOME: '/home/u', SET: 'v a l' };
    expect(fields(shellWord('~/x', { expand: true }).text, env)).toEqual(['/home/u/x']);
    expect(fields(shellWord('a$SET-${SET}b', { expand: true }).text, env)).toEqual(['av a l-v a lb']);
    expect(fields(shellWord('$UNSET ${UNSET} $1 $(id)', { expand: true }).text, env)).toEqual(['$UNSET ${UNSET} $1 $(id)']);
    expect(fields(shellWord('a~b', { expand: true }).text, env)).toEqual(['a~b']);
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
