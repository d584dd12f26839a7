/** copy and template on a real host: idempotence, exact check mode, diffs, attributes, backups. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import Handlebars from 'handlebars';
import copy from '../../src/modules/copy.js';
import template from '../../src/modules/template.js';
import type { ModuleHarness } from '../setup/module-harness.js';
import { countExecs, filesHosts, modeOf, onHost, openHarness, readOnHost, snapshot, uniqueDir, type FilesHost } from './modules-files-env.js';

let host: FilesHost;
let hx: ModuleHarness;
const dir = uniqueDir('copy');
const local = mkdtempSync(join(tmpdir(), 'nm-copy-'));

beforeAll(async () => {
  host = (await filesHosts())[0];
  hx = await openHarness(host);
  hx.overrides.resolveLocalPath = (p: string) => (p.startsWith('/') ? p : join(local, p));
  hx.overrides.renderTemplate = async (file: string) => Handlebars.compile(readFileSync(file, 'utf8'))(hx.hostVars);
  mkdirSync(onHost(host, dir), { recursive: true });
});
afterAll(async () => {
  await hx.conn.as({ user: 'root', method: 'sudo' }).exec(`rm -rf ${dir}`);
  await hx.close();
});

describe('copy', () => {
  it('content: check reports the change and leaves nothing; run creates; rerun is unchanged', async () => {
    const dest = `${dir}/motd`;
    const args = { content: 'hello\n', dest, mode: '0640' };
    const check = await hx.run(copy, args, { check: true });
    expect(check.changed).toBe(true);
    expect(check.plan.diff).toEqual([{ path: dest, before: '', after: 'hello\n' }]);
    expect(snapshot(host, dest)).toEqual({ exists: false });
    const first = await hx.run(copy, args);
    expect(first.changed).toBe(true);
    expect(readOnHost(host, dest)).toBe('hello\n');
    expect(modeOf(host, dest)).toBe('0640');
    expect(first.result).toMatchObject({ dest, mode: '0640', owner: 'root', size: 6, state: 'file' });
    const second = await hx.run(copy, args);
    expect(second.changed).toBe(false);
    expect(second.plan.apply).toBeUndefined();
  });

  it('changed content: check is exact and byte-identical; diff shows old and new; backup keeps the old', async () => {
    const dest = `${dir}/conf`;
    writeFileSync(onHost(host, dest), 'a=1\nb=2\n');
    chmodSync(onHost(host, dest), 0o600);
    chownSync(onHost(host, dest), 1000, 1000);
    const before = snapshot(host, dest);
    const args = { content: 'a=1\nb=3\n', dest, backup: true };
    const check = await hx.run(copy, args, { check: true, diff: true });
    expect(check.changed).toBe(true);
    expect(check.plan.diff).toEqual([{ path: dest, before: 'a=1\nb=2\n', after: 'a=1\nb=3\n' }]);
    expect(snapshot(host, dest)).toEqual(before);
    const run = await hx.run(copy, args);
    expect(readOnHost(host, dest)).toBe('a=1\nb=3\n');
    // mode and owner of the replaced file are kept
    expect(run.result).toMatchObject({ mode: '0600', owner: 'ops', group: 'ops' });
    expect(readFileSync(onHost(host, run.result.backup_file as string), 'utf8')).toBe('a=1\nb=2\n');
    expect((await hx.run(copy, args)).changed).toBe(false);
  });

  it('costs one exec to plan and one to apply; an unchanged rerun costs one', async () => {
    const dest = `${dir}/count`;
    writeFileSync(onHost(host, dest), 'old');
    expect((await countExecs(hx, () => hx.run(copy, { content: 'x', dest, mode: '0600' }, { check: true }))).execs).toBe(1);
    expect((await countExecs(hx, () => hx.run(copy, { content: 'x', dest, mode: '0600' }))).execs).toBe(2);
    const rerun = await countExecs(hx, () => hx.run(copy, { content: 'x', dest, mode: '0600' }));
    expect([rerun.value.changed, rerun.execs]).toEqual([false, 1]);
  });

  it('without --diff the old content is not fetched', async () => {
    const dest = `${dir}/nodiff`;
    writeFileSync(onHost(host, dest), 'old');
    const r = await hx.run(copy, { content: 'new', dest }, { check: true, diff: false });
    expect(r.changed).toBe(true);
    expect(r.plan.diff).toBeUndefined();
  });

  it('attributes alone: changed with an attribute diff, content untouched', async () => {
    const dest = `${dir}/attrs`;
    writeFileSync(onHost(host, dest), 'same');
    chmodSync(onHost(host, dest), 0o644);
    const before = snapshot(host, dest);
    const inode = lstatSync(onHost(host, dest)).ino;
    const args = { content: 'same', dest, mode: 'u+x,go-r', owner: 'ops' };
    const check = await hx.run(copy, args, { check: true });
    expect(check.changed).toBe(true);
    expect(check.plan.diff).toEqual([{ path: `${dest} (file attributes)`, before: 'owner: root\nmode: 0644\n', after: 'owner: ops\nmode: 0700\n' }]);
    expect(snapshot(host, dest)).toEqual(before);
    await hx.run(copy, args);
    const st = lstatSync(onHost(host, dest));
    expect([modeOf(host, dest), st.uid, st.ino]).toEqual(['0700', 1000, inode]); // chmod/chown in place, no rewrite
    expect((await hx.run(copy, args)).changed).toBe(false);
  });

  it('src from the controller, into a directory dest (trailing slash creates it)', async () => {
    writeFileSync(join(local, 'app.ini'), '[app]\nx=1\n');
    const r = await hx.run(copy, { src: 'app.ini', dest: `${dir}/etc/app/` });
    expect(r.changed).toBe(true);
    expect(readOnHost(host, `${dir}/etc/app/app.ini`)).toBe('[app]\nx=1\n');
    // an existing directory without the slash works the same
    const again = await hx.run(copy, { src: 'app.ini', dest: `${dir}/etc/app` });
    expect(again.changed).toBe(false);
    expect(again.result.dest).toBe(`${dir}/etc/app/app.ini`);
  });

  it('mode: preserve gives dest the mode of src', async () => {
    writeFileSync(join(local, 'tool.sh'), '#!/bin/sh\n');
    chmodSync(join(local, 'tool.sh'), 0o750);
    await hx.run(copy, { src: 'tool.sh', dest: `${dir}/tool.sh`, mode: 'preserve' });
    expect(modeOf(host, `${dir}/tool.sh`)).toBe('0750');
    expect((await hx.run(copy, { src: 'tool.sh', dest: `${dir}/tool.sh`, mode: 'preserve' })).changed).toBe(false);
    writeFileSync(onHost(host, `${dir}/remote-tool`), 'x');
    chmodSync(onHost(host, `${dir}/remote-tool`), 0o700);
    await hx.run(copy, { src: `${dir}/remote-tool`, dest: `${dir}/remote-tool2`, remote_src: true, mode: 'preserve' });
    expect(modeOf(host, `${dir}/remote-tool2`)).toBe('0700');
    expect(copy.schema.safeParse({ content: 'x', dest: '/x', mode: 'preserve' }).success).toBe(false);
  });

  it('binary src: exact bytes, no content diff (the diff says why)', async () => {
    const bytes = Buffer.from([0, 1, 2, 254, 255, 0, 10]);
    writeFileSync(join(local, 'blob.bin'), bytes);
    const dest = `${dir}/blob.bin`;
    writeFileSync(onHost(host, dest), 'text before');
    const check = await hx.run(copy, { src: 'blob.bin', dest }, { check: true });
    expect(check.plan.diff).toEqual([{ path: dest, before: '', after: '', note: 'content diff omitted: binary file' }]);
    expect(check.plan.msg).toMatch(/binary/);
    await hx.run(copy, { src: 'blob.bin', dest });
    expect(Buffer.compare(readFileSync(onHost(host, dest)), bytes)).toBe(0);
  });

  it('force: false leaves an existing file alone', async () => {
    const dest = `${dir}/keepme`;
    writeFileSync(onHost(host, dest), 'mine');
    const r = await hx.run(copy, { content: 'theirs', dest, force: false });
    expect(r.changed).toBe(false);
    expect(readOnHost(host, dest)).toBe('mine');
  });

  it('remote_src copies a file on the host', async () => {
    writeFileSync(onHost(host, `${dir}/orig`), 'from the host\n');
    const args = { src: `${dir}/orig`, dest: `${dir}/dup`, remote_src: true };
    const check = await hx.run(copy, args, { check: true });
    expect(check.plan.diff).toEqual([{ path: `${dir}/dup`, before: '', after: 'from the host\n' }]);
    expect(snapshot(host, `${dir}/dup`)).toEqual({ exists: false });
    const r = await hx.run(copy, args);
    expect(r.changed).toBe(true);
    expect(readOnHost(host, `${dir}/dup`)).toBe('from the host\n');
    expect((await hx.run(copy, args)).changed).toBe(false);
  });

  it('a symlink dest: replaced by default (as Ansible), written through with follow', async () => {
    writeFileSync(onHost(host, `${dir}/real`), 'r');
    symlinkSync(`${dir}/real`, onHost(host, `${dir}/l1`));
    symlinkSync(`${dir}/real`, onHost(host, `${dir}/l2`));
    expect((await hx.run(copy, { content: 'r', dest: `${dir}/l1` })).changed).toBe(false);
    await hx.run(copy, { content: 'via follow', dest: `${dir}/l2`, follow: true });
    expect(lstatSync(onHost(host, `${dir}/l2`)).isSymbolicLink()).toBe(true);
    expect(readOnHost(host, `${dir}/real`)).toBe('via follow');
    await hx.run(copy, { content: 'replaced', dest: `${dir}/l1` });
    expect(lstatSync(onHost(host, `${dir}/l1`)).isFile()).toBe(true);
    expect(readOnHost(host, `${dir}/real`)).toBe('via follow');
  });

  it('fails clearly: missing dest dir, missing src, content into a directory, bad args', async () => {
    await expect(hx.run(copy, { content: 'x', dest: `${dir}/no/such/f` })).rejects.toThrow(/Destination directory .*no\/such does not exist/);
    await expect(hx.run(copy, { src: 'nope.txt', dest: `${dir}/x` })).rejects.toThrow(/could not find src/);
    // action/copy.py's words.
    await expect(hx.run(copy, { content: 'x', dest: dir })).rejects.toThrow('can not use content with a dir as dest');
    expect(copy.schema.safeParse({ dest: '/x' }).success).toBe(false);
    expect(copy.schema.safeParse({ content: 'a', src: 'b', dest: '/x' }).success).toBe(false);
    expect(copy.schema.safeParse({ content: 'a', dest: '/x', bogus: 1 }).success).toBe(false);
    expect(copy.schema.safeParse({ content: 'a', dest: '/x', mode: 'rwx' }).success).toBe(false);
    expect(readdirSync(onHost(host, dir)).filter((n) => n.startsWith('.nodemend.'))).toEqual([]);
  });
});

describe('template', () => {
  it('renders with the task vars; check/diff/rerun like copy', async () => {
    writeFileSync(join(local, 'kubelet.conf.hbs'), 'node={{name}}\n{{#each flags}}--{{this}}\n{{/each}}');
    hx.hostVars = { name: 'n1', flags: ['a', 'b'] };
    const dest = `${dir}/kubelet.conf`;
    writeFileSync(onHost(host, dest), 'node=old\n');
    const before = snapshot(host, dest);
    const args = { src: 'kubelet.conf.hbs', dest, mode: '0600' };
    const check = await hx.run(template, args, { check: true });
    expect(check.changed).toBe(true);
    expect(check.plan.diff).toEqual([
      { path: dest, before: 'node=old\n', after: 'node=n1\n--a\n--b\n' },
      { path: `${dest} (file attributes)`, before: 'mode: 0644\n', after: 'mode: 0600\n' },
    ]);
    expect(snapshot(host, dest)).toEqual(before);
    await hx.run(template, args);
    expect(readOnHost(host, dest)).toBe('node=n1\n--a\n--b\n');
    expect(modeOf(host, dest)).toBe('0600');
    expect((await hx.run(template, args)).changed).toBe(false);
    hx.hostVars = { name: 'n2', flags: [] };
    expect((await hx.run(template, args, { check: true })).changed).toBe(true);
  });

  it("into a directory keeps the template's name, suffix and all (as 2.14); a missing template fails", async () => {
    writeFileSync(join(local, 'site.conf.hbs'), 'x');
    const r = await hx.run(template, { src: 'site.conf.hbs', dest: `${dir}/` });
    expect(r.result.dest).toBe(`${dir}/site.conf.hbs`);
    await expect(hx.run(template, { src: 'missing.hbs', dest: `${dir}/m` })).rejects.toThrow(/could not find template/);
  });
});
