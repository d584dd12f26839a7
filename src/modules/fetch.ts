/**
 * fetch: copy a remote file to the controller, at `dest/<host>/<src path>` (or exactly
 * `dest` / `dest/<basename>` with flat). Changed when the local copy differed. The plan's
 * single probe compares sha256 on the host and, in a real run, brings the bytes back in the
 * same round trip (only when they differ), so apply is a local atomic write.
 * A relative `dest` is taken from the directory nodemend runs in. The local path is refused
 * unless it stays inside `dest` (`dest/<host>` when not flat), symlinks included: the host
 * name and `src` may come from what a host said (lib/contained-path.ts).
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { probeFile, sha256 } from '../transport/remote-file.js';
import { defineModule, ModuleFailure, type FileDiff } from './types.js';
import { boolArg, pathArg } from './lib/args.js';
import { contentDiff, MAX_DIFF_BYTES } from './lib/diff.js';
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

async function localPath(a: Args, host: string): Promise<string> {
  const base = resolve(a.dest);
  if (!a.flat) {
    const hostDir = join(base, safeComponent(host, 'the host name'));
    return containedPath(hostDir, join(hostDir, a.src), `the fetched ${a.src}`);
  }
  return a.dest.endsWith('/') ? containedPath(base, join(base, basename(a.src)), `the fetched ${a.src}`) : base; // named by the user
}

async function readLocal(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (e) {
    // A directory in the way is reported by the write, after the remote side is known to be fine.
    if (['ENOENT', 'EISDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) return null;
    throw new ModuleFailure(`cannot read local ${path}: ${(e as Error).message}`);
  }
}

/** Temp file beside the target, then rename: a reader never sees half a file. */
async function writeLocalAtomic(path: string, data: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.nodemend-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new ModuleFailure(`cannot write local ${path}: ${(e as Error).message}`);
  }
}

export default defineModule<Args>({
  name: 'fetch',
  description: 'Copy a remote file to the controller (dest/<host>/<path>, or flat)',
  schema,
  async plan(a, ctx) {
    const dest = await localPath(a, ctx.host);
    const local = await readLocal(dest);
    const localSha = local ? sha256(local) : '';
    // Bytes come back in the plan's round trip when a real run will need them (or a check wants a diff).
    const wantBytes = !ctx.check || ctx.diff;
    const p = await remote(
      probeFile(ctx.conn, a.src, {
        compareSha: localSha,
        wantContent: wantBytes ? 'if-different' : undefined,
        maxContentBytes: ctx.check ? MAX_DIFF_BYTES : undefined,
        follow: true,
        largeOutput: !ctx.check,
      }),
    );
    if (!p.exists && remoteFileWillExist(ctx, a.src)) {
      planLocalFile(ctx, dest);
      return { changed: true, msg: `${a.src} would be fetched to ${dest} (an earlier task would create it)`, result: { file: a.src, dest } };
    }
    if (!p.exists) {
      if (a.fail_on_missing) throw new ModuleFailure(`the remote file ${a.src} does not exist, not transferring`);
      return { changed: false, msg: `the remote file ${a.src} does not exist`, result: { file: a.src } };
    }
    if (p.type !== 'file') throw new ModuleFailure(`remote ${a.src} is a ${p.type}: fetch works on regular files only`);
    const remoteSha = p.remoteSha256!;
    const result = { file: a.src, dest, checksum: remoteSha, remote_checksum: remoteSha };
    if (remoteSha === localSha) return { changed: false, msg: `${dest} is up to date`, result };

    planLocalFile(ctx, dest); // a later copy of it must not plan against the stale local file
    let diff: FileDiff[] | undefined;
    let note: string | undefined;
    if (ctx.diff) {
      const c = contentDiff(dest, local, p.content);
      diff = c.diff ? [c.diff] : undefined;
      note = c.note;
    }
    return {
      changed: true,
      msg: `${a.src} would be fetched to ${dest}${note ? ` (${note})` : ''}`,
      done: `${a.src} fetched to ${dest}${note ? ` (${note})` : ''}`,
      diff,
      result,
      apply: async () => {
        const data = p.content!;
        if (a.validate_checksum && sha256(data) !== remoteSha) {
          throw new ModuleFailure(`checksum mismatch fetching ${a.src}: the file changed while it was read`, { checksum: sha256(data), remote_checksum: remoteSha });
        }
        await writeLocalAtomic(dest, data);
        return { checksum: sha256(data), size: data.length };
      },
    };
  },
});
