/** The file module on a real host: every state, attributes, recursion, exact check mode. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import file from '../../src/modules/file.js';
import type { ModuleHarness } from '../setup/module-harness.js';
import { countExecs, filesHosts, modeOf, onHost, openHarness, snapshot, uniqueDir, type FilesHost } from './modules-files-env.js';

let host: FilesHost;
let hx: ModuleHarness;
const dir = uniqueDir('file');

beforeAll(async () => {
  host = (await filesHosts())[1] ?? (await filesHosts())[0];
  hx = await openHarness(host);
  mkdirSync(onHost(host, dir), { recursive: true });
});
afterAll(async () => {
  await hx.conn.as({ user: 'root', method: 'sudo' }).exec(`rm -rf ${dir}`);
  await hx.close();
});

const at = (p: string) => onHost(host, p);

describe('file state=directory', () => {
  it('creates every missing level with mode and owner; check first; rerun unchanged', async () => {
    const args = { path: `${dir}/a/b/c`, state: 'directory', mode: '0750', owner: 'ops' };
    const check = await hx.run(file, args, { check: true });
    expect(check.changed).toBe(true);
    expect(check.plan.diff).toEqual([{ path: `${dir}/a/b/c (state)`, before: 'state: absent\n', after: 'state: directory\nmode: 0750\nowner: ops\n' }]);
    expect(existsSync(at(`${dir}/a`))).toBe(false);
    const run = await hx.run(file, args);
    expect(run.result).toMatchObject({ path: `${dir}/a/b/c`, state: 'directory', mode: '0750', owner: 'ops' });
    for (const p of ['a', 'a/b', 'a/b/c']) {
      expect(modeOf(host, `${dir}/${p}`)).toBe('0750');
      expect(statSync(at(`${dir}/${p}`)).uid).toBe(1000);
    }
    expect((await hx.run(file, args)).changed).toBe(false);
  });

  it('gives new levels a mode with special bits too (setgid directory), and plain modes whatever the umask', async () => {
    const run = await hx.run(file, { path: `${dir}/sg/shared`, state: 'directory', mode: '2770', group: 'ops' });
    expect(run.result).toMatchObject({ mode: '02770', group: 'ops' }); // as Ansible's add_path_info: '0%03o'
    for (const p of ['sg', 'sg/shared']) expect([modeOf(host, `${dir}/${p}`), statSync(at(`${dir}/${p}`)).gid]).toEqual(['2770', 1000]);
    await hx.run(file, { path: `${dir}/wide`, state: 'directory', mode: '0777' });
    expect(modeOf(host, `${dir}/wide`)).toBe('0777'); // wider than the umask allows: mkdir -m is exact
  });

  it('fixes attributes of an existing directory; check leaves mode/owner/mtime as they were', async () => {
    const p = `${dir}/attrs`;
    mkdirSync(at(p), { mode: 0o755 });
    chmodSync(at(p), 0o2775); // setgid must be cleared by an octal mode, as Ansible does
    const before = snapshot(host, p);
    const args = { path: p, state: 'directory', mode: '0755', group: 'ops' };
    const check = await hx.run(file, args, { check: true });
    expect(check.plan.diff).toEqual([{ path: `${p} (file attributes)`, before: 'group: root\nmode: 2775\n', after: 'group: ops\nmode: 0755\n' }]);
    expect(snapshot(host, p)).toEqual(before);
    await hx.run(file, args);
    expect([modeOf(host, p), statSync(at(p)).gid]).toEqual(['0755', 1000]);
    expect((await hx.run(file, args)).changed).toBe(false);
  });

  it('recurse: changes exactly the entries that differ (symbolic X), follows a link as 2.14 does (follow defaults to true), converges', async () => {
    const t = `${dir}/tree`;
    mkdirSync(at(`${t}/sub/deeper`), { recursive: true });
    writeFileSync(at(`${t}/f1`), '1');
    writeFileSync(at(`${t}/sub/script`), '#!/bin/sh');
    chmodSync(at(`${t}/f1`), 0o600);
    chmodSync(at(`${t}/sub/script`), 0o700);
    chmodSync(at(`${t}/sub`), 0o700);
    writeFileSync(at(`/tmp/outside-${process.pid}`), 'x');
    chmodSync(at(`/tmp/outside-${process.pid}`), 0o600);
    symlinkSync(`/tmp/outside-${process.pid}`, at(`${t}/sub/link`));
    const args = { path: t, state: 'directory', recurse: true, mode: 'u=rwX,g=rX,o=', owner: 'ops' };
    const before = [t, `${t}/f1`, `${t}/sub`, `${t}/sub/script`].map((p) => snapshot(host, p));
    const check = await hx.run(file, args, { check: true });
    expect(check.changed).toBe(true);
    // The 4 entries, the link itself (its owner: lchown) and its target (follow).
    expect(check.plan.msg).toMatch(/6 entries below would change/);
    expect([t, `${t}/f1`, `${t}/sub`, `${t}/sub/script`].map((p) => snapshot(host, p))).toEqual(before);
    const counted = await countExecs(hx, () => hx.run(file, args));
    expect(counted.execs).toBe(2);
    expect([t, `${t}/sub`, `${t}/sub/deeper`].map((p) => modeOf(host, p))).toEqual(['0750', '0750', '0750']);
    expect(modeOf(host, `${t}/f1`)).toBe('0640');
    expect(modeOf(host, `${t}/sub/script`)).toBe('0750');
    expect(statSync(at(`${t}/sub/deeper`)).uid).toBe(1000);
    expect(modeOf(host, `/tmp/outside-${process.pid}`)).toBe('0640'); // followed
    expect([statSync(at(`/tmp/outside-${process.pid}`)).uid, lstatSync(at(`${t}/sub/link`)).uid]).toEqual([1000, 1000]);
    const rerun = await countExecs(hx, () => hx.run(file, args));
    expect([rerun.value.changed, rerun.execs]).toEqual([false, 1]);
  });

  it('refuses a file in the way', async () => {
    writeFileSync(at(`${dir}/plainfile`), '');
    await expect(hx.run(file, { path: `${dir}/plainfile`, state: 'directory' })).rejects.toThrow(/is a file, not a directory/);
  });
});

describe('file state=absent', () => {
  it('removes a tree; unchanged when already gone; check removes nothing', async () => {
    const p = `${dir}/gone`;
    mkdirSync(at(`${p}/x`), { recursive: true });
    writeFileSync(at(`${p}/x/f`), 'f');
    const check = await hx.run(file, { path: p, state: 'absent' }, { check: true });
    expect(check.changed).toBe(true);
    expect(check.plan.diff).toEqual([{ path: `${p} (state)`, before: 'state: directory\n', after: 'state: absent\n' }]);
    expect(existsSync(at(`${p}/x/f`))).toBe(true);
    expect((await hx.run(file, { path: p, state: 'absent' })).changed).toBe(true);
    expect(existsSync(at(p))).toBe(false);
    expect((await hx.run(file, { path: p, state: 'absent' })).changed).toBe(false);
  });

  it('removes a symlink, not its target', async () => {
    writeFileSync(at(`${dir}/keep-target`), 'k');
    symlinkSync(`${dir}/keep-target`, at(`${dir}/drop-link`));
    await hx.run(file, { path: `${dir}/drop-link`, state: 'absent' });
    expect(existsSync(at(`${dir}/keep-target`))).toBe(true);
    expect(() => lstatSync(at(`${dir}/drop-link`))).toThrow();
  });
});

describe('file state=touch', () => {
  it('creates, then sets the times to now on every run as Ansible does; preserve keeps them', async () => {
    const p = `${dir}/touched`;
    const first = await hx.run(file, { path: p, state: 'touch', mode: '0600' });
    expect(first.changed).toBe(true);
    expect(modeOf(host, p)).toBe('0600');
    const old = new Date('2020-01-01T00:00:00Z');
    utimesSync(at(p), old, old);
    const check = await hx.run(file, { path: p, state: 'touch', mode: '0600' }, { check: true });
    expect(check.changed).toBe(true);
    expect(statSync(at(p)).mtimeMs).toBe(old.getTime());
    const again = await hx.run(file, { path: p, state: 'touch', mode: '0600' });
    expect(again.changed).toBe(true);
    expect(statSync(at(p)).mtimeMs).toBeGreaterThan(Date.parse('2024-01-01T00:00:00Z'));
    expect(statSync(at(p)).atimeMs).toBeGreaterThan(Date.parse('2024-01-01T00:00:00Z'));
    utimesSync(at(p), old, old);
    const kept = await hx.run(file, { path: p, state: 'touch', mode: '0600', modification_time: 'preserve', access_time: 'preserve' });
    expect(kept.changed).toBe(false);
    expect(statSync(at(p)).mtimeMs).toBe(old.getTime());
  });

  it('modification_time: now always bumps; a timestamp is set once and then unchanged', async () => {
    const p = `${dir}/timed`;
    writeFileSync(at(p), '');
    utimesSync(at(p), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    const now = await hx.run(file, { path: p, state: 'touch', modification_time: 'now' }, { check: true });
    expect(now.changed).toBe(true);
    expect(statSync(at(p)).mtimeMs).toBe(Date.parse('2020-01-01T00:00:00Z'));
    await hx.run(file, { path: p, state: 'touch', modification_time: 'now' });
    expect(statSync(at(p)).mtimeMs).toBeGreaterThan(Date.parse('2024-01-01T00:00:00Z'));
    // The fleet hosts run in UTC, so the host-local timestamp reads as UTC here.
    const args = { path: p, state: 'file', modification_time: '202203040506.07', access_time: 'preserve' };
    const set = await hx.run(file, args);
    expect(set.changed).toBe(true);
    expect(statSync(at(p)).mtimeMs).toBe(Date.parse('2022-03-04T05:06:07Z'));
    expect((await hx.run(file, args)).changed).toBe(false);
  });

  it('fails when the directory is missing', async () => {
    await expect(hx.run(file, { path: `${dir}/nodir/x`, state: 'touch' })).rejects.toThrow(/does not exist/);
  });
});

describe('file state=link', () => {
  it('creates, keeps, retargets a symlink; check changes nothing', async () => {
    writeFileSync(at(`${dir}/t1`), '1');
    writeFileSync(at(`${dir}/t2`), '2');
    const l = `${dir}/lnk`;
    const check = await hx.run(file, { path: l, state: 'link', src: `${dir}/t1` }, { check: true });
    expect(check.plan.diff).toEqual([{ path: `${l} (state)`, before: 'state: absent\n', after: `state: link\nsrc: ${dir}/t1\n` }]);
    expect(existsSync(at(l))).toBe(false);
    expect((await hx.run(file, { path: l, state: 'link', src: `${dir}/t1` })).changed).toBe(true);
    expect(readlinkSync(at(l))).toBe(`${dir}/t1`);
    expect((await hx.run(file, { path: l, state: 'link', src: `${dir}/t1` })).changed).toBe(false);
    const re = await hx.run(file, { path: l, state: 'link', src: 't2' }, { check: true });
    expect(re.plan.diff?.[0]).toMatchObject({ before: `state: link\nsrc: ${dir}/t1\n`, after: 'state: link\nsrc: t2\n' });
    expect(readlinkSync(at(l))).toBe(`${dir}/t1`);
    await hx.run(file, { path: l, state: 'link', src: 't2' }); // relative to the link's directory
    expect(readlinkSync(at(l))).toBe('t2');
    expect(statSync(at(l)).size).toBe(1);
  });

  it('owner/group apply to the link itself with follow: false, to its target with follow (as ensure_symlink)', async () => {
    writeFileSync(at(`${dir}/ot`), 'o');
    const l = `${dir}/owned-link`;
    const r = await hx.run(file, { path: l, state: 'link', src: `${dir}/ot`, owner: 'ops', follow: false });
    expect(r.changed).toBe(true);
    expect(lstatSync(at(l)).uid).toBe(1000);
    expect(statSync(at(`${dir}/ot`)).uid).toBe(0);
    expect((await hx.run(file, { path: l, state: 'link', src: `${dir}/ot`, owner: 'ops', follow: false })).changed).toBe(false);
    const followed = `${dir}/followed-link`;
    expect((await hx.run(file, { path: followed, state: 'link', src: `${dir}/ot`, owner: 'ops' })).changed).toBe(true);
    expect(lstatSync(at(followed)).uid).toBe(0);
    expect(statSync(at(`${dir}/ot`)).uid).toBe(1000);
  });

  it('refuses to replace a file or to link a missing src unless force', async () => {
    writeFileSync(at(`${dir}/occupied`), 'data');
    await expect(hx.run(file, { path: `${dir}/occupied`, state: 'link', src: `${dir}/t1` })).rejects.toThrow(/refusing to convert from file to symlink/);
    await expect(hx.run(file, { path: `${dir}/dangle`, state: 'link', src: '/no/such/src' })).rejects.toThrow(/src file does not exist/);
    await hx.run(file, { path: `${dir}/occupied`, state: 'link', src: `${dir}/t1`, force: true });
    expect(readlinkSync(at(`${dir}/occupied`))).toBe(`${dir}/t1`);
    await hx.run(file, { path: `${dir}/dangle`, state: 'link', src: '/no/such/src', force: true });
    expect(readlinkSync(at(`${dir}/dangle`))).toBe('/no/such/src');
  });
});

describe('file state=file / no state', () => {
  it('sets attributes on an existing file (through a symlink by default)', async () => {
    const p = `${dir}/attrfile`;
    writeFileSync(at(p), 'x');
    chmodSync(at(p), 0o644);
    symlinkSync(p, at(`${dir}/attrlink`));
    const before = snapshot(host, p);
    const check = await hx.run(file, { path: `${dir}/attrlink`, mode: 'go-r', owner: '1000' }, { check: true });
    expect(check.changed).toBe(true);
    expect(snapshot(host, p)).toEqual(before);
    await hx.run(file, { path: `${dir}/attrlink`, mode: 'go-r', owner: '1000' });
    expect([modeOf(host, p), statSync(at(p)).uid]).toEqual(['0600', 1000]);
    expect((await hx.run(file, { dest: p, state: 'file', mode: '0600', owner: 'ops' })).changed).toBe(false);
  });

  it('fails on a missing path or a directory', async () => {
    await expect(hx.run(file, { path: `${dir}/missing`, state: 'file' })).rejects.toThrow(/is absent, cannot continue/);
    await expect(hx.run(file, { path: dir, state: 'file' })).rejects.toThrow(/is directory, cannot continue/);
    chownSync(at(`${dir}/attrfile`), 0, 0);
    await expect(hx.run(file, { path: `${dir}/attrfile`, owner: 'no-such-user-nm' })).rejects.toThrow(/cannot update/);
  });

  it('rejects contradictory arguments before touching the host', () => {
    const bad = [
      { path: '/x', recurse: true, state: 'file' },
      { path: '/x', src: '/y', state: 'touch' },
      { path: '/x', state: 'bogus' },
      { path: '/', state: 'absent' },
      { path: '/x', dest: '/y' },
    ];
    for (const b of bad) expect(file.schema.safeParse(b).success, JSON.stringify(b)).toBe(false);
    expect(file.schema.parse({ name: '/x', state: 'directory' })).toMatchObject({ path: '/x', state: 'directory' });
    // Without state, recurse and src wait for the path's own state (differential-file-nostate.test.ts).
    for (const b of [
      { path: '/x', recurse: true },
      { path: '/x', src: '/y' },
      // Times with state absent are ignored, as 2.14's ensure_absent does (differential-file-times.test.ts).
      { path: '/x', state: 'absent', modification_time: 'now' },
    ])
      expect(file.schema.safeParse(b).success, JSON.stringify(b)).toBe(true);
    // mode on a link goes to its target, as Ansible's (differential-role-syntax.test.ts compares it).
    expect(file.schema.safeParse({ path: '/x', state: 'link', src: '/y', mode: '0644' }).success).toBe(true);
  });
});
