/** package/apt on a real Debian host reaching the Debian mirror: install, idempotency, check mode, pins, latest, removal. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import pkg, { apt } from '../../src/modules/package.js';
import { ModuleFailure } from '../../src/modules/types.js';
import type { ModuleHarness } from '../setup/module-harness.js';
import { execHosts, existsOnHost, onHost, openHarness, type ExecHost } from './modules-exec-env.js';

let host: ExecHost;
let hx: ModuleHarness;
const SLOW = 240_000;

const root = () => hx.conn.as({ user: 'root', method: 'sudo' });

/** What a package operation changes: dpkg's database, the apt lists and caches (names, sizes, mtimes). */
function packageState(): string {
  const h = createHash('sha256');
  h.update(readFileSync(onHost(host, '/var/lib/dpkg/status')));
  for (const d of ['/var/lib/apt/lists', '/var/cache/apt']) {
    h.update(String(statSync(onHost(host, d)).mtimeMs));
    for (const f of readdirSync(onHost(host, d)).sort()) {
      const st = statSync(onHost(host, `${d}/${f}`));
      h.update(`${f} ${st.size} ${st.mtimeMs}\n`);
    }
  }
  return h.digest('hex');
}

beforeAll(async () => {
  host = (await execHosts())[1];
  hx = await openHarness(host);
  // A clean slate whatever earlier runs left: neither test package installed.
  const res = await root().exec('dpkg --purge hello cowsay >/dev/null 2>&1; dpkg-query -W hello cowsay 2>/dev/null | grep -c . || true', { timeoutSec: 120 });
  expect(res.stdout.trim()).toBe('0');
}, SLOW);
afterAll(async () => {
  await root().exec('dpkg --purge hello cowsay >/dev/null 2>&1 || true', { timeoutSec: 120 });
  await hx.close();
});

describe('package (apt backend)', () => {
  it(
    'update_cache alone refreshes the lists',
    async () => {
      const check = await hx.run(pkg, { update_cache: true }, { check: true });
      expect(check).toMatchObject({ changed: true });
      const r = await hx.run(pkg, { update_cache: true });
      expect(r).toMatchObject({ changed: true, result: { cache_updated: true } });
      expect(existsOnHost(host, '/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease')).toBe(true);
    },
    SLOW,
  );

  it(
    'check mode reports the install and leaves the host untouched',
    async () => {
      const before = packageState();
      const r = await hx.run(pkg, { name: 'hello' }, { check: true });
      expect(r.changed).toBe(true);
      expect(r.plan.msg).toMatch(/^would install hello \S+$/);
      expect(r.result.installed_versions).toEqual({ hello: null });
      expect(existsOnHost(host, '/usr/bin/hello')).toBe(false);
      expect(packageState()).toBe(before);
    },
    SLOW,
  );

  it(
    'installs once, then reports no change',
    async () => {
      const r = await hx.run(pkg, { name: 'hello', state: 'present' });
      expect(r.changed).toBe(true);
      const version = (r.result.installed_versions as Record<string, string>).hello;
      expect(version).toMatch(/^\d/);
      expect(r.result.rc).toBe(0);
      expect(existsOnHost(host, '/usr/bin/hello')).toBe(true);
      const again = await hx.run(pkg, { name: 'hello' });
      expect(again).toMatchObject({ changed: false, result: { installed_versions: { hello: version } } });
      expect(again.plan.msg).toBe('all packages already present');
    },
    SLOW,
  );

  it(
    'latest with a refreshed cache is unchanged when the candidate is installed; its check run touches nothing',
    async () => {
      const before = packageState();
      const check = await hx.run(apt, { name: ['hello'], state: 'latest', update_cache: true }, { check: true });
      expect(check.changed).toBe(false);
      expect(packageState()).toBe(before);
      const real = await hx.run(apt, { name: ['hello'], state: 'latest', update_cache: true, cache_valid_time: 3600 });
      expect(real.changed).toBe(false);
    },
    SLOW,
  );

  it(
    'pins: the installed version matches, an unknown version fails in the plan',
    async () => {
      const v = ((await hx.run(pkg, { name: 'hello' })).result.installed_versions as Record<string, string>).hello;
      expect((await hx.run(pkg, { name: `hello=${v}` })).changed).toBe(false);
      expect((await hx.run(pkg, { name: `hello=${v.split('-')[0]}*` })).changed).toBe(false);
      const e = await hx.run(pkg, { name: 'hello=0.0.1-nm' }, { check: true }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ModuleFailure);
      expect((e as Error).message).toBe('no available installation candidate for hello=0.0.1-nm'); // apt.py install()'s words
      await expect(hx.run(pkg, { name: 'nodemend-no-such-package' })).rejects.toThrow("No package matching 'nodemend-no-such-package' is available");
    },
    SLOW,
  );

  it(
    'several names: only the missing one is installed',
    async () => {
      const r = await hx.run(pkg, { name: ['hello', 'cowsay'] }, { check: true });
      expect(r.plan.msg).toMatch(/^would install cowsay \S+$/);
      const real = await hx.run(pkg, { name: 'hello,cowsay' });
      expect(real.changed).toBe(true);
      expect(Object.keys(real.result.installed_versions as object)).toEqual(['hello', 'cowsay']);
      expect(existsOnHost(host, '/usr/games/cowsay')).toBe(true);
    },
    SLOW,
  );

  it(
    'absent: check changes nothing, then removes, then reports no change',
    async () => {
      const before = packageState();
      const check = await hx.run(pkg, { name: ['hello', 'cowsay'], state: 'absent' }, { check: true });
      expect(check.changed).toBe(true);
      expect(check.plan.msg).toMatch(/^would remove hello \S+, remove cowsay \S+$/);
      expect(packageState()).toBe(before);
      const r = await hx.run(pkg, { name: ['hello', 'cowsay'], state: 'absent' });
      expect(r).toMatchObject({ changed: true, result: { installed_versions: { hello: null, cowsay: null } } });
      expect(existsOnHost(host, '/usr/bin/hello')).toBe(false);
      expect((await hx.run(pkg, { name: ['hello', 'cowsay'], state: 'absent' })).changed).toBe(false);
    },
    SLOW,
  );
});
