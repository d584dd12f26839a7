/**
 * fetch: copy a remote file to the controller, at `dest/<host>/<src path>` (or exactly
 * `dest` / `dest/<basename>` with flat). Changed when the local copy differed. As Ansible's
 * fetch, `checksum`/`remote_checksum` are sha1 (and `md5sum` the local copy's md5).
 *
 * The plan's single probe compares sha1 on the host and, in a real run, brings the bytes of a
 * file up to IN_MEMORY_MAX back in the same round trip (only when they differ); a larger file
 * is streamed by apply into a temp file beside the target, at most MAX_FILE_TRANSFERS at once
 * (transport/ssh.ts), so controller memory does not grow with file size x hosts. Either way
 * the temp file's length and sha1 must match what the host reported before it is renamed over
 * the target: a cut connection, a signal or a file that changed while it was read leaves the
 * old local file (or none), never a part of one.
 *
 * A relative `dest` is taken from the directory nodemend runs in. The local path is refused
 * unless it stays inside `dest` (`dest/<host>` when not flat), symlinks included: the host
 * name and `src` may come from what a host said (lib/contained-path.ts).
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { probeFile } from '../transport/remote-file.js';
import { sh } from '../transport/quote.js';
import { UnreachableError } from '../transport/types.js';
import { defineModule, ModuleFailure, type FileDiff, type ModuleContext } from './types.js';
import { boolArg, pathArg } from './lib/args.js';
import { contentDiff, MAX_DIFF_BYTES } from './lib/diff.js';
import { hashFile } from './lib/local-hash.js';
import { remote } from './lib/remote.js';
import { planLocalFile, remoteFileWillExist } from './lib/planned-paths.js';
import { containedPath, safeComponent } from './lib/contained-path.js';

const schema = z.strictObject({
  src: pathArg,
  dest: pathArg,
  flat: boolArg.default(false),
  validate_checksum: boolArg.default(true),
  fail_on_missing: boolArg.default(true),
});

type Args = z.infer<typeof schema>;

/** A file up to this size comes back in the plan's round trip; a larger one is streamed to disk by apply. */
export const IN_MEMORY_MAX = 1 << 20;

async function localPath(a: Args, host: string): Promise<string> {
  const base = resolve(a.dest);
  if (!a.flat) {
    const hostDir = join(base, safeComponent(host, 'the host name'));
    return containedPath(hostDir, join(hostDir, a.src), `the fetched ${a.src}`);
  }
  return a.dest.endsWith('/') ? containedPath(base, join(base, basename(a.src)), `the fetched ${a.src}`) : base; // named by the user
}

interface LocalCopy {
  sha1: string;
  md5: string;
  /** Only when a diff wants them and the file is small enough to diff. */
  bytes?: Buffer;
}

const digest = (algo: 'sha1' | 'md5', b: Buffer): string => createHash(algo).update(b).digest('hex');

/** The controller's copy, hashed by streaming it (never read whole unless diffed); null when absent. */
async function readLocal(path: string, wantBytes: boolean): Promise<LocalCopy | null> {
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw new ModuleFailure(`cannot read local ${path}: ${e.message}`);
  });
  // A directory in the way is reported by the write, after the remote side is known to be fine.
  if (!st || st.isDirectory()) return null;
  if (wantBytes && st.size <= MAX_DIFF_BYTES) {
    const bytes = await readFile(path).catch((e: Error) => {
      throw new ModuleFailure(`cannot read local ${path}: ${e.message}`);
    });
    return { sha1: digest('sha1', bytes), md5: digest('md5', bytes), bytes };
  }
  return hashFile(path, ['sha1', 'md5']);
}

/** Temp files being filled now: removed if the controller exits before its own cleanup ran. */
const inProgress = new Set<string>();
let exitHook = false;
const tempName = (path: string, tag: string): string => join(dirname(path), `.${basename(path)}.nodemend-${tag}`);
function tempBeside(path: string): string {
  const tmp = tempName(path, randomBytes(4).toString('hex'));
  inProgress.add(tmp);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => inProgress.forEach((f) => rmSync(f, { force: true })));
  }
  return tmp;
}

