/** unarchive on a real host: every format from the controller and remote_src, tar --diff idempotency, attributes, creates, errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, statSync, lstatSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import unarchive from '../../src/modules/unarchive.js';
import { ModuleFailure } from '../../src/modules/types.js';
import type { ModuleHarness } from '../setup/module-harness.js';
import { execHosts, existsOnHost, onHost, openHarness, uniquePath, type ExecHost } from './modules-exec-env.js';

let host: ExecHost;
let hx: ModuleHarness;
const work = uniquePath('unarchive');
const local = mkdtempSync(join(tmpdir(), 'nm-unarchive-'));
const SLOW = 240_000;
const root = () => hx.conn.as({ user: 'root', method: 'sudo' });
let n = 0;
const freshDest = async (): Promise<string> => {
  const d = `${work}/dest${++n}`;
  await root().exec(`mkdir -p ${d}`);
  return d;
};
/** Everything under a directory on the host: names, types, bytes or link targets, modes, owners, mtimes. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of readdirSync(onHost(host, `${dir}/${rel}`)).sort()) {
      const p = rel ? `${rel}/${e}` : e;
      const full = onHost(host, `${dir}/${p}`);
      const st = lstatSync(full);
      out[p] = `${st.mode} ${st.uid} ${st.gid} ${st.mtimeMs}`;
      if (st.isSymbolicLink()) out[p] += ` -> ${readlinkSync(full)}`;
      else if (st.isDirectory()) walk(p);
      else out[p] += ` ${readFileSync(full).toString('base64')}`;
    }
  };
  walk('');
  return out;
}

beforeAll(async () => {
  host = (await execHosts())[0];
  hx = await openHarness(host);
  // Compressors and unzip/zip on the host (the fleet's base image may lack some).
  const tools = await root().exec(
    'for t in xz bzip2 unzip zip; do command -v $t >/dev/null || m=1; done; [ -z "$m" ] || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=120 xz-utils bzip2 unzip zip >/dev/null; }',
    { timeoutSec: 200 },
  );
  expect(tools.rc).toBe(0);
  // The archives are built on the host from one tree, then copied to the controller.
  const mk = await root().exec(
    `set -e; mkdir -p ${work}/src/top/sub; cd ${work}/src/top; echo alpha > a.txt; printf 'b\\n' > 'sub/b c.txt'; ln -s a.txt link; chmod 0755 sub
     cd ${work}/src/top; tar cf ../plain.tar .; tar czf ../arch.tar.gz .; tar cJf ../arch.tar.xz .; tar cjf ../arch.tar.bz2 .; zip -qry ../arch.zip .
     cd ${work}/src; tar czf nested.tgz top; echo 'not an archive' > junk.tar.gz`,
  );
  expect(mk.stderr).toBe('');
  for (const f of ['plain.tar', 'arch.tar.gz', 'arch.tar.xz', 'arch.tar.bz2', 'arch.zip', 'nested.tgz', 'junk.tar.gz']) {
    copyFileSync(onHost(host, `${work}/src/${f}`), join(local, f));
  }
}, SLOW);
afterAll(async () => {
  await root().exec(`rm -rf ${work}`);
  await hx.close();
});

describe('unarchive', () => {
  it('tar.gz from the controller: check mode writes nothing, then extracts, then no change', async () => {
    const dest = await freshDest();
    const args = { src: join(local, 'arch.tar.gz'), dest };
    const check = await hx.run(unarchive, args, { check: true });
    expect(check.changed).toBe(true);
    expect(check.plan.msg).toMatch(/^would unarchive .*arch\.tar\.gz into .*Cannot stat: No such file or directory/);
    expect(readdirSync(onHost(host, dest))).toEqual([]);
    const r = await hx.run(unarchive, args);
    // dest described as Ansible's exit_json describes it (add_path_info); extract_results.out is tar's own (nothing).
    expect(r).toMatchObject({ changed: true, result: { handler: 'TgzArchive', dest, state: 'directory', owner: 'root', uid: 0, extract_results: { rc: 0, out: '' } } });
    expect(readFileSync(onHost(host, `${dest}/a.txt`), 'utf8')).toBe('alpha\n');
    expect(readFileSync(onHost(host, `${dest}/sub/b c.txt`), 'utf8')).toBe('b\n');
    expect(readlinkSync(onHost(host, `${dest}/link`))).toBe('a.txt');
    const again = await hx.run(unarchive, args);
    expect(again).toMatchObject({ changed: false, plan: { msg: `${dest} already holds the archive's files` } });
  });

  it('a changed member makes it change again, and check mode leaves the edit in place', async () => {
    const dest = await freshDest();
    const args = { src: join(local, 'arch.tar.gz'), dest };
    await hx.run(unarchive, args);
    writeFileSync(onHost(host, `${dest}/a.txt`), 'edited by hand\n');
    const before = tree(dest);
    const check = await hx.run(unarchive, args, { check: true });
    expect(check.changed).toBe(true);
    expect(check.plan.msg).toContain('./a.txt: ');
    expect(tree(dest)).toEqual(before);
    expect((await hx.run(unarchive, args)).changed).toBe(true);
    expect(readFileSync(onHost(host, `${dest}/a.txt`), 'utf8')).toBe('alpha\n');
    expect((await hx.run(unarchive, args)).changed).toBe(false);
  });

  it.each(['plain.tar', 'arch.tar.xz', 'arch.tar.bz2', 'arch.zip'])('%s: extracts once, then no change', async (file) => {
    const dest = await freshDest();
    const r = await hx.run(unarchive, { src: join(local, file), dest, list_files: true });
    expect(r.changed).toBe(true);
    expect(r.result.handler).toBe(file.endsWith('.zip') ? 'ZipArchive' : 'TgzArchive');
    expect(r.result.files).toEqual(expect.arrayContaining([expect.stringMatching(/a\.txt$/), expect.stringMatching(/sub\/b c\.txt$/)]));
    expect(readFileSync(onHost(host, `${dest}/sub/b c.txt`), 'utf8')).toBe('b\n');
    expect((await hx.run(unarchive, { src: join(local, file), dest })).changed).toBe(false);
  });

  it('zip: a member with another size counts as a difference', async () => {
    const dest = await freshDest();
    await hx.run(unarchive, { src: join(local, 'arch.zip'), dest });
    writeFileSync(onHost(host, `${dest}/a.txt`), 'longer than before\n');
    const r = await hx.run(unarchive, { src: join(local, 'arch.zip'), dest }, { check: true });
    expect(r.plan.msg).toContain('a.txt: Size differs');
  });

  it('remote_src: the archive already on the host', async () => {
    const dest = await freshDest();
    const args = { src: `${work}/src/arch.tar.xz`, dest, remote_src: true };
    expect((await hx.run(unarchive, args)).changed).toBe(true);
    expect(readFileSync(onHost(host, `${dest}/a.txt`), 'utf8')).toBe('alpha\n');
    expect((await hx.run(unarchive, args)).changed).toBe(false);
    expect(readdirSync(onHost(host, `${work}/src`)).sort()).toEqual(['arch.tar.bz2', 'arch.tar.gz', 'arch.tar.xz', 'arch.zip', 'junk.tar.gz', 'nested.tgz', 'plain.tar', 'top']);
  });

  it('extra_opts reach tar for extraction and comparison (--strip-components)', async () => {
    const dest = await freshDest();
    const args = { src: join(local, 'nested.tgz'), dest, extra_opts: ['--strip-components=1'] };
    expect((await hx.run(unarchive, args)).changed).toBe(true);
    expect(existsOnHost(host, `${dest}/a.txt`)).toBe(true);
    expect(existsOnHost(host, `${dest}/top`)).toBe(false);
    expect((await hx.run(unarchive, args)).changed).toBe(false);
  });

  it('owner, group and mode are set on every member and then compared', async () => {
    const dest = await freshDest();
    const args = { src: join(local, 'arch.tar.gz'), dest, owner: 'ops', group: 'ops', mode: 'u=rwX,g=rX,o=' };
    expect((await hx.run(unarchive, args)).changed).toBe(true);
    const st = statSync(onHost(host, `${dest}/a.txt`));
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([1000, 1000, 0o640]);
    expect(statSync(onHost(host, `${dest}/sub`)).mode & 0o7777).toBe(0o750);
    expect((await hx.run(unarchive, args)).changed).toBe(false);
    chmodSync(onHost(host, `${dest}/sub/b c.txt`), 0o600);
    const r = await hx.run(unarchive, args, { check: true });
    expect(r.plan.msg).toContain('sub/b c.txt: mode differ');
  });

  it('creates skips the task', async () => {
    const dest = await freshDest();
    const r = await hx.run(unarchive, { src: join(local, 'arch.tar.gz'), dest, creates: work });
    expect(r).toMatchObject({ changed: false, plan: { msg: `skipped, since ${work} exists`, result: { skipped: true } } });
    expect(r.plan.result).not.toHaveProperty('dest');
    expect(readdirSync(onHost(host, dest))).toEqual([]);
  });

  it('fails clearly: missing dest, not an archive, missing remote src', async () => {
    const fail = async (args: object) => {
      const e = await hx.run(unarchive, args).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ModuleFailure);
      return (e as Error).message;
    };
    expect(await fail({ src: join(local, 'arch.tar.gz'), dest: `${work}/nope` })).toBe(`dest '${work}/nope' must be an existing dir`);
    expect(await fail({ src: join(local, 'junk.tar.gz'), dest: work })).toMatch(/^Failed to find handler for/);
    expect(await fail({ src: `${work}/src/junk.tar.gz`, dest: work, remote_src: true })).toMatch(/^Failed to find handler for/);
    expect(await fail({ src: `${work}/src/missing.tgz`, dest: work, remote_src: true })).toBe(`Source '${work}/src/missing.tgz' does not exist`);
  });
});
