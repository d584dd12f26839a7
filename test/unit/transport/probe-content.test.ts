/**
 * probeFile's content, read by the probe's shell itself for a small file (no `cat`): byte for
 * byte whatever the file holds; a file whose bytes `read` cannot keep (NUL) or a larger one
 * goes by `cat`. Runs the probe script with this machine's /bin/sh.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../../src/transport/local.js';
import { probeFile } from '../../../src/transport/remote-file.js';
import type { ExecOptions, RemoteShell } from '../../../src/transport/types.js';

const dir = mkdtempSync(join(tmpdir(), 'nm-probe-content-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A local shell that says on stderr when the probe fell back to `cat`. */
class CatWatch implements RemoteShell {
  readonly hostName = 'localhost';
  private readonly local = new LocalConnection('localhost');
  cats = 0;
  async exec(command: string | { toString(): string }, opts?: ExecOptions) {
    const text = command.toString().replace('exec cat -- "$q"', 'echo NMCAT >&2; exec cat -- "$q"');
    const r = await this.local.exec(text, opts);
    if (r.stderr.includes('NMCAT')) this.cats++;
    return r;
  }
}

const cases: [string, Buffer, boolean][] = [
  ['text', Buffer.from('GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=""\n'), false],
  ['no final newline', Buffer.from('a\nb'), false],
  ['blanks, backslashes, CR, %', Buffer.from('  lead \\n \\\\ %s\r\n\n\n\t end  '), false],
  ['high bytes', Buffer.from([0x61, 0x81, 0x82, 0x88, 0x85, 0xff, 0xfe, 0x0a, 0xc3, 0x28]), false],
  ['empty', Buffer.alloc(0), false],
  ['one newline', Buffer.from('\n'), false],
  ['2048 bytes', Buffer.alloc(2048, 0x78), false],
  ['a NUL', Buffer.from('a\0b\n'), true],
  ['2049 bytes', Buffer.alloc(2049, 0x78), true],
];

describe('probeFile content', () => {
  it.each(cases)('%s: the bytes exactly, by cat only when needed', async (name, bytes, byCat) => {
    const path = join(dir, name.replace(/\W+/g, '-'));
    writeFileSync(path, bytes);
    const shell = new CatWatch();
    const p = await probeFile(shell, path, { wantContent: 'always' });
    expect([...p.content!]).toEqual([...bytes]);
    expect(p.size).toBe(bytes.length);
    expect(shell.cats).toBe(byCat ? 1 : 0);
  });
});