/** A temp file older than this is a dead controller's (the remote rule for `.nodemend.*` too). */
export const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * A SIGKILLed controller cannot remove its temp file (no handler runs): the next write of the
 * same target removes the temps of its own naming pattern that are over an hour old. A younger
 * one may be another controller's fetch in progress and is left alone.
 */
async function removeStaleTemps(path: string): Promise<void> {
  const prefix = basename(tempName(path, ''));
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const n of names) {
    if (!n.startsWith(prefix) || !/^[0-9a-f]{8}$/.test(n.slice(prefix.length))) continue;
    const f = join(dirname(path), n);
    if (inProgress.has(f)) continue;
    const st = await stat(f).catch(() => null);
    if (st?.isFile() && Date.now() - st.mtimeMs > STALE_TEMP_MS) await rm(f, { force: true });
  }
}

/** What the host reported at plan time, which the bytes received must match. */
interface Expected {
  src: string;
  size: number;
  sha1: string;
  /** validate_checksum: false takes whatever a complete read (exit 0) delivered. */
  verify: boolean;
}

/**
 * Fill a temp file beside `path` with `fill`, check its length and sha1 against the host's,
 * then rename it over `path`. The temp file is removed on any failure (and on exit).
 */
async function installVerified(ctx: ModuleContext, path: string, expected: Expected, fill: (tmp: string) => Promise<void>): Promise<Record<string, unknown>> {
  await mkdir(dirname(path), { recursive: true }).catch((e: Error) => {
    throw new ModuleFailure(`cannot write local ${path}: ${e.message}`);
  });
  await removeStaleTemps(path);
  const tmp = tempBeside(path);
  try {
    await fill(tmp);
    const got = await hashFile(tmp, ['sha1', 'md5']);
    if (expected.verify && (got.size !== expected.size || got.sha1 !== expected.sha1)) {
      // 2.14's registered words and keys; what happened goes to the output.
      ctx.warn?.(
        `checksum mismatch fetching ${expected.src}: received ${got.size} bytes (sha1 ${got.sha1}), the host had ${expected.size} bytes (sha1 ${expected.sha1}) when the task read it: the file changed while it was read; ${path} was left as it was`,
      );
      throw new ModuleFailure('checksum mismatch', { file: expected.src, dest: path, checksum: got.sha1, remote_checksum: expected.sha1, md5sum: got.md5, remote_md5sum: null });
    }
    await rename(tmp, path).catch((e: Error) => {
      throw new ModuleFailure(`cannot write local ${path}: ${e.message}`);
    });
    return { checksum: got.sha1, md5sum: got.md5, remote_md5sum: null };
  } finally {
    await rm(tmp, { force: true });
    inProgress.delete(tmp);
  }
}

/** A transfer that did not complete (lost connection, second interrupt): say what was not fetched. */
function notFetched(e: unknown, src: string, path: string): unknown {
  const what = `${src} was not fetched: ${path} keeps its old content (or stays absent), no partial file is left`;
  if (e instanceof UnreachableError) return new UnreachableError(e.hostName, `${e.message}; ${what}`);
  // The transport's own plain errors (a channel that would not open, a read stopped); sudo's and the host's keep their kind.
  if (e instanceof Error && e.constructor === Error) return new ModuleFailure(`${e.message}; ${what}`);
  return e;
}

/** The host's file streamed into `tmp` by `cat` on a channel of its own (memory stays at about one SSH window). */
async function streamTo(ctx: ModuleContext, remotePath: string, src: string, path: string, tmp: string): Promise<void> {
  const res = await ctx.conn.exec(sh`cat -- ${remotePath}`, { stdoutFile: tmp }).catch((e: unknown) => {
    throw notFetched(e, src, path);
  });
  if (res.rc !== 0) throw new ModuleFailure(`cannot read ${remotePath}: ${res.stderr.trim() || `exit code ${res.rc}`}; ${path} was left as it was`, { rc: res.rc, stderr: res.stderr });
}

