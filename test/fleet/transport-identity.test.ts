/**
 * Identity files are parsed once per file version and shared by all connections
 * (src/transport/ssh.ts): a changed file is read again, an unusable one fails with
 * ssh2's reason. Host: node1 (transport's, per test/setup/fleet.ts); nothing changes on it.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshConnection } from '../../src/transport/ssh.js';
import { UnreachableError } from '../../src/transport/types.js';
import { fleetHost, testFleet } from '../setup/fleet.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nodemend-identity-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function login(identityFile: string): Promise<string> {
  const c = new SshConnection({ name: 'node1', host: '127.0.0.1', port: fleetHost('node1').port, user: 'ops', identityFile, knownHosts: testFleet().knownHosts });
  try {
    await c.connect();
    return (await c.exec('id -un')).stdout.trim();
  } finally {
    await c.close();
  }
}

const keygen = (file: string, pass: string): void => void execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', pass, '-f', file]);

describe('identity files', () => {
  it('reads the key file again when it changes (the parsed key is cached per file version)', async () => {
    const key = join(tmp, 'id');
    copyFileSync(testFleet().key, key);
    expect(await login(key)).toBe('ops');
    keygen(join(tmp, 'other'), '');
    copyFileSync(join(tmp, 'other'), key);
    utimesSync(key, new Date(), new Date(Date.now() + 5000)); // a new version even within one mtime tick
    await expect(login(key)).rejects.toThrow(/authentication failed \(tried publickey\)/);
    copyFileSync(testFleet().key, key);
    utimesSync(key, new Date(), new Date(Date.now() + 10000));
    expect(await login(key)).toBe('ops');
  });

  it('refuses an encrypted key without passphrase with the reason, as unreachable', async () => {
    const key = join(tmp, 'enc');
    keygen(key, 'secret');
    const err = await login(key).catch((e: Error) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toMatch(/Cannot parse privateKey: .*passphrase/);
  });
});
