/**
 * The controller side of the persistent shell against a scripted stand-in for the host
 * (the real shell runs in test/fleet/transport-persistent-shell.test.ts): what goes on
 * the wire, and how responses in both output modes are framed back into results.
 */
import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import type { ClientChannel } from 'ssh2';
import { PersistentShell, SMALL_TEXT_INPUT, textInputLines } from '../../../src/transport/persistent-shell.js';
import { shellLibrary } from '../../../src/transport/shell-library.js';

/** A channel whose writes are recorded and whose output the test feeds in pieces. */
function fakeChannel() {
  const ch = new EventEmitter() as EventEmitter & { stderr: EventEmitter; written: string[] };
  ch.stderr = new EventEmitter();
  ch.written = [];
  Object.assign(ch, { write: (d: string | Buffer) => ch.written.push(d.toString()), end: () => {}, close: () => ch.emit('close') });
  return ch;
}

async function started() {
  const ch = fakeChannel();
  const shell = new PersistentShell(ch as unknown as ClientChannel, () => undefined);
  const sep = `\n${ch.written[0].trim()}\n`; // the nonce the controller sent first
  const ready = shell.waitReady(1000);
  ch.emit('data', Buffer.from('NMSHELL2 /tmp/nodemend.AbC\n'));
  await ready;
  return { ch, shell, sep };
}

const BODY = shellLibrary(`${'# a long probe body\n'.repeat(20)}echo body\n`);

describe('persistent shell protocol', () => {
  it('sends a library body once, then a one-line source of its file on the host', async () => {
    const { ch, shell, sep } = await started();
    const first = shell.run({ command: `p=/a\n${BODY}` });
    // Stored without its comment lines (shell-library.ts wireText).
    expect(ch.written[1]).toMatch(/^NMLIB \d+ 2 0 0\necho body\n\nNMREQ/);
    expect(ch.written[1]).toMatch(/\nNMREQ direct 3 0 0 0\np=\/a\n\. '?\/tmp\/nodemend\.AbC\/l\d+'?\n\n$/);
    ch.emit('data', Buffer.from(`x${sep}NMRES 0\n`));
    ch.stderr.emit('data', Buffer.from(sep));
    expect(await first).toMatchObject({ rc: 0, stdout: Buffer.from('x') });
    const second = shell.run({ command: `p=/b\n${BODY}` });
    expect(ch.written[2]).toMatch(/^NMREQ direct 3 0 0 0\np=\/b\n\. '?\/tmp\/nodemend\.AbC\/l\d+'?\n\n$/);
    ch.emit('data', Buffer.from(`${sep}NMRES 1\n`));
    ch.stderr.emit('data', Buffer.from(sep));
    expect((await second).rc).toBe(1);
  });

  it('frames direct output split across packets and streams, and spooled output on stdout alone', async () => {
    const { ch, shell, sep } = await started();
    const direct = shell.run({ command: 'echo' });
    const out = Buffer.from(`out${sep}NMRES 3\n`);
    for (let i = 0; i < out.length; i += 5) ch.emit('data', out.subarray(i, i + 5));
    ch.stderr.emit('data', Buffer.from('er'));
    ch.stderr.emit('data', Buffer.from(`r${sep}`));
    expect(await direct).toMatchObject({ rc: 3, stdout: Buffer.from('out'), stderr: Buffer.from('err') });
    const spooled = shell.run({ command: 'echo', timeoutSec: 5 });
    expect(ch.written.at(-1)).toMatch(/^NMREQ spool 1 0 5 0\n/);
    ch.emit('data', Buffer.from(`o${sep}e${sep}`));
    ch.emit('data', Buffer.from('NMRES 0\n'));
    expect(await spooled).toMatchObject({ rc: 0, stdout: Buffer.from('o'), stderr: Buffer.from('e') });
  });

  it('gives up on output it cannot frame, and on a broken greeting', async () => {
    const { ch, shell, sep } = await started();
    const r = shell.run({ command: 'echo' });
    ch.emit('data', Buffer.from(`x${sep}GARBAGE\n`));
    await expect(r).rejects.toThrow(/unexpected output/);
    expect(shell.alive).toBe(false);
    const ch2 = fakeChannel();
    const s2 = new PersistentShell(ch2 as unknown as ClientChannel, () => undefined);
    const ready = s2.waitReady(1000);
    ch2.emit('data', Buffer.from('bash: sh: not found\n'));
    await expect(ready).rejects.toThrow(/unexpected greeting/);
  });

  it('sends a small text input as counted lines (negative: no final newline), binary or large input for head -c', async () => {
    expect(textInputLines(Buffer.from('a\nb\n'))).toBe(2);
    expect(textInputLines(Buffer.from('a\nb'))).toBe(-2);
    expect(textInputLines(Buffer.from('x'))).toBe(-1);
    expect(textInputLines(Buffer.from('\n'))).toBe(1);
    expect(textInputLines(Buffer.alloc(0))).toBe(0);
    expect(textInputLines(Buffer.from('a\0b\n'))).toBe(0);
    expect(textInputLines(Buffer.alloc(SMALL_TEXT_INPUT + 1, 0x61))).toBe(0);
    const { ch, shell, sep } = await started();
    const r = shell.run({ command: 'cat', stdin: 'k = 1\nv' });
    expect(ch.written.at(-1)).toBe('NMREQ direct 1 7 0 -2\ncat\nk = 1\nv\nNMEOI\n');
    ch.emit('data', Buffer.from(`k = 1\nv${sep}NMRES 0\n`));
    ch.stderr.emit('data', Buffer.from(sep));
    expect((await r).rc).toBe(0);
    const b = shell.run({ command: 'cat', stdin: Buffer.from([1, 0, 2]) });
    expect(ch.written.at(-1)).toBe('NMREQ direct 1 3 0 0\ncat\n\x01\x00\x02NMEOI\n');
    ch.emit('data', Buffer.from(`${sep}NMRES 0\n`));
    ch.stderr.emit('data', Buffer.from(sep));
    await b;
  });
});
