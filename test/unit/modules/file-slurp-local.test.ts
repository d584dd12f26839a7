/**
 * file's times with `state: link`, `hard` and `absent`, and slurp of paths that are not regular
 * files, planned and applied on this machine (LocalConnection: real processes and files, no SSH), as
 * 2.14's file.py (ensure_symlink / ensure_hardlink / ensure_absent, update_timestamp_for_file) and
 * slurp.py (open() and read() of whatever the path is) do. The differential proof against
 * ansible-playbook is test/fleet/differential-file-times.test.ts and differential-assemble-slurp.test.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import file from '../../../src/modules/file.js';
import slurp, { slurpFailure } from '../../../src/modules/slurp.js';
import { LocalConnection } from '../../../src/transport/local.js';
import { ModuleFailure, type ModuleContext, type ModuleDef } from '../../../src/modules/types.js';
import { emptyPlannedPaths } from '../../../src/modules/lib/planned-paths.js';

const conn = new LocalConnection('localhost');
const root = mkdtempSync(join(tmpdir(), 'nm-fsl-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function ctx(check: boolean): ModuleContext {
  return {
    host: 'localhost',
    conn,
    loginConn: conn,
    check,
    diff: false,
    facts: {} as never,
    vars: {},
    renderTemplate: () => Promise.reject(new Error('no templates here')),
    resolveLocalPath: (p) => p,
    evaluate: () => Promise.reject(new Error('no expressions here')),
    template: () => Promise.reject(new Error('no templates here')),
    setHostVars: () => undefined,
    setIncludedVars: () => undefined,
    timeoutSec: 30,
    planned: emptyPlannedPaths(),
    reconnect: () => Promise.resolve(),
  };
}

/** Plan (and unless check, apply) a task; the registered result as the executor merges it. */
async function task<A>(mod: ModuleDef<A>, args: unknown, check = false) {
  const plan = await mod.plan(mod.schema.parse(args), ctx(check));
  const applied = !check && plan.changed && plan.apply ? await plan.apply() : undefined;
  return { changed: plan.changed, result: { ...plan.result, ...(applied ?? {}) } as Record<string, any> };
}

async function failure(p: Promise<unknown>): Promise<ModuleFailure> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ModuleFailure);
  return e as ModuleFailure;
}

const OLD = 1_000_000_000;
const mtime = (p: string) => statSync(p).mtimeMs / 1000;
/** 2022-02-08 14:14 in this machine's zone (the format's wall-clock time, as time.mktime reads it). */
const T = '202202081414.00';
const tSecs = new Date(2022, 1, 8, 14, 14, 0).getTime() / 1000;

