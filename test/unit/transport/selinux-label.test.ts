/**
 * Atomic writes keep SELinux labels only where SELinux is enabled (src/transport/selinux-label.ts).
 * Here, on the control machine (no SELinux kernel, no /etc/selinux/config), a write must cost what it
 * cost before: one command on the connection, and inside it no label tool at all. The tools the
 * label code would run (stat, chcon, matchpathcon) are shims that log each call and then run the
 * real one; the enabled path is proven on the fleet (test/fleet/differential-selinux.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../../src/transport/local.js';
import { probeFile, writeFileAtomic } from '../../../src/transport/remote-file.js';
import { chconArgs, contextChange, contextParts, parseSelinuxInfo, wantedContext } from '../../../src/transport/selinux-label.js';

const dir = mkdtempSync(join(tmpdir(), 'nm-selabel-'));
const shims = join(dir, 'bin');
const log = join(dir, 'calls.log');
const savedPath = process.env.PATH;
const savedFs = process.env.NODEMEND_TEST_SELINUXFS;

/** A connection that counts its commands. */
class CountingLocal extends LocalConnection {
  commands = 0;
  override exec(...args: Parameters<LocalConnection['exec']>): ReturnType<LocalConnection['exec']> {
    this.commands++;
    return super.exec(...args);
  }
}

const calls = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

beforeAll(() => {
  mkdirSync(shims);
  for (const tool of ['stat', 'chcon', 'matchpathcon']) {
    const shim = join(shims, tool);
    // Log the call, then run the real tool found after the shims (matchpathcon: none here, as on the fleet).
    writeFileSync(shim, `#!/bin/sh\necho "${tool} $*" >> '${log}'\nPATH=\${PATH#*:} exec ${tool} "$@"\n`);
    chmodSync(shim, 0o755);
  }
  process.env.PATH = `${shims}:${savedPath}`;
});

afterAll(() => {
  process.env.PATH = savedPath;
  if (savedFs === undefined) delete process.env.NODEMEND_TEST_SELINUXFS;
  else process.env.NODEMEND_TEST_SELINUXFS = savedFs;
  rmSync(dir, { recursive: true, force: true });
});

describe('atomic writes with SELinux disabled', () => {
  it('the control machine has no SELinux (the premise of these cases)', () => {
    expect(existsSync('/etc/selinux/config') && (existsSync('/sys/fs/selinux/enforce') || existsSync('/selinux/enforce'))).toBe(false);
  });

  // A selinuxfs directory with `enforce` alone is not enough: libselinux also wants /etc/selinux/config.
  const selinuxfs = join(dir, 'selinuxfs');
  for (const [what, fs] of [
    ['no selinuxfs', ''],
    ['a selinuxfs but no /etc/selinux/config', selinuxfs],
  ] as const) {
    it(`${what}: one command, no label read or set, the file as before`, async () => {
      mkdirSync(selinuxfs, { recursive: true });
      writeFileSync(join(selinuxfs, 'enforce'), '1');
      if (fs) process.env.NODEMEND_TEST_SELINUXFS = fs;
      else delete process.env.NODEMEND_TEST_SELINUXFS;
      const target = join(dir, `f-${fs ? 'fs' : 'none'}`);
      writeFileSync(target, 'old\n', { mode: 0o640 });
      rmSync(log, { force: true });
      const conn = new CountingLocal('localhost');
      await writeFileAtomic(conn, target, 'new\n');
      await writeFileAtomic(conn, `${target}.new`, 'created\n');
      expect(conn.commands).toBe(2);
      // The one stat each write always ran (the temp file's length), nothing else.
      expect(calls().map((c) => c.split(' ')[0])).toEqual(['stat', 'stat']);
      expect(calls().some((c) => c.includes('%C'))).toBe(false);
      expect(readFileSync(target, 'utf8')).toBe('new\n');
      expect(statSync(target).mode & 0o777).toBe(0o640);
      expect(readFileSync(`${target}.new`, 'utf8')).toBe('created\n');
    });

    it(`${what}: the file arguments (chcon, _default) cost nothing and report no secontext`, async () => {
      if (fs) process.env.NODEMEND_TEST_SELINUXFS = fs;
      else delete process.env.NODEMEND_TEST_SELINUXFS;
      const target = join(dir, `g-${fs ? 'fs' : 'none'}`);
      rmSync(log, { force: true });
      const conn = new CountingLocal('localhost');
      const w = await writeFileAtomic(conn, target, 'x\n', { chcon: ['-t', 'etc_t', '--'] });
      const p = await probeFile(conn, target, { selinuxDefault: true });
      expect(conn.commands).toBe(2);
      expect(calls().map((c) => c.split(' ')[0])).toEqual(['stat', 'stat']);
      expect(w.stat.secontext).toBeUndefined();
      expect(p.secontext).toBeUndefined();
      expect(p.selinux).toBeUndefined();
    });
  }
});

describe('the file arguments as load_file_common_arguments and set_context_if_different read them', () => {
  const mls = { mls: true, defaultContext: 'system_u:object_r:etc_t:s0' };
  it('a context splits in at most four parts, the level keeps its colons', () => {
    expect(contextParts('u:r:t:s0-s0:c0.c1023')).toEqual(['u', 'r', 't', 's0-s0:c0.c1023']);
    expect(contextParts('u:r:t')).toEqual(['u', 'r', 't']);
  });
  it('the probe word: "-" disabled, else the MLS digit and the default label', () => {
    expect(parseSelinuxInfo('-')).toBeUndefined();
    expect(parseSelinuxInfo('1system_u:object_r:etc_t:s0')).toEqual(mls);
    expect(parseSelinuxInfo('0-')).toEqual({ mls: false, defaultContext: undefined });
  });
  it('_default takes the default part, none keeps the current one; selevel counts only with MLS', () => {
    expect(wantedContext({ setype: '_default', seuser: 'x_u' }, mls)).toEqual(['x_u', undefined, 'etc_t', undefined]);
    expect(wantedContext({ setype: '_default' }, { mls: true })).toBeUndefined();
    expect(wantedContext({ selevel: 's0:c1' }, { mls: false })).toBeUndefined();
    expect(wantedContext({ setype: 'bin_t' }, undefined)).toBeUndefined();
    expect(wantedContext({}, mls)).toBeUndefined();
  });
  it('a partial context merges with the current one; the same context is no change', () => {
    expect(contextChange('system_u:object_r:etc_t:s0', [undefined, undefined, 'bin_t', 's0:c1'])).toEqual({
      before: 'system_u:object_r:etc_t:s0',
      after: 'system_u:object_r:bin_t:s0:c1',
      chcon: ['--', 'system_u:object_r:bin_t:s0:c1'],
    });
    expect(contextChange('?', [undefined, undefined, 'bin_t', undefined])).toEqual({ before: '?', after: '?:?:bin_t', chcon: ['-t', 'bin_t', '--'] });
    expect(contextChange('system_u:object_r:etc_t:s0', ['system_u', undefined, 'etc_t', 's0'])).toBeNull();
    expect(chconArgs(['u', undefined, 't', undefined])).toEqual(['-u', 'u', '-t', 't', '--']);
    expect(chconArgs(['u', 'r', 't', 's0'])).toEqual(['--', 'u:r:t:s0']);
  });
});
