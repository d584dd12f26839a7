/** stat and slurp on a real host: Ansible-shaped results, never changed, binary-safe. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import stat from '../../src/modules/stat.js';
import slurp from '../../src/modules/slurp.js';
import type { ModuleHarness } from '../setup/module-harness.js';
import { countExecs, filesHosts, onHost, openHarness, uniqueDir, type FilesHost } from './modules-files-env.js';

let host: FilesHost;
let hx: ModuleHarness;
const dir = uniqueDir('stat');

beforeAll(async () => {
  host = (await filesHosts())[0];
  hx = await openHarness(host);
  mkdirSync(onHost(host, dir), { recursive: true });
  writeFileSync(onHost(host, `${dir}/f`), 'content\n');
  chownSync(onHost(host, `${dir}/f`), 1000, 0); // before chmod: chown clears setuid
  chmodSync(onHost(host, `${dir}/f`), 0o4750);
  symlinkSync(`${dir}/f`, onHost(host, `${dir}/l`));
});
afterAll(async () => {
  await hx.conn.as({ user: 'root', method: 'sudo' }).exec(`rm -rf ${dir}`);
  await hx.close();
});

describe('stat', () => {
  it('describes a regular file like Ansible, with a sha1 checksum, in one exec', async () => {
    // Under relatime the first read after a write moves atime: read once now, so the module's
    // own checksum read (after its stat) cannot move it between its stat and ours.
    readFileSync(onHost(host, `${dir}/f`));
    const { value: r, execs } = await countExecs(hx, () => hx.run(stat, { path: `${dir}/f` }));
    expect(execs).toBe(1);
    expect(r.changed).toBe(false);
    const st = statSync(onHost(host, `${dir}/f`), { bigint: true });
    // Python's st_mtime: the whole seconds plus the nanoseconds * 1e-9, in doubles.
    const pyTime = (ns: bigint): number => Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) * 1e-9;
    expect(r.result.stat).toEqual({
      exists: true,
      path: `${dir}/f`,
      isreg: true,
      isdir: false,
      islnk: false,
      mode: '4750',
      uid: 1000,
      gid: 0,
      pw_name: 'ops',
      gr_name: 'root',
      size: 8,
      mtime: pyTime(st.mtimeNs),
      atime: pyTime(st.atimeNs),
      ctime: pyTime(st.ctimeNs),
      inode: Number(st.ino),
      dev: Number(st.dev),
      blocks: Number(st.blocks),
      block_size: Number(st.blksize),
      device_type: 0,
      nlink: 1,
      isuid: true,
      isgid: false,
      ischr: false,
      isblk: false,
      isfifo: false,
      issock: false,
      rusr: true,
      wusr: true,
      xusr: true,
      rgrp: true,
      wgrp: false,
      xgrp: true,
      roth: false,
      woth: false,
      xoth: false,
      readable: expect.any(Boolean),
      writeable: expect.any(Boolean),
      executable: expect.any(Boolean),
      checksum: createHash('sha1').update('content\n').digest('hex'),
      mimetype: 'text/plain',
      charset: 'us-ascii',
      // The fleet's overlayfs refuses lsattr -v: get_file_attributes' defaults.
      version: null,
      attributes: [],
      attr_flags: '',
    });
    for (const algo of ['md5', 'sha224', 'sha256', 'sha384', 'sha512']) {
      const other = (await hx.run(stat, { path: `${dir}/f`, checksum_algorithm: algo })).result.stat as Record<string, unknown>;
      expect(other.checksum, algo).toBe(createHash(algo).update('content\n').digest('hex'));
    }
  });

  it('a link: islnk without follow, the target with follow; absent; a directory; no checksum when not asked', async () => {
    const l = (await hx.run(stat, { path: `${dir}/l` })).result.stat as Record<string, unknown>;
    expect(l).toMatchObject({ islnk: true, isreg: false, lnk_target: `${dir}/f`, lnk_source: `${dir}/f` });
    expect(l.checksum).toBeUndefined();
    const f = (await hx.run(stat, { path: `${dir}/l`, follow: true })).result.stat as Record<string, unknown>;
    expect(f).toMatchObject({ islnk: false, isreg: true, size: 8 });
    expect((await hx.run(stat, { path: `${dir}/nope` })).result.stat).toEqual({ exists: false });
    expect((await hx.run(stat, { path: dir })).result.stat).toMatchObject({ isdir: true, isreg: false });
    const noSum = (await hx.run(stat, { path: `${dir}/f`, get_checksum: false })).result.stat as Record<string, unknown>;
    expect(noSum.checksum).toBeUndefined();
    expect(stat.schema.safeParse({ path: '/x', checksum_algorithm: 'crc32' }).success).toBe(false);
    const fifo = `${dir}/fifo`;
    await hx.conn.as({ user: 'root', method: 'sudo' }).exec(`mkfifo ${fifo}`);
    expect((await hx.run(stat, { path: fifo })).result.stat).toMatchObject({ isfifo: true, isreg: false, ischr: false });
  });
});

describe('slurp', () => {
  it('returns base64 content, binary-safe, never changed', async () => {
    const bytes = Buffer.from([0, 10, 255, 13, 0x4e, 0x4d]);
    writeFileSync(onHost(host, `${dir}/bin`), bytes);
    const r = await hx.run(slurp, { src: `${dir}/bin` });
    expect(r.changed).toBe(false);
    expect(r.result).toEqual({ content: bytes.toString('base64'), encoding: 'base64', source: `${dir}/bin` });
    const viaLink = await hx.run(slurp, { src: `${dir}/l` });
    expect(Buffer.from(viaLink.result.content as string, 'base64').toString()).toBe(readFileSync(onHost(host, `${dir}/f`), 'utf8'));
  });

  it('fails for a missing file or a directory', async () => {
    await expect(hx.run(slurp, { src: `${dir}/missing` })).rejects.toThrow(/file not found/);
    // slurp.py's words for open()'s EISDIR.
    await expect(hx.run(slurp, { src: dir })).rejects.toThrow(`source is a directory and must be a file: ${dir}`);
  });
});
