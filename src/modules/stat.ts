/**
 * stat: facts about one remote path, registered as `result.stat` with the fields Ansible
 * documents (exists, isdir, isreg, islnk, ischr..., mode, uid, gid, pw_name, gr_name, size,
 * times, r/w/x bits for user/group/other, readable/writeable/executable, checksum...).
 * `checksum` is sha1 by default, as Ansible's; `checksum_algorithm` picks another.
 * One exec; never changes anything.
 */
import { z } from 'zod';
import { probeFile, type FileProbe } from '../transport/remote-file.js';
import { raw, sh } from '../transport/quote.js';
import { defineModule } from './types.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { remote } from './lib/remote.js';

const ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;

const schema = withAliases(
  z.strictObject({
    path: pathArg,
    follow: boolArg.default(false),
    get_checksum: boolArg.default(true),
    checksum_algorithm: z.enum(ALGORITHMS).default('sha1'),
    // Accepted as in Ansible; nodemend reads no mime type or attributes (get_mime/get_attributes).
    get_mime: boolArg.default(true),
    get_attributes: boolArg.default(true),
  }),
  { dest: 'path', name: 'path', checksum: 'checksum_algorithm', checksum_algo: 'checksum_algorithm' },
);

type Args = z.infer<typeof schema>;

/** Checksum (of a readable regular file), special file type and the login's access, in the probe's exec ($p, $follow set by it). */
function statExtra(a: Args): ReturnType<typeof sh> {
  const sum = a.get_checksum ? raw(`${a.checksum_algorithm}sum`) : raw('');
  return sh`c=-; s=${sum}; if [ -n "$s" ] && [ -f "$p" ] && [ -r "$p" ] && { [ ! -L "$p" ] || [ "$follow" = 1 ]; }; then c=$($s < "$p") && c=\${c%% *}; fi
t=-; if [ ! -L "$p" ] || [ "$follow" = 1 ]; then if [ -c "$p" ]; then t=chr; elif [ -b "$p" ]; then t=blk; elif [ -p "$p" ]; then t=fifo; elif [ -S "$p" ]; then t=sock; fi; fi
acc=-; [ -r "$p" ] && acc=\${acc}r; [ -w "$p" ] && acc=\${acc}w; [ -x "$p" ] && acc=\${acc}x
printf '%s %s %s' "$c" "$t" "$acc"`;
}

export function statResult(p: FileProbe, extra?: string): Record<string, unknown> {
  if (!p.exists) return { exists: false };
  const m = parseInt(p.mode, 8);
  const [sum = '-', special = '-', access = '-'] = (extra ?? '').trim().split(' ');
  const bit = (b: number): boolean => Boolean(m & b);
  const out: Record<string, unknown> = {
    exists: true,
    path: p.path,
    isreg: p.type === 'file',
    isdir: p.type === 'directory',
    islnk: p.type === 'link',
    ischr: special === 'chr',
    isblk: special === 'blk',
    isfifo: special === 'fifo',
    issock: special === 'sock',
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
    isuid: bit(0o4000),
    isgid: bit(0o2000),
    rusr: bit(0o400),
    wusr: bit(0o200),
    xusr: bit(0o100),
    rgrp: bit(0o40),
    wgrp: bit(0o20),
    xgrp: bit(0o10),
    roth: bit(0o4),
    woth: bit(0o2),
    xoth: bit(0o1),
  };
  if (extra !== undefined) {
    out.readable = access.includes('r');
    out.writeable = access.includes('w');
    out.executable = access.includes('x');
  }
  if (sum !== '-') out.checksum = sum;
  if (p.linkTarget !== undefined) {
    out.lnk_target = p.linkTarget;
    out.lnk_source = p.realPath;
  }
  return out;
}

export default defineModule<Args>({
  name: 'stat',
  description: "Read a remote path's type, mode, owner, size, times, access and checksum (sha1 by default) into result.stat",
  schema,
  async plan(a, ctx) {
    const p = await remote(probeFile(ctx.conn, a.path, { follow: a.follow, extra: statExtra(a) }));
    return { changed: false, result: { stat: statResult(p, p.extra) } };
  },
});
