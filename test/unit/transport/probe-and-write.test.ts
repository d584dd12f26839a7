/**
 * probeAndWrite: one exec that probes a file and writes it only where the caller's plan certainly
 * would (nothing there and its directory present, or a regular file with other bytes and
 * `replace`; never through a symlink, onto a directory, or into a missing directory), compare-and-swap
 * against the bytes just read. Runs the script with this machine's /bin/sh.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../../src/transport/local.js';
import { probeAndWrite, probeFile, sha256 } from '../../../src/transport/remote-file.js';

const dir = mkdtempSync(join(tmpdir(), 'nm-probe-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shell = new LocalConnection('localhost');
const NEW = Buffer.from('kernel.panic = 10\n');

describe('probeAndWrite', () => {
  it('writes a missing file in the same exec, with the probe of the path before', async () => {
    const p = join(dir, 'new.conf');
    const r = await probeAndWrite(shell, p, { follow: true }, { content: NEW, opts: { mode: '0640' }, replace: true });
    expect(r.probe.exists).toBe(false);
    expect(r.written && 'result' in r.written && r.written.result.sha256).toBe(sha256(NEW));
    expect(readFileSync(p)).toEqual(NEW);
    expect(statSync(p).mode & 0o777).toBe(0o640);
  });

  it('replaces a regular file with other bytes, keeping its mode when none is given', async () => {
    const p = join(dir, 'old.conf');
    writeFileSync(p, 'old\n', { mode: 0o600 });
    const r = await probeAndWrite(shell, p, { follow: true }, { content: NEW, opts: {}, replace: true });
    expect(r.probe).toMatchObject({ exists: true, type: 'file', sha256: sha256('old\n'), size: 4 });
    expect(r.written && 'result' in r.written).toBe(true);
    expect(readFileSync(p)).toEqual(NEW);
    expect(statSync(p).mode & 0o777).toBe(0o600);
  });

  it('leaves the same bytes, a kept file (replace: false), a symlink, a directory and a missing directory alone', async () => {
    const same = join(dir, 'same.conf');
    writeFileSync(same, NEW);
    const kept = join(dir, 'kept.conf');
    writeFileSync(kept, 'mine\n');
    const link = join(dir, 'link.conf');
    symlinkSync(kept, link);
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const cases: [string, boolean][] = [
      [same, true],
      [kept, false],
      [link, true],
      [sub, true],
      [join(dir, 'missing', 'x.conf'), true],
    ];
    for (const [p, replace] of cases) {
      const before = await probeFile(shell, p, { follow: true, wantSha: true });
      const r = await probeAndWrite(shell, p, { follow: true }, { content: NEW, opts: {}, replace });
      expect(r.written, p).toBeUndefined();
      expect(r.probe, p).toMatchObject({ exists: before.exists, type: before.type, realPath: before.realPath, linkTarget: before.linkTarget });
      expect(r.probe.sha256, p).toBe(before.sha256);
    }
    expect(readFileSync(kept, 'utf8')).toBe('mine\n');
  });

  it("reports the write's failure as writeFileAtomic would, with the probe", async () => {
    const p = join(dir, 'ro', 'f.conf');
    mkdirSync(join(dir, 'ro'), { mode: 0o500 });
    const r = await probeAndWrite(shell, p, { follow: true }, { content: NEW, opts: {}, replace: true });
    if (process.getuid?.() === 0) return; // root writes anywhere
    expect(r.probe.exists).toBe(false);
    expect(r.written && 'error' in r.written && String(r.written.error)).toMatch(/cannot create a temp file/);
  });
});
