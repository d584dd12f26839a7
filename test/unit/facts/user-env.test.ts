/**
 * The env and user facts (src/facts/user.ts): their command run in a real shell with a known
 * environment, parsed as Ansible's env.py / user.py would report that process; and how a host
 * reads them (run/host-run.ts, facts/cache.ts): lazily, as the play's become user, again only
 * when a later play runs as someone else. Commands are counted on a recording connection.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { environment, parseEnviron, parseUser, user } from '../../../src/facts/user.js';
import { HostRun } from '../../../src/run/host-run.js';
import { ansibleFactsProxy, withFacts } from '../../../src/run/scope.js';
import type { BecomeSpec, ExecResult, HostConnection, RemoteShell } from '../../../src/transport/types.js';
import type { InventoryHost } from '../../../src/load/model.js';

const sh = (command: string, env: Record<string, string>): string => execFileSync('/bin/sh', ['-c', command], { env, encoding: 'utf8' });
const run = (env: Record<string, string>) => ({ ...parseUser(sh(user.command, env)), env: parseEnviron(sh(environment.command, env)) });
const ids = (flag: string): number => Number(execFileSync('id', [flag], { encoding: 'utf8' }).trim());

describe('the command and its parser', () => {
  it('reports the environment the command started with, values with newlines and = kept', () => {
    const f = run({ PATH: '/usr/bin:/bin', LOGNAME: 'root', NM_MULTI: 'a\nb=c', NM_EMPTY: '' });
    expect(f.env).toMatchObject({ PATH: '/usr/bin:/bin', LOGNAME: 'root', NM_MULTI: 'a\nb=c', NM_EMPTY: '' });
    expect(f.env).not.toHaveProperty('u');
    expect([f.real_user_id, f.effective_user_id, f.real_group_id, f.effective_group_id]).toEqual([ids('-ru'), ids('-u'), ids('-rg'), ids('-rg')]);
  });

  it('takes the name as getpass.getuser() does (LOGNAME, USER, LNAME, USERNAME) and its passwd entry', () => {
    const root = run({ PATH: '/usr/bin:/bin', USER: 'root', LOGNAME: '' });
    expect(root).toMatchObject({ user_id: 'root', user_uid: 0, user_gid: 0, user_dir: '/root' });
    const named = run({ PATH: '/usr/bin:/bin', LNAME: 'daemon' });
    expect(named.user_id).toBe('daemon');
    expect(named.user_uid).toBe(Number(execFileSync('id', ['-u', 'daemon'], { encoding: 'utf8' })));
  });

  it('falls back to the real uid: no name in the environment, or a name passwd does not know', () => {
    const me = execFileSync('id', ['-run'], { encoding: 'utf8' }).trim();
    expect(run({ PATH: '/usr/bin:/bin' })).toMatchObject({ user_id: me, user_uid: ids('-ru') });
    // getuser() still says the unknown name; the passwd entry is the uid's (user.py's KeyError path)
    expect(run({ PATH: '/usr/bin:/bin', LOGNAME: 'nm-no-such-user' })).toMatchObject({ user_id: 'nm-no-such-user', user_uid: ids('-ru') });
  });
});

/** A connection that records each command with the identity it ran as, and answers the user_env command. */
function recordingHost(): { host: HostRun; log: { as: string; cmd: string }[] } {
  const log: { as: string; cmd: string }[] = [];
  const answer = (who: string, cmd: string): ExecResult => {
    const bodies = [...cmd.matchAll(/__NODEMEND_FACT__(\d+)\\n'; \(([\s\S]*?)\) 2>\/dev\/null; printf/g)].map(([, i, c]) => {
      const body = c.includes('/proc/$$/environ')
        ? `USER=${who}\0HOME=/home/${who}\0`
        : c.includes('getent passwd')
          ? `@ids 0 0 0\n@name ${who}\n@pwnam ${who}:x:7:8:G:/home/${who}:/bin/sh\n`
          : c.includes('@file')
            ? `@file /etc/os-release\n${Buffer.from('ID=debian\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n').toString('base64')}\n`
            : 'ID=debian\nVERSION_ID="12"\n';
      return `\n__NODEMEND_FACT__${i}\n${body}\n__NODEMEND_FACT__rc 0\n`;
    });
    const stdout = bodies.join('');
    return { rc: 0, stdout, stderr: '', stdoutBytes: Buffer.from(stdout) };
  };
  const shell = (who: string): RemoteShell => ({
    hostName: 'h1',
    exec: async (c) => {
      log.push({ as: who, cmd: String(c) });
      return answer(who, String(c));
    },
  });
  const conn: HostConnection = { ...shell('ops'), as: (b: BecomeSpec | undefined) => shell(b ? b.user : 'ops'), reconnect: async () => {}, close: async () => {} };
  const inv = { name: 'h1', connection: { host: '127.0.0.1', port: 22, user: 'ops' }, vars: {}, groups: ['all'], loc: { file: 'inv' } } as unknown as InventoryHost;
  return { host: new HostRun(inv, async () => conn), log };
}

const read = (h: HostRun, expr: (f: Record<string, unknown>) => unknown): Promise<unknown> => withFacts(h.facts, () => expr(ansibleFactsProxy(h.facts)));
const root: BecomeSpec = { method: 'sudo', user: 'root' };

describe('read lazily, as the play user', () => {
  it('a play that reads no identity fact runs no command for them', async () => {
    const { host, log } = recordingHost();
    host.startPlay(root);
    expect(await read(host, (f) => f.distribution)).toBe('Debian');
    expect(log).toHaveLength(1);
    expect(log[0].as).toBe('ops');
    expect(log[0].cmd).not.toContain('environ');
  });

  it('under become the env and user facts are root’s, read once per identity', async () => {
    const { host, log } = recordingHost();
    host.startPlay(root);
    expect(await read(host, (f) => [f.user_id, (f.env as Record<string, string>).USER, f.user_dir])).toEqual(['root', 'root', '/home/root']);
    expect(await read(host, (f) => f.user_uid)).toBe(7);
    // one command per fact (user, then environment: an expression asks for them one at a time), both as root
    expect(log.map((l) => l.as)).toEqual(['root', 'root']);
    // the next play as the same user reads nothing again; one without become reads them as the login user
    host.startPlay(root);
    expect(await read(host, (f) => f.user_id)).toBe('root');
    expect(log).toHaveLength(2);
    host.startPlay(undefined);
    expect(await read(host, (f) => f.user_id)).toBe('ops');
    expect(log.map((l) => l.as)).toEqual(['root', 'root', 'ops']);
  });

  it('setup under its task’s become replaces them (gatherAs), as Ansible’s setup result does', async () => {
    const { host, log } = recordingHost();
    host.startPlay(undefined);
    await host.facts.gatherAs({ hostName: 'h1', exec: (await host.connect()).as(root).exec }, ['user', 'environment', 'os_release'], 'become:root');
    expect(await read(host, (f) => f.user_id)).toBe('root');
    expect(log.map((l) => l.as)).toEqual(['root']);
    expect(log[0].cmd).not.toContain('os-release');
  });
});
