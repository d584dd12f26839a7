/**
 * stat (ansible.builtin.stat, ansible-core 2.14.18's modules/stat.py): facts about one remote
 * path, registered as `result.stat` with every key 2.14 returns on Linux: format_output's os.stat
 * fields (times as Python floats; dev, blocks, block_size, device_type), readable / writeable /
 * executable (os.access), lnk_source / lnk_target for a link, pw_name / gr_name, `checksum`
 * (sha1 by default; `checksum_algorithm` picks another) and `md5` (get_md5) of a readable regular
 * file, `mimetype` / `charset` from `file --mime-type --mime-encoding` ("unknown" without `file`
 * or when it fails), and `version` / `attributes` / `attr_flags` from `lsattr -vd` as basic.py's
 * get_file_attributes parses it (null, [] and "" when lsattr is missing or fails: on overlayfs
 * `lsattr -v` always fails, so Ansible reports no attributes there even for `chattr +i`).
 * `file` and `lsattr` run on the path as given, followed or not, as stat.py runs them.
 * One exec; never changes anything.
 */
import { z } from 'zod';
import { probeFile, type FileProbe } from '../transport/remote-file.js';
import { sh } from '../transport/quote.js';
import { defineModule } from './types.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { remote } from './lib/remote.js';
import { statFormatOutput } from './lib/stat-info.js';

const ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;

const schema = withAliases(
  z.strictObject({
    path: pathArg,
    follow: boolArg.default(false),
    get_checksum: boolArg.default(true),
    checksum_algorithm: z.enum(ALGORITHMS).default('sha1'),
    // Undocumented in 2.14 but accepted (older roles pass `get_md5: no`): md5 of a readable regular file.
    get_md5: boolArg.default(false),
    get_mime: boolArg.default(true),
    get_attributes: boolArg.default(true),
  }),
  {
    dest: 'path',
    name: 'path',
    checksum: 'checksum_algorithm',
    checksum_algo: 'checksum_algorithm',
    mime: 'get_mime',
    mime_type: 'get_mime',
    'mime-type': 'get_mime',
    attr: 'get_attributes',
    attributes: 'get_attributes',
  },
);

type Args = z.infer<typeof schema>;

/** basic.py's FILE_ATTRIBUTES: lsattr's flag letters and the names Ansible reports. */
const FILE_ATTRIBUTES: Record<string, string> = {
  A: 'noatime',
  a: 'append',
  c: 'compressed',
  C: 'nocow',
  d: 'nodump',
  D: 'dirsync',
  e: 'extents',
  E: 'encrypted',
  h: 'blocksize',
  i: 'immutable',
  I: 'indexed',
  j: 'journalled',
  N: 'inline',
  s: 'zero',
  S: 'synchronous',
  t: 'notail',
  T: 'blockroot',
  u: 'undelete',
  X: 'compressedraw',
  Z: 'compresseddirty',
};

/**
 * The probe's extra script ($p, $follow set by it), three lines: checksum, md5 and the login's
 * access ("-" for none); lsattr -vd's first two words or "-"; what `file` printed after its last
 * colon or "-". get_bin_path looks in PATH then the sbin directories; so does this subshell.
 */
function statExtra(a: Args): ReturnType<typeof sh> {
  const sum = a.get_checksum ? `${a.checksum_algorithm}sum` : '';
  return sh`PATH=$PATH:/sbin:/usr/sbin:/usr/local/sbin; set -f
rd=0; [ -f "$p" ] && [ -r "$p" ] && { [ ! -L "$p" ] || [ "$follow" = 1 ]; } && rd=1
c=-; s=${sum}; if [ -n "$s" ] && [ "$rd" = 1 ]; then c=$($s < "$p") && c=\${c%% *}; fi
m5=-; if [ ${a.get_md5 ? 1 : 0} = 1 ] && [ "$rd" = 1 ]; then m5=$(md5sum < "$p") && m5=\${m5%% *}; fi
acc=-; [ -r "$p" ] && acc=\${acc}r; [ -w "$p" ] && acc=\${acc}w; [ -x "$p" ] && acc=\${acc}x
printf '%s %s %s\\n' "$c" "$m5" "$acc"
at=-; if [ ${a.get_attributes ? 1 : 0} = 1 ] && at=$(lsattr -vd -- "$p" 2>/dev/null); then set -- $at; at="$1 $2"; else at=-; fi
printf '%s\\n' "$at"
mm=-; if [ ${a.get_mime ? 1 : 0} = 1 ] && mm=$(file --mime-type --mime-encoding -- "$p" 2>/dev/null); then case $mm in *:*) mm=\${mm##*:} ;; *) mm=- ;; esac; else mm=-; fi
printf '%s' "$mm"`;
}

/** stat.py's parse of `file`'s "<path>: <type>; charset=<enc>": a part it cannot split stays "unknown". */
function mimeFields(tail: string): { mimetype: string; charset: string } {
  const out = { mimetype: 'unknown', charset: 'unknown' };
  if (tail === '-') return out;
  const parts = tail.split(';');
  if (parts.length !== 2) return out;
  out.mimetype = parts[0].trim();
  const enc = parts[1].split('=');
  if (enc.length > 1) out.charset = enc[1].trim();
  return out;
}

/** basic.py's get_file_attributes(include_version=True) over lsattr -vd's first two words. */
function attributeFields(words: string): { version: string | null; attributes: string[]; attr_flags: string } {
  const out: { version: string | null; attributes: string[]; attr_flags: string } = { version: null, attributes: [], attr_flags: '' };
  if (words === '-' || !words.trim()) return out;
  const [version, flags] = words.split(' ');
  out.version = version;
  if (!flags) return out;
  out.attr_flags = flags.replace(/-/g, '');
  out.attributes = [...out.attr_flags].filter((f) => f in FILE_ATTRIBUTES).map((f) => FILE_ATTRIBUTES[f]);
  return out;
}

export interface StatOptions {
  get_mime: boolean;
  get_attributes: boolean;
}

/** result.stat from the probe and its extra output (without `extra`: the os.stat fields only). */
export function statResult(p: FileProbe, extra?: string, opts: StatOptions = { get_mime: false, get_attributes: false }): Record<string, unknown> {
  if (!p.exists) return { exists: false };
  const out = statFormatOutput(p);
  if (extra === undefined) return out;
  const [first = '', attrs = '-', ...mime] = extra.split('\n');
  const [sum = '-', md5 = '-', access = '-'] = first.trim().split(' ');
  out.readable = access.includes('r');
  out.writeable = access.includes('w');
  out.executable = access.includes('x');
  if (out.islnk) {
    out.lnk_source = p.realPath;
    out.lnk_target = p.linkTarget;
  }
  if (md5 !== '-') out.md5 = md5;
  if (sum !== '-') out.checksum = sum;
  if (opts.get_mime) Object.assign(out, mimeFields(mime.join('\n')));
  if (opts.get_attributes) Object.assign(out, attributeFields(attrs));
  return out;
}

export default defineModule<Args>({
  name: 'stat',
  userPaths: ['path'],
  description: "Read a remote path's type, mode, owner, size, times, access, checksum (sha1 by default), mime type and attributes into result.stat",
  schema,
  async plan(a, ctx) {
    const p = await remote(probeFile(ctx.conn, a.path, { follow: a.follow, extra: statExtra(a) }));
    return { changed: false, result: { stat: statResult(p, p.extra, a) } };
  },
});
