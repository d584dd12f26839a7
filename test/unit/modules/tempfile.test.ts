/** tempfile's names and its shell script, run by a local sh in a scratch directory. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import tempfile, { RANDOM_NAME_CHARS, randomName } from '../../../src/modules/tempfile.js';
import { emptyPlannedPaths } from '../../../src/modules/lib/planned-paths.js';
import type { ModuleContext } from '../../../src/modules/types.js';

const scratch = mkdtempSync(join(tmpdir(), 'nm-tempfile-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const local = {
  hostName: 'h',
  exec: (cmd: string) =>
    new Promise<{ rc: number; stdout: string; stderr: string }>((res) => {
      const p = execFile('sh', ['-c', cmd], { cwd: scratch, env: { PATH: process.env.PATH, TMPDIR: scratch } }, (err, stdout, stderr) =>
        res({ rc: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      p.stdin?.end();
    }),
};

const ctx = { host: 'h', conn: local, loginConn: local, check: false, diff: false, vars: {}, timeoutSec: 30, planned: emptyPlannedPaths() } as unknown as ModuleContext;

async function make(args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const a = tempfile.schema.parse(args);
  const plan = await tempfile.plan(a as never, ctx);
  expect(plan.changed).toBe(true);
  return (await plan.apply!()) as Record<string, unknown>;
}

describe('tempfile', () => {
  it("draws 8 characters of Python's _RandomNameSequence alphabet", () => {
    expect(RANDOM_NAME_CHARS).toBe('abcdefghijklmnopqrstuvwxyz0123456789_');
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const n = randomName();
      expect(n).toMatch(/^[a-z0-9_]{8}$/);
      for (const c of n) seen.add(c);
    }
    expect(seen.size).toBeGreaterThan(30);
  });

  it('makes a 0600 file named prefix + 8 + suffix in path; a prefix ending in X stays as written', async () => {
    const r = await make({ path: `${scratch}/`, prefix: 'nm.XX', suffix: ".c'f" });
    expect(r.path).toMatch(new RegExp(`^${scratch}/nm\\.XX[a-z0-9_]{8}\\.c'f$`));
    const st = statSync(r.path as string);
    expect(st.isFile() && (st.mode & 0o777).toString(8)).toBe('600');
    expect(st.nlink).toBe(1);
    expect(r).toMatchObject({ state: 'file', mode: '0600', size: 0 });
  });

  it('makes a 0700 directory in $TMPDIR by default, prefix ansible.', async () => {
    const r = await make({ state: 'directory', suffix: 'build' });
    expect(r.path).toMatch(new RegExp(`^${scratch}/ansible\\.[a-z0-9_]{8}build$`));
    expect(statSync(r.path as string).isDirectory()).toBe(true);
    expect(r).toMatchObject({ state: 'directory', mode: '0700' });
  });

  it('a relative path is from the shell directory', async () => {
    const r = await make({ path: '.' });
    expect(r.path).toMatch(new RegExp(`^${scratch}/ansible\\.[a-z0-9_]{8}$`));
  });

  it("a file's relative path is made absolute with `..` collapsed (mkstemp's os.path.abspath), a directory's kept as written (mkdtemp)", async () => {
    mkdirSync(join(scratch, 'sub'), { recursive: true });
    const base = scratch.slice(scratch.lastIndexOf('/') + 1);
    const f = await make({ path: `sub/../../${base}/./sub/` });
    expect(f.path).toMatch(new RegExp(`^${scratch}/sub/ansible\\.[a-z0-9_]{8}$`));
    const up = await make({ path: '../'.repeat(scratch.split('/').length + 2) + scratch.slice(1) });
    expect(up.path).toMatch(new RegExp(`^${scratch}/ansible\\.[a-z0-9_]{8}$`));
    const d = await make({ state: 'directory', path: `sub/../sub/` });
    expect(d.path).toMatch(/^sub\/\.\.\/sub\/ansible\.[a-z0-9_]{8}$/);
    expect(statSync(join(scratch, d.path as string)).isDirectory()).toBe(true);
  });

  it("a missing or non-directory path fails with Python's message", async () => {
    await expect(make({ path: `${scratch}/missing` })).rejects.toThrow(new RegExp(`^\\[Errno 2\\] No such file or directory: '${scratch}/missing/ansible\\.[a-z0-9_]{8}'$`));
    writeFileSync(join(scratch, 'plain'), '');
    await expect(make({ state: 'directory', path: `${scratch}/plain` })).rejects.toThrow(/^\[Errno 20\] Not a directory: '.*\/plain\/ansible\.[a-z0-9_]{8}'$/);
  });
});