describe('file times with state: link', () => {
  it('a new link: the run sets the times on its target, --check predicts the change without a link or times', async () => {
    const dir = mkdtempSync(join(root, 'link-'));
    writeFileSync(join(dir, 'target'), 't\n');
    utimesSync(join(dir, 'target'), OLD, OLD);
    const args = { path: join(dir, 'l'), src: join(dir, 'target'), state: 'link', modification_time: T, access_time: 'preserve' };
    const check = await task(file, args, true);
    expect(check.changed).toBe(true);
    // 2.14's check run returns before the times when the path leads nowhere yet.
    expect(check.result.diff).toEqual({ before: { path: args.path, state: 'absent' }, after: { path: args.path, state: 'link' } });
    expect([existsSync(args.path), mtime(join(dir, 'target'))]).toEqual([false, OLD]);
    const run = await task(file, args);
    expect(run.changed).toBe(true);
    expect(readlinkSync(args.path)).toBe(join(dir, 'target'));
    expect(mtime(join(dir, 'target'))).toBe(tSecs);
    expect(run.result.diff).toEqual({ before: { path: args.path, state: 'absent', mtime: OLD }, after: { path: args.path, state: 'link', mtime: tSecs } });
    const rerun = await task(file, args);
    expect(rerun.changed).toBe(false);
  });

  it('re-pointed: --check compares the times with what the path leads to now, the run with the new target', async () => {
    const dir = mkdtempSync(join(root, 'repoint-'));
    writeFileSync(join(dir, 'old'), 'o\n');
    writeFileSync(join(dir, 'new'), 'n\n');
    utimesSync(join(dir, 'old'), OLD + 5, OLD + 5);
    utimesSync(join(dir, 'new'), OLD, OLD);
    symlinkSync('old', join(dir, 'l'));
    const args = { path: join(dir, 'l'), src: 'new', state: 'link', modification_time: T, access_time: 'preserve' };
    const check = await task(file, args, true);
    expect(check.result.diff.before).toMatchObject({ src: 'old', mtime: OLD + 5 });
    const run = await task(file, args);
    expect(run.result.diff.before).toMatchObject({ src: 'old', mtime: OLD });
    expect([readlinkSync(args.path), mtime(join(dir, 'new')), mtime(join(dir, 'old'))]).toEqual(['new', tSecs, OLD + 5]);
  });

  it('to nothing: with follow no times; without follow the link is made and the task fails (in --check too)', async () => {
    const dir = mkdtempSync(join(root, 'dangling-'));
    const base = { src: join(dir, 'nowhere'), state: 'link', force: true, modification_time: T };
    expect((await task(file, { ...base, path: join(dir, 'f') })).changed).toBe(true);
    const nf = { ...base, path: join(dir, 'nf'), follow: false };
    const msg = `Error while updating modification or access time: [Errno 2] No such file or directory: b'${join(dir, 'nf')}'`;
    expect((await failure(task(file, nf, true))).message).toBe(msg);
    expect(lstatSync(join(dir, 'nf'), { throwIfNoEntry: false })).toBeUndefined();
    expect((await failure(task(file, nf))).message).toBe(msg);
    expect(readlinkSync(join(dir, 'nf'))).toBe(join(dir, 'nowhere'));
  });
});

describe('file times with state: hard', () => {
  it("a new hard link: the inode's times, a rerun with the same time changes nothing, now every run", async () => {
    const dir = mkdtempSync(join(root, 'hard-'));
    writeFileSync(join(dir, 'src'), 's\n');
    utimesSync(join(dir, 'src'), OLD, OLD);
    const args = { path: join(dir, 'h'), src: join(dir, 'src'), state: 'hard', modification_time: T, access_time: T };
    const check = await task(file, args, true);
    expect([check.changed, check.result.diff.before.mtime, existsSync(args.path)]).toEqual([true, undefined, false]);
    const run = await task(file, args);
    expect(run.result.diff).toEqual({ before: { path: args.path, state: 'absent', mtime: OLD, atime: OLD }, after: { path: args.path, state: 'hard', mtime: tSecs, atime: tSecs } });
    expect([statSync(args.path).ino, mtime(join(dir, 'src'))]).toEqual([statSync(join(dir, 'src')).ino, tSecs]);
    expect((await task(file, args)).changed).toBe(false);
    expect((await task(file, { ...args, modification_time: 'preserve', access_time: 'preserve' })).changed).toBe(false);
    const now = await task(file, { ...args, modification_time: 'now', access_time: 'now' });
    expect([now.changed, mtime(join(dir, 'src')) > tSecs]).toEqual([true, true]);
  });

  it('replacing a file (force): --check compares with the file there, the run with the new inode', async () => {
    const dir = mkdtempSync(join(root, 'hardforce-'));
    writeFileSync(join(dir, 'src'), 's\n');
    writeFileSync(join(dir, 'h'), 'h\n');
    utimesSync(join(dir, 'src'), OLD, OLD);
    utimesSync(join(dir, 'h'), OLD + 7, OLD + 7);
    const args = { path: join(dir, 'h'), src: join(dir, 'src'), state: 'hard', force: true, modification_time: T, access_time: 'preserve' };
    expect((await task(file, args, true)).result.diff.before).toMatchObject({ state: 'file', mtime: OLD + 7 });
    expect((await task(file, args)).result.diff.before).toMatchObject({ state: 'file', mtime: OLD });
    expect(mtime(join(dir, 'src'))).toBe(tSecs);
  });

  it('replacing a symlink with follow: the times go where the symlink led (file.py read it first)', async () => {
    const dir = mkdtempSync(join(root, 'hardlink-'));
    writeFileSync(join(dir, 'src'), 's\n');
    writeFileSync(join(dir, 'was'), 'w\n');
    utimesSync(join(dir, 'src'), OLD, OLD);
    utimesSync(join(dir, 'was'), OLD, OLD);
    symlinkSync('was', join(dir, 'h'));
    await task(file, { path: join(dir, 'h'), src: join(dir, 'src'), state: 'hard', modification_time: T });
    expect([lstatSync(join(dir, 'h')).isFile(), mtime(join(dir, 'was')), mtime(join(dir, 'src'))]).toEqual([true, tSecs, OLD]);
  });
});