export default defineModule<Args>({
  name: 'fetch',
  description: 'Copy a remote file to the controller (dest/<host>/<path>, or flat)',
  schema,
  // action/fetch.py registers a msg only for a missing file or a directory.
  reportOnlyMsg: true,
  async plan(a, ctx) {
    const dest = await localPath(a, ctx.host);
    const local = await readLocal(dest, ctx.diff);
    const localSha = local?.sha1 ?? '';
    // Bytes come back in the plan's round trip when a real run will need them (or a check wants a diff).
    const wantBytes = !ctx.check || ctx.diff;
    const p = await remote(
      probeFile(ctx.conn, a.src, {
        checksum: 'sha1',
        compareSha: localSha,
        wantContent: wantBytes ? 'if-different' : undefined,
        maxContentBytes: ctx.check ? MAX_DIFF_BYTES : IN_MEMORY_MAX,
        follow: true,
        largeOutput: !ctx.check,
      }),
    ).catch((e: unknown) => {
      throw notFetched(e, a.src, dest);
    });
    if (!p.exists && remoteFileWillExist(ctx, a.src)) {
      planLocalFile(ctx, dest);
      return { changed: true, msg: `${a.src} would be fetched to ${dest} (an earlier task would create it)`, result: { dest } };
    }
    // action/fetch.py's words: a missing file, a directory (with become, as slurp says it; without, as stat does).
    const missing = 'the remote file does not exist, not transferring, ignored';
    const isDir = 'remote file is a directory, fetch cannot work on directories';
    if (!p.exists) {
      if (a.fail_on_missing) throw new ModuleFailure(missing);
      return { changed: false, msg: `the remote file ${a.src} does not exist`, result: { file: a.src, msg: missing } };
    }
    if (p.type === 'directory') {
      if (a.fail_on_missing) throw new ModuleFailure(isDir);
      return { changed: false, msg: `remote ${a.src} is a directory`, result: ctx.becomeUser === undefined ? { msg: `${isDir}, not transferring, ignored` } : { file: a.src, msg: isDir } };
    }
    if (p.type !== 'file') throw new ModuleFailure(`remote ${a.src} is a ${p.type}: fetch works on regular files only`);
    const remoteSha = p.remoteSha1!;
    if (remoteSha === localSha) return { changed: false, msg: `${dest} is up to date`, result: { file: a.src, dest, checksum: localSha, md5sum: local!.md5 } };

    planLocalFile(ctx, dest); // a later copy of it must not plan against the stale local file
    let diff: FileDiff[] | undefined;
    let note: string | undefined;
    if (ctx.diff) {
      const c = contentDiff(dest, local ? local.bytes : null, p.content);
      diff = c.diff ? [c.diff] : undefined;
      note = c.note;
    }
    const expected: Expected = { src: a.src, size: p.size, sha1: remoteSha, verify: a.validate_checksum };
    return {
      changed: true,
      msg: `${a.src} would be fetched to ${dest}${note ? ` (${note})` : ''}`,
      done: `${a.src} fetched to ${dest}${note ? ` (${note})` : ''}`,
      diff,
      // action/fetch.py registers no `diff`: the plan's is shown only.
      result: { dest, checksum: remoteSha, remote_checksum: remoteSha, diff: undefined },
      apply: () => {
        const content = p.content;
        // The bytes came with the plan (a small file): their own length is what was read.
        if (content) return installVerified(ctx, dest, { ...expected, size: content.length }, (tmp) => writeFile(tmp, content, { flag: 'wx' }));
        return installVerified(ctx, dest, expected, (tmp) => streamTo(ctx, p.realPath, a.src, dest, tmp));
      },
    };
  },
});
