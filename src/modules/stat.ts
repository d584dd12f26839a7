/**
 * stat: facts about one remote path, registered as `result.stat` with Ansible's field
 * names (exists, isdir, isreg, islnk, mode, uid, gid, pw_name, gr_name, size, mtime,
 * checksum...). `checksum` is sha256 (Ansible's default is sha1). One exec; never changes anything.
 */
import { z } from 'zod';
import { probeFile, type FileProbe } from '../transport/remote-file.js';
import { defineModule } from './types.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { remote } from './lib/remote.js';

const schema = withAliases(
  z.strictObject({
    path: pathArg,
    follow: boolArg.default(false),
    get_checksum: boolArg.default(true),
    checksum_algorithm: z.literal('sha256').default('sha256'),
  }),
  { dest: 'path', name: 'path', checksum: 'checksum_algorithm', checksum_algo: 'checksum_algorithm' },
);

type Args = z.infer<typeof schema>;

export function statResult(p: FileProbe): Record<string, unknown> {
  if (!p.exists) return { exists: false };
  const m = parseInt(p.mode, 8);
  const out: Record<string, unknown> = {
    exists: true,
    path: p.path,
    isreg: p.type === 'file',
    isdir: p.type === 'directory',
    islnk: p.type === 'link',
    mode: p.mode,
    uid: p.uid,
    gid: p.gid,
    pw_name: p.owner,
    gr_name: p.group,
    size: p.size,
    mtime: p.mtime,
    atime: p.atime,
    ctime: p.ctime,
    inode: p.inode,
    nlink: p.nlink,
    isuid: Boolean(m & 0o4000),
    isgid: Boolean(m & 0o2000),
  };
  if (p.sha256) out.checksum = p.sha256;
  if (p.linkTarget !== undefined) {
    out.lnk_target = p.linkTarget;
    out.lnk_source = p.realPath;
  }
  return out;
}

export default defineModule<Args>({
  name: 'stat',
  description: 'Read a remote path\'s type, mode, owner, size, times and sha256 into result.stat',
  schema,
  async plan(a, ctx) {
    const p = await remote(probeFile(ctx.conn, a.path, { wantSha: a.get_checksum, follow: a.follow }));
    return { changed: false, result: { stat: statResult(p) } };
  },
});