describe('file times with state: absent', () => {
  it('are ignored, even a time its format cannot read', async () => {
    const dir = mkdtempSync(join(root, 'absent-'));
    writeFileSync(join(dir, 'f'), 'f\n');
    const args = { path: join(dir, 'f'), state: 'absent', modification_time: 'not a time', access_time: 'now' };
    expect(file.schema.safeParse(args).success).toBe(true);
    const r = await task(file, args);
    expect([r.changed, r.result.diff, existsSync(args.path)]).toEqual([true, { before: { path: args.path, state: 'file' }, after: { path: args.path, state: 'absent' } }, false]);
    expect((await task(file, args)).changed).toBe(false);
  });
});

describe('slurp of paths that are not regular files', () => {
  it('/dev/null reads as empty content', async () => {
    expect((await task(slurp, { src: '/dev/null' })).result).toEqual({ content: '', encoding: 'base64', source: '/dev/null' });
  });

  it('a fifo: what a writer sends, once one opens it', async () => {
    const fifo = join(root, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', 'sleep 0.3; printf "from the writer\\n" > "$1"', 'sh', fifo]);
    const r = await task(slurp, { src: fifo });
    expect(Buffer.from(r.result.content, 'base64').toString()).toBe('from the writer\n');
    writer.kill();
  });

  it("a socket fails as open() does (ENXIO), in slurp.py's words", async () => {
    const sock = join(root, 'sock');
    const server = createServer().listen(sock);
    await new Promise((ok) => server.once('listening', ok));
    try {
      expect((await failure(task(slurp, { src: sock }))).message).toBe(`unable to slurp file: [Errno 6] No such device or address: '${sock}'`);
    } finally {
      server.close();
    }
  });

  it('a device that never ends fails at the limit', async () => {
    expect((await failure(task(slurp, { src: '/dev/zero' }))).message).toMatch(/^\/dev\/zero is more than 16777216 bytes, over slurp's limit/);
  });
});

describe('slurpFailure', () => {
  it("maps GNU head's errors to slurp.py's messages", () => {
    const m = (s: string) => slurpFailure('/x', s)?.message;
    expect(m("head: cannot open '/x' for reading: No such file or directory\n")).toBe('file not found: /x');
    expect(m("head: cannot open '/x' for reading: Permission denied\n")).toBe('file is not readable: /x');
    expect(m("head: error reading '/x': Is a directory\n")).toBe('source is a directory and must be a file: /x');
    expect(m("head: cannot open '/x' for reading: Not a directory\n")).toBe("unable to slurp file: [Errno 20] Not a directory: '/x'");
    // A read's OSError carries no file name.
    expect(m("head: error reading '/x': Input/output error\n")).toBe('unable to slurp file: [Errno 5] Input/output error');
    expect(m("head: cannot open '/x' for reading: Some new error\n")).toBe("unable to slurp file: head: cannot open '/x' for reading: Some new error");
    expect(m('')).toBeUndefined();
  });
});
