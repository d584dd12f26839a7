import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SudoDialog, needsPassword, sudoCommand, type DialogEvent } from '../../../src/transport/become.js';
import { innerCommand, wrapCommand } from '../../../src/transport/ssh.js';

// A fake `sudo` that prints the argv it receives: the real shell parses our line,
// so these tests check quoting as the host would see it.
let bin: string;
beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), 'nodemend-become-'));
  writeFileSync(join(bin, 'sudo'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\0" "$a"; done\n');
  chmodSync(join(bin, 'sudo'), 0o755);
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function argvOf(line: string): string[] {
  const out = execFileSync('sh', ['-c', line], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  return out.toString('utf8').split('\0').slice(0, -1);
}

const nasty = `it's "quoted" $HOME \`id\` ; rm -rf / & \\ * \n newline`;

describe('sudoCommand without password', () => {
  it('runs sudo -n as the become user with the wrapped command as separate words', () => {
    const { line, prompt, marker } = sudoCommand(innerCommand(`echo ${nasty.length}`), { user: 'post gres', method: 'sudo' });
    expect(prompt).toBeUndefined();
    expect(marker).toBeUndefined();
    expect(argvOf(line.text)).toEqual(['-n', '-H', '-u', 'post gres', '--', 'sh', '-c', `echo ${nasty.length}`]);
  });

  it('puts timeout and env inside sudo so root processes are killed too', () => {
    const inner = innerCommand('sleep 300', { timeoutSec: 2.2, env: { A: nasty }, cwd: '/tmp/a b' });
    expect(argvOf(sudoCommand(inner, { user: 'root', method: 'sudo' }).line.text)).toEqual([
      '-n',
      '-H',
      '-u',
      'root',
      '--',
      'env',
      `A=${nasty}`,
      'timeout',
      '-k',
      '5',
      '3',
      'sh',
      '-c',
      `cd '/tmp/a b' || exit; sleep 300`,
    ]);
  });

  it('rejects environment names that are not shell identifiers', () => {
    expect(() => innerCommand('true', { env: { 'A=B': 'x' } })).toThrow(/invalid environment variable name/);
  });

  it('keeps the seed wrapCommand() API: never puts a password in the line', () => {
    const line = wrapCommand('id', {}, { user: 'root', method: 'sudo', password: 'hunter2' });
    expect(line).not.toContain('hunter2');
    expect(argvOf(line)).toEqual(['-n', '-H', '-u', 'root', '--', 'sh', '-c', 'id']);
  });
});

describe('sudoCommand with password', () => {
  const spec = { user: 'root', method: 'sudo' as const, password: `pw'"; echo LEAK` };

  it('uses -S with a unique prompt and a marker shell; the password is not in the command', () => {
    const { line, prompt, marker } = sudoCommand(innerCommand('id -u', { timeoutSec: 4 }), spec, 'abc123');
    expect(prompt).toBe('[nodemend-sudo-abc123] ');
    expect(marker).toBe('NODEMEND-BECOME-OK-abc123');
    expect(line.text).not.toContain('LEAK');
    const argv = argvOf(line.text);
    expect(argv.slice(0, 8)).toEqual(['-S', '-p', '[nodemend-sudo-abc123] ', '-H', '-u', 'root', '--', 'sh']);
    expect(argv[8]).toBe('-c');
    // The escalated shell script echoes the marker, then execs the (timeout-wrapped) command.
    const script = argv[9];
    expect(script.startsWith('echo NODEMEND-BECOME-OK-abc123; exec timeout -k 5 4 sh -c ')).toBe(true);
    expect(execFileSync('sh', ['-c', script.replace('exec timeout -k 5 4 sh', 'exec sh')], { encoding: 'utf8' })).toBe(`NODEMEND-BECOME-OK-abc123\n${process.getuid!()}\n`);
  });

  it('draws a fresh nonce per command', () => {
    const a = sudoCommand(innerCommand('true'), spec);
    const b = sudoCommand(innerCommand('true'), spec);
    expect(a.prompt).not.toBe(b.prompt);
    expect(a.marker).toMatch(/^NODEMEND-BECOME-OK-[0-9a-f]{16}$/);
  });
});

describe('needsPassword', () => {
  it('recognises sudo -n refusing for lack of a password', () => {
    expect(needsPassword(1, 'sudo: a password is required\n')).toBe(true);
    expect(needsPassword(0, 'sudo: a password is required\n')).toBe(false);
    expect(needsPassword(1, 'ls: cannot access x\n')).toBe(false);
  });
});

/** Feed a byte stream to the dialog in chunks of `size`, collecting events. */
function feed(d: SudoDialog, stream: 'out' | 'err', text: string, size: number): DialogEvent[] {
  const events: DialogEvent[] = [];
  const buf = Buffer.from(text);
  for (let i = 0; i < buf.length; i += size) {
    const c = buf.subarray(i, i + size);
    events.push(...(stream === 'out' ? d.onStdout(c) : d.onStderr(c)));
  }
  return events;
}

describe('SudoDialog', () => {
  const P = '[nodemend-sudo-n1] ';
  const M = 'NODEMEND-BECOME-OK-n1';

  for (const size of [1, 3, 1000]) {
    it(`answers the prompt once, strips prompt, marker and sudo's chatter (chunks of ${size})`, () => {
      const d = new SudoDialog(P, M);
      expect(feed(d, 'err', `lecture\n${P}`, size)).toEqual(['send-password']);
      expect(feed(d, 'out', `${M}\nhello\n`, size)).toEqual(['ready']);
      feed(d, 'err', 'warn\n', size);
      feed(d, 'out', 'world\n', size);
      const r = d.result();
      expect(r.stdout.toString()).toBe('hello\nworld\n');
      expect(r.stderr.toString()).toBe('warn\n');
    });
  }

  it('is ready without a prompt when sudo does not ask (NOPASSWD or cached)', () => {
    const d = new SudoDialog(P, M);
    expect(d.onStdout(Buffer.from(`${M}\n`))).toEqual(['ready']);
    expect(d.passwordSent).toBe(false);
    expect(d.result().stdout.length).toBe(0);
  });

  it('keeps what sudo said when it never ran the command', () => {
    const d = new SudoDialog(P, M);
    d.onStderr(Buffer.from('opspw is not in the sudoers file.\n'));
    expect(d.result().stderr.toString()).toBe('opspw is not in the sudoers file.\n');
  });

  it('reports a rejected password on "Sorry, try again." or a second prompt', () => {
    const a = new SudoDialog(P, M);
    a.onStderr(Buffer.from(P));
    expect(a.onStderr(Buffer.from('Sorry, try again.\n'))).toEqual(['rejected']);
    const b = new SudoDialog(P, M);
    expect(b.onStderr(Buffer.from(`${P}\n${P}`))).toEqual(['send-password', 'rejected']);
    expect(b.rejected).toBe(true);
  });

  it('keeps binary stdout intact around the marker', () => {
    const d = new SudoDialog(P, M);
    const payload = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    d.onStdout(Buffer.concat([Buffer.from(`${M}\n`), payload.subarray(0, 10)]));
    d.onStdout(payload.subarray(10));
    expect(d.result().stdout.equals(payload)).toBe(true);
  });

  it('passes stdout through when it does not start with the marker', () => {
    const d = new SudoDialog(P, M);
    expect(d.onStdout(Buffer.from('unexpected\n'))).toEqual(['ready']);
    expect(d.result().stdout.toString()).toBe('unexpected\n');
  });
});
