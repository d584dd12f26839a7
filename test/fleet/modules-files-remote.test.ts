/** probeFile / writeFileAtomic against a real host: framing, attributes, atomicity, compare-and-swap. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, chownSync, chmodSync, statSync } from 'node:fs';
import { probeFile, writeFileAtomic, sha256, RemoteFileError } from '../../src/transport/remote-file.js';
import type { ModuleHarness } from '../setup/module-harness.js';
import { filesHosts, onHost, openHarness, uniqueDir, modeOf, type FilesHost } from './modules-files-env.js';

let host: FilesHost;
let hx: ModuleHarness;
let ops: ModuleHarness; // login user, no become
const dir = uniqueDir('rfile');

beforeAll(async () => {
  host = (await filesHosts())[0];
  hx = await openHarness(host);
  ops = await openHarness(host, { become: false });
  mkdirSync(onHost(host, dir), { recursive: true });
});
afterAll(async () => {
  await hx.conn.as({ user: 'root', method: 'sudo' }).exec(`rm -rf ${dir}`);
  await hx.close();
  await ops.close();
});

const root = () => hx.conn.as({ user: 'root', method: 'sudo' });

describe('probeFile', () => {
  it('reports an absent file and whether its directory exists', async () => {
    const a = await probeFile(root(), `${dir}/nope`);
    expect(a).toMatchObject({ exists: false, type: 'absent', parentExists: true });
    const b = await probeFile(root(), `${dir}/no/such/dir/f`);
    expect(b).toMatchObject({ exists: false, parentExists: false });
  });

  it('returns mode, owner, size and sha of a regular file, and its bytes only when asked', async () => {
    const p = `${dir}/plain`;
    writeFileSync(onHost(host, p), 'hello\n');
    chmodSync(onHost(host, p), 0o640);
    chownSync(onHost(host, p), 1000, 1000);
    const st = await probeFile(root(), p, { wantSha: true });
    expect(st).toMatchObject({ exists: true, type: 'file', mode: '0640', owner: 'ops', group: 'ops', uid: 1000, gid: 1000, size: 6 });
    expect(st.sha256).toBe(sha256('hello\n'));
    expect(st.content).toBeUndefined();
    // Python's float: whole seconds + nanoseconds * 1e-9 (the probe is what stat registers).
    const ns = statSync(onHost(host, p), { bigint: true }).mtimeNs;
    expect(st.mtime).toBe(Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) * 1e-9);
    const withContent = await probeFile(root(), p, { wantContent: 'always' });
    expect(withContent.content?.toString()).toBe('hello\n');
    // Bytes that come anyway are hashed on the controller: no sha256sum ran on the host.
    expect([withContent.sha256, withContent.remoteSha256]).toEqual([sha256('hello\n'), undefined]);
  });

  it('is binary-safe: content that looks like framing, NULs, no trailing newline', async () => {
    const p = `${dir}/binary`;
    const bytes = Buffer.concat([Buffer.from('NMPROBE1 absent - - 1\n\0\0\xff'), Buffer.from([0, 1, 2, 255, 10, 10, 13])]);
    writeFileSync(onHost(host, p), bytes);
    const st = await probeFile(root(), p, { wantContent: 'always' });
    expect(Buffer.compare(st.content!, bytes)).toBe(0);
    expect(st.sha256).toBe(sha256(bytes));
    const empty = `${dir}/empty`;
    writeFileSync(onHost(host, empty), '');
    const e = await probeFile(root(), empty, { wantContent: 'always' });
    expect(e.content?.length).toBe(0);
    expect(e.type).toBe('file');
  });

  it("'if-different' sends bytes only when the sha differs, and respects maxContentBytes", async () => {
    const p = `${dir}/cmp`;
    writeFileSync(onHost(host, p), 'abc');
    const same = await probeFile(root(), p, { compareSha: sha256('abc'), wantContent: 'if-different' });
    expect(same.content).toBeUndefined();
    expect(same.contentOmitted).toBe('same');
    expect(same.sha256).toBe(sha256('abc'));
    const diff = await probeFile(root(), p, { compareSha: sha256('xyz'), wantContent: 'if-different' });
    expect(diff.content?.toString()).toBe('abc');
    const big = await probeFile(root(), p, { compareSha: sha256('xyz'), wantContent: 'if-different', maxContentBytes: 2 });
    expect(big.content).toBeUndefined();
    expect(big.contentOmitted).toBe('too-large');
    expect(big.sha256).toBe(sha256('abc'));
  });

  it('describes a symlink itself, or its target with follow (odd names survive)', async () => {
    const target = `${dir}/tgt with 'quotes' $HOME`;
    writeFileSync(onHost(host, target), 'T');
    symlinkSync(target, onHost(host, `${dir}/ln`));
    const l = await probeFile(root(), `${dir}/ln`, { wantSha: true });
    expect(l).toMatchObject({ type: 'link', linkTarget: target });
    expect(l.sha256).toBeUndefined();
    const f = await probeFile(root(), `${dir}/ln`, { follow: true, wantContent: 'always' });
    expect(f).toMatchObject({ type: 'file', linkTarget: target, realPath: target, size: 1 });
    expect(f.content?.toString()).toBe('T');
    symlinkSync(`${dir}/dangling-target`, onHost(host, `${dir}/dangling`));
    const d = await probeFile(root(), `${dir}/dangling`, { follow: true });
    expect(d).toMatchObject({ exists: false, realPath: `${dir}/dangling-target`, parentExists: true });
  });

  it('reports a directory', async () => {
    const d = await probeFile(root(), dir, { wantContent: 'always' });
    expect(d).toMatchObject({ type: 'directory', contentOmitted: 'not-a-file' });
  });

  it('fails with the remote reason when the path cannot be read', async () => {
    mkdirSync(onHost(host, `${dir}/locked`), { mode: 0o700 });
    writeFileSync(onHost(host, `${dir}/locked/f`), 'x');
    await expect(probeFile(ops.conn.as(undefined), `${dir}/locked/f`, { wantSha: true })).resolves.toMatchObject({ exists: false });
    chmodSync(onHost(host, `${dir}/locked`), 0o711);
    chmodSync(onHost(host, `${dir}/locked/f`), 0o600);
    await expect(probeFile(ops.conn.as(undefined), `${dir}/locked/f`, { wantSha: true })).rejects.toThrow(/Permission denied/);
  });
});

describe('writeFileAtomic', () => {
  it('creates a file with umask-default mode, and reports its stat', async () => {
    const p = `${dir}/new`;
    const r = await writeFileAtomic(root(), p, 'one\n');
    expect(readFileSync(onHost(host, p), 'utf8')).toBe('one\n');
    expect(modeOf(host, p)).toBe('0644');
    expect(r.stat).toMatchObject({ type: 'file', mode: '0644', owner: 'root', size: 4 });
    expect(r.sha256).toBe(sha256('one\n'));
    expect(r.backupFile).toBeUndefined();
  });

  it('keeps the existing mode and owner unless given, then applies given ones', async () => {
    const p = `${dir}/keep`;
    writeFileSync(onHost(host, p), 'old');
    chmodSync(onHost(host, p), 0o600);
    chownSync(onHost(host, p), 1000, 1000);
    const inode = statSync(onHost(host, p)).ino;
    await writeFileAtomic(root(), p, 'new');
    const st = statSync(onHost(host, p));
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o600, 1000, 1000]);
    expect(st.ino).not.toBe(inode); // renamed into place, not rewritten
    const r = await writeFileAtomic(root(), p, 'newer', { mode: '0640', owner: 'root', group: 'ops' });
    expect(r.stat).toMatchObject({ mode: '0640', owner: 'root', group: 'ops' });
    await writeFileAtomic(root(), p, 'newer', { mode: 'g+w,o+r' });
    expect(modeOf(host, p)).toBe('0664');
  });

  it('keeps special bits of the mode it keeps, and gives a new file exactly the octal mode and owner asked (empty content too)', async () => {
    const p = `${dir}/suid`;
    writeFileSync(onHost(host, p), 'old');
    chownSync(onHost(host, p), 1000, 1000);
    chmodSync(onHost(host, p), 0o4751); // after chown, which clears setuid
    await writeFileAtomic(root(), p, 'new');
    const st = statSync(onHost(host, p));
    expect([st.mode & 0o7777, st.uid, st.gid, readFileSync(onHost(host, p), 'utf8')]).toEqual([0o4751, 1000, 1000, 'new']);
    // New files: the mode is exact whatever the umask would give (0600 is narrower, 0775 wider than 0644).
    for (const [name, mode, content] of [
      ['n600', '0600', 'secret'],
      ['n775', '0775', '#!/bin/sh\n'],
      ['nempty', '0640', ''],
    ] as const) {
      const r = await writeFileAtomic(root(), `${dir}/${name}`, content, { mode, owner: 'ops', group: 'ops' });
      expect(r.stat).toMatchObject({ mode, owner: 'ops', group: 'ops', size: content.length });
      expect([modeOf(host, `${dir}/${name}`), readFileSync(onHost(host, `${dir}/${name}`), 'utf8')]).toEqual([mode, content]);
    }
    // An existing file whose owner is kept: the octal mode still applies, the owner stays.
    const r = await writeFileAtomic(root(), p, 'newer', { mode: '0640' });
    expect(r.stat).toMatchObject({ mode: '0640', uid: 1000, gid: 1000 });
    // Special bits in an asked mode survive an asked owner (chown first, then chmod).
    const s = await writeFileAtomic(root(), `${dir}/sgid`, 'x', { mode: '2755', owner: 'ops', group: 'ops' });
    expect(s.stat).toMatchObject({ mode: '2755', owner: 'ops', group: 'ops' });
    expect(readdirSync(onHost(host, dir)).filter((f) => f.startsWith('.nodemend.'))).toEqual([]);
  });

  it('is binary-safe on stdin', async () => {
    const p = `${dir}/bin-out`;
    const bytes = Buffer.from([0, 255, 10, 0, 13, 10, 39, 34]);
    await writeFileAtomic(root(), p, bytes);
    expect(Buffer.compare(readFileSync(onHost(host, p)), bytes)).toBe(0);
  });

  it('backs up the old file as <path>.<timestamp>~ with its attributes', async () => {
    const p = `${dir}/bk`;
    writeFileSync(onHost(host, p), 'v1');
    chmodSync(onHost(host, p), 0o604);
    const r = await writeFileAtomic(root(), p, 'v2', { backup: true });
    expect(r.backupFile).toMatch(new RegExp(`^${dir}/bk\\.\\d{8}T\\d{6}~$`));
    expect(readFileSync(onHost(host, r.backupFile!), 'utf8')).toBe('v1');
    expect(modeOf(host, r.backupFile!)).toBe('0604');
    expect(readFileSync(onHost(host, p), 'utf8')).toBe('v2');
  });

  it('compare-and-swap: refuses when the file changed since it was read, and leaves no temp file', async () => {
    const p = `${dir}/cas`;
    writeFileSync(onHost(host, p), 'read-version');
    const probe = await probeFile(root(), p, { wantSha: true });
    writeFileSync(onHost(host, p), 'concurrent-edit');
    await expect(writeFileAtomic(root(), p, 'mine', { expectSha: probe.sha256 })).rejects.toThrow(/changed on the host since it was read/);
    expect(readFileSync(onHost(host, p), 'utf8')).toBe('concurrent-edit');
    await expect(writeFileAtomic(root(), `${dir}/cas`, 'x', { expectSha: null })).rejects.toBeInstanceOf(RemoteFileError);
    await writeFileAtomic(root(), p, 'mine', { expectSha: sha256('concurrent-edit') });
    expect(readFileSync(onHost(host, p), 'utf8')).toBe('mine');
    await writeFileAtomic(root(), `${dir}/cas-new`, 'fresh', { expectSha: null });
    expect(readdirSync(onHost(host, dir)).filter((n) => n.startsWith('.nodemend.'))).toEqual([]);
  });

  it('cleans the temp file when a step fails after it was created', async () => {
    await expect(writeFileAtomic(root(), `${dir}/badowner`, 'x', { owner: 'no-such-user-xyz' })).rejects.toThrow(/cannot chown/);
    expect(readdirSync(onHost(host, dir)).filter((n) => n.startsWith('.nodemend.') || n === 'badowner')).toEqual([]);
  });

  it('refuses a directory target and a missing parent, unless makeParents', async () => {
    await expect(writeFileAtomic(root(), dir, 'x')).rejects.toThrow(/is a directory/);
    await expect(writeFileAtomic(root(), `${dir}/a/b/c`, 'x')).rejects.toThrow(/does not exist/);
    await writeFileAtomic(root(), `${dir}/a/b/c`, 'x', { makeParents: true });
    expect(readFileSync(onHost(host, `${dir}/a/b/c`), 'utf8')).toBe('x');
  });

  it('replaces a symlink at the path (callers pass realPath to write through it)', async () => {
    writeFileSync(onHost(host, `${dir}/lt`), 'target');
    symlinkSync(`${dir}/lt`, onHost(host, `${dir}/lk`));
    await writeFileAtomic(root(), `${dir}/lk`, 'replaced');
    expect(readFileSync(onHost(host, `${dir}/lt`), 'utf8')).toBe('target');
    expect(readFileSync(onHost(host, `${dir}/lk`), 'utf8')).toBe('replaced');
  });

  it('writes as a non-root login user where it may', async () => {
    const p = `/home/ops/nm-${Date.now()}`;
    const r = await writeFileAtomic(ops.conn.as(undefined), p, 'by ops');
    expect(r.stat.owner).toBe('ops');
    await expect(writeFileAtomic(ops.conn.as(undefined), '/etc/nm-denied', 'x')).rejects.toThrow(/cannot create a temp file/);
    await ops.conn.as(undefined).exec(`rm -f ${p}`);
  });
});
