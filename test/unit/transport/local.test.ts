/**
 * The control machine's connection: real processes on this machine (no SSH), built with the
 * same wrapping as remote commands, so values are quoted, timeouts enforced and exit codes
 * reported exactly as on a node.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../../src/transport/local.js';
import { sh } from '../../../src/transport/quote.js';

const local = new LocalConnection('localhost');

describe('LocalConnection', () => {
  it('runs as the invoking user and reports rc, stdout and stderr apart', async () => {
    const r = await local.exec('id -un; echo oops >&2; exit 3');
    expect(r).toMatchObject({ rc: 3, stdout: `${userInfo().username}\n`, stderr: 'oops\n' });
  });

  it('passes a hostile value through sh`` as one word, never as shell syntax', async () => {
    const evil = `a'b "c" $(touch /tmp/nm-pwned) ; \`x\` \\ *`;
    const r = await local.exec(sh`printf %s ${evil}`);
    expect(r.stdout).toBe(evil);
  });

  it('keeps binary output once, as bytes: its utf8 string is made only when read (slurp holds 16 MiB per host)', async () => {
    const before = process.memoryUsage().heapUsed;
    const r = await local.exec('head -c 16000000 /dev/urandom');
    const grown = process.memoryUsage().heapUsed - before;
    expect(r.stdoutBytes.length).toBe(16_000_000);
    // Decoded eagerly, the string alone is ~30 MB of V8 heap (mostly U+FFFD, two bytes each); the bytes live outside it.
    expect(grown).toBeLessThan(8_000_000);
    expect(r.stdout).toBe(r.stdoutBytes.toString('utf8'));
    expect(JSON.parse(JSON.stringify({ ...(await local.exec('printf hi')) })).stdout).toBe('hi');
  });

  it('feeds stdin, sets env and cwd', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'nm-local-')));
    const r = await local.exec('cat; echo " $NM_X"; pwd', { stdin: 'from stdin', env: { NM_X: 'it is x' }, cwd: dir });
    expect(r.stdout).toBe(`from stdin it is x\n${dir}\n`);
  });

  it('gives a stdin that /dev/stdin opens (install reads it so, as over SSH): a file, never a socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nm-local-'));
    const r = await local.exec(sh`install -m 600 /dev/stdin ${join(dir, 'put')} && cat /dev/stdin`, { stdin: 'put by install\n' });
    expect([r.rc, r.stderr]).toEqual([0, '']);
    expect(readFileSync(join(dir, 'put'), 'utf8')).toBe('put by install\n');
    writeFileSync(join(dir, 'src'), 'from a file\n');
    expect((await local.exec('cat /dev/stdin', { stdinFile: join(dir, 'src') })).stdout).toBe('from a file\n');
    expect(await local.exec('cat /dev/stdin')).toMatchObject({ rc: 0, stdout: '' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes stdout into a new file as it arrives (stdoutFile), never through an existing one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nm-local-'));
    const r = await local.exec('head -c 3000000 /dev/zero; echo end', { stdoutFile: join(dir, 'out') });
    expect([r.rc, r.stdout]).toEqual([0, '']);
    expect(readFileSync(join(dir, 'out')).length).toBe(3_000_004);
    writeFileSync(join(dir, 'taken'), 'keep');
    await expect(local.exec('echo x', { stdoutFile: join(dir, 'taken') })).rejects.toThrow(/cannot write .*taken: EEXIST/);
    expect(readFileSync(join(dir, 'taken'), 'utf8')).toBe('keep');
    rmSync(dir, { recursive: true, force: true });
  });

  it('kills a command at its timeout and says so', async () => {
    const r = await local.exec('sleep 30', { timeoutSec: 1 });
    expect(r.rc).toBe(124);
    expect(r.timedOut).toBe(true);
  });

  it('close() stops a running command and its children (second Ctrl-C)', async () => {
    const c = new LocalConnection('localhost');
    const running = c.exec('sleep 30; echo never', { timeoutSec: 60 });
    await new Promise((r) => setTimeout(r, 300));
    await c.close();
    const r = await running;
    expect(r.stdout).toBe('');
    expect(r.rc).toBe(143); // SIGTERM, as a shell reports it
  });
});
