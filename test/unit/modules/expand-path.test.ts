/**
 * Ansible's type='path' expansion (src/modules/lib/expand-path.ts): expected values are what
 * python3's posixpath.expanduser(posixpath.expandvars(p)) printed for the same environment
 * (HOME=/home/ops/, NM=/srv/x, E='', T=~root/t; passwd: root -> /root, no user "nosuchuser" or "0").
 */
import { describe, expect, it } from 'vitest';
import { expandPaths, expandUser, expandVars } from '../../../src/modules/lib/expand-path.js';
import type { ExecResult, RemoteShell } from '../../../src/transport/types.js';

const ENV = { HOME: '/home/ops/', NM: '/srv/x', E: '', T: '~root/t' };
const HOMES: Record<string, string> = { root: '/root' };
const both = (p: string): string => expandUser(expandVars(p, ENV), ENV, (n) => HOMES[n]);

const PYTHON: [string, string][] = [
  ['$NM/a', '/srv/x/a'],
  ['${NM}/a', '/srv/x/a'],
  ['$NMX/a', '$NMX/a'],
  ['${NM', '${NM'],
  ['$NM$NM', '/srv/x/srv/x'],
  ['$$NM', '$/srv/x'],
  ['${}/x', '${}/x'],
  ['$1/x', '$1/x'],
  ['a/$E/b', 'a//b'],
  ['$(id)/x', '$(id)/x'],
  ['`id`/$NM', '`id`//srv/x'],
  ['~', '/home/ops'],
  ['~/x', '/home/ops/x'],
  ['~root', '/root'],
  ['~root/x', '/root/x'],
  ['~nosuchuser/x', '~nosuchuser/x'],
  ['~0/x', '~0/x'],
  ['$T/y', '/root/t/y'],
  ['x~/y', 'x~/y'],
  ['${N M}/x', '${N M}/x'],
  ['$NM-1', '/srv/x-1'],
  ['$Né', '$Né'],
];

describe('expandVars + expandUser: as posixpath does', () => {
  it.each(PYTHON)('%s -> %s', (input, want) => expect(both(input)).toBe(want));
  it('HOME unset: ~ is the passwd home of the user; a home of / gives /', () => {
    expect(expandUser('~/a', {}, (n) => (n === '' ? '/var/lib/x' : undefined))).toBe('/var/lib/x/a');
    expect(expandUser('~', { HOME: '/' }, () => undefined)).toBe('/');
  });
});

/** A host answering the helper's one script: `env -0`, then getent lines (the uid's first). */
function fakeHost(env: Record<string, string>, passwd: Record<string, string>, uidLine: string): { conn: RemoteShell; scripts: string[] } {
  const scripts: string[] = [];
  const conn: RemoteShell = {
    hostName: 'h',
    exec: async (cmd): Promise<ExecResult> => {
      const text = String(cmd);
      scripts.push(text);
      const names = [...text.matchAll(/for u in (.*?); do/g)].flatMap((m) => m[1].split(' ').map((w) => w.replace(/^'|'$/g, '')));
      const envOut = text.startsWith('env -0')
        ? Object.entries(env)
            .map(([k, v]) => `${k}=${v}\0`)
            .join('')
        : '';
      const out = envOut + `\0${uidLine}\0` + names.map((n) => `${passwd[n] ?? ''}\0`).join('');
      return { rc: 0, stdout: out, stderr: '', stdoutBytes: Buffer.from(out) };
    },
  };
  return { conn, scripts };
}

describe('expandPaths: what the host is asked', () => {
  const PASSWD = {
    root: 'root:x:0:0:root:/root:/bin/bash',
    ops: 'ops:x:1000:1000::/home/ops:/bin/sh',
    '0': 'root:x:0:0:root:/root:/bin/bash',
  };
  it('no $ and no leading ~: no remote call', async () => {
    const { conn, scripts } = fakeHost({}, PASSWD, '');
    const args = { path: '/etc/x', mode: '0644' };
    expect(await expandPaths({ conn }, args, ['path'])).toBe(args);
    expect(scripts).toEqual([]);
  });
  it('one call for vars, ~ and ~user, lists included; names are quoted words; only the listed keys change', async () => {
    const { conn, scripts } = fakeHost({ HOME: '/root', D: '/srv/$(id)' }, PASSWD, PASSWD.root);
    const out = await expandPaths({ conn }, { path: '$D/a', paths: ['~/b', "~ops/c'd"], line: '$D' }, ['path', 'paths']);
    expect(out).toEqual({
      path: '/srv/$(id)/a',
      paths: ['/root/b', "/home/ops/c'd"],
      line: '$D',
    });
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toContain('for u in ops; do');
  });
  it('getent answering a number as a uid does not count (getpwnam("0") fails); a ~name a variable brings costs a second call', async () => {
    const { conn, scripts } = fakeHost({ HOME: '/home/ops', U: '~root' }, PASSWD, PASSWD.ops);
    expect(await expandPaths({ conn }, { path: '~0/x', dest: '$U/y' }, ['path', 'dest'])).toEqual({ path: '~0/x', dest: '/root/y' });
    expect(scripts).toHaveLength(2);
    expect(scripts[1]).not.toContain('env -0');
  });
  it('a value with a quote or $(...) is sent quoted, never as shell syntax', async () => {
    const { conn, scripts } = fakeHost({ HOME: '/h' }, PASSWD, '');
    await expandPaths({ conn }, { path: "~$(touch x)'`id`/y" }, ['path']);
    expect(scripts[0]).toContain(`for u in '$(touch x)'"'"'\`id\`'; do`);
  });
});
